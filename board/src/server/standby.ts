/**
 * The standby front: what a board started with `--standby` on a PostgreSQL store serves while
 * another board holds the database's sequencer lease (spec/api.md, "Several boards on one
 * database"). It forwards every request other than the log reads below to the lease holder's
 * advertised URL (the `url` column of urna_lease) and returns the holder's answer unchanged: status, headers and body. Only the
 * holder sequences, so the state rules (one ballot per credential, phases) stay exact whatever
 * board a client writes to.
 *
 * Reads of the log itself are served from PostgreSQL directly, without the holder: the signed
 * checkpoint, tiles and entry bundles, entries, inclusion and consistency proofs, and the
 * election's status (its entries replayed, no crypto) and the event stream (standby-feed.ts: woken
 * by the sequencer's commit announcements, with a slow poll as the fallback), the record archive
 * (standby-record.ts: the sequencer's bytes for the same checkpoint), and the receipt and credential lookups
 * (standby-lookups.ts), all as of the checkpoint committed in the database (its tree is committed with it). Anything else, and any
 * such read the standby cannot answer itself (an unknown election, a range beyond the
 * checkpoint, a malformed parameter), is forwarded, so that errors are the sequencer's own.
 *
 * When no live holder advertises a URL, or it cannot be reached, the answer is 503 NO_SEQUENCER
 * and the request was not delivered: nothing was written. When the holder accepted the request
 * but failed before answering (it crashed), the outcome is unknown: 503 SEQUENCER_LOST (the
 * entry may be in the log; look it up by its tracking code).
 *
 * Given the board key, a standby first checks the writes it forwards (standby-verify.ts): a bad
 * entry is refused here with the sequencer's own answer, a good ballot goes with the
 * `Urna-Verified` tag (verified-tag.ts) on which the sequencer skips its signature and proofs.
 */
import {
  type IncomingMessage,
  type Server,
  type ServerResponse,
  createServer,
  request,
} from "node:http";
import pg from "pg";
import { parseTilePath, toBase64 } from "@urna/verifier";
import { type LeaseInfo, PostgresBoardStore, readLease } from "../store/index.js";
import { ApiError } from "./errors.js";
import { listenOn } from "./listen.js";
import { serveLookup } from "./standby-lookups.js";
import { DEFAULT_FEED_LIMITS, parseFeedView, serveEvents } from "./feed.js";
import { type StandbyFeedOptions, StandbyFeeds } from "./standby-feed.js";
import { readerAt } from "./standby-reader.js";
import { StandbyRecords } from "./standby-record.js";
import { ElectionReplay, type Prewarmed } from "./prewarm.js";
import { type BoardLimitOptions, guardConnections, resolveLimits } from "./limits.js";
import { OVERSIZE, bodyLimit } from "./admission.js";
import type { ElectionState } from "@urna/verifier";
import { sendJson } from "./routes/fast-write.js";
import { checkWrite } from "./standby-verify.js";
import { readWriteBody, writeTarget } from "./write-request.js";
import { VERIFIED_HEADER, verifiedTagKey } from "./verified-tag.js";
import { verifyCryptoWork } from "./crypto-work.js";
import { CryptoPool } from "./worker-pool.js";

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
  /**
   * The board's checkpoint origin and verifier key of an election: with them the standby also
   * answers `GET /elections/<id>/status` from the database (replaying the entries, no crypto).
   */
  status?: { origin(id: string): string; vkey(id: string): string };
  /**
   * The event streams' feeds (standby-feed.ts): woken by the sequencer's commit announcements,
   * with a fallback poll every `pollMs` (default 2 s).
   */
  feed?: StandbyFeedOptions;
  /** How long a forwarded write waits for the holder's answer (default 30,000 ms). */
  timeoutMs?: number;
  /**
   * The board's limits under hostile traffic (limits.ts; README §Limits), applied to this front
   * as to a board's own: connection caps in all and per address, per-address rates, malformed
   * framing answered in JSON, the cap on full-view event streams. Defaults as a board's.
   */
  limits?: BoardLimitOptions;
  /**
   * The board key's 32-byte Ed25519 seed (every process of one database has the same key): with
   * it the standby checks every write it can statelessly before forwarding it, refuses what fails
   * with the sequencer's own answer, and tags what passed (standby-verify.ts, verified-tag.ts).
   * Without it, writes are forwarded unchecked.
   */
  verify?: {
    seed: Uint8Array;
    /** The crypto workers: a pool (not closed with the front), or how many to start (0: inline). */
    pool?: CryptoPool;
    workers?: number;
  };
  /**
   * Asked first for every request to the front's servers: true when it answered the request
   * itself (`urna board serve` hands its port to the board while it sequences, and back when
   * the board lost the lease: one listening socket, no gap between the roles).
   */
  delegate?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export interface StandbyFront {
  /** The node:http handler. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Listens on `port` (0: any free port); resolves with the URL. */
  listen(port: number, host?: string): Promise<{ port: number; url: string; server: Server }>;
  /**
   * Prewarming (prewarm.ts): while on, every election registered in the database is replayed
   * and followed every `PREWARM_POLL_MS`; off drops the replays.
   */
  prewarm(on: boolean): void;
  /** Hands over election `id`'s replay (once), after the catch-up in flight. */
  prewarmed(id: string): Promise<Prewarmed | undefined>;
  /** Stops listening, drops every connection and the database sessions. */
  close(): Promise<void>;
}

