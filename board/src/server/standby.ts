/**
 * The standby front: what a board started with `--standby` on a PostgreSQL store serves while
 * another board holds the database's sequencer lease (spec/api.md, "Several boards on one
 * database"). It forwards every request to the lease holder's advertised URL (the `url` column
 * of urna_lease) and returns the holder's answer unchanged: status, headers and body. Only the
 * holder sequences, so the state rules (one ballot per credential, phases) stay exact whatever
 * board a client writes to.
 *
 * When no live holder advertises a URL, or it cannot be reached, the answer is 503 NO_SEQUENCER
 * and the request was not delivered: nothing was written. When the holder accepted the request
 * but failed before answering (it crashed), the outcome is unknown: 503 SEQUENCER_LOST (the
 * entry may be in the log; look it up by its tracking code).
 */
import {
  type IncomingMessage,
  type Server,
  type ServerResponse,
  createServer,
  request,
} from "node:http";
import pg from "pg";
import { type LeaseInfo, readLease } from "../store/index.js";
import { ApiError } from "./errors.js";

/** Hop-by-hop headers (RFC 9110 §7.6.1) are not forwarded. */
const HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "host",
]);

export interface StandbyFrontOptions {
  /** The PostgreSQL store's URL. */
  store: string;
  /** The URL this standby serves on (never forwarded to itself). */
  self?: string;
  /** How long a lease lookup is reused (default 100 ms). */
  cacheMs?: number;
  /** How long to wait for the holder's answer (default 30,000 ms). */
  timeoutMs?: number;
}

export interface StandbyFront {
  /** The node:http handler. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Listens on `port` (0: any free port); resolves with the URL. */
  listen(port: number, host?: string): Promise<{ port: number; url: string; server: Server }>;
  /** Stops listening, drops every connection and the database sessions. */
  close(): Promise<void>;
}

function fail(res: ServerResponse, e: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(e.status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(e.toJSON()));
}

export function standbyFront(opts: StandbyFrontOptions): StandbyFront {
  const pool = new pg.Pool({ connectionString: opts.store, max: 2 });
  pool.on("error", () => undefined);
  const cacheMs = opts.cacheMs ?? 100;
  let cached: { at: number; lease: Promise<LeaseInfo | undefined> } | undefined;
  const servers = new Set<Server>();
  let self = opts.self;

  const lease = (): Promise<LeaseInfo | undefined> => {
    const now = Date.now();
    if (!cached || now - cached.at > cacheMs) {
      const p = readLease(pool).catch(() => undefined);
      cached = { at: now, lease: p };
    }
    return cached.lease;
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    void lease().then((l) => {
      if (!l || !l.live || l.url === undefined || l.url === self) {
        req.resume();
        fail(res, new ApiError("NO_SEQUENCER", "no board holds the sequencer lease right now"));
        return;
      }
      let target: URL;
      try {
        target = new URL(req.url ?? "/", l.url);
      } catch {
        req.resume();
        fail(res, new ApiError("NO_SEQUENCER", "the sequencer advertises no usable URL"));
        return;
      }
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (v !== undefined && !HOP.has(k)) headers[k] = v;
      let connected = false;
      const out = request(
        target,
        { method: req.method, headers, timeout: opts.timeoutMs ?? 30_000 },
        (up) => {
          const h: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(up.headers))
            if (v !== undefined && !HOP.has(k)) h[k] = v;
          res.writeHead(up.statusCode ?? 502, h);
          up.pipe(res);
          up.on("error", () => res.destroy());
        },
      );
      out.on("socket", (s) => {
        if (!s.connecting) connected = true;
        else s.once("connect", () => (connected = true));
      });
      out.on("timeout", () => out.destroy(new Error("timeout")));
      out.on("error", () => {
        cached = undefined;
        req.resume();
        fail(
          res,
          connected
            ? new ApiError(
                "SEQUENCER_LOST",
                "the sequencer failed before answering: the request may or may not have been written",
              )
            : new ApiError("NO_SEQUENCER", "the sequencer cannot be reached"),
        );
      });
      req.pipe(out);
    });
  };

  return {
    handle,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        const server = createServer(handle);
        server.once("error", reject);
        server.listen(port, host ?? "127.0.0.1", () => {
          server.off("error", reject);
          const addr = server.address();
          const p = typeof addr === "object" && addr ? addr.port : port;
          const h = host && host !== "0.0.0.0" && host !== "::" ? host : "127.0.0.1";
          const url = `http://${h.includes(":") ? `[${h}]` : h}:${p}`;
          self ??= url;
          resolve({ port: p, url, server });
        });
        servers.add(server);
      });
    },
    async close() {
      await Promise.all(
        [...servers].map(
          (s) =>
            new Promise<void>((r) => {
              s.close(() => r());
              s.closeAllConnections();
            }),
        ),
      );
      servers.clear();
      await pool.end().catch(() => undefined);
    },
  };
}
