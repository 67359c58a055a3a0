/**
 * The sequencer: the log's single writer, with group commit.
 *
 * append() queues an entry. A batch closes when it holds `maxBatchSize`
 * entries (256); or, when no batch of this log is being committed, at the end
 * of the current event-loop turn (so a lone entry does not wait, and entries
 * that arrive together share a batch); otherwise when the commit in flight is
 * done (entries queue up while its fsync runs: self-clocking group commit), or
 * at the latest when its oldest entry has waited `maxBatchDelayMs` (50 ms).
 * The storage may share one durable write between the batches of many logs
 * (level-storage.ts: one group commit per database).
 * For each batch, in order:
 *   1. each entry's `check(index)` runs synchronously, in index order (a
 *      throw rejects that entry alone; it gets no index and nothing of it
 *      is written), then its meta is computed;
 *   2. leaf hashes extend the compact range and the edge tiles, O(log n);
 *   3. the signer checks the new tree against the last signed one (a
 *      consistency proof from tiles) and signs ONE checkpoint for the batch
 *      (off the main thread when the key can: node:crypto's async sign);
 *   4. one storage commit, durable (fsync), writes leaves, changed tiles,
 *      tree state, the checkpoint and the entries' meta (level: in a write
 *      shared with the other logs' pending commits);
 *   5. the signer records the new tree (its own file, or the board's shared
 *      signer state, written once for many logs), then the batch's promises
 *      resolve and the checkpoint is published.
 * Batches are pipelined: steps 1-3 of batch N+1 run while batch N is being
 * committed (its tiles are read from memory until then), commits run one at
 * a time in order, and releases stay in order. At most two batches are
 * signed and not yet committed.
 *
 * Any failure in 3-5 is fatal: the sequencer rejects that batch, everything
 * queued and every later append with the same error (SIGNER_*,
 * STORAGE_FAILED, ...), and keeps serving reads of the last published tree.
 * A restart reloads the state from storage and the signer file.
 * Except a transient lack of resources in 4 or 5 (EMFILE, ENFILE, ENOSPC:
 * isTransientResourceError): the same write is retried, after
 * `storage.recover()`, with exponential backoff (50 ms doubling to 2 s) until
 * it succeeds; the batch's promises stay pending meanwhile (nothing is
 * acknowledged before it is durable), later batches wait behind it, and the
 * log is writable again as soon as the resource is back.
 */
import {
  MAX_ENTRY_SIZE,
  bytesEqual,
  consistencyProofRanges,
  emptyRoot,
  utf8,
} from "@urna/verifier";
import { BoardLogError, isTransientResourceError } from "./errors.js";
import { leafHashFast } from "./fast-hash.js";
import { LogReader, type LogHead } from "./reader.js";
import type { CheckpointSigner } from "./signer.js";
import type { CommitBatch, LogStorage, MetaValue, TileWrite, TreeState } from "./storage.js";
import { NodeReader, TileCaches, TileEdge, overlaySource } from "./tiles.js";

export type MetaPairs = ReadonlyArray<readonly [string, MetaValue]>;
/** Meta to commit with the entry: fixed pairs, or computed from the entry's index at sequencing time. */
export type MetaInput = MetaPairs | ((index: number) => MetaPairs);

export interface AppendOptions {
  /**
   * Runs synchronously when the entry is sequenced, in index order, with the
   * index the entry will get. Throwing rejects this entry only (with the
   * thrown error) and writes nothing of it. The caller may update its own
   * in-memory indexes here: once check returns, the entry is committed
   * unless the whole log fails (and then it refuses all writes until restart).
   */
  check?: (index: number) => void;
  /**
   * The entry's RFC 6962 leaf hash, SHA-256(0x00 || leaf), when the caller has already computed
   * it from these very bytes (the board hashes each leaf once, for its tracking code and
   * duplicate check, and hands the hash here): the sequencer then does not hash the leaf again.
   * A wrong hash would corrupt the tree; callers pass only leafHashFast(leaf) of the same bytes.
   */
  leafHash?: Uint8Array;
}

export interface AppendResult {
  /** Index of the entry in the log. */
  index: number;
  /** RFC 6962 leaf hash of the entry. */
  leafHash: Uint8Array;
  /** Size and root of the checkpoint that first includes the entry. */
  size: number;
  root: Uint8Array;
  /** That checkpoint, a signed note. */
  checkpoint: string;
}

