import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { toHex, utf8 } from "../../src/bytes.js";
import { LogError } from "../../src/log/errors.js";
import { leafHash } from "../../src/log/merkle-hash.js";
import {
  MemoryTree,
  StreamingRoot,
  verifyConsistency,
  verifyInclusion,
} from "../../src/log/merkle.js";
import {
  TILE_HEIGHT,
  TILE_WIDTH,
  TileReader,
  encodeEntryBundle,
  entryBundlePath,
  formatTileIndex,
  parseEntryBundle,
  parseTilePath,
  tileFromNodes,
  tilePath,
  tileWidth,
  tilesForSize,
} from "../../src/log/tiles.js";

const codeOf = async (f: () => Promise<unknown>): Promise<string> => {
  try {
    await f();
  } catch (e) {
    if (e instanceof LogError) return e.code;
    throw e;
  }
  return "none";
};

describe("tile paths (tlog-tiles)", () => {
  it("spec examples", () => {
    expect(TILE_HEIGHT).toBe(8);
    expect(TILE_WIDTH).toBe(256);
    expect(formatTileIndex(1234067)).toBe("x001/x234/067");
    expect(tilePath(0, 1234067)).toBe("tile/0/x001/x234/067");
    expect(tilePath(0, 1234067, 8)).toBe("tile/0/x001/x234/067.p/8");
    expect(tilePath(3, 1234067, 256)).toBe("tile/3/x001/x234/067");
    expect(entryBundlePath(1234067)).toBe("tile/entries/x001/x234/067");
    expect(entryBundlePath(1234067, 255)).toBe("tile/entries/x001/x234/067.p/255");
    expect(tilePath(63, 0, 1)).toBe("tile/63/000.p/1");
    expect(formatTileIndex(0)).toBe("000");
    expect(formatTileIndex(999)).toBe("999");
    expect(formatTileIndex(1000)).toBe("x001/000");
    expect(formatTileIndex(2 ** 53 - 1)).toBe("x009/x007/x199/x254/x740/991");
  });

  it("parse back", () => {
    for (const idx of [0, 1, 7, 999, 1000, 1001, 65535, 1234067, 999999999, 2 ** 53 - 1])
      for (const w of [undefined, 1, 8, 255, 256]) {
        const t = parseTilePath(tilePath(5, idx, w));
        expect(t).toEqual({ kind: "tile", level: 5, index: idx, width: w ?? 256 });
        expect(parseTilePath(entryBundlePath(idx, w))).toEqual({
          kind: "entries",
          index: idx,
          width: w ?? 256,
        });
      }
    expect(parseTilePath("tile/0/x001/x234/067.p/8")).toEqual({
      kind: "tile",
      level: 0,
      index: 1234067,
      width: 8,
    });
  });

  it("rejects malformed paths", () => {
    const bad = [
      "tile/0/1234067",
      "tile/0/x001/x234/67",
      "tile/0/x001/234/067",
      "tile/0/001/x234/067",
      "tile/00/000",
      "tile/01/000",
      "tile/64/000",
      "tile/-1/000",
      "tile/0/000.p/0",
      "tile/0/000.p/256",
      "tile/0/000.p/08",
      "tile/0/000.p/",
      "tile/0/000.p",
      "tile/0/x000/001",
      "tile/0/X001/000",
      "/tile/0/000",
      "tile/0/",
      "tile/0",
      "tile/entries",
      "tile/entries/0000",
      "tile/0/000/",
      "tiles/0/000",
      "tile/0/000.p/8/9",
      "tile/0/x009/x007/x199/x254/x740/992",
      "tile/0/x001/x002/x003/x004/x005/x006/007",
    ];
    for (const p of bad) expect(() => parseTilePath(p), p).toThrow(LogError);
    expect(() => tilePath(64, 0)).toThrow(LogError);
    expect(() => tilePath(0, -1)).toThrow(LogError);
    expect(() => tilePath(0, 0, 0)).toThrow(LogError);
    expect(() => tilePath(0, 0, 257)).toThrow(LogError);
  });

  it("tile sets match the spec's size examples", () => {
    const t70000 = tilesForSize(70000);
    const lvl = (l: number) => t70000.filter((t) => t.level === l);
    expect(lvl(0).filter((t) => t.width === 256)).toHaveLength(273);
    expect(
      lvl(0)
        .filter((t) => t.width !== 256)
        .map((t) => t.width),
    ).toEqual([112]);
    expect(lvl(1).map((t) => t.width)).toEqual([256, 17]);
    expect(lvl(2).map((t) => t.width)).toEqual([1]);
    expect(t70000).toHaveLength(273 + 1 + 2 + 1);
    expect(tilesForSize(256)).toEqual([
      { level: 0, index: 0, width: 256 },
      { level: 1, index: 0, width: 1 },
    ]);
    expect(tilesForSize(0)).toEqual([]);
    expect(tileWidth(0, 1, 256)).toBe(0);
  });
});

