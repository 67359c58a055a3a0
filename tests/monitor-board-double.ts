/**
 * A board test double for the monitor, witness and custodian tests: a small node:http server with
 * the read routes of spec/api.md they use (checkpoint, consistency and inclusion proofs, entry
 * ranges, single entries, and a status giving the number of entries served). No write routes. It can be malicious: each client (a path prefix, `<url>/<client>`)
 * sees its own view of the log, and a view can be switched at any time, so that two clients see
 * two different continuations of one checkpoint. It counts the entries it serves.
 *
 * It is also the adversarial board of the verifier-side tests (tests/lying-board.test.ts): a
 * view can lie per leaf read (`leafLie`: other bytes for the n-th read of an index, on the entry
 * ranges, `entries/<i>` and the credential lookup alike, or only on one route) and per response
 * (`lie`: another status or body, a delay, a body cut short), per client and per request count.
 */
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  MemoryTree,
  encodeEntryBundle,
  fromBase64,
  leafHash,
  parseTilePath,
  tileFromNodes,
  tileWidth,
  toBase64,
  toHex,
} from "../verifier/src/index.js";

/** One request, as a lie sees it. `nth` counts this client's requests for this path and query. */
export interface LieRequest {
  client: string;
  /** The path under the election, e.g. "entries", "proof/inclusion", "credentials/<hex>". */
  route: string;
  query: URLSearchParams;
  nth: number;
}
/** What to answer instead: a status and body, after a delay, or the honest body cut short. */
export interface Lie {
  status?: number;
  body?: string | Uint8Array;
  delayMs?: number;
  /** Send only this many bytes of the body, then drop the connection. */
  truncate?: number;
}
/** Other bytes for leaf `index`; `nth` counts this client's reads of that index (from 1). */
export type LeafLie = (r: {
  client: string;
  route: "entries" | "entry" | "credentials" | "tile";
  index: number;
  nth: number;
}) => Uint8Array | undefined;

export interface View {
  leaves: Uint8Array[];
  tree: MemoryTree;
  /** The checkpoint served (its size may be below leaves.length). */
  checkpoint: string;
  /** Serve these entries instead of the tree's own (to lie about entries). */
  entriesOverride?: Uint8Array[];
  leafLie?: LeafLie;
  lie?: (r: LieRequest, honest: { status: number; body: string | Uint8Array }) => Lie | undefined;
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
  const reads = new Map<string, number>();
  const nthOf = (key: string) => {
    const n = (reads.get(key) ?? 0) + 1;
    reads.set(key, n);
    return n;
  };
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://x");
    const m = /^\/([^/]+)\/elections\/([^/]+)\/(.*)$/.exec(u.pathname);
    let lieAt: ((status: number, body: string | Uint8Array) => Lie | undefined) | undefined;
    const send = (status: number, body: string | Uint8Array, type = "application/json") => {
      const l = lieAt?.(status, body);
      const go = () => {
        const b = l?.body ?? body;
        res.writeHead(l?.status ?? status, { "content-type": type });
        if (l?.truncate !== undefined) {
          res.write(Buffer.from(b).subarray(0, l.truncate));
          res.destroy();
        } else res.end(b);
      };
      if (l?.delayMs) setTimeout(go, l.delayMs);
      else go();
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
    const nth = nthOf(`${client} ${rest}${u.search}`);
    if (v.lie) {
      const lie = v.lie;
      lieAt = (status, body) =>
        lie({ client, route: rest, query: u.searchParams, nth }, { status, body });
    }
    const size = v.tree.size;
    const num = (k: string) => Number(u.searchParams.get(k));
    const raw = v.entriesOverride ?? v.leaves;
    const leafOf = (i: number, route: "entries" | "entry" | "credentials" | "tile") =>
      v.leafLie?.({ client, route, index: i, nth: nthOf(`${client} leaf ${i}`) }) ?? raw[i];
    const entries = raw;
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
      for (let i = start; i < end; i++) parts.push(leafOf(i, "entries"), Uint8Array.of(0x0a));
      return send(200, Buffer.concat(parts), "application/x-ndjson");
    }
    const one = /^entries\/(\d+)$/.exec(rest);
    if (one) {
      const i = Number(one[1]);
      if (i >= entries.length) return send(404, `{"error":{"code":"NOT_FOUND"}}`);
      c.single++;
      return send(200, leafOf(i, "entry"));
    }
    if (rest.startsWith("tile/")) {
      let t;
      try {
        t = parseTilePath(rest);
      } catch {
        return send(404, `{"error":{"code":"NOT_FOUND"}}`);
      }
      const level = t.kind === "tile" ? t.level : 0;
      if (t.width !== (tileWidth(level, t.index, size) || -1))
        return send(404, `{"error":{"code":"NOT_FOUND"}}`);
      const first = t.index * 256;
      if (t.kind === "tile")
        return send(
          200,
          tileFromNodes(t.level, t.index, t.width, v.tree.node),
          "application/octet-stream",
        );
      const bundle: Uint8Array[] = [];
      for (let i = first; i < first + t.width; i++) bundle.push(leafOf(i, "tile"));
      return send(200, encodeEntryBundle(bundle), "application/octet-stream");
    }
    const cred = /^credentials\/([0-9a-f]{64})$/.exec(rest);
    if (cred)
      return send(200, JSON.stringify(lookupOf(v, cred[1], (i) => leafOf(i, "credentials"))));
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

/** The credential lookup of spec/api.md over a view's whole tree (the double's checkpoint). */
function lookupOf(v: View, keyHex: string, leafOf: (i: number) => Uint8Array) {
  const size = v.tree.size;
  const proven = (i: number) => ({
    index: i,
    leaf: new TextDecoder().decode(leafOf(i)),
    proof: v.tree.inclusionProof(i, size).map(toBase64),
  });
  let open: number | undefined;
  let close: number | undefined;
  const ballots: number[] = [];
  for (let i = 0; i < size; i++) {
    const e = JSON.parse(new TextDecoder().decode(v.leaves[i])) as { type: string; signer: string };
    if (e.type === "voting.open") open ??= i;
    if (e.type === "voting.close") close ??= i;
    if (e.type === "ballot" && toHex(fromBase64(e.signer)) === keyHex) ballots.push(i);
  }
  return {
    size,
    checkpoint: v.checkpoint,
    credential: toBase64(Uint8Array.from(Buffer.from(keyHex, "hex"))),
    manifest: proven(0),
    open: open === undefined ? null : proven(open),
    close: close === undefined ? null : proven(close),
    ballots: ballots.map(proven),
  };
}