export interface SequencerOptions {
  storage: LogStorage;
  signer: CheckpointSigner;
  /** Entries per batch (default 256). */
  maxBatchSize?: number;
  /**
   * Longest wait of an entry before its batch closes while an earlier batch is being committed
   * (default 50 ms). An entry arriving while nothing is being committed does not wait.
   */
  maxBatchDelayMs?: number;
  /** Node/tile caches shared with the reader. */
  caches?: TileCaches;
  /** Called once when the sequencer fails; default logs to stderr. */
  onFatal?: (e: BoardLogError) => void;
  /**
   * Called when a write fails for a transient lack of resources and will be retried (with the
   * error and the attempt number, from 1), and once with `undefined` when it succeeded again.
   */
  onTransient?: (e: unknown, attempt: number) => void;
}

interface Pending {
  /** The entry's bytes (a copy of what append was given). */
  leaf: Uint8Array;
  /** Its leaf hash, if the caller gave it (AppendOptions.leafHash); else hashed when sequenced. */
  leafHash: Uint8Array | undefined;
  meta: MetaInput | undefined;
  check: ((index: number) => void) | undefined;
  at: number;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

/** Batches that may be signed but not yet committed. */
const MAX_UNCOMMITTED = 2;

function normaliseMeta(pairs: MetaPairs): Array<[string, Uint8Array]> {
  if (!Array.isArray(pairs)) throw new TypeError("meta must be an array of [key, value] pairs");
  return pairs.map(([k, v]) => {
    if (typeof k !== "string" || k.length === 0)
      throw new TypeError("meta keys must be non-empty strings");
    if (typeof v === "string") return [k, utf8(v)];
    if (v instanceof Uint8Array) return [k, v.slice()];
    throw new TypeError(`meta value of ${k} must be bytes or a string`);
  });
}

const asFatal = (e: unknown): BoardLogError =>
  e instanceof BoardLogError
    ? e
    : new BoardLogError(
        "STORAGE_FAILED",
        `log write failed: ${(e as Error)?.message ?? String(e)}`,
        { cause: e },
      );

export class Sequencer {
  readonly storage: LogStorage;
  readonly signer: CheckpointSigner;
  readonly reader: LogReader;
  readonly #caches: TileCaches;
  readonly #maxBatch: number;
  readonly #delay: number;
  readonly #onFatal: (e: BoardLogError) => void;
  readonly #onTransient: (e: unknown, attempt: number) => void;
  /** The transient error a write is being retried for. */
  #degraded: unknown;

  #head: LogHead;
  #edge: TileEdge;
  #queue: Pending[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #immediate: ReturnType<typeof setImmediate> | undefined;
  /** Steps 1-3 of a batch are running. */
  #running = false;
  /** Batches signed and not yet committed (or failed). */
  #uncommitted = 0;
  #commitTail: Promise<void> = Promise.resolve();
  /** Tiles written by uncommitted batches, newest content per tile. */
  readonly #pendingTiles = new Map<string, Uint8Array>();
  #closing = false;
  #failure: BoardLogError | undefined;
  #releases = new Set<Promise<void>>();
  #idle: Array<() => void> = [];

