/**
 * LogStorage on `level` (LevelDB through classic-level). One Level database
 * holds many logs (one per election), each under its own sublevel
 * `!<logId>!`, with nested sublevels:
 *   s  "state" (JSON {size, root}) and "checkpoint" (the signed note)
 *   t  hash tiles, key "<level:2 hex>/<index:14 hex>", longest content
 *   b  entry-bundle segments, key "<bundle:14 hex>/<first offset:2 hex>",
 *      value the bundle encoding of the entries that commit added to that
 *      bundle; a bundle is the concatenation of its segments in key order, so
 *      every entry is stored once and no partial bundle is ever rewritten
 *   m  caller meta, key as given
 * A commit's operations are addressed to their sublevels from the root
 * database and written by the database's shared group commit (CommitGroup):
 * the commits of every log on the database that arrive while a write is in
 * flight (or in the same event-loop turn) go into ONE
 * `db.batch(ops, { sync: true })`, which LevelDB applies atomically and makes
 * durable with one fsync of its write-ahead log. Each commit resolves only
 * once the write holding it is durable.
 */
import { Level } from "level";
import {
  TILE_WIDTH,
  encodeEntryBundle,
  fromBase64,
  parseEntryBundle,
  fromUtf8,
  toBase64,
  utf8,
} from "@urna/verifier";
import { BoardLogError } from "../../log/errors.js";
import {
  type CommitBatch,
  type LogStorage,
  type TreeState,
  checkCommitSizes,
} from "../../log/storage.js";
import { type LevelDb, type LevelOp, privatePut, writeBatch } from "./level-internals.js";

export type { LevelDb } from "./level-internals.js";

/** LevelDB tuning for a write-heavy log (see openLevelDb). */
export interface LevelDbOptions {
  /** Memtable size before it is written to a table file (default 32 MiB; LevelDB's own default is 4 MiB). */
  writeBufferSize?: number;
  /** Table file size (default 16 MiB; LevelDB's own default is 2 MiB): fewer files, fewer fsyncs. */
  maxFileSize?: number;
  /** Snappy compression (default false: ballots are ciphertexts and do not compress). */
  compression?: boolean;
}

/** `URNA_LEVEL_WRITE_BUFFER_BYTES`: the memtable size when not given (tests force file rotations). */
function envWriteBufferSize(): number | undefined {
  const v = Number(process.env.URNA_LEVEL_WRITE_BUFFER_BYTES);
  return Number.isSafeInteger(v) && v >= 65_536 ? v : undefined;
}

/** The sublevels of each database, to reopen them with it (reopenLevelDb). */
const sublevelsOf = new WeakMap<LevelDb, Set<Reopenable>>();
interface Reopenable {
  readonly status: string;
  open(): Promise<void>;
}

/** Opens (creating if needed) a Level database for logs: utf8 keys, byte values. */
export async function openLevelDb(location: string, opts: LevelDbOptions = {}): Promise<LevelDb> {
  const db = new Level<string, Uint8Array>(location, {
    keyEncoding: "utf8",
    valueEncoding: "view",
    writeBufferSize: opts.writeBufferSize ?? envWriteBufferSize() ?? 32 * 2 ** 20,
    maxFileSize: opts.maxFileSize ?? 16 * 2 ** 20,
    compression: opts.compression ?? false,
  });
  // Sublevels attach themselves to the database when they open; record them, so that a reopened
  // database can reopen them too (closing a database closes its sublevels for good).
  const subs = new Set<Reopenable>();
  sublevelsOf.set(db, subs);
  const attach = db.attachResource.bind(db);
  db.attachResource = (r: unknown): void => {
    const x = r as Partial<Reopenable> & { parent?: unknown };
    if (x.parent === db && typeof x.open === "function") subs.add(x as Reopenable);
    attach(r as Parameters<LevelDb["attachResource"]>[0]);
  };
  await db.open();
  return db;
}

const reopening = new WeakMap<LevelDb, Promise<void>>();
const lastReopen = new WeakMap<LevelDb, number>();
/** Databases closed by reopenLevelDb and not open again yet: their writes fail transiently. */
const recovering = new WeakSet<LevelDb>();

