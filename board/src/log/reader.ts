/**
 * Read side of the log: the published checkpoint, tiles, entry bundles,
 * entries and RFC 9162 proofs, computed from stored tiles with O(log n)
 * reads. Only data of the published tree (the last released checkpoint) is
 * served; everything beyond it is NOT_FOUND / out of range.
 */
import {
  TILE_WIDTH,
  consistencyProofRanges,
  emptyRoot,
  inclusionProofRanges,
  tileWidth,
} from "@urna/verifier";
import { BoardLogError } from "./errors.js";
import type { LogStorage } from "./storage.js";
import { NodeReader, TileCaches, type TileSource } from "./tiles.js";

/** The published tree: the last checkpoint released to anyone. */
export interface LogHead {
  readonly size: number;
  readonly root: Uint8Array;
  /** The signed checkpoint (signed note). */
  readonly checkpoint: string;
}

function checkCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new BoardLogError("SIZE_OUT_OF_RANGE", `${what} must be a non-negative safe integer`);
}

export class LogReader {
  readonly storage: LogStorage;
  readonly #head: () => LogHead;
  readonly #nodes: NodeReader;
  readonly caches: TileCaches;

  /**
   * `head` returns the currently published tree (the sequencer passes its
   * released head; a stand-alone reader uses LogReader.open).
   */
  constructor(storage: LogStorage, head: () => LogHead, caches: TileCaches = new TileCaches()) {
    this.storage = storage;
    this.#head = head;
    this.caches = caches;
    this.#nodes = new NodeReader(storage, caches);
  }

  /** A reader of a stored log that nobody is writing to (export tools, tests). */
  static async open(storage: LogStorage): Promise<LogReader> {
    const state = await storage.readState();
    const checkpoint = await storage.readCheckpoint();
    if (!state || checkpoint === undefined)
      throw new BoardLogError("NOT_FOUND", "the log has no committed checkpoint");
    const head: LogHead = { size: state.size, root: state.root, checkpoint };
    return new LogReader(storage, () => head);
  }

  head(): LogHead {
    return this.#head();
  }

  get size(): number {
    return this.#head().size;
  }

  /** The published signed checkpoint. */
  checkpoint(): string {
    const c = this.#head().checkpoint;
    if (c === "") throw new BoardLogError("NOT_FOUND", "the log has no published checkpoint");
    return c;
  }

