/**
 * C2SP tlog-tiles: tile and entry-bundle paths, entry bundles, and reading a
 * tree (nodes, roots, inclusion and consistency proofs, entries) from tiles
 * fetched over any transport. Nothing fetched is trusted: callers compare what
 * the reader computes with a verified checkpoint (see TileReader.verifyRoot).
 */
import { bytesEqual, concatBytes } from "../bytes.js";
import { LogError } from "./errors.js";
import { HASH_SIZE, leafHash, nodeHash } from "./merkle-hash.js";
import {
  type NodeId,
  consistencyProofRanges,
  hashRange,
  inclusionProofRanges,
  nodesForRanges,
  rangeNodes,
} from "./merkle.js";

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;
/** Largest entry an entry bundle can hold (uint16 length prefix). */
export const MAX_ENTRY_SIZE = 65535;
const MAX_LEVEL = 63;

// ---------------------------------------------------------------------------
// Paths

function checkIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0)
    throw new LogError("MALFORMED_TILE_PATH", `bad tile index ${index}`);
}

function checkWidth(width: number | undefined): void {
  if (width === undefined) return;
  if (!Number.isSafeInteger(width) || width < 1 || width > TILE_WIDTH)
    throw new LogError("MALFORMED_TILE_PATH", `bad tile width ${width}`);
}

/** Tile index as zero-padded 3-digit path elements, all but the last prefixed with "x": 1234067 -> x001/x234/067. */
export function formatTileIndex(index: number): string {
  checkIndex(index);
  const groups: string[] = [];
  let n = index;
  do {
    groups.unshift(String(n % 1000).padStart(3, "0"));
    n = Math.floor(n / 1000);
  } while (n > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? "x" + g : g)).join("/");
}

const widthSuffix = (width?: number): string =>
  width === undefined || width === TILE_WIDTH ? "" : `.p/${width}`;

/** `tile/<L>/<N>[.p/<W>]`; width 256 (or undefined) is a full tile. */
export function tilePath(level: number, index: number, width?: number): string {
  if (!Number.isSafeInteger(level) || level < 0 || level > MAX_LEVEL)
    throw new LogError("MALFORMED_TILE_PATH", `bad tile level ${level}`);
  checkWidth(width);
  return `tile/${level}/${formatTileIndex(index)}${widthSuffix(width)}`;
}

/** `tile/entries/<N>[.p/<W>]` */
export function entryBundlePath(index: number, width?: number): string {
  checkWidth(width);
  return `tile/entries/${formatTileIndex(index)}${widthSuffix(width)}`;
}

export type ParsedTilePath =
  | { kind: "tile"; level: number; index: number; width: number }
  | { kind: "entries"; index: number; width: number };

const SMALL_DECIMAL = /^(0|[1-9][0-9]{0,2})$/;

/**
 * Parses `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]` (no leading
 * slash, nothing before "tile/"). Rejects every non-canonical form. The
 * returned width is 256 for full tiles.
 */
export function parseTilePath(path: string): ParsedTilePath {
  const bad = (why: string): never => {
    throw new LogError("MALFORMED_TILE_PATH", `${JSON.stringify(path)}: ${why}`);
  };
  if (typeof path !== "string" || !path.startsWith("tile/")) bad("must start with tile/");
  let parts = path.split("/").slice(1);
  if (parts.length < 2) bad("too short");
  const head = parts[0];
  let level: number | undefined;
  if (head !== "entries") {
    if (!SMALL_DECIMAL.test(head)) bad("bad level");
    level = Number(head);
    if (level > MAX_LEVEL) bad("level above 63");
  }
  parts = parts.slice(1);
  let width = TILE_WIDTH;
  const last = parts[parts.length - 1];
  if (parts.length >= 2 && parts[parts.length - 2].endsWith(".p")) {
    if (!SMALL_DECIMAL.test(last) || last === "0") bad("bad partial width");
    width = Number(last);
    if (width >= TILE_WIDTH) bad("partial width must be below 256");
    parts = parts.slice(0, -1);
    parts[parts.length - 1] = parts[parts.length - 1].slice(0, -2);
  }
  if (parts.length === 0 || parts.length > 6) bad("bad index");
  let index = 0;
  parts.forEach((p, i) => {
    const want = i < parts.length - 1 ? /^x[0-9]{3}$/ : /^[0-9]{3}$/;
    if (!want.test(p)) bad("bad index element");
    index = index * 1000 + Number(p.slice(-3));
  });
  if (!Number.isSafeInteger(index)) bad("index too large");
  // Canonical form only (no superfluous x000 groups).
  if (formatTileIndex(index) !== parts.join("/")) bad("non-canonical index");
  return level === undefined
    ? { kind: "entries", index, width }
    : { kind: "tile", level, index, width };
}