/**
 * Closes and reopens `db` and every sublevel of it opened through openLevelDb: LevelDB keeps a
 * background error (a compaction that could not open a file: EMFILE) and refuses every later
 * write until the database is reopened. One reopen at a time per database; reads in flight
 * meanwhile fail (LEVEL_DATABASE_NOT_OPEN). Rejects when the database cannot be opened yet (the
 * resource is still missing); calling it again retries.
 */
export function reopenLevelDb(db: LevelDb): Promise<void> {
  let p = reopening.get(db);
  if (!p) {
    recovering.add(db);
    p = (async () => {
      if (db.status === "open") await db.close();
      await db.open();
      for (const s of sublevelsOf.get(db) ?? []) if (s.status !== "open") await s.open();
      recovering.delete(db);
    })().finally(() => reopening.delete(db));
    reopening.set(db, p);
  }
  return p;
}

const hex = (n: number, width: number): string => n.toString(16).padStart(width, "0");
const tileKey = (level: number, index: number): string => `${hex(level, 2)}/${hex(index, 14)}`;
const segmentKey = (bundle: number, offset: number): string =>
  `${hex(bundle, 14)}/${hex(offset, 2)}`;

/** Log ids become LevelDB sublevel names: keep them to a safe, printable set. */
const LOG_ID = /^[A-Za-z0-9._~-]{1,128}$/;

/** The entries of a stored bundle segment. */
function splitEntries(bytes: Uint8Array, where: string): Uint8Array[] {
  try {
    return parseEntryBundle(bytes);
  } catch (e) {
    throw new BoardLogError("STORAGE_CORRUPT", `unreadable entries in ${where}`, { cause: e });
  }
}

function encodeState(s: TreeState): Uint8Array {
  return utf8(JSON.stringify({ size: s.size, root: toBase64(s.root) }));
}

function decodeState(b: Uint8Array): TreeState {
  try {
    const o = JSON.parse(fromUtf8(b)) as { size: unknown; root: unknown };
    if (!Number.isSafeInteger(o.size) || (o.size as number) < 0 || typeof o.root !== "string")
      throw new Error("bad fields");
    const root = fromBase64(o.root);
    if (root.length !== 32) throw new Error("bad root");
    return { size: o.size as number, root };
  } catch (e) {
    throw new BoardLogError("STORAGE_CORRUPT", "unreadable tree state", { cause: e });
  }
}

// Buffers from classic-level may share a pooled ArrayBuffer: copy into plain Uint8Arrays.
const own = (b: Uint8Array): Uint8Array => new Uint8Array(b);
// A plain Uint8Array view of a Buffer (so slices of it are Uint8Arrays, not Buffers).
const view = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

interface GroupMember {
  ops: LevelOp[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit shared by every log of one Level database. `write(ops)` queues
 * a log's operations; when no write is in flight, the queue is written at the
 * end of the current event-loop turn (so the commits of many logs made in
 * the same turn share it), otherwise as soon as the write in flight is
 * durable. Each write is one synchronous (fsync) `db.batch`, atomic for all
 * its members: a failure rejects every member of that write and nothing of
 * them is applied. Members of one write are applied in queue order, so one
 * log's commits (which its storage issues one at a time anyway) stay in order.
 */
export class CommitGroup {
  readonly #db: LevelDb;
  #queue: GroupMember[] = [];
  #busy = false;
  /** Writes done and members committed (diagnostics and tests). */
  writes = 0;
  members = 0;

  constructor(db: LevelDb) {
    this.#db = db;
  }

  /** Resolves once `ops` are durable (together with whatever shared their write). */
  write(ops: LevelOp[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ ops, resolve, reject });
      if (!this.#busy) {
        this.#busy = true;
        setImmediate(() => void this.#run());
      }
    });
  }

  async #run(): Promise<void> {
    while (this.#queue.length > 0) {
      const members = this.#queue;
      this.#queue = [];
      const ops = members.length === 1 ? members[0].ops : members.flatMap((m) => m.ops);
      try {
        await writeBatch(this.#db, ops);
      } catch (e) {
        for (const m of members) m.reject(e);
        continue;
      }
      this.writes++;
      this.members += members.length;
      for (const m of members) m.resolve();
    }
    this.#busy = false;
  }
}

const groups = new WeakMap<LevelDb, CommitGroup>();

/** The group commit of database `db` (one per database object, created on first use). */
export function commitGroupOf(db: LevelDb): CommitGroup {
  let g = groups.get(db);
  if (!g) {
    g = new CommitGroup(db);
    groups.set(db, g);
  }
  return g;
}