describe("entry bundles", () => {
  it("round trip, limits, malformed", () => {
    const entries = [new Uint8Array(0), utf8("a"), new Uint8Array(65535).fill(7), utf8("{}")];
    const b = encodeEntryBundle(entries);
    expect(b.length).toBe(2 * 4 + 0 + 1 + 65535 + 2);
    expect(b.slice(0, 2)).toEqual(Uint8Array.of(0, 0));
    expect(b.slice(5, 7)).toEqual(Uint8Array.of(0xff, 0xff));
    expect(parseEntryBundle(b).map(toHex)).toEqual(entries.map(toHex));
    expect(() => encodeEntryBundle([new Uint8Array(65536)])).toThrow(LogError);
    expect(() => parseEntryBundle(b.slice(0, -1))).toThrow(LogError);
    expect(() => parseEntryBundle(Uint8Array.of(0))).toThrow(LogError);
    expect(() => parseEntryBundle(Uint8Array.of(0, 5, 1, 2))).toThrow(LogError);
    expect(parseEntryBundle(new Uint8Array(0))).toEqual([]);
  });
});

function buildLog(n: number) {
  const entries = Array.from({ length: n }, (_, i) =>
    utf8(JSON.stringify({ i, pad: "x".repeat(i % 7) })),
  );
  const hashes = entries.map(leafHash);
  const tree = new MemoryTree(hashes);
  const roots: Uint8Array[] = [];
  const s = new StreamingRoot();
  roots.push(s.root());
  for (const h of hashes) {
    s.push(h);
    roots.push(s.root());
  }
  return { entries, hashes, tree, roots };
}

function fetcherFor(tree: MemoryTree, size: number, log: string[] = []) {
  return async (level: number, index: number, width: number) => {
    // the reader must ask exactly for the tiles a tree of this size has
    expect(width).toBe(tileWidth(level, index, size));
    log.push(tilePath(level, index, width));
    return tileFromNodes(level, index, width, tree.node);
  };
}