/** How often a prewarming standby follows the committed logs. */
const PREWARM_POLL_MS = 250;

function fail(res: ServerResponse, e: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(e.status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(e.toJSON()));
}

const IMMUTABLE = "public, max-age=31536000, immutable";
const SHORT = "public, max-age=1";
const ELECTION = "([A-Za-z0-9._~-]{1,128})";
const ROUTES = {
  checkpoint: new RegExp(`^/elections/${ELECTION}/checkpoint$`),
  tile: new RegExp(`^/elections/${ELECTION}/(tile/.+)$`),
  entry: new RegExp(`^/elections/${ELECTION}/entries/(0|[1-9][0-9]{0,15})$`),
  entries: new RegExp(`^/elections/${ELECTION}/entries$`),
  inclusion: new RegExp(`^/elections/${ELECTION}/proof/inclusion$`),
  consistency: new RegExp(`^/elections/${ELECTION}/proof/consistency$`),
  status: new RegExp(`^/elections/${ELECTION}/status$`),
  events: new RegExp(`^/elections/${ELECTION}/events$`),
  record: new RegExp(`^/elections/${ELECTION}/record$`),
};

const MAX_RANGE = 1000;

/** A non-negative integer query parameter (undefined: absent; null: malformed). */
function int(q: URLSearchParams, k: string): number | undefined | null {
  const v = q.get(k);
  if (v === null) return undefined;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(v)) return null;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * Answers a read of the log from the database; false when it cannot (the caller forwards it).
 */
