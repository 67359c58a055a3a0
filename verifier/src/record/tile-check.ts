/**
 * The `tile/` folder of a record (spec/record.md §Record folder, V1): when present, every hash
 * tile and entry bundle of the checkpoint's size must be the bytes the leaves give. Isomorphic.
 *
 * Streaming, with bounded memory: the leaves are pushed once, in order, with their leaf hashes
 * (the auditor's V1 pass). Per tile level it keeps the hashes of the tile being filled (at most
 * 256 × 32 bytes) and, for the entry bundle being filled, a running SHA-256 of its expected
 * bytes; a full tile is compared with its file as soon as it is complete, the partial tiles
 * at the end. Memory: 8 KiB per level (at most 7 levels for 2^53 leaves) plus one tile or
 * bundle file at a time.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesEqual } from "../bytes.js";
import { HASH_SIZE, nodeHash } from "../log/merkle-hash.js";
import { TILE_WIDTH, entryBundlePath, tilePath } from "../log/tiles.js";

/** Reads one file under the record folder by its tile path; undefined if it does not exist. */
export type ReadTileFile = (path: string) => Promise<Uint8Array | undefined>;

export type TileFailureCode = "TILE_MISMATCH" | "TILE_MISSING";

export interface TileFailure {
  code: TileFailureCode;
  /** The tile path, e.g. `tile/0/001.p/17` or `tile/entries/000`. */
  path: string;
  message: string;
}

const MAX_BUNDLE_ENTRY = 0xffff;

type Hasher = ReturnType<typeof sha256.create>;

export class TileCheck {
  /** Failures reported to `onFailure`. */
  failed = 0;
  /** Tile and bundle files compared. */
  checked = 0;
  /** levels[L]: the hashes of the tile of level L being filled; tiles[L]: its index. */
  readonly #levels: Uint8Array[][] = [[]];
  readonly #tiles: number[] = [0];
  #bundle: Hasher = sha256.create();
  #bundleOk = true;

  constructor(
    private readonly read: ReadTileFile,
    private readonly onFailure: (f: TileFailure) => void,
  ) {}

  /**
   * The next leaf and its leaf hash. Returns a promise when a full tile was completed (await
   * it before the next push), undefined otherwise.
   */
  push(leaf: Uint8Array, leafHash: Uint8Array): Promise<void> | undefined {
    if (leaf.length > MAX_BUNDLE_ENTRY) this.#bundleOk = false;
    else {
      this.#bundle.update(Uint8Array.of(leaf.length >> 8, leaf.length & 0xff));
      this.#bundle.update(leaf);
    }
    return this.#add(0, leafHash);
  }

  /** The partial tiles and bundle of the final size; call once, after the last push. */
  async finish(): Promise<void> {
    for (let level = 0; level < this.#levels.length; level++) {
      const hashes = this.#levels[level];
      if (hashes.length === 0) continue;
      const index = this.#tiles[level];
      await this.#compareTile(level, index, hashes);
      if (level === 0) await this.#compareBundle(index, hashes.length);
    }
  }

  #add(level: number, hash: Uint8Array): Promise<void> | undefined {
    const hashes = this.#levels[level];
    hashes.push(hash);
    if (hashes.length < TILE_WIDTH) return undefined;
    return this.#complete(level);
  }

  async #complete(level: number): Promise<void> {
    const hashes = this.#levels[level];
    const index = this.#tiles[level];
    await this.#compareTile(level, index, hashes);
    if (level === 0) await this.#compareBundle(index, TILE_WIDTH);
    // The tile's 256 hashes are one complete subtree: its root is the next level's hash.
    let row = hashes;
    while (row.length > 1) {
      const up: Uint8Array[] = [];
      for (let j = 0; j < row.length; j += 2) up.push(nodeHash(row[j], row[j + 1]));
      row = up;
    }
    this.#levels[level] = [];
    this.#tiles[level] = index + 1;
    if (this.#levels.length === level + 1) {
      this.#levels.push([]);
      this.#tiles.push(0);
    }
    await this.#add(level + 1, row[0]);
  }

  #fail(code: TileFailureCode, path: string, message: string): void {
    this.failed++;
    this.onFailure({ code, path, message });
  }

  async #file(path: string): Promise<Uint8Array | undefined> {
    this.checked++;
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.read(path);
    } catch (e) {
      this.#fail("TILE_MISSING", path, `${path} cannot be read: ${(e as Error).message}`);
      return undefined;
    }
    if (bytes === undefined) this.#fail("TILE_MISSING", path, `${path} is missing`);
    return bytes;
  }

  async #compareTile(level: number, index: number, hashes: Uint8Array[]): Promise<void> {
    const path = tilePath(level, index, hashes.length);
    const got = await this.#file(path);
    if (got === undefined) return;
    const want = new Uint8Array(hashes.length * HASH_SIZE);
    hashes.forEach((h, j) => want.set(h, j * HASH_SIZE));
    if (!bytesEqual(got, want))
      this.#fail(
        "TILE_MISMATCH",
        path,
        `${path} is not the hash tile the leaves give (${got.length} bytes, expected ${want.length})`,
      );
  }

  async #compareBundle(index: number, width: number): Promise<void> {
    const path = entryBundlePath(index, width);
    const want = this.#bundle.digest();
    const ok = this.#bundleOk;
    this.#bundle = sha256.create();
    this.#bundleOk = true;
    const got = await this.#file(path);
    if (got === undefined) return;
    if (!ok || !bytesEqual(sha256(got), want))
      this.#fail("TILE_MISMATCH", path, `${path} is not the entry bundle the leaves give`);
  }
}