describe("TileReader over an in-memory tree", () => {
  const N = 600;
  const { entries, hashes, tree, roots } = buildLog(N);

  it("root for every size 1..600 equals StreamingRoot", async () => {
    for (let n = 1; n <= N; n++) {
      const r = new TileReader(n, fetcherFor(tree, n));
      expect(toHex(await r.root()), `size ${n}`).toBe(toHex(roots[n]));
      await r.verifyRoot(roots[n]);
    }
  });

  it("inclusion and consistency proofs from tiles verify (sizes 1..600)", async () => {
    for (let n = 1; n <= N; n += n < 40 ? 1 : 13) {
      const r = new TileReader(n, fetcherFor(tree, n));
      const idx = new Set([
        0,
        n - 1,
        Math.floor(n / 2),
        255 % n,
        256 % n,
        257 % n,
        511 % n,
        (n * 7) % n,
      ]);
      for (const i of idx) {
        const p = await r.inclusionProof(i);
        expect(p.map(toHex)).toEqual(tree.inclusionProof(i, n).map(toHex));
        verifyInclusion(hashes[i], i, n, p, roots[n]);
      }
      for (const m of new Set([
        1,
        Math.max(1, n - 1),
        Math.ceil(n / 3),
        256 <= n ? 256 : 1,
        300 <= n ? 300 : 1,
        n,
      ])) {
        const p = await r.consistencyProof(m);
        expect(p.map(toHex)).toEqual(tree.consistencyProof(m, n).map(toHex));
        verifyConsistency(m, n, p, roots[m], roots[n]);
      }
      // older roots and proofs within the reader's size
      const k = Math.ceil(n / 2);
      expect(toHex(await r.root(k))).toBe(toHex(roots[k]));
      verifyInclusion(hashes[k - 1], k - 1, k, await r.inclusionProof(k - 1, k), roots[k]);
    }
  });

  it("fetches each tile once and in parallel", async () => {
    const log: string[] = [];
    const r = new TileReader(600, fetcherFor(tree, 600, log));
    await Promise.all([
      r.root(),
      r.inclusionProof(5),
      r.inclusionProof(599),
      r.consistencyProof(300),
    ]);
    expect(new Set(log).size).toBe(log.length);
    expect(log.sort()).toEqual(["tile/0/000", "tile/0/001", "tile/0/002.p/88", "tile/1/000.p/2"]);
    expect(r.tilesFetched).toBe(4);
  });

  it("entries from bundles, checked against tiles", async () => {
    const bundles = (size: number, tamper?: number) => async (index: number, width: number) => {
      expect(width).toBe(tileWidth(0, index, size));
      const es = entries
        .slice(index * 256, index * 256 + width)
        .map((e, j) => (index * 256 + j === tamper ? utf8("evil") : e));
      return encodeEntryBundle(es);
    };
    const r = new TileReader(600, fetcherFor(tree, 600), { fetchEntryBundle: bundles(600) });
    const got = await r.entries(250, 600);
    expect(got.map(toHex)).toEqual(entries.slice(250, 600).map(toHex));
    expect((await r.entries(0, 3)).length).toBe(3);
    const bad = new TileReader(600, fetcherFor(tree, 600), { fetchEntryBundle: bundles(600, 420) });
    expect(await codeOf(() => bad.entries(400, 450))).toBe("ENTRY_MISMATCH");
    expect(await codeOf(() => bad.entries(0, 10))).toBe("none");
  });

  it("detects wrong and tampered tiles", async () => {
    const tamper = (tl: number, ti: number) =>
      new TileReader(600, async (level, index, width) => {
        const t = tileFromNodes(level, index, width, tree.node);
        if (level === tl && index === ti) t[t.length - 20] ^= 1;
        return t;
      });
    // the level-1 tile feeds the root of 600 = MTH(0..512) + level-0 nodes of tile 0/2
    expect(await codeOf(() => tamper(1, 0).verifyRoot(roots[600]))).toBe("INCLUSION_PROOF_INVALID");
    expect(await codeOf(() => tamper(0, 2).verifyRoot(roots[600]))).toBe("INCLUSION_PROOF_INVALID");
    expect(await codeOf(() => tamper(0, 1).verifyRoot(roots[600]))).toBe("none"); // not used by the root
    // an inclusion proof built from a tampered tile does not verify
    const t01 = tamper(0, 1); // last hash of tile 0/1 is leaf 511
    const p = await t01.inclusionProof(510);
    expect(() => verifyInclusion(hashes[510], 510, 600, p, roots[600])).toThrow(LogError);
    expect(() =>
      verifyInclusion(hashes[300], 300, 600, tree.inclusionProof(300, 600), roots[600]),
    ).not.toThrow();
    const short = new TileReader(600, async (level, index, width) =>
      tileFromNodes(level, index, width, tree.node).slice(32),
    );
    expect(await codeOf(() => short.root())).toBe("BAD_TILE_SIZE");
    const r = new TileReader(600, fetcherFor(tree, 600));
    expect(await codeOf(() => r.root(601))).toBe("BAD_TREE_SIZE");
    expect(await codeOf(() => r.inclusionProof(600))).toBe("INDEX_OUT_OF_RANGE");
    expect(await codeOf(() => r.tile(0, 3))).toBe("INDEX_OUT_OF_RANGE");
  });

  it("a failed fetch can be retried", async () => {
    let fail = true;
    const r = new TileReader(300, async (level, index, width) => {
      if (fail) throw new Error("network");
      return tileFromNodes(level, index, width, tree.node);
    });
    await expect(r.root()).rejects.toThrow("network");
    fail = false;
    expect(toHex(await r.root())).toBe(toHex(roots[300]));
  });
});

describe("TileReader with level-1 and level-2 tiles (70,000 leaves)", () => {
  it("root and proofs", async () => {
    const n = 70000;
    const hashes = Array.from({ length: n }, (_, i) => sha256(utf8(`leaf ${i}`)));
    const tree = new MemoryTree(hashes);
    const s = new StreamingRoot();
    hashes.forEach((h) => s.push(h));
    const log: string[] = [];
    const r = new TileReader(n, fetcherFor(tree, n, log));
    expect(toHex(await r.root())).toBe(toHex(s.root()));
    expect(log).toContain("tile/2/000.p/1");
    for (const i of [0, 65535, 65536, 69999, 12345])
      verifyInclusion(hashes[i], i, n, await r.inclusionProof(i), s.root());
    for (const m of [1, 256, 65536, 65537, 69999]) {
      const p = await r.consistencyProof(m);
      verifyConsistency(m, n, p, tree.root(m), s.root());
    }
  });
});