async function serveRead(
  store: PostgresBoardStore,
  req: IncomingMessage,
  res: ServerResponse,
  opts: StandbyFrontOptions,
  replayed: Map<string, ElectionReplay>,
  feeds: StandbyFeeds,
  records: StandbyRecords,
  shutdown: AbortSignal,
  /** Full-view event streams this front serves, and their cap. */
  streams: { full: number; maxFull: number },
): Promise<boolean> {
  if (req.method !== "GET") return false;
  const u = new URL(req.url ?? "/", "http://standby");
  const path = u.pathname;
  const q = u.searchParams;
  let m: RegExpExecArray | null;
  const send = (type: string, cache: string, body: string | Uint8Array): true => {
    res.writeHead(200, { "content-type": type, "cache-control": cache });
    res.end(body);
    return true;
  };
  const json = (cache: string, v: unknown) =>
    send("application/json; charset=utf-8", cache, JSON.stringify(v));
  if ((m = ROUTES.events.exec(path))) {
    const id = m[1];
    const view = parseFeedView(q.get("view") ?? undefined);
    if (view === null) return false;
    const lastId = req.headers["last-event-id"];
    const last = typeof lastId === "string" && lastId !== "" ? lastId : undefined;
    const a = q.get("after");
    let after = -1;
    if (last !== undefined) {
      const n = /^(0|[1-9][0-9]{0,15})$/.test(last) ? Number(last) : NaN;
      if (!Number.isSafeInteger(n)) return false;
      after = n;
    } else if (a !== null && a !== "-1") {
      const n = int(q, "after");
      if (n == null) return false;
      after = n;
    }
    const src = await feeds.open(store, id);
    if (!src) return false;
    // Checked and counted in one step (no await between): concurrent requests cannot overshoot.
    if (view === "full" && streams.full >= streams.maxFull) {
      res.setHeader("Retry-After", "5");
      fail(
        res,
        new ApiError(
          "TOO_MANY_FULL_STREAMS",
          `this standby serves ${streams.full} full-view event streams, its limit; use the summary view`,
        ),
      );
      return true;
    }
    if (view === "full") streams.full++;
    try {
      await serveEvents(
        {
          feed: src.feed,
          head: () => src.head!,
          readEntries: async (s0, e0) => {
            const r = await readerAt(store, id);
            if (!r) throw new Error("the log is gone");
            return r.entries(s0, e0);
          },
        },
        res,
        after,
        shutdown,
        DEFAULT_FEED_LIMITS,
        view,
      );
    } finally {
      if (view === "full") streams.full--;
    }
    return true;
  }
  if ((m = ROUTES.record.exec(path))) {
    const t = q.get("tiles");
    return records.serve(store, m[1], t === "1" || t === "true", res);
  }
  if ((m = ROUTES.status.exec(path)) && opts.status) {
    const id = m[1];
    const r = await readerAt(store, id);
    if (!r) return false;
    let e = replayed.get(id);
    if (!e) replayed.set(id, (e = new ElectionReplay()));
    const { state } = await e.at(r);
    return json("no-cache", {
      id,
      phase: state.phase,
      size: r.size,
      root: toBase64(r.head().root),
      counts: state.counts(),
      turnout: state.turnout(),
      origin: opts.status.origin(id),
      vkey: opts.status.vkey(id),
    });
  }
  if ((m = ROUTES.checkpoint.exec(path))) {
    const r = await readerAt(store, m[1]);
    return r !== undefined && send("text/plain; charset=utf-8", "no-cache", r.checkpoint());
  }
  if ((m = ROUTES.tile.exec(path))) {
    let p;
    try {
      p = parseTilePath(m[2]);
    } catch {
      return false;
    }
    const r = await readerAt(store, m[1]);
    if (!r) return false;
    const bytes =
      p.kind === "tile"
        ? await r.tile(p.level, p.index, p.width)
        : await r.entryBundle(p.index, p.width);
    return send("application/octet-stream", p.width === 256 ? IMMUTABLE : SHORT, bytes);
  }
  if ((m = ROUTES.entry.exec(path))) {
    const index = Number(m[2]);
    const r = await readerAt(store, m[1]);
    if (!r || index >= r.size) return false;
    return send("application/json; charset=utf-8", IMMUTABLE, await r.entry(index));
  }
  if ((m = ROUTES.entries.exec(path))) {
    const start = int(q, "start") ?? 0;
    const asked = int(q, "end") ?? (start === null ? null : start + MAX_RANGE);
    if (start === null || asked === null || asked < start || asked - start > MAX_RANGE)
      return false;
    const r = await readerAt(store, m[1]);
    if (!r || start > r.size) return false;
    const end = Math.min(r.size, asked);
    const parts: Buffer[] = [];
    for (let a = start; a < end; a += 256)
      for (const l of await r.entries(a, Math.min(end, a + 256)))
        parts.push(Buffer.from(l.buffer, l.byteOffset, l.byteLength), Buffer.from("\n"));
    return send(
      "application/x-ndjson",
      end === r.size ? "no-cache" : IMMUTABLE,
      Buffer.concat(parts),
    );
  }
  if ((m = ROUTES.inclusion.exec(path))) {
    const r = await readerAt(store, m[1]);
    if (!r) return false;
    const size = int(q, "size") ?? r.size;
    const index = int(q, "index");
    if (size === null || index == null || size > r.size || index >= size) return false;
    const [proof, leafHash] = await Promise.all([
      r.inclusionProof(index, size),
      r.leafHashAt(index),
    ]);
    return json(IMMUTABLE, {
      index,
      size,
      leafHash: toBase64(leafHash),
      proof: proof.map(toBase64),
    });
  }
  if ((m = ROUTES.consistency.exec(path))) {
    const r = await readerAt(store, m[1]);
    if (!r) return false;
    const from = int(q, "from");
    const to = int(q, "to") ?? r.size;
    if (from == null || to === null || from > to || to > r.size) return false;
    const proof = await r.consistencyProof(from, to);
    return json(IMMUTABLE, { from, to, proof: proof.map(toBase64) });
  }
  if (opts.status) {
    const lookup = await serveLookup(
      path,
      opts.status.origin,
      (id) => readerAt(store, id),
      replayed,
    );
    if (lookup) return json("no-cache", lookup);
  }
  return false;
}

