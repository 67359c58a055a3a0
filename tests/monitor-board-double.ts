/**
 * A board test double for the monitor, witness and custodian tests: a small node:http server with
 * the read routes of spec/api.md they use (checkpoint, consistency and inclusion proofs, entry
 * ranges, single entries, and a status giving the number of entries served). No write routes. It can be malicious: each client (a path prefix, `<url>/<client>`)
 * sees its own view of the log, and a view can be switched at any time, so that two clients see
 * two different continuations of one checkpoint. It counts the entries it serves.
 */
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { MemoryTree, leafHash, toBase64 } from "../verifier/src/index.js";

export interface View {
  leaves: Uint8Array[];
  tree: MemoryTree;
  /** The checkpoint served (its size may be below leaves.length). */
  checkpoint: string;
  /** Serve these entries instead of the tree's own (to lie about entries). */
  entriesOverride?: Uint8Array[];
}

export function makeView(leaves: Uint8Array[], checkpoint: string): View {
  return { leaves, tree: new MemoryTree(leaves.map((l) => leafHash(l))), checkpoint };
}

export interface BoardDouble {
  url: string;
  /** Base URL for a client: `${url}/${client}`. */
  clientUrl(client: string): string;
  setView(client: string, view: View): void;
  /** Leaves served by `GET /entries?start&end` and `GET /entries/<i>`, per client. */
  served: Map<string, { range: number; single: number; requests: string[] }>;
  resetCounts(): void;
  close(): Promise<void>;
}

export async function startBoardDouble(election: string): Promise<BoardDouble> {
  const views = new Map<string, View>();
  const served = new Map<string, { range: number; single: number; requests: string[] }>();
  const count = (client: string) => {
    let c = served.get(client);
    if (!c) served.set(client, (c = { range: 0, single: 0, requests: [] }));
    return c;
  };
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://x");
    const m = /^\/([^/]+)\/elections\/([^/]+)\/(.*)$/.exec(u.pathname);
    const send = (status: number, body: string | Uint8Array, type = "application/json") => {
      res.writeHead(status, { "content-type": type });
      res.end(body);
    };
    if (req.method !== "GET")
      return send(405, `{"error":{"code":"METHOD_NOT_ALLOWED","message":"read-only double"}}`);
    if (!m || decodeURIComponent(m[2]) !== election)
      return send(404, `{"error":{"code":"NOT_FOUND"}}`);
    const [, client, , rest] = m;
    const v = views.get(client);
    if (!v) return send(404, `{"error":{"code":"UNKNOWN_ELECTION"}}`);
    const c = count(client);
    c.requests.push(`${rest}${u.search}`);
    const size = v.tree.size;
    const num = (k: string) => Number(u.searchParams.get(k));
    const entries = v.entriesOverride ?? v.leaves;
    if (rest === "checkpoint") return send(200, v.checkpoint, "text/plain; charset=utf-8");
    if (rest === "status") return send(200, JSON.stringify({ id: election, size: entries.length }));
    if (rest === "proof/consistency") {
      const from = num("from");
      const to = num("to");
      if (!(from <= to && to <= size)) return send(404, `{"error":{"code":"NOT_FOUND"}}`);
      return send(
        200,
        JSON.stringify({ from, to, proof: v.tree.consistencyProof(from, to).map(toBase64) }),
      );
    }
    if (rest === "proof/inclusion") {
      const index = num("index");
      const sz = num("size");
      if (!(index < sz && sz <= size)) return send(404, `{"error":{"code":"NOT_FOUND"}}`);
      return send(
        200,
        JSON.stringify({
          index,
          size: sz,
          leafHash: toBase64(v.tree.levels[0][index]),
          proof: v.tree.inclusionProof(index, sz).map(toBase64),
        }),
      );
    }
    if (rest === "entries") {
      const start = num("start");
      const end = Math.min(num("end"), entries.length);
      if (start > end) return send(404, `{"error":{"code":"NOT_FOUND"}}`);
      c.range += end - start;
      const parts: Uint8Array[] = [];
      for (const l of entries.slice(start, end)) parts.push(l, Uint8Array.of(0x0a));
      return send(200, Buffer.concat(parts), "application/x-ndjson");
    }
    const one = /^entries\/(\d+)$/.exec(rest);
    if (one) {
      const i = Number(one[1]);
      if (i >= entries.length) return send(404, `{"error":{"code":"NOT_FOUND"}}`);
      c.single++;
      return send(200, entries[i]);
    }
    return send(404, `{"error":{"code":"NOT_FOUND"}}`);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    clientUrl: (client) => `${url}/${client}`,
    setView: (client, view) => void views.set(client, view),
    served,
    resetCounts: () => served.clear(),
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