// ---------------------------------------------------------------------------
// Tile geometry

/**
 * Width of tile (level, index) in a tree of `size`: 256 for a full tile, the
 * partial width otherwise; 0 if the tile does not exist at that size.
 */
export function tileWidth(level: number, index: number, size: number): number {
  const atLevel = Math.floor(size / TILE_WIDTH ** level); // hashes at tree level 8*level
  const full = Math.floor(atLevel / TILE_WIDTH);
  if (index < full) return TILE_WIDTH;
  if (index === full) return atLevel % TILE_WIDTH;
  return 0;
}

/** All tiles (level, index, width) of a tree of `size`, level 0 first. */
export function tilesForSize(size: number): Array<{ level: number; index: number; width: number }> {
  const out: Array<{ level: number; index: number; width: number }> = [];
  for (let level = 0; Math.floor(size / TILE_WIDTH ** level) > 0; level++) {
    const atLevel = Math.floor(size / TILE_WIDTH ** level);
    const n = Math.ceil(atLevel / TILE_WIDTH);
    for (let index = 0; index < n; index++)
      out.push({ level, index, width: tileWidth(level, index, size) });
  }
  return out;
}

/**
 * Builds tile (level, index, width) from complete-subtree hashes: its hashes
 * are the nodes at tree level 8*level, indices index*256 .. index*256+width-1.
 */
export function tileFromNodes(
  level: number,
  index: number,
  width: number,
  getNode: (level: number, index: number) => Uint8Array,
): Uint8Array {
  checkWidth(width);
  const out = new Uint8Array(width * HASH_SIZE);
  for (let j = 0; j < width; j++)
    out.set(getNode(level * TILE_HEIGHT, index * TILE_WIDTH + j), j * HASH_SIZE);
  return out;
}

/** Splits a tile into its hashes, checking its size. */
export function tileHashes(tile: Uint8Array, width: number): Uint8Array[] {
  if (tile.length !== width * HASH_SIZE)
    throw new LogError("BAD_TILE_SIZE", `tile has ${tile.length} bytes, want ${width * HASH_SIZE}`);
  const out: Uint8Array[] = [];
  for (let j = 0; j < width; j++) out.push(tile.subarray(j * HASH_SIZE, (j + 1) * HASH_SIZE));
  return out;
}

// ---------------------------------------------------------------------------
// Entry bundles

/** Sequence of big-endian uint16 length-prefixed entries. */
export function encodeEntryBundle(entries: Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    if (e.length > MAX_ENTRY_SIZE)
      throw new LogError("ENTRY_TOO_LARGE", `entry of ${e.length} bytes exceeds ${MAX_ENTRY_SIZE}`);
    parts.push(Uint8Array.of(e.length >> 8, e.length & 0xff), e);
  }
  return concatBytes(...parts);
}

export function parseEntryBundle(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let o = 0;
  while (o < bytes.length) {
    if (o + 2 > bytes.length)
      throw new LogError("MALFORMED_ENTRY_BUNDLE", "truncated length prefix");
    const n = (bytes[o] << 8) | bytes[o + 1];
    o += 2;
    if (o + n > bytes.length) throw new LogError("MALFORMED_ENTRY_BUNDLE", "truncated entry");
    out.push(bytes.slice(o, o + n));
    o += n;
    if (out.length > TILE_WIDTH)
      throw new LogError("MALFORMED_ENTRY_BUNDLE", "more than 256 entries");
  }
  return out;
}

// ---------------------------------------------------------------------------
// Reading a tree from tiles

/** Fetches tile (level, index) of the given width (256 = full). Must resolve to width*32 bytes. */
export type FetchTile = (level: number, index: number, width: number) => Promise<Uint8Array>;
/** Fetches entry bundle `index` of the given width. */
export type FetchEntryBundle = (index: number, width: number) => Promise<Uint8Array>;

/**
 * Reads the tree of a fixed `size` (that of a verified checkpoint) from
 * tiles. Fetches each tile at most once (cached) and in parallel.
 */
