/**
 * The witness as a Node HTTP service (node:http, no framework): `createWitness` returns the
 * request handler for `POST /add-checkpoint` and `GET /<origin hash>/checkpoint`, backed by the
 * durable file store in `dataDir`.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ed25519Cosigner } from "../log/cosignature.js";
import type { NoteVerifier } from "../log/note.js";
import { MAX_REQUEST_BYTES } from "./protocol.js";
import { FileWitnessStore } from "./store-node.js";
import { Witness, type WitnessEvent, type WitnessStore } from "./witness.js";

export interface CreateWitnessOptions {
  /** Folder of the durable state (created if needed). */
  dataDir: string;
  /** The witness's key name (its cosignatures' name). */
  name: string;
  /** 32-byte Ed25519 seed of the cosigner key. */
  signingSeed: Uint8Array;
  /** The logs it witnesses: vkeys whose names are the logs' origins. */
  logs: (string | NoteVerifier)[];
  /** Another store instead of the file store in dataDir (tests). */
  store?: WitnessStore;
  now?: () => number;
  onEvent?: (e: WitnessEvent) => void;
}

export type WitnessHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface WitnessService {
  witness: Witness;
  /** The cosigner vkey to give to verifiers (trust file `witnesses[].vkey`). */
  vkey: string;
  name: string;
  handler: WitnessHandler;
  /** Starts listening (port 0: any free port); resolves with the base URL. */
  listen(
    port: number,
    host?: string,
  ): Promise<{ url: string; port: number; server: Server; close(): Promise<void> }>;
}

export function createWitness(opts: CreateWitnessOptions): WitnessService {
  const cosigner = ed25519Cosigner(opts.name, opts.signingSeed);
  const witness = new Witness({
    cosigner,
    logs: opts.logs,
    store: opts.store ?? new FileWitnessStore(opts.dataDir),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
  });
  const handler: WitnessHandler = (req, res) => {
    void serve(witness, req, res);
  };
  return {
    witness,
    vkey: cosigner.vkey,
    name: cosigner.name,
    handler,
    listen: (port, host = "127.0.0.1") =>
      new Promise((resolve, reject) => {
        const server = createServer(handler);
        server.keepAliveTimeout = 30_000;
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const a = server.address() as AddressInfo;
          const h = a.family === "IPv6" ? `[${a.address}]` : a.address;
          resolve({
            url: `http://${h}:${a.port}`,
            port: a.port,
            server,
            close: () =>
              new Promise<void>((ok) => {
                server.close(() => ok());
                server.closeAllConnections();
              }),
          });
        });
      }),
  };
}

async function serve(witness: Witness, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const chunks: Buffer[] = [];
    let n = 0;
    let tooLarge = false;
    for await (const c of req as AsyncIterable<Buffer>) {
      n += c.length;
      if (n > MAX_REQUEST_BYTES) {
        tooLarge = true;
        break;
      }
      chunks.push(c);
    }
    if (tooLarge) {
      res.writeHead(413, { "content-type": "text/plain; charset=utf-8", connection: "close" });
      res.end(`request larger than ${MAX_REQUEST_BYTES} bytes\n`);
      return;
    }
    const body = new Uint8Array(Buffer.concat(chunks));
    const r = await witness.handle(req.method ?? "GET", req.url ?? "/", body);
    res.writeHead(r.status, r.headers);
    res.end(req.method === "HEAD" ? undefined : r.body);
  } catch (e) {
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
    res.end(`internal error: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}
