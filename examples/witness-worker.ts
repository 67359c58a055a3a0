/**
 * The demo's witnesses, in a thread of their own (as they would be on their own machines), so
 * that checking and cosigning the board's checkpoints does not take turns with the board's HTTP
 * loop. Each listens on its own port. Answers `WitnessReady[]` once they all listen; closes them
 * on any message.
 *
 * It is the verifier's `Witness` (c2sp.org/tlog-witness) with its Ed25519 work done by OpenSSL
 * (node:crypto) instead of the portable code: the board's signature on each checkpoint is
 * checked with the board's strict `verifyEd25519Fast` (same decisions as the verifier's
 * portable check), and cosignatures are made with node:crypto's Ed25519, which is deterministic
 * (RFC 8032), so they are byte for byte what `ed25519Cosigner` would make. The demo asks for a
 * cosignature on nearly every ballot's checkpoint; this keeps the witnesses cheap.
 */
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parentPort, workerData } from "node:worker_threads";
import { FileWitnessStore, MAX_REQUEST_BYTES, Witness } from "@urna/verifier/node";
import { fastCosigner, fastLogVerifier } from "./fast-witness.js";

interface Input {
  witnesses: { dataDir: string; name: string; signingSeed: Uint8Array }[];
  logs: string[];
}

export interface WitnessReady {
  url: string;
  vkey: string;
  name: string;
}

async function serveWitness(witness: Witness): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    void (async () => {
      try {
        const chunks: Buffer[] = [];
        let n = 0;
        for await (const c of req as AsyncIterable<Buffer>) {
          n += c.length;
          if (n > MAX_REQUEST_BYTES) {
            res.writeHead(413, {
              "content-type": "text/plain; charset=utf-8",
              connection: "close",
            });
            res.end(`request larger than ${MAX_REQUEST_BYTES} bytes\n`);
            return;
          }
          chunks.push(c);
        }
        const r = await witness.handle(
          req.method ?? "GET",
          req.url ?? "/",
          new Uint8Array(Buffer.concat(chunks)),
        );
        res.writeHead(r.status, r.headers);
        res.end(req.method === "HEAD" ? undefined : r.body);
      } catch (e) {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end(`internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      }
    })();
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}

const { witnesses, logs } = workerData as Input;
const running = await Promise.all(
  witnesses.map(async ({ dataDir, name, signingSeed }) => {
    const witness = new Witness({
      cosigner: fastCosigner(name, signingSeed),
      logs: logs.map(fastLogVerifier),
      store: new FileWitnessStore(dataDir),
    });
    const { server, url } = await serveWitness(witness);
    return { server, ready: { url, vkey: witness.vkey, name } satisfies WitnessReady };
  }),
);
parentPort!.postMessage(running.map((r) => r.ready));
parentPort!.once("message", () => {
  void Promise.all(
    running.map(
      ({ server }) =>
        new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    ),
  ).then(() => parentPort!.close());
});