  #checkSize(size: number): void {
    checkCount(size, "tree size");
    if (size > this.size)
      throw new BoardLogError(
        "SIZE_OUT_OF_RANGE",
        `tree size ${size} > published size ${this.size}`,
      );
  }

  /** Node reader over stored tiles (for proofs by other modules). */
  get nodes(): NodeReader {
    return this.#nodes;
  }

  /** Tile source over storage (reads the longest stored content). */
  get tileSource(): TileSource {
    return this.storage;
  }

  /**
   * Hash tile (level, index): the full tile (width omitted or 256) or the
   * partial tile of `width` hashes. Exists only if the published tree has at
   * least that many hashes in it.
   */
  async tile(level: number, index: number, width = TILE_WIDTH): Promise<Uint8Array> {
    checkCount(level, "level");
    checkCount(index, "tile index");
    if (level > 63 || !Number.isInteger(width) || width < 1 || width > TILE_WIDTH)
      throw new BoardLogError("NOT_FOUND", `no tile ${level}/${index} of width ${width}`);
    if (tileWidth(level, index, this.size) < width)
      throw new BoardLogError(
        "NOT_FOUND",
        `tile ${level}/${index}.p/${width} is beyond the published tree`,
      );
    const t = await this.storage.readTile(level, index);
    if (!t || t.length < width * 32)
      throw new BoardLogError("STORAGE_CORRUPT", `tile ${level}/${index} missing from storage`);
    return t.slice(0, width * 32);
  }

  /** Entry bundle `index`: the full bundle (width omitted or 256) or the partial bundle of `width` entries. */
  async entryBundle(index: number, width = TILE_WIDTH): Promise<Uint8Array> {
    checkCount(index, "bundle index");
    if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH)
      throw new BoardLogError("NOT_FOUND", `no bundle of width ${width}`);
    if (tileWidth(0, index, this.size) < width)
      throw new BoardLogError(
        "NOT_FOUND",
        `entry bundle ${index}.p/${width} is beyond the published tree`,
      );
    const b = await this.storage.readEntryBundle(index);
    if (!b || b.count < width)
      throw new BoardLogError("STORAGE_CORRUPT", `entry bundle ${index} missing from storage`);
    if (b.count === width) return b.bundle;
    // Cut after `width` entries.
    let p = 0;
    for (let i = 0; i < width; i++) p += 2 + ((b.bundle[p] << 8) | b.bundle[p + 1]);
    return b.bundle.slice(0, p);
  }

  /** Entries [start, end) of the published tree. */
  async entries(start: number, end: number): Promise<Uint8Array[]> {
    checkCount(start, "start");
    checkCount(end, "end");
    if (start > end || end > this.size)
      throw new BoardLogError(
        "INDEX_OUT_OF_RANGE",
        `range [${start}, ${end}) not in a tree of size ${this.size}`,
      );
    const got = await this.storage.readEntries(start, end);
    if (got.length !== end - start)
      throw new BoardLogError("STORAGE_CORRUPT", `entries [${start}, ${end}) missing from storage`);
    return got;
  }

  async entry(index: number): Promise<Uint8Array> {
    checkCount(index, "index");
    if (index >= this.size)
      throw new BoardLogError(
        "INDEX_OUT_OF_RANGE",
        `index ${index} not in a tree of size ${this.size}`,
      );
    return (await this.entries(index, index + 1))[0];
  }

  /** Streams entries [start, end) (default: the whole published tree) in chunks of one bundle. */
  async *iterateEntries(start = 0, end = this.size): AsyncGenerator<Uint8Array> {
    checkCount(start, "start");
    checkCount(end, "end");
    if (start > end || end > this.size)
      throw new BoardLogError(
        "INDEX_OUT_OF_RANGE",
        `range [${start}, ${end}) not in a tree of size ${this.size}`,
      );
    for (let a = start; a < end;) {
      const b = Math.min(end, (Math.floor(a / TILE_WIDTH) + 1) * TILE_WIDTH);
      yield* await this.entries(a, b);
      a = b;
    }
  }

  /** Leaf hash of entry `index` (from the level-0 tile). */
  async leafHashAt(index: number): Promise<Uint8Array> {
    checkCount(index, "index");
    if (index >= this.size)
      throw new BoardLogError(
        "INDEX_OUT_OF_RANGE",
        `index ${index} not in a tree of size ${this.size}`,
      );
    return this.#nodes.node(0, index);
  }

  /** Root hash of the tree of `size` (any size up to the published one). */
  async rootAt(size: number): Promise<Uint8Array> {
    this.#checkSize(size);
    if (size === 0) return emptyRoot();
    return (await this.#nodes.hashRanges([[0, size]]))[0];
  }

  /** RFC 9162 inclusion proof of leaf `index` in the tree of `size` (default: published size). */
  async inclusionProof(index: number, size = this.size): Promise<Uint8Array[]> {
    this.#checkSize(size);
    checkCount(index, "index");
    if (index >= size)
      throw new BoardLogError("INDEX_OUT_OF_RANGE", `index ${index} not in a tree of size ${size}`);
    return this.#nodes.hashRanges(inclusionProofRanges(index, size));
  }

  /** RFC 9162 consistency proof from size1 to size2 (default: published size); empty if size1 is 0 or size2. */
  async consistencyProof(size1: number, size2 = this.size): Promise<Uint8Array[]> {
    this.#checkSize(size2);
    checkCount(size1, "size1");
    if (size1 > size2)
      throw new BoardLogError("SIZE_OUT_OF_RANGE", `size1 ${size1} > size2 ${size2}`);
    return this.#nodes.hashRanges(consistencyProofRanges(size1, size2));
  }
}