/** Logs open for writing, per database object: one LevelLogStorage per log at a time. */
const openLogs = new WeakMap<LevelDb, Set<string>>();

export class LevelLogStorage implements LogStorage {
  readonly logId: string;
  readonly #db: LevelDb;
  readonly #ownsDb: boolean;
  readonly #s;
  readonly #t;
  readonly #b;
  readonly #m;
  /** Global key prefixes of the sublevels: commits address the root database directly. */
  readonly #pb: string;
  readonly #pt: string;
  readonly #pm: string;
  readonly #ps: string;
  /** The committed size as this instance knows it (undefined until first read). */
  #size: number | undefined;
  #commitInFlight = false;

  /**
   * Storage for log `logId` inside an open Level database. If `ownsDb`, close()
   * closes the database too.
   */
  constructor(db: LevelDb, logId: string, opts: { ownsDb?: boolean } = {}) {
    if (!LOG_ID.test(logId))
      throw new BoardLogError(
        "BAD_LOG_ID",
        `log id must match ${LOG_ID}: ${JSON.stringify(logId)}`,
      );
    const open = openLogs.get(db) ?? new Set<string>();
    if (open.has(logId))
      throw new BoardLogError("STORAGE_CONFLICT", `log ${logId} is already open on this database`);
    open.add(logId);
    openLogs.set(db, open);
    this.logId = logId;
    this.#db = db;
    this.#ownsDb = opts.ownsDb ?? false;
    const enc = { keyEncoding: "utf8", valueEncoding: "view" } as const;
    // Sublevel paths [logId, x] are nested sublevels "!<logId>!!<x>!" addressable from the root batch.
    this.#s = db.sublevel<string, Uint8Array>([logId, "s"], enc);
    this.#t = db.sublevel<string, Uint8Array>([logId, "t"], enc);
    this.#b = db.sublevel<string, Uint8Array>([logId, "b"], enc);
    this.#m = db.sublevel<string, Uint8Array>([logId, "m"], enc);
    this.#pb = this.#b.prefix;
    this.#pt = this.#t.prefix;
    this.#pm = this.#m.prefix;
    this.#ps = this.#s.prefix;
  }

  /** Opens a database at `location` that this storage owns, for one log. */
  static async open(
    location: string,
    logId: string,
    opts: LevelDbOptions = {},
  ): Promise<LevelLogStorage> {
    return new LevelLogStorage(await openLevelDb(location, opts), logId, { ownsDb: true });
  }

  /** The underlying database (diagnostics: `db.getProperty("leveldb.stats")`). */
  get db(): LevelDb {
    return this.#db;
  }

  async readState(): Promise<TreeState | undefined> {
    const v = await this.#s.get("state");
    if (v === undefined) {
      this.#size ??= 0;
      return undefined;
    }
    const s = decodeState(v);
    this.#size = s.size;
    return s;
  }

  async readCheckpoint(): Promise<string | undefined> {
    const v = await this.#s.get("checkpoint");
    return v === undefined ? undefined : fromUtf8(v);
  }

  async readTile(level: number, index: number): Promise<Uint8Array | undefined> {
    const v = await this.#t.get(tileKey(level, index));
    if (v === undefined) return undefined;
    if (v.length === 0 || v.length % 32 !== 0 || v.length > TILE_WIDTH * 32)
      throw new BoardLogError("STORAGE_CORRUPT", `tile ${level}/${index} has ${v.length} bytes`);
    return own(v);
  }

