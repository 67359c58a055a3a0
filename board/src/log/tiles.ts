/**
 * Hash tiles (c2sp.org/tlog-tiles), operator side:
 * - TileEdge: the rightmost tile of every level while the sequencer appends
 *   (O(1) amortised hashing per leaf on top of the compact range);
 * - NodeReader: the hash of any complete subtree, from stored tiles.
 *
 * A level-L tile holds hashes of complete subtrees of 256^L leaves (level 0:
 * leaf hashes). The node at tree height h = 8L + r (0 <= r < 8) and index k
 * spans the 2^r tile-level hashes [k 2^r, (k+1) 2^r) of level L, all inside
 * one tile; it is rebuilt by hashing those 2^r hashes pairwise. Complete
 * nodes never change, so they are cached by (height, index).
 */
import { TILE_HEIGHT, TILE_WIDTH, emptyRoot, hashRange, nodesForRanges } from "@urna/verifier";
import { nodeHashFast } from "./fast-hash.js";
import { BoardLogError } from "./errors.js";
import type { TileWrite } from "./storage.js";

const HASH = 32;
const FULL = TILE_WIDTH * HASH;

/** Where the node reader gets tiles: storage, possibly overlaid with unwritten tiles. */
export interface TileSource {
  /** Longest known content of tile (level, index), width * 32 bytes. */
  readTile(level: number, index: number): Promise<Uint8Array | undefined>;
}

/** Root of the perfect subtree over `count` (a power of two) consecutive 32-byte hashes of `buf` from hash `offset`. */
export function perfectRoot(buf: Uint8Array, offset: number, count: number): Uint8Array {
  if (count === 1) return buf.slice(offset * HASH, (offset + 1) * HASH);
  const layer: Uint8Array[] = [];
  for (let i = 0; i < count; i += 2)
    layer.push(
      nodeHashFast(
        buf.subarray((offset + i) * HASH, (offset + i + 1) * HASH),
        buf.subarray((offset + i + 1) * HASH, (offset + i + 2) * HASH),
      ),
    );
  for (let n = layer.length; n > 1; n /= 2)
    for (let i = 0; i < n; i += 2) layer[i / 2] = nodeHashFast(layer[i], layer[i + 1]);
  return layer[0];
}

/** Small LRU map. */
export class Lru<K, V> {
  readonly #max: number;
  readonly #map = new Map<K, V>();
  constructor(max: number) {
    this.#max = Math.max(0, max);
  }
  get(k: K): V | undefined {
    const v = this.#map.get(k);
    if (v !== undefined) {
      this.#map.delete(k);
      this.#map.set(k, v);
    }
    return v;
  }
  set(k: K, v: V): void {
    if (this.#max === 0) return;
    this.#map.delete(k);
    this.#map.set(k, v);
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value as K);
  }
  get size(): number {
    return this.#map.size;
  }
}

/**
 * Caches shared by node readers of one log: complete-node hashes, full (immutable) tiles, and
 * the partial tiles the sequencer last committed (the right edge, which every receipt's
 * inclusion proof reads). A partial tile only grows and the hashes it holds never change, so a
 * longer content than a reader needs serves it too.
 */
export class TileCaches {
  readonly nodes: Lru<string, Uint8Array>;
  readonly fullTiles: Lru<string, Uint8Array>;
  readonly partialTiles: Lru<string, Uint8Array>;
  constructor(opts: { nodes?: number; fullTiles?: number } = {}) {
    this.nodes = new Lru(opts.nodes ?? 65_536);
    this.fullTiles = new Lru(opts.fullTiles ?? 256);
    this.partialTiles = new Lru(16);
  }

  /** Records tile content that is durable (the sequencer, after a commit). */
  committed(t: TileWrite): void {
    const key = `${t.level}/${t.index}`;
    if (t.hashes.length === FULL) this.fullTiles.set(key, t.hashes);
    else this.partialTiles.set(key, t.hashes);
  }
}

/** Reads complete-subtree hashes from tiles and builds MTH of RFC 6962 ranges. */
export class NodeReader {
  readonly #src: TileSource;
  readonly #caches: TileCaches;

  constructor(src: TileSource, caches: TileCaches = new TileCaches()) {
    this.#src = src;
    this.#caches = caches;
  }

