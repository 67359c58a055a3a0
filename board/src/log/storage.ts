/**
 * The narrow boundary between the transparency log and its database.
 *
 * The log (tree arithmetic, tiles, proofs, sequencing, signing) lives above
 * this interface; a backend only stores and returns bytes. The embedded
 * backend is `level` (level-storage.ts); a PostgreSQL + object-storage backend
 * (the Trillian/Tessera split) implements the same interface.
 *
 * Data model, per log (one log per election):
 * - tree state: the size and root of the last committed tree;
 * - hash tiles (c2sp.org/tlog-tiles): for each (level, index) the longest
 *   known content, `width * 32` bytes, width 1..256. Tile content only ever
 *   grows (a partial tile is a prefix of every later version of it), so one
 *   record per tile serves the full tile and every partial width;
 * - entries: the leaves, readable by index range and as entry bundles
 *   (uint16 big-endian length-prefixed, 256 per full bundle). A backend may
 *   store them as it likes (level: one record per bundle segment written by
 *   a commit; object storage: bundle objects);
 * - the signed checkpoint of the committed tree;
 * - `meta`: small key/value pairs the caller commits atomically with the
 *   entries that create them (e.g. "credential X has voted").
 *
 * Concurrency: a log has ONE writer (its sequencer). Reads may run during a
 * commit; they see either the old or the new version of each record, which
 * is safe because tile content and entries are append-only and the reader
 * never asks for data beyond the size it was told is published.
 */
import { BoardLogError } from "./errors.js";

/** Size and root of a committed tree. */
export interface TreeState {
  readonly size: number;
  readonly root: Uint8Array;
}

/** A hash tile's complete current content: `hashes.length` = width * 32, width 1..256. */
export interface TileWrite {
  readonly level: number;
  readonly index: number;
  readonly hashes: Uint8Array;
}

export type MetaValue = Uint8Array | string;

/** Everything one sequencer batch writes, committed atomically and durably. */
export interface CommitBatch {
  /** Tree size before this batch; the backend rejects the commit (STORAGE_CONFLICT) unless it equals its own size. */
  readonly previousSize: number;
  /** The new tree state (size = previousSize + leaves.length). */
  readonly state: TreeState;
  /** New leaves, entries [previousSize, state.size). */
  readonly leaves: readonly Uint8Array[];
  /** Every hash tile whose content changed: completed full tiles and the new partial tiles. */
  readonly tiles: readonly TileWrite[];
  /** The signed checkpoint (signed note) for `state`. */
  readonly checkpoint: string;
  /** Caller key/value pairs written in the same atomic batch (later pairs win). */
  readonly meta: ReadonlyArray<readonly [string, Uint8Array]>;
}

export interface LogStorage {
  /** The committed tree state, or undefined for a log never committed to. */
  readState(): Promise<TreeState | undefined>;
  /** The signed checkpoint committed with the current state. */
  readCheckpoint(): Promise<string | undefined>;
  /** The longest stored content of hash tile (level, index) (width * 32 bytes), or undefined. */
  readTile(level: number, index: number): Promise<Uint8Array | undefined>;
  /**
   * Entry bundle `index` as stored: the bundle encoding of its first `count`
   * entries (count 1..256), or undefined if none is stored.
   */
  readEntryBundle(index: number): Promise<{ bundle: Uint8Array; count: number } | undefined>;
  /** Entries [start, end) in order; fewer if the stored log is shorter. */
  readEntries(start: number, end: number): Promise<Uint8Array[]>;
  getMeta(key: string): Promise<Uint8Array | undefined>;
  /** Meta pairs whose key starts with `prefix`, in key order (to rebuild in-memory indexes at startup). */
  iterateMeta(prefix: string): AsyncIterable<[string, Uint8Array]>;
  /** Writes the whole batch atomically; resolves only once it is durable (fsync). */
  commit(batch: CommitBatch): Promise<void>;
  /**
   * Called before a commit that failed for a transient lack of resources (EMFILE, ENOSPC) is
   * retried: brings the storage back to a state where the same batch can be written again
   * (level: reopens a database that LevelDB stopped after a background error).
   */
  recover?(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The size rule every driver's `commit` applies first: the batch starts at the stored size and
 * adds exactly its leaves. Throws STORAGE_CONFLICT otherwise.
 */
export function checkCommitSizes(batch: CommitBatch, storedSize: number | undefined): void {
  const { previousSize, state, leaves } = batch;
  if (previousSize !== storedSize)
    throw new BoardLogError(
      "STORAGE_CONFLICT",
      `commit from size ${previousSize} but the stored log has size ${storedSize}`,
    );
  if (state.size !== previousSize + leaves.length)
    throw new BoardLogError(
      "STORAGE_CONFLICT",
      `new size ${state.size} != ${previousSize} + ${leaves.length} leaves`,
    );
}