export class TileReader {
  readonly size: number;
  readonly #fetchTile: FetchTile;
  readonly #fetchEntryBundle?: FetchEntryBundle;
  readonly #tiles = new Map<string, Promise<Uint8Array[]>>();
  readonly #nodes = new Map<string, Uint8Array>();
  /** Number of tiles fetched so far. */
  tilesFetched = 0;

  constructor(
    size: number,
    fetchTile: FetchTile,
    opts: { fetchEntryBundle?: FetchEntryBundle } = {},
  ) {
    if (!Number.isSafeInteger(size) || size < 0)
      throw new LogError("BAD_TREE_SIZE", `bad tree size ${size}`);
    this.size = size;
    this.#fetchTile = fetchTile;
    this.#fetchEntryBundle = opts.fetchEntryBundle;
  }

  /** Hashes of tile (level, index) at this tree size. */
  tile(level: number, index: number): Promise<Uint8Array[]> {
    const width = tileWidth(level, index, this.size);
    if (width === 0)
      return Promise.reject(
        new LogError(
          "INDEX_OUT_OF_RANGE",
          `tile ${level}/${index} does not exist at size ${this.size}`,
        ),
      );
    const key = `${level}/${index}`;
    let p = this.#tiles.get(key);
    if (!p) {
      p = this.#fetchTile(level, index, width).then((t) => {
        this.tilesFetched++;
        return tileHashes(t, width);
      });
      p.catch(() => this.#tiles.delete(key)); // allow retries after a failed fetch
      this.#tiles.set(key, p);
    }
    return p;
  }

  #tileOf(n: NodeId): { level: number; index: number; offset: number; count: number } {
    const level = Math.floor(n.level / TILE_HEIGHT);
    const r = n.level % TILE_HEIGHT;
    const first = n.index * 2 ** r; // index at tree level 8*level
    const index = Math.floor(first / TILE_WIDTH);
    return { level, index, offset: first - index * TILE_WIDTH, count: 2 ** r };
  }

  #checkNode(n: NodeId): void {
    if (
      !Number.isSafeInteger(n.level) ||
      !Number.isSafeInteger(n.index) ||
      n.level < 0 ||
      n.index < 0 ||
      (n.index + 1) * 2 ** n.level > this.size
    )
      throw new LogError(
        "INDEX_OUT_OF_RANGE",
        `node ${n.level}/${n.index} is not complete at size ${this.size}`,
      );
  }

  /** Fetches, in parallel, every tile the given nodes need. */
  async prefetch(nodes: NodeId[]): Promise<void> {
    const seen = new Set<string>();
    const jobs: Promise<unknown>[] = [];
    for (const n of nodes) {
      this.#checkNode(n);
      if (this.#nodes.has(`${n.level}/${n.index}`)) continue;
      const t = this.#tileOf(n);
      const k = `${t.level}/${t.index}`;
      if (!seen.has(k)) {
        seen.add(k);
        jobs.push(this.tile(t.level, t.index));
      }
    }
    await Promise.all(jobs);
  }

  /** Hash of the complete subtree (level, index); tiles must already be fetched (prefetch). */
  async node(level: number, index: number): Promise<Uint8Array> {
    await this.prefetch([{ level, index }]);
    return this.#nodeSync(level, index, await this.#tileMap([{ level, index }]));
  }

  async #tileMap(nodes: NodeId[]): Promise<Map<string, Uint8Array[]>> {
    const m = new Map<string, Uint8Array[]>();
    for (const n of nodes) {
      if (this.#nodes.has(`${n.level}/${n.index}`)) continue;
      const t = this.#tileOf(n);
      const k = `${t.level}/${t.index}`;
      if (!m.has(k)) m.set(k, await this.tile(t.level, t.index));
    }
    return m;
  }

  #nodeSync(level: number, index: number, tiles: Map<string, Uint8Array[]>): Uint8Array {
    const key = `${level}/${index}`;
    const cached = this.#nodes.get(key);
    if (cached) return cached;
    const t = this.#tileOf({ level, index });
    const hashes = tiles.get(`${t.level}/${t.index}`);
    if (!hashes) throw new LogError("INDEX_OUT_OF_RANGE", `tile ${t.level}/${t.index} not fetched`);
    let row = hashes.slice(t.offset, t.offset + t.count);
    while (row.length > 1) {
      const next: Uint8Array[] = [];
      for (let i = 0; i < row.length; i += 2) next.push(nodeHash(row[i], row[i + 1]));
      row = next;
    }
    this.#nodes.set(key, row[0]);
    return row[0];
  }

  /** Fetches what the ranges need, then hashes each range. */
  async #hashRanges(ranges: Array<[number, number]>): Promise<Uint8Array[]> {
    const nodes = nodesForRanges(ranges);
    await this.prefetch(nodes);
    const tiles = await this.#tileMap(nodes);
    const get = (l: number, i: number) => this.#nodeSync(l, i, tiles);
    return ranges.map(([a, b]) => hashRange(a, b, get));
  }

  /** MTH of the first `size` leaves (size <= this.size). */
  async root(size: number = this.size): Promise<Uint8Array> {
    this.#checkSize(size);
    return (await this.#hashRanges([[0, size]]))[0];
  }

  /** Throws unless the tiles hash to `root` at this size. */
  async verifyRoot(root: Uint8Array): Promise<void> {
    if (!bytesEqual(await this.root(), root))
      throw new LogError("INCLUSION_PROOF_INVALID", "tiles do not match the checkpoint root");
  }

  async inclusionProof(index: number, size: number = this.size): Promise<Uint8Array[]> {
    this.#checkSize(size);
    return this.#hashRanges(inclusionProofRanges(index, size));
  }

  async consistencyProof(size1: number, size2: number = this.size): Promise<Uint8Array[]> {
    this.#checkSize(size2);
    return this.#hashRanges(consistencyProofRanges(size1, size2));
  }

  /** Leaf hashes [start, end) from level-0 tiles. */
  async leafHashes(start: number, end: number): Promise<Uint8Array[]> {
    this.#checkSize(end);
    if (!Number.isSafeInteger(start) || start < 0 || start > end)
      throw new LogError("INDEX_OUT_OF_RANGE", `bad range [${start}, ${end})`);
    if (start === end) return [];
    const tiles: Promise<Uint8Array[]>[] = [];
    for (let t = Math.floor(start / TILE_WIDTH); t * TILE_WIDTH < end; t++)
      tiles.push(this.tile(0, t));
    const got = await Promise.all(tiles);
    const first = Math.floor(start / TILE_WIDTH) * TILE_WIDTH;
    return got.flat().slice(start - first, end - first);
  }

  /**
   * Entries [start, end) from entry bundles, each checked against the level-0
   * tile hash (ENTRY_MISMATCH otherwise). Needs `fetchEntryBundle`.
   * This binds entries to the tiles, not to the checkpoint: a caller reading
   * the whole log must recompute the root (StreamingRoot over leafHash of
   * every entry) and compare it with the verified checkpoint; a caller reading
   * one entry must verify its inclusion proof (inclusionProof + verifyInclusion).
   */
  async entries(start: number, end: number): Promise<Uint8Array[]> {
    const fetch = this.#fetchEntryBundle;
    if (!fetch) throw new LogError("INDEX_OUT_OF_RANGE", "no entry bundle fetcher configured");
    const hashes = await this.leafHashes(start, end);
    if (start === end) return [];
    const jobs: Promise<Uint8Array[]>[] = [];
    for (let b = Math.floor(start / TILE_WIDTH); b * TILE_WIDTH < end; b++) {
      const width = tileWidth(0, b, this.size);
      jobs.push(
        fetch(b, width).then((bytes) => {
          const e = parseEntryBundle(bytes);
          if (e.length !== width)
            throw new LogError(
              "MALFORMED_ENTRY_BUNDLE",
              `bundle ${b} has ${e.length} entries, want ${width}`,
            );
          return e;
        }),
      );
    }
    const first = Math.floor(start / TILE_WIDTH) * TILE_WIDTH;
    const all = (await Promise.all(jobs)).flat().slice(start - first, end - first);
    all.forEach((e, i) => {
      if (!bytesEqual(leafHash(e), hashes[i]))
        throw new LogError("ENTRY_MISMATCH", `entry ${start + i} does not match its tile hash`);
    });
    return all;
  }

  #checkSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.size)
      throw new LogError(
        "BAD_TREE_SIZE",
        `size ${size} exceeds the reader's tree size ${this.size}`,
      );
  }
}

/** Nodes (complete subtrees) of the tree's root decomposition; exported for stores that cache them. */
export const rootNodes = (size: number): NodeId[] => rangeNodes(0, size);