  async #tile(
    level: number,
    index: number,
    needBytes: number,
    memo?: Map<string, Promise<Uint8Array | undefined>>,
  ): Promise<Uint8Array> {
    const key = `${level}/${index}`;
    const cached = this.#caches.fullTiles.get(key);
    if (cached) return cached;
    const edge = this.#caches.partialTiles.get(key);
    if (edge && edge.length >= needBytes) return edge;
    let p = memo?.get(key);
    if (!p) {
      p = this.#src.readTile(level, index);
      memo?.set(key, p);
    }
    const t = await p;
    if (t === undefined || t.length < needBytes)
      throw new BoardLogError(
        "STORAGE_CORRUPT",
        `tile ${level}/${index} missing or too short (${t?.length ?? 0} < ${needBytes} bytes)`,
      );
    if (t.length === FULL) this.#caches.fullTiles.set(key, t);
    return t;
  }

  /** Hash of the complete subtree at `height` and `index` (leaves [index 2^height, (index+1) 2^height)). */
  node(height: number, index: number): Promise<Uint8Array> {
    return this.#node(height, index);
  }

  async #node(
    height: number,
    index: number,
    memo?: Map<string, Promise<Uint8Array | undefined>>,
  ): Promise<Uint8Array> {
    const key = `${height}/${index}`;
    const hit = this.#caches.nodes.get(key);
    if (hit) return hit;
    const level = Math.floor(height / TILE_HEIGHT);
    const span = 2 ** (height % TILE_HEIGHT);
    const first = index * span;
    const tileIndex = Math.floor(first / TILE_WIDTH);
    const offset = first % TILE_WIDTH;
    const tile = await this.#tile(level, tileIndex, (offset + span) * HASH, memo);
    const h = perfectRoot(tile, offset, span);
    this.#caches.nodes.set(key, h);
    return h;
  }

  /** MTH of each RFC 6962 leaf range (as produced by the verifier's *ProofRanges), fetching nodes in parallel. */
  async hashRanges(ranges: Array<[number, number]>): Promise<Uint8Array[]> {
    const ids = nodesForRanges(ranges);
    const memo = new Map<string, Promise<Uint8Array | undefined>>(); // each tile read once per call
    const hashes = await Promise.all(ids.map((n) => this.#node(n.level, n.index, memo)));
    const got = new Map<string, Uint8Array>();
    ids.forEach((n, i) => got.set(`${n.level}/${n.index}`, hashes[i]));
    const get = (level: number, index: number): Uint8Array => {
      const h = got.get(`${level}/${index}`);
      if (!h) throw new BoardLogError("STORAGE_CORRUPT", `node ${level}/${index} not fetched`);
      return h;
    };
    return ranges.map(([a, b]) => hashRange(a, b, get));
  }
}

/** A TileSource that sees `pending` (tile content not yet committed, keyed "level/index") over `base`. */
export function overlaySource(
  base: TileSource,
  pending: ReadonlyMap<string, Uint8Array>,
): TileSource {
  return {
    readTile: async (level, index) =>
      pending.get(`${level}/${index}`) ?? base.readTile(level, index),
  };
}

interface OpenTile {
  index: number;
  width: number;
  buf: Uint8Array;
  /** Compact range of the tile's hashes: roots of its maximal complete subtrees, largest first. */
  stack: Array<{ height: number; hash: Uint8Array }>;
}

const newTile = (index: number): OpenTile => ({
  index,
  width: 0,
  buf: new Uint8Array(FULL),
  stack: [],
});

/**
 * The right edge of the tree, tile by tile: the compact range (roots of the
 * maximal complete subtrees covering [0, size)) kept as one small stack per
 * tile level, next to the current partial tile of that level. Appending a
 * leaf costs one node hash amortised (the merges of the compact range);
 * when a merge completes a 256-wide subtree, its root is both a finished
 * tile's root and the next hash of the level above. Memory: one 8 KiB
 * buffer and at most 8 hashes per level.
 */
export class TileEdge {
  #size: number;
  readonly #open: OpenTile[] = [];
  #completed: TileWrite[] = [];
  readonly #dirty = new Set<number>();

  private constructor(size: number) {
    this.#size = size;
  }

  /** Rebuilds the edge of a stored tree of `size` from its partial tiles. */
  static async load(size: number, src: TileSource): Promise<TileEdge> {
    const e = new TileEdge(size);
    for (let level = 0; level === 0 || Math.floor(size / TILE_WIDTH ** level) > 0; level++) {
      const hashes = Math.floor(size / TILE_WIDTH ** level);
      const width = hashes % TILE_WIDTH;
      const t = newTile(Math.floor(hashes / TILE_WIDTH));
      if (width > 0) {
        const stored = await src.readTile(level, t.index);
        if (!stored || stored.length < width * HASH)
          throw new BoardLogError(
            "STORAGE_CORRUPT",
            `partial tile ${level}/${t.index} needs ${width} hashes, has ${(stored?.length ?? 0) / HASH}`,
          );
        for (let j = 0; j < width; j++) TileEdge.#merge(t, stored.slice(j * HASH, (j + 1) * HASH));
      }
      e.#open[level] = t;
    }
    return e;
  }

  /** Adds hash h to tile t (not full); returns the tile root if t became full. */
  static #merge(t: OpenTile, h: Uint8Array): Uint8Array | undefined {
    t.buf.set(h, t.width * HASH);
    t.width++;
    let node = h;
    let height = 0;
    while (t.stack.length > 0 && t.stack[t.stack.length - 1].height === height) {
      node = nodeHashFast(t.stack.pop()!.hash, node);
      height++;
    }
    if (height === TILE_HEIGHT) return node;
    t.stack.push({ height, hash: node });
    return undefined;
  }

  get size(): number {
    return this.#size;
  }

  push(leafHash: Uint8Array): void {
    this.#pushAt(0, leafHash);
    this.#size++;
  }

  #pushAt(level: number, h: Uint8Array): void {
    const t = (this.#open[level] ??= newTile(0));
    this.#dirty.add(level);
    const tileRoot = TileEdge.#merge(t, h);
    if (tileRoot) {
      this.#completed.push({ level, index: t.index, hashes: t.buf });
      this.#open[level] = newTile(t.index + 1);
      this.#pushAt(level + 1, tileRoot);
    }
  }

  /** MTH of the tree so far: the compact range folded right to left. */
  root(): Uint8Array {
    let acc: Uint8Array | undefined;
    for (let level = 0; level < this.#open.length; level++) {
      const st = this.#open[level].stack;
      for (let i = st.length - 1; i >= 0; i--)
        acc = acc ? nodeHashFast(st[i].hash, acc) : st[i].hash;
    }
    return acc ? acc.slice() : emptyRoot();
  }

  /** The tile writes since the last call: tiles completed, then the current partial tile of each changed level. */
  takeWrites(): TileWrite[] {
    const out = this.#completed;
    for (const level of [...this.#dirty].sort((a, b) => a - b)) {
      const t = this.#open[level];
      if (t.width > 0) out.push({ level, index: t.index, hashes: t.buf.slice(0, t.width * HASH) });
    }
    this.#completed = [];
    this.#dirty.clear();
    return out;
  }
}
