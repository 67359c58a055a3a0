/**
 * The HTTP API of spec/api.md: writes (POST of signed entries) and public reads.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import express, { type NextFunction, type Request, type Response, Router } from "express";
import type { AnyEntry } from "@urna/schemas";
import { CanonicalJsonError, validateEntry } from "@urna/schemas";
import { EntryError, entryLeaf, parseTilePath, toBase64 } from "@urna/verifier";
import { BoardLogError, isTransientResourceError } from "../log/index.js";
import type { BoardContext } from "./board.js";
import type { AppendResponse, BulkItem, Election } from "./election.js";
import { ApiError, logUnavailableMessage } from "./errors.js";
import { parseFeedView, serveEvents } from "./feed.js";
import { recordStream } from "./record.js";
import { credentialLookup, receiptLookup } from "./receipt-lookup.js";
import { VERSION } from "./version.js";

/** Request bodies above this are refused before parsing (an entry's canonical form is at most 65,535 bytes). */
export const MAX_BODY_BYTES = 70 * 1024;
export const MAX_ENTRY_BYTES = 65_535;
/** Bulk requests (`POST /elections/<id>/bulk`): at most this many entries and body bytes. */
export const MAX_BULK_ENTRIES = 1000;
export const MAX_BULK_BYTES = 4 * 1024 * 1024;
/** Most leaves one `entries?start&end` request returns. */
export const MAX_RANGE = 10_000;