  async readEntryBundle(index: number): Promise<{ bundle: Uint8Array; count: number } | undefined> {
    const parts: Uint8Array[] = [];
    let count = 0;
    let total = 0;
    for await (const [k, v] of this.#b.iterator({
      gte: segmentKey(index, 0),
      lte: segmentKey(index, 255),
    })) {
      const offset = parseInt(k.slice(15), 16);
      if (offset !== count)
        throw new BoardLogError(
          "STORAGE_CORRUPT",
          `bundle ${index}: segment at ${offset}, expected ${count}`,
        );
      count += splitEntries(view(v), `bundle ${index}`).length;
      parts.push(v);
      total += v.length;
    }
    if (count === 0) return undefined;
    if (count > TILE_WIDTH)
      throw new BoardLogError("STORAGE_CORRUPT", `bundle ${index} has ${count} entries`);
    const bundle = new Uint8Array(total);
    let p = 0;
    for (const part of parts) {
      bundle.set(part, p);
      p += part.length;
    }
    return { bundle, count };
  }

  async readEntries(start: number, end: number): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    if (end <= start) return out;
    const first = Math.floor(start / TILE_WIDTH);
    const last = Math.floor((end - 1) / TILE_WIDTH);
    let expect = first * TILE_WIDTH;
    for await (const [k, v] of this.#b.iterator({
      gte: segmentKey(first, 0),
      lte: segmentKey(last, 255),
    })) {
      const at = parseInt(k.slice(0, 14), 16) * TILE_WIDTH + parseInt(k.slice(15), 16);
      if (at !== expect)
        throw new BoardLogError(
          "STORAGE_CORRUPT",
          `segment starts at entry ${at}, expected ${expect}`,
        );
      for (const e of splitEntries(view(v), `segment ${k}`)) {
        if (expect >= start && expect < end) out.push(e);
        expect++;
      }
      if (expect >= end) break;
    }
    return out;
  }

  async getMeta(key: string): Promise<Uint8Array | undefined> {
    const v = await this.#m.get(key);
    return v === undefined ? undefined : own(v);
  }

  async *iterateMeta(prefix: string): AsyncIterable<[string, Uint8Array]> {
    for await (const [k, v] of this.#m.iterator({ gte: prefix })) {
      if (!k.startsWith(prefix)) break;
      yield [k, own(v)];
    }
  }

  async commit(batch: CommitBatch): Promise<void> {
    if (this.#commitInFlight)
      throw new BoardLogError("STORAGE_CONFLICT", "concurrent commits on one log");
    this.#commitInFlight = true;
    try {
      if (this.#size === undefined) await this.readState();
      checkCommitSizes(batch, this.#size);
      const { previousSize, state, leaves } = batch;

      const ops: LevelOp[] = [];
      // Entry segments, split at bundle boundaries.
      let i = 0;
      while (i < leaves.length) {
        const at = previousSize + i;
        const bundle = Math.floor(at / TILE_WIDTH);
        const offset = at % TILE_WIDTH;
        const n = Math.min(TILE_WIDTH - offset, leaves.length - i);
        ops.push(
          privatePut(
            this.#pb + segmentKey(bundle, offset),
            encodeEntryBundle(leaves.slice(i, i + n)),
          ),
        );
        i += n;
      }
      for (const t of batch.tiles) {
        if (
          t.hashes.length === 0 ||
          t.hashes.length % 32 !== 0 ||
          t.hashes.length > TILE_WIDTH * 32
        )
          throw new BoardLogError(
            "STORAGE_CONFLICT",
            `tile ${t.level}/${t.index} with ${t.hashes.length} bytes`,
          );
        ops.push(privatePut(this.#pt + tileKey(t.level, t.index), t.hashes));
      }
      for (const [k, v] of batch.meta) ops.push(privatePut(this.#pm + k, v));
      ops.push(privatePut(this.#ps + "state", encodeState(state)));
      ops.push(privatePut(this.#ps + "checkpoint", utf8(batch.checkpoint)));
      try {
        await commitGroupOf(this.#db).write(ops);
      } catch (e) {
        const err = new BoardLogError(
          "STORAGE_FAILED",
          `level batch failed: ${(e as Error).message}`,
          { cause: e },
        );
        // The database is being reopened after a transient failure (another log's): so is this.
        if (recovering.has(this.#db)) Object.assign(err, { transient: true });
        throw err;
      }
      this.#size = state.size;
    } finally {
      this.#commitInFlight = false;
    }
  }

  /**
   * Before a commit is retried after a transient failure: reopens the database (shared with the
   * other logs: once for all of them when their retries coincide), unless it reopened within the
   * last 100 ms.
   */
  async recover(): Promise<void> {
    const at = lastReopen.get(this.#db);
    if (at !== undefined && performance.now() - at < 100 && this.#db.status === "open") return;
    await reopenLevelDb(this.#db);
    lastReopen.set(this.#db, performance.now());
  }

  async close(): Promise<void> {
    openLogs.get(this.#db)?.delete(this.logId);
    if (this.#ownsDb) await this.#db.close();
  }
}