export function standbyFront(opts: StandbyFrontOptions): StandbyFront {
  const pool = new pg.Pool({ connectionString: opts.store, max: 2 });
  pool.on("error", () => undefined);
  const cacheMs = opts.cacheMs ?? 100;
  let cached: { at: number; lease: Promise<LeaseInfo | undefined> } | undefined;
  const servers = new Set<Server>();
  let self = opts.self;
  const limits = resolveLimits(opts.limits);

  const lease = (): Promise<LeaseInfo | undefined> => {
    const now = Date.now();
    if (!cached || now - cached.at > cacheMs) {
      const p = readLease(pool).catch(() => undefined);
      cached = { at: now, lease: p };
    }
    return cached.lease;
  };

  let reads: Promise<PostgresBoardStore | undefined> | undefined;
  let replayed = new Map<string, ElectionReplay>();
  let prewarming: ReturnType<typeof setTimeout> | undefined;
  /** Follows every registered election's committed log once. */
  const followAll = async (): Promise<void> => {
    const store = await readStore();
    if (!store) return;
    for (const { id } of await store.listElections()) {
      const r = await readerAt(store, id);
      if (!r || r.size === 0) continue;
      let e = replayed.get(id);
      if (!e) replayed.set(id, (e = new ElectionReplay()));
      await e.at(r).catch(() => undefined);
    }
  };
  const prewarmLoop = (): void => {
    prewarming = setTimeout(() => {
      void followAll()
        .catch(() => undefined)
        .finally(() => {
          if (prewarming !== undefined) prewarmLoop();
        });
    }, PREWARM_POLL_MS);
    prewarming.unref();
  };
  const feeds = new StandbyFeeds(opts.store, opts.feed);
  const records = new StandbyRecords();
  const streams = { full: 0, maxFull: limits.connections.maxFullStreams };
  const shutdown = new AbortController();
  const readStore = (): Promise<PostgresBoardStore | undefined> => {
    reads ??= PostgresBoardStore.open({ url: opts.store, readOnly: true, poolSize: 2 }).catch(
      () => {
        reads = undefined; // no urna tables yet: try again on the next read
        return undefined;
      },
    );
    return reads;
  };

  // The standby's own checks of the writes (standby-verify.ts), when it has the board key.
  const tagKey = opts.verify ? verifiedTagKey(opts.verify.seed) : undefined;
  let workers = opts.verify?.pool;
  const ownWorkers = workers === undefined;
  /** The replayed state per election, caught up at most every PREWARM_POLL_MS. */
  const fresh = new Map<
    string,
    { at: number; of: Map<string, ElectionReplay>; state: Promise<ElectionState | undefined> }
  >();
  const stateOf = (id: string): Promise<ElectionState | undefined> => {
    // While prewarming, the loop follows every election every PREWARM_POLL_MS already.
    const warm = prewarming !== undefined ? replayed.get(id)?.current() : undefined;
    if (warm) return Promise.resolve(warm);
    const now = Date.now();
    const hit = fresh.get(id);
    if (hit && hit.of === replayed && now - hit.at < PREWARM_POLL_MS) return hit.state;
    const of = replayed;
    const state = (async () => {
      const store = await readStore();
      const r = store && (await readerAt(store, id));
      if (!r || of !== replayed) return undefined;
      let e = of.get(id);
      if (!e) of.set(id, (e = new ElectionReplay()));
      return (await e.at(r)).state;
    })().catch(() => undefined);
    fresh.set(id, { at: now, of, state });
    void state.then((s) => {
      if (!s && fresh.get(id)?.state === state) fresh.delete(id);
    });
    return state;
  };
  /** Takes a write it can check (true), checks it, and refuses or forwards it. */
  const checked = (req: IncomingMessage, res: ServerResponse): boolean => {
    const target = tagKey && writeTarget(req);
    if (!target) return false;
    const { route, election } = target;
    workers ??= new CryptoPool({ size: opts.verify?.workers, inline: verifyCryptoWork });
    const checks = { key: tagKey, pool: workers, stateOf };
    void readWriteBody(req, bodyLimit(route)).then(
      (body) =>
        checkWrite(checks, route, election, body)
          .catch(() => ({ forward: {} }) as const)
          .then((v) => {
            if ("refuse" in v) sendJson(res, v.refuse.status, v.refuse.toJSON());
            else if (body !== OVERSIZE) forward(req, res, { body, ...v.forward });
          }),
      () => res.destroy(),
    );
    return true;
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method === "GET")
      void readStore()
        .then((store) =>
          store
            ? serveRead(store, req, res, opts, replayed, feeds, records, shutdown.signal, streams)
            : false,
        )
        .catch(() => false)
        .then((done) => {
          if (!done && !res.headersSent) forward(req, res);
        });
    else if (!checked(req, res)) forward(req, res);
  };

  /** Forwards `req` to the lease holder: its body as it streams in, or `read` (read already). */
  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    read?: { body: Uint8Array; tag?: string },
  ): void => {
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
      // A client's own tag is never passed on (a standby adds its own).
      for (const [k, v] of Object.entries(req.headers))
        if (v !== undefined && !HOP.has(k) && k !== VERIFIED_HEADER) headers[k] = v;
      if (read) {
        headers["content-length"] = String(read.body.length);
        if (read.tag !== undefined) headers[VERIFIED_HEADER] = read.tag;
      }
      let connected = false;
      const out = request(
        target,
        {
          method: req.method,
          headers,
          // Writes wait at most this long; reads (the event stream stays open) do not time out.
          ...(req.method === "GET" ? {} : { timeout: opts.timeoutMs ?? 30_000 }),
        },
        (up) => {
          const h: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(up.headers))
            if (v !== undefined && !HOP.has(k)) h[k] = v;
          res.writeHead(up.statusCode ?? 502, h);
          up.pipe(res);
          up.on("error", () => res.destroy());
        },
      );
      // No Nagle delay between the forwarded request's head and its body (the sequencer would
      // hold its ACK for the body: ~40 ms per write).
      out.setNoDelay(true);
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
      if (read) out.end(read.body);
      else req.pipe(out);
    });
  };

  return {
    handle,
    prewarm(on) {
      if (on && prewarming === undefined) prewarmLoop();
      if (!on) {
        clearTimeout(prewarming);
        prewarming = undefined;
        replayed = new Map();
      }
    },
    async prewarmed(id) {
      // The board is opening: no more polls, and it serves the record itself.
      clearTimeout(prewarming);
      prewarming = undefined;
      records.clear();
      const e = replayed.get(id);
      if (!e) return undefined;
      replayed.delete(id);
      return e.take();
    },
    listen(port, host) {
      let refused: ReturnType<typeof guardConnections> = () => false;
      const server = createServer((req, res) => {
        if (!refused(req, res) && !opts.delegate?.(req, res)) handle(req, res);
      });
      refused = guardConnections(server, limits.connections, limits.rate);
      server.keepAliveTimeout = 65_000;
      servers.add(server);
      return listenOn(server, port, host).then((bound) => {
        self ??= bound.url;
        return bound;
      });
    },
    async close() {
      clearTimeout(prewarming);
      prewarming = undefined;
      shutdown.abort();
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
      await feeds.close();
      if (ownWorkers) await workers?.close();
      await pool.end().catch(() => undefined);
      const r = await reads;
      await r?.close();
    },
  };
}