  private constructor(opts: SequencerOptions, caches: TileCaches, head: LogHead, edge: TileEdge) {
    this.storage = opts.storage;
    this.signer = opts.signer;
    this.#caches = caches;
    this.#maxBatch = opts.maxBatchSize ?? 256;
    this.#delay = opts.maxBatchDelayMs ?? 50;
    if (!Number.isInteger(this.#maxBatch) || this.#maxBatch < 1)
      throw new RangeError("maxBatchSize must be a positive integer");
    this.#onFatal = opts.onFatal ?? ((e) => console.error(`[urna log] ${e.message}`));
    this.#onTransient = opts.onTransient ?? (() => undefined);
    this.#head = head;
    this.#edge = edge;
    this.reader = new LogReader(opts.storage, () => this.#head, caches);
  }

  /**
   * Loads the log from storage, rebuilds the compact range and edge tiles
   * from stored tiles (checking the stored root), and has the signer check
   * the stored tree against the last one it signed. If the signer refuses
   * (SIGNER_ROLLBACK, SIGNER_INCONSISTENT, ...), the sequencer still opens,
   * serves reads of the stored checkpoint and rejects every append with
   * that error (see `failure`).
   */
  static async open(opts: SequencerOptions): Promise<Sequencer> {
    const { storage, signer } = opts;
    const caches = opts.caches ?? new TileCaches();
    const state: TreeState = (await storage.readState()) ?? { size: 0, root: emptyRoot() };
    const stored = await storage.readCheckpoint();
    const nodes = new NodeReader(storage, caches);
    const edge = await TileEdge.load(state.size, storage);
    if (!bytesEqual(edge.root(), state.root))
      throw new BoardLogError(
        "STORAGE_CORRUPT",
        `stored root at size ${state.size} does not match the stored tiles`,
      );

    const head: LogHead = { size: state.size, root: state.root, checkpoint: stored ?? "" };
    const seq = new Sequencer(opts, caches, head, edge);
    try {
      const checkpoint = await signer.sign(state.size, state.root, (a, b) =>
        nodes.hashRanges(consistencyProofRanges(a, b)),
      );
      if (checkpoint !== stored) {
        await storage.commit({
          previousSize: state.size,
          state,
          leaves: [],
          tiles: [],
          checkpoint,
          meta: [],
        });
      }
      await signer.persist(state);
      seq.#head = { size: state.size, root: state.root, checkpoint };
    } catch (e) {
      seq.#fatal(asFatal(e));
    }
    return seq;
  }

  /** The published tree (last released checkpoint). */
  head(): LogHead {
    return this.#head;
  }

  get size(): number {
    return this.#head.size;
  }

  checkpoint(): string {
    return this.reader.checkpoint();
  }

  /** Set once the log failed; every append then rejects with it. */
  get failure(): BoardLogError | undefined {
    return this.#failure;
  }

  /** Set while a write is being retried after a transient lack of resources (EMFILE, ENOSPC). */
  get degraded(): unknown {
    return this.#degraded;
  }

  /**
   * Runs `write` until it succeeds, retrying (after storage.recover) while it fails for a
   * transient lack of resources; any other failure, or the log failing meanwhile, rejects.
   */
  async #retrying(write: () => Promise<void>): Promise<void> {
    let recover = false;
    for (let attempt = 1, wait = 50; ; attempt++, wait = Math.min(2000, wait * 2)) {
      if (!recover) {
        try {
          await write();
          if (this.#degraded !== undefined) {
            this.#degraded = undefined;
            this.#onTransient(undefined, 0);
          }
          return;
        } catch (e) {
          if (!isTransientResourceError(e) || this.#failure) throw e;
          this.#degraded = e;
          this.#onTransient(e, attempt);
          recover = true;
        }
      }
      await new Promise((r) => setTimeout(r, wait));
      if (this.#failure) throw this.#failure;
      try {
        await this.storage.recover?.();
        recover = false;
      } catch (e) {
        // still short of the resource: recover again after a longer wait
        if (!isTransientResourceError(e)) throw e;
        this.#degraded = e;
      }
    }
  }

  /** Entries queued and not yet sequenced. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Appends `leaf` (at most 65,535 bytes). Resolves once the entry and its
   * checkpoint are durable and the checkpoint is published.
   */
  append(leaf: Uint8Array, meta?: MetaInput, opts: AppendOptions = {}): Promise<AppendResult> {
    if (!(leaf instanceof Uint8Array))
      return Promise.reject(new BoardLogError("ENTRY_INVALID", "an entry must be a Uint8Array"));
    if (leaf.length > MAX_ENTRY_SIZE)
      return Promise.reject(
        new BoardLogError(
          "ENTRY_TOO_LARGE",
          `entry of ${leaf.length} bytes exceeds ${MAX_ENTRY_SIZE} bytes`,
        ),
      );
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#closing) return Promise.reject(new BoardLogError("LOG_CLOSED", "the log is closing"));
    const given = opts.leafHash;
    if (given !== undefined && (!(given instanceof Uint8Array) || given.length !== 32))
      return Promise.reject(new BoardLogError("ENTRY_INVALID", "a leaf hash must be 32 bytes"));
    return new Promise<AppendResult>((resolve, reject) => {
      this.#queue.push({
        leaf: leaf.slice(),
        leafHash: given,
        meta,
        check: opts.check,
        at: performance.now(),
        resolve,
        reject,
      });
      this.#schedule();
    });
  }

  /** Closes the current batch now and waits until everything queued so far is released (or rejected). */
  async flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    while (this.#queue.length > 0 || this.#running || this.#uncommitted > 0) {
      if (this.#queue.length > 0 && !this.#running && this.#uncommitted < MAX_UNCOMMITTED)
        void this.#runBatch();
      await new Promise<void>((r) => this.#idle.push(r));
    }
    await Promise.allSettled([...this.#releases]);
  }

  /** Stops accepting entries, commits everything queued, waits for every release. Does not close storage. */
  async close(): Promise<void> {
    this.#closing = true;
    await this.flush();
  }

  #wake(): void {
    const idle = this.#idle;
    this.#idle = [];
    for (const r of idle) r();
  }

  #schedule(): void {
    if (this.#running || this.#uncommitted >= MAX_UNCOMMITTED) return;
    const q = this.#queue;
    if (q.length === 0) return;
    const wait = this.#closing ? 0 : this.#delay - (performance.now() - q[0].at);
    if (q.length >= this.#maxBatch || wait <= 0) {
      if (this.#timer) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
      }
      void this.#runBatch();
    } else if (this.#uncommitted === 0) {
      // Nothing of this log is being committed: close the batch at the end of this turn.
      this.#immediate ??= setImmediate(() => {
        this.#immediate = undefined;
        if (!this.#running && this.#uncommitted === 0 && this.#queue.length > 0) {
          if (this.#timer) {
            clearTimeout(this.#timer);
            this.#timer = undefined;
          }
          void this.#runBatch();
        } else this.#schedule();
      });
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#schedule();
      }, wait);
    }
  }

  #fatal(e: BoardLogError): void {
    if (this.#failure) return;
    this.#failure = e;
    const q = this.#queue;
    this.#queue = [];
    for (const p of q) p.reject(e);
    try {
      this.#onFatal(e);
    } catch {
      /* a failing handler must not hide the failure */
    }
  }

  async #runBatch(): Promise<void> {
    this.#running = true;
    try {
      const items = this.#queue.splice(0, this.#maxBatch);
      if (this.#failure) {
        for (const p of items) p.reject(this.#failure);
        return;
      }
      await this.#sequence(items);
    } finally {
      this.#running = false;
      this.#wake();
      this.#schedule();
    }
  }

  async #sequence(items: Pending[]): Promise<void> {
    const previousSize = this.#edge.size;
    const accepted: Pending[] = [];
    const leaves: Uint8Array[] = [];
    const meta: Array<[string, Uint8Array]> = [];
    for (const p of items) {
      const index = previousSize + accepted.length;
      let m: Array<[string, Uint8Array]> = [];
      try {
        p.check?.(index);
        if (p.meta !== undefined)
          m = normaliseMeta(typeof p.meta === "function" ? p.meta(index) : p.meta);
      } catch (e) {
        p.reject(e);
        continue;
      }
      accepted.push(p);
      leaves.push(p.leaf);
      for (const kv of m) meta.push(kv);
    }
    if (accepted.length === 0) return;

    const hashes = accepted.map((p) => p.leafHash ?? leafHashFast(p.leaf));
    for (const h of hashes) this.#edge.push(h);
    const size = this.#edge.size;
    const root = this.#edge.root();
    const tiles: TileWrite[] = this.#edge.takeWrites();

    for (const t of tiles) this.#pendingTiles.set(`${t.level}/${t.index}`, t.hashes);
    let checkpoint: string;
    try {
      const pending = new NodeReader(overlaySource(this.storage, this.#pendingTiles), this.#caches);
      checkpoint = await this.signer.sign(size, root, (a, b) =>
        pending.hashRanges(consistencyProofRanges(a, b)),
      );
    } catch (e) {
      const err = asFatal(e);
      this.#fatal(err);
      for (const p of accepted) p.reject(err);
      return;
    }

    // Commit (after the previous batch's commit), then record the signed tree outside the database, then release.
    const batch: CommitBatch = {
      previousSize,
      state: { size, root },
      leaves,
      tiles,
      checkpoint,
      meta,
    };
    this.#uncommitted++;
    const committed = this.#commitTail.then(() => {
      if (this.#failure) throw this.#failure;
      return this.#retrying(() => this.storage.commit(batch));
    });
    this.#commitTail = committed.catch(() => undefined);
    const release = committed
      .then(
        () => {
          for (const t of tiles) {
            const k = `${t.level}/${t.index}`;
            if (this.#pendingTiles.get(k) === t.hashes) this.#pendingTiles.delete(k);
            this.#caches.committed(t);
          }
          this.#uncommitted--;
          this.#wake();
          this.#schedule();
          return this.#retrying(() => this.signer.persist({ size, root }));
        },
        (e: unknown) => {
          this.#uncommitted--;
          this.#wake();
          throw e;
        },
      )
      .then(
        () => {
          if (size > this.#head.size) this.#head = { size, root, checkpoint };
          accepted.forEach((p, i) =>
            p.resolve({ index: previousSize + i, leafHash: hashes[i], size, root, checkpoint }),
          );
        },
        (e: unknown) => {
          const err = asFatal(e);
          this.#fatal(err);
          for (const p of accepted) p.reject(err);
        },
      );
    this.#releases.add(release);
    void release.finally(() => this.#releases.delete(release));
  }
}