const ELECTION_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;
const IMMUTABLE = "public, max-age=31536000, immutable";
const SHORT = "public, max-age=1";

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Body bytes -> a schema-valid entry and its canonical leaf, or the API error for the first problem. */
export function parseEntryBody(body: unknown): { entry: AnyEntry; leaf: Uint8Array } {
  if (!(body instanceof Uint8Array) || body.length === 0)
    throw new ApiError("BAD_JSON", "the request body is empty");
  if (body.length > MAX_BODY_BYTES)
    throw new ApiError("ENTRY_TOO_LARGE", `the body exceeds ${MAX_BODY_BYTES} bytes`);
  return entryFromJson(parseJson(body));
}

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(fatalUtf8.decode(body));
  } catch (e) {
    throw new ApiError(
      "BAD_JSON",
      `the body is not JSON: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

/** A parsed JSON value -> a schema-valid entry and its canonical leaf, or the API error. */
function entryFromJson(value: unknown): { entry: AnyEntry; leaf: Uint8Array } {
  let v;
  try {
    v = validateEntry(value);
  } catch (e) {
    // e.g. a stack overflow on absurdly nested input
    throw new ApiError(
      "SCHEMA_INVALID",
      `the entry cannot be validated: ${e instanceof Error ? e.message : String(e)}`,
      "",
    );
  }
  if (!v.ok) {
    const first = v.errors[0];
    throw new ApiError("SCHEMA_INVALID", `${first.path || "/"}: ${first.message}`, first.path);
  }
  let leaf: Uint8Array;
  try {
    leaf = entryLeaf(v.value);
  } catch (e) {
    if (e instanceof EntryError && e.code === "ENTRY_TOO_LARGE")
      throw new ApiError("ENTRY_TOO_LARGE", e.message);
    if (e instanceof CanonicalJsonError) throw new ApiError("NON_CANONICAL", e.message, e.path);
    throw new ApiError(
      "NON_CANONICAL",
      `the entry cannot be canonicalised: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (leaf.length > MAX_ENTRY_BYTES)
    throw new ApiError(
      "ENTRY_TOO_LARGE",
      `the entry is ${leaf.length} bytes, more than ${MAX_ENTRY_BYTES}`,
    );
  return { entry: v.value, leaf };
}

/**
 * A bulk request's body -> its items (api.md, `POST /elections/<id>/bulk`): a JSON array of 1 to
 * MAX_BULK_ENTRIES entries. The body as a whole is refused (BAD_JSON, BULK_TOO_LARGE,
 * BULK_INVALID); each item is then an entry and its leaf, or its own error (as the single route
 * would answer it), so one bad item does not refuse the others.
 */
export function parseBulkBody(body: unknown): unknown[] {
  if (!(body instanceof Uint8Array) || body.length === 0)
    throw new ApiError("BAD_JSON", "the request body is empty");
  if (body.length > MAX_BULK_BYTES)
    throw new ApiError("BULK_TOO_LARGE", `the body exceeds ${MAX_BULK_BYTES} bytes`);
  const value = parseJson(body);
  if (!Array.isArray(value))
    throw new ApiError("BULK_INVALID", "the body must be a JSON array of entries", "");
  if (value.length === 0 || value.length > MAX_BULK_ENTRIES)
    throw new ApiError(
      "BULK_INVALID",
      `a bulk request holds 1 to ${MAX_BULK_ENTRIES} entries, not ${value.length}`,
      "",
    );
  return value;
}

/** Appends a bulk request's entries to `e` and returns the response body (one result per item). */
async function submitBulkTo(e: Election, values: unknown[]): Promise<BulkResponse> {
  const items: BulkItem[] = values.map((v) => {
    try {
      const { entry, leaf } = entryFromJson(v);
      checkTarget(e, entry);
      return { entry, leaf };
    } catch (err) {
      return toApiError(err);
    }
  });
  const outcomes = await e.submitBulk(items);
  return {
    results: outcomes.map((o) =>
      o instanceof ApiError ? { status: o.status, ...o.toJSON() } : { status: 201, ...o },
    ),
  };
}

/** Body of a bulk response: one result per entry, in request order. */
export interface BulkResponse {
  results: Array<
    | ({ status: 201 } & AppendResponse)
    | { status: number; error: { code: string; message: string; path?: string } }
  >;
}

function intParam(v: unknown, name: string, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== "string" || !DECIMAL.test(v))
    throw new ApiError("BAD_REQUEST", `${name} must be a decimal integer`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new ApiError("BAD_REQUEST", `${name} is too large`);
  return n;
}

/** Log read errors: out of range is 404, anything else propagates. */
function readError(e: unknown): never {
  if (
    e instanceof BoardLogError &&
    (e.code === "NOT_FOUND" || e.code === "INDEX_OUT_OF_RANGE" || e.code === "SIZE_OUT_OF_RANGE")
  )
    throw new ApiError("NOT_FOUND", e.message.replace(/^[A-Z_]+: /, ""));
  throw e;
}

/** Largest archive kept by the record cache, and all of them together. */
export const RECORD_CACHE_ENTRY_BYTES = 64 * 2 ** 20;
export const RECORD_CACHE_BYTES = 256 * 2 ** 20;

/**
 * `GET /elections/<id>/record` built once per published checkpoint (per election and `tiles`)
 * and kept in memory while it is the latest, for archives up to RECORD_CACHE_ENTRY_BYTES (larger
 * ones are streamed from the log on every request, as before); concurrent requests for the same
 * checkpoint share one build. At most RECORD_CACHE_BYTES in all (the oldest builds go first).
 */
class RecordCache {
  readonly #m = new Map<string, { checkpoint: string; bytes: Promise<Buffer | undefined> }>();
  #total = 0;
  readonly #sizes = new Map<string, number>();

  get(e: Election, tiles: boolean): Promise<Buffer | undefined> {
    const snap = e.published;
    // entries.jsonl alone is bytes + size; tiles add about 32 bytes per leaf and the bundles
    const estimate = (snap.bytes + snap.size) * (tiles ? 2.2 : 1) + 64 * 1024;
    if (estimate > RECORD_CACHE_ENTRY_BYTES) return Promise.resolve(undefined);
    const key = `${e.id}\n${tiles ? 1 : 0}`;
    const hit = this.#m.get(key);
    if (hit && hit.checkpoint === snap.checkpoint) return hit.bytes;
    this.#drop(key);
    const bytes = (async () => {
      const parts: Uint8Array[] = [];
      let n = 0;
      for await (const c of recordStream(e, { tiles })) {
        parts.push(c);
        n += c.length;
        if (n > RECORD_CACHE_ENTRY_BYTES) return undefined;
      }
      return Buffer.concat(parts, n);
    })();
    const entry = { checkpoint: snap.checkpoint, bytes };
    this.#m.set(key, entry);
    void bytes.then(
      (b) => {
        if (this.#m.get(key) !== entry) return;
        if (!b) return void this.#m.delete(key);
        this.#sizes.set(key, b.length);
        this.#total += b.length;
        for (const k of this.#m.keys()) {
          if (this.#total <= RECORD_CACHE_BYTES || k === key) break;
          this.#drop(k);
        }
      },
      () => {
        if (this.#m.get(key) === entry) this.#m.delete(key);
      },
    );
    return bytes;
  }

  #drop(key: string): void {
    this.#m.delete(key);
    this.#total -= this.#sizes.get(key) ?? 0;
    this.#sizes.delete(key);
  }
}

export function routes(ctx: BoardContext): Router {
  const r = Router();
  const records = new RecordCache();
  const raw = express.raw({ type: () => true, limit: MAX_BODY_BYTES });

  const election = (req: Request): Election => {
    const id = req.params.id as string;
    const e = ELECTION_ID.test(id) ? ctx.elections.get(id) : undefined;
    if (!e) throw new ApiError("UNKNOWN_ELECTION", `no election ${JSON.stringify(id)}`);
    return e;
  };
  const writable = (): void => {
    if (ctx.isClosing()) throw new ApiError("SHUTTING_DOWN", "the board is shutting down");
  };

  // Public API: browsers (a voter's device, the receipt checker) may call it from any origin.
  r.use((req, res, next) => {
    res.setHeader("Access-Control-Allow-Origin", "*");
    if (req.method === "OPTIONS") {
      res.setHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
      res.setHeader("Access-Control-Allow-Headers", "Content-Type, Last-Event-ID");
      res.setHeader("Access-Control-Max-Age", "86400");
      res.status(204).end();
      return;
    }
    next();
  });

  // A browser (Accept prefers text/html over JSON) gets the public site; API clients (JSON, */*
  // or no Accept) get the board's info as before (spec/api.md §Reads).
  r.get("/", (req, res) => {
    res.setHeader("Vary", "Accept");
    if (req.accepts(["application/json", "text/html"]) === "text/html")
      return void res.redirect(302, "web/");
    res.json({ name: ctx.name, vkey: ctx.vkey, version: VERSION, publicKey: ctx.publicKey });
  });

  r.get("/elections", (_req, res) => {
    res.setHeader("Cache-Control", "no-cache");
    res.json(
      [...ctx.elections.values()].map((e) => ({
        id: e.id,
        title: e.state.manifest.title,
        phase: e.state.phase,
        size: e.published.size,
      })),
    );
  });

  // ---- writes
  r.post("/elections", raw, async (req, res) => {
    writable();
    const { entry, leaf } = parseEntryBody(req.body);
    if (entry.type !== "manifest")
      throw new ApiError(
        "WRONG_PHASE",
        `POST /elections takes a manifest; post ${entry.type} to /elections/${entry.election}/entries`,
      );
    ctx.admitCreation(entry.signer, req.socket.remoteAddress);
    if (ctx.elections.has(entry.election))
      throw new ApiError("ELECTION_EXISTS", `election ${entry.election} already exists`);
    const out = await ctx.createElection(entry, leaf);
    res.status(201).json(out);
  });

  r.post("/elections/:id/entries", raw, async (req, res) => {
    writable();
    const { entry, leaf } = parseEntryBody(req.body);
    const out = await submitTo(election(req), entry, leaf);
    res.status(201).json(out);
  });

  const rawBulk = express.raw({ type: () => true, limit: MAX_BULK_BYTES });
  r.post(
    "/elections/:id/bulk",
    (req, res, next) =>
      rawBulk(req, res, (err?: unknown) =>
        next(
          (err as HttpError | undefined)?.type === "entity.too.large"
            ? new ApiError("BULK_TOO_LARGE", `the body exceeds ${MAX_BULK_BYTES} bytes`)
            : err,
        ),
      ),
    async (req, res) => {
      writable();
      const values = parseBulkBody(req.body);
      res.status(200).json(await submitBulkTo(election(req), values));
    },
  );

  // ---- reads
  r.get("/elections/:id/status", (req, res) => {
    const e = election(req);
    const head = e.reader.head();
    const published = ctx.publishStatus(e.id);
    res.setHeader("Cache-Control", "no-cache");
    res.json({
      id: e.id,
      phase: e.state.phase,
      size: head.size,
      root: toBase64(head.root),
      counts: e.state.counts(),
      turnout: e.state.turnout(),
      ...(e.witnessingRecord ? { witnessing: e.witnessingRecord.toJSON() } : {}),
      origin: e.origin,
      vkey: ctx.electionVkey(e.id),
      ...(e.seq.failure ? { readOnly: e.seq.failure.code } : {}),
      ...(e.seq.degraded !== undefined && !e.seq.failure ? { retrying: "STORAGE_RETRYING" } : {}),
      ...(published ? { published } : {}),
    });
  });

  r.get("/elections/:id/checkpoint", (req, res) => {
    const e = election(req);
    res.setHeader("Content-Type", "text/plain; charset=utf-8");
    res.setHeader("Cache-Control", "no-cache");
    res.send(e.published.checkpoint);
  });

  r.get("/elections/:id/tile/*path", async (req, res) => {
    const e = election(req);
    const rest = (req.params as unknown as { path: string[] }).path;
    let p;
    try {
      p = parseTilePath(`tile/${rest.join("/")}`);
    } catch (err) {
      throw new ApiError("BAD_REQUEST", err instanceof Error ? err.message : String(err));
    }
    let bytes: Uint8Array;
    try {
      bytes =
        p.kind === "tile"
          ? await e.reader.tile(p.level, p.index, p.width)
          : await e.reader.entryBundle(p.index, p.width);
    } catch (err) {
      readError(err);
    }
    res.setHeader("Content-Type", "application/octet-stream");
    res.setHeader("Cache-Control", p.width === 256 ? IMMUTABLE : SHORT);
    res.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });

  r.get("/elections/:id/entries/:index", async (req, res) => {
    const e = election(req);
    const index = intParam(req.params.index, "index");
    if (index >= e.published.size) throw new ApiError("NOT_FOUND", `no entry ${index}`);
    let leaf: Uint8Array;
    try {
      leaf = await e.reader.entry(index);
    } catch (err) {
      readError(err);
    }
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.setHeader("Cache-Control", IMMUTABLE);
    res.send(Buffer.from(leaf.buffer, leaf.byteOffset, leaf.byteLength));
  });

  r.get("/elections/:id/entries", async (req, res) => {
    const e = election(req);
    const size = e.published.size;
    const start = intParam(req.query.start, "start", 0);
    const asked = intParam(req.query.end, "end", start + MAX_RANGE);
    if (asked < start) throw new ApiError("BAD_REQUEST", "end is before start");
    if (asked - start > MAX_RANGE)
      throw new ApiError("BAD_REQUEST", `at most ${MAX_RANGE} entries per request`);
    const end = Math.min(size, asked);
    if (start > size)
      throw new ApiError("NOT_FOUND", `start ${start} is beyond the log's size ${size}`);
    res.setHeader("Content-Type", "application/x-ndjson");
    res.setHeader("Cache-Control", end === size ? "no-cache" : IMMUTABLE);
    for (let a = start; a < end; a += 256) {
      let leaves: Uint8Array[];
      try {
        leaves = await e.reader.entries(a, Math.min(end, a + 256));
      } catch (err) {
        if (res.headersSent) return void res.destroy(err as Error);
        readError(err);
      }
      const parts: Buffer[] = [];
      for (const l of leaves) parts.push(Buffer.from(l.buffer, l.byteOffset, l.byteLength), NL);
      if (!res.write(Buffer.concat(parts))) await new Promise((ok) => res.once("drain", ok));
    }
    res.end();
  });

  r.get("/elections/:id/proof/inclusion", async (req, res) => {
    const e = election(req);
    const size = intParam(req.query.size, "size", e.published.size);
    const index = intParam(req.query.index, "index");
    if (size > e.published.size) throw new ApiError("NOT_FOUND", `no tree of size ${size} yet`);
    if (index >= size)
      throw new ApiError("NOT_FOUND", `index ${index} is not in a tree of size ${size}`);
    try {
      const [proof, leafHash] = await Promise.all([
        e.reader.inclusionProof(index, size),
        e.reader.leafHashAt(index),
      ]);
      // Immutable only when the URL fixes the tree: without `size` the answer follows the log.
      res.setHeader("Cache-Control", req.query.size !== undefined ? IMMUTABLE : SHORT);
      res.json({ index, size, leafHash: toBase64(leafHash), proof: proof.map(toBase64) });
    } catch (err) {
      readError(err);
    }
  });

  r.get("/elections/:id/proof/consistency", async (req, res) => {
    const e = election(req);
    const from = intParam(req.query.from, "from");
    const to = intParam(req.query.to, "to", e.published.size);
    if (from > to) throw new ApiError("BAD_REQUEST", "from must not exceed to");
    if (to > e.published.size) throw new ApiError("NOT_FOUND", `no tree of size ${to} yet`);
    try {
      const proof = await e.reader.consistencyProof(from, to);
      res.setHeader("Cache-Control", req.query.to !== undefined ? IMMUTABLE : SHORT);
      res.json({ from, to, proof: proof.map(toBase64) });
    } catch (err) {
      readError(err);
    }
  });

  r.get("/elections/:id/receipts/:code", receiptLookup(ctx));
  r.get("/elections/:id/credentials/:key", credentialLookup(ctx));

  r.get("/elections/:id/record", async (req, res) => {
    const e = election(req);
    const tiles = req.query.tiles === "1" || req.query.tiles === "true";
    res.setHeader("Content-Type", "application/x-tar");
    res.setHeader("Content-Disposition", `attachment; filename="${e.id}-record.tar"`);
    res.setHeader("Cache-Control", "no-cache");
    const cached = await records.get(e, tiles);
    if (cached) {
      res.setHeader("Content-Length", cached.length);
      res.end(cached);
      return;
    }
    try {
      for await (const chunk of recordStream(e, { tiles })) {
        if (res.destroyed) return;
        if (!res.write(chunk)) await new Promise((ok) => res.once("drain", ok));
      }
      res.end();
    } catch (err) {
      if (!res.headersSent) throw err;
      res.destroy(err as Error);
    }
  });

  let streams = 0;
  let fullStreams = 0;
  r.get("/elections/:id/events", async (req, res) => {
    const e = election(req);
    if (streams >= ctx.limits.connections.maxStreams) {
      res.setHeader("Retry-After", "5");
      throw new ApiError(
        "TOO_MANY_STREAMS",
        `the board serves ${streams} event streams, its limit; retry later`,
      );
    }
    const last = req.get("Last-Event-ID");
    let after = -1;
    if (last !== undefined && last !== "") after = intParam(last, "Last-Event-ID");
    else if (req.query.after !== undefined)
      after = req.query.after === "-1" ? -1 : intParam(req.query.after, "after");
    const view = parseFeedView(req.query.view);
    if (view === null) throw new ApiError("BAD_REQUEST", "view must be summary or full");
    if (view === "full" && fullStreams >= ctx.limits.connections.maxFullStreams) {
      res.setHeader("Retry-After", "5");
      throw new ApiError(
        "TOO_MANY_FULL_STREAMS",
        `the board serves ${fullStreams} full-view event streams, its limit; use the summary view, or read entries from .../entries and the tiles' entry bundles`,
      );
    }
    streams++;
    if (view === "full") fullStreams++;
    try {
      await serveEvents(
        { feed: e.feed, head: () => e.published, readEntries: (a, b) => e.reader.entries(a, b) },
        res,
        after,
        ctx.shutdown,
        ctx.limits.feed,
        view,
      );
    } finally {
      streams--;
      if (view === "full") fullStreams--;
    }
  });

  r.use((req, _res) => {
    throw new ApiError("NOT_FOUND", `no route ${req.method} ${req.path}`);
  });

  r.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    void next;
    const api = toApiError(err);
    logServerError(ctx.log, api, err);
    if (res.headersSent) return void res.destroy();
    res.status(api.status).json(api.toJSON());
  });
  return r;
}

const NL = Buffer.from("\n");

/** The details of a 5xx that its answer leaves out (internal errors, storage failures) go to the board's log. */
function logServerError(log: (msg: string) => void, api: ApiError, err: unknown): void {
  if (api.status < 500 || err instanceof ApiError) return;
  log(`${api.code}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
}

/** The exact path of the write route the fast path takes; anything else goes through express. */
const ENTRIES_PATH = /^\/elections\/([a-z0-9][a-z0-9-]{0,63})\/(entries|bulk)$/;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Access-Control-Allow-Origin": "*",
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

function sendError(log: (msg: string) => void, res: ServerResponse, err: unknown): void {
  const api = toApiError(err);
  logServerError(log, api, err);
  if (res.headersSent) return void res.destroy();
  sendJson(res, api.status, api.toJSON());
}

/**
 * The write routes `POST /elections/:id/entries` and `/bulk` on plain node:http, without express: express's
 * routing and body parsing cost more CPU per request than everything else the board does for a
 * small entry. Same steps, order, responses and error codes as the express route above (which
 * still serves every request this does not take: other paths, a query string, percent-encoded or
 * differently cased paths, compressed bodies). Returns false when the request is not for it.
 */
export function fastEntryRoute(
  ctx: BoardContext,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== "POST") return false;
    const m = ENTRIES_PATH.exec(req.url ?? "");
    if (!m) return false;
    const enc = req.headers["content-encoding"];
    if (enc !== undefined && enc.toLowerCase() !== "identity") return false;
    const bulk = m[2] === "bulk";
    const limit = bulk ? MAX_BULK_BYTES : MAX_BODY_BYTES;
    const declared = req.headers["content-length"];
    const tooLarge = () =>
      new ApiError(bulk ? "BULK_TOO_LARGE" : "ENTRY_TOO_LARGE", `the body exceeds ${limit} bytes`);
    if (declared !== undefined && Number(declared) > limit) {
      req.resume();
      sendError(ctx.log, res, tooLarge());
      return true;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    let over = false;
    req.on("data", (c: Buffer) => {
      if (over) return;
      length += c.length;
      if (length > limit) {
        over = true;
        chunks.length = 0;
      } else chunks.push(c);
    });
    req.on("error", () => res.destroy());
    req.on("end", () => {
      void (async () => {
        try {
          if (over) throw tooLarge();
          writableOrThrow(ctx);
          const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length);
          const id = m[1];
          if (bulk) {
            const values = parseBulkBody(body);
            const e = ctx.elections.get(id);
            if (!e) throw new ApiError("UNKNOWN_ELECTION", `no election ${JSON.stringify(id)}`);
            sendJson(res, 200, await submitBulkTo(e, values));
            return;
          }
          const { entry, leaf } = parseEntryBody(body);
          const e = ctx.elections.get(id);
          if (!e) throw new ApiError("UNKNOWN_ELECTION", `no election ${JSON.stringify(id)}`);
          sendJson(res, 201, await submitTo(e, entry, leaf));
        } catch (err) {
          sendError(ctx.log, res, err);
        }
      })();
    });
    return true;
  };
}

/** `POST /elections/<id>/entries` once parsed: the entry must be for this election, not a manifest. */
function submitTo(e: Election, entry: AnyEntry, leaf: Uint8Array): Promise<AppendResponse> {
  checkTarget(e, entry);
  return e.submit(entry, leaf);
}

/** An entry posted to election `e` must be for it, and not a manifest. */
function checkTarget(e: Election, entry: AnyEntry): void {
  if (entry.election !== e.id)
    throw new ApiError(
      "ELECTION_MISMATCH",
      `the entry is for election ${JSON.stringify(entry.election)}, not ${JSON.stringify(e.id)}`,
      "/election",
    );
  if (entry.type === "manifest")
    throw new ApiError("ELECTION_EXISTS", `election ${e.id} already has its manifest`);
}

function writableOrThrow(ctx: BoardContext): void {
  if (ctx.isClosing()) throw new ApiError("SHUTTING_DOWN", "the board is shutting down");
}

interface HttpError {
  type?: string;
  status?: number;
  statusCode?: number;
  message?: string;
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const h = err as HttpError;
  if (h && typeof h === "object" && typeof h.type === "string") {
    if (h.type === "entity.too.large")
      return new ApiError("ENTRY_TOO_LARGE", `the body exceeds ${MAX_BODY_BYTES} bytes`);
    if (h.type === "entity.parse.failed") return new ApiError("BAD_JSON", "the body is not JSON");
    return new ApiError("BAD_REQUEST", h.message ?? "bad request");
  }
  const status = h?.status ?? h?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500)
    return new ApiError("BAD_REQUEST", h.message ?? "bad request");
  if (err instanceof BoardLogError) {
    if (
      err.code === "NOT_FOUND" ||
      err.code === "INDEX_OUT_OF_RANGE" ||
      err.code === "SIZE_OUT_OF_RANGE"
    )
      return new ApiError("NOT_FOUND", err.message.replace(/^[A-Z_]+: /, ""));
    return new ApiError("LOG_UNAVAILABLE", logUnavailableMessage(err.code, false));
  }
  // Out of descriptors or disk space anywhere (a file the request needed): retry later.
  if (isTransientResourceError(err))
    return new ApiError("LOG_UNAVAILABLE", logUnavailableMessage("RESOURCES_EXHAUSTED", false));
  // The database itself (abstract-level's ModuleError: LEVEL_DATABASE_NOT_OPEN, LEVEL_IO_ERROR, ...)
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code.startsWith("LEVEL_"))
    return new ApiError("LOG_UNAVAILABLE", logUnavailableMessage(code, false));
  return new ApiError("INTERNAL", "internal error");
}
