/**
 * The log's roots, tiles and proofs against independent oracles:
 * - merkletreejs (default options: no sorting, no odd-node duplication, lone
 *   nodes promoted; with hashes 0x00||leaf for leaves, supplied pre-hashed,
 *   and 0x01||left||right for nodes via its concatenator). Bottom-up pairing
 *   with promotion of the lone last node IS the RFC 6962 tree for every
 *   size, so it can express RFC 6962 exactly, except the empty tree (it
 *   returns an empty root where RFC 6962 has SHA-256("")).
 * - a recursive reference written from RFC 9162 §2.1.1 (MTH), §2.1.3.1 (PATH)
 *   and §2.1.4.1 (PROOF/SUBPROOF), on node:crypto SHA-256;
 * - the transparency-dev/merkle vectors (test/log/vectors/rfc6962);
 * - the verifier's verifyInclusion / verifyConsistency.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { MerkleTree } from "merkletreejs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  fromBase64,
  fromHex,
  leafHash,
  nodeHash,
  rootFromLeafHashes,
  tileWidth,
  tilesForSize,
  toHex,
  verifyConsistency,
  verifyInclusion,
} from "@urna/verifier";
import { type OpenedLog, openLog, pseudoRandomBytes, tempDir } from "./helpers.js";
import { leafHashFast, nodeHashFast, verifyConsistencyFast } from "../../src/log/index.js";

// ---------------------------------------------------------------------------
// RFC 9162 reference, on leaf hashes (MTH of one leaf = its leaf hash).
const sha = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const refLeaf = (d: Uint8Array) => sha(Uint8Array.of(0), d);
const refNode = (l: Uint8Array, r: Uint8Array) => sha(Uint8Array.of(1), l, r);
const split = (n: number) => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k; // largest power of two < n
};
function MTH(d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha();
  if (d.length === 1) return d[0];
  const k = split(d.length);
  return refNode(MTH(d.slice(0, k)), MTH(d.slice(k)));
}
function PATH(m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length === 1) return [];
  const k = split(d.length);
  return m < k
    ? [...PATH(m, d.slice(0, k)), MTH(d.slice(k))]
    : [...PATH(m - k, d.slice(k)), MTH(d.slice(0, k))];
}
function SUBPROOF(m: number, d: Uint8Array[], b: boolean): Uint8Array[] {
  const n = d.length;
  if (m === n) return b ? [] : [MTH(d)];
  const k = split(n);
  return m <= k
    ? [...SUBPROOF(m, d.slice(0, k), b), MTH(d.slice(k))]
    : [...SUBPROOF(m - k, d.slice(k), false), MTH(d.slice(0, k))];
}
const PROOF = (m: number, d: Uint8Array[]) => SUBPROOF(m, d, true);

// merkletreejs configured for RFC 6962.
const mtHash = (b: Buffer) => createHash("sha256").update(b).digest();
const ONE = Buffer.from([1]);
const mtree = (leafHashes: Uint8Array[]) =>
  new MerkleTree(
    leafHashes.map((h) => Buffer.from(h)),
    mtHash,
    { concatenator: (bufs: Buffer[]) => Buffer.concat([ONE, ...bufs]) },
  );

const hexes = (a: Uint8Array[]) => a.map(toHex);

// ---------------------------------------------------------------------------
describe("outside vectors (transparency-dev/merkle)", () => {
  const dir = join(import.meta.dirname, "vectors/rfc6962");
  const trees = JSON.parse(readFileSync(join(dir, "trees.json"), "utf8")) as {
    leafInputs: string[];
    rootsBySize: string[];
  };
  const leaves = trees.leafInputs.map(fromHex);

  test("every prefix root, one checkpoint per entry", async () => {
    const log = await openLog(undefined, { maxBatchSize: 1 });
    expect(log.seq.head().root).toEqual(fromHex(trees.rootsBySize[0]));
    for (let i = 0; i < leaves.length; i++) {
      const r = await log.seq.append(leaves[i]);
      expect(r.index).toBe(i);
      expect(toHex(r.root)).toBe(trees.rootsBySize[i + 1]);
      expect(r.checkpoint).toContain(`\n${i + 1}\n`);
    }
    for (let s = 0; s <= leaves.length; s++)
      expect(toHex(await log.seq.reader.rootAt(s))).toBe(trees.rootsBySize[s]);
    await log.close();
  });

  test("inclusion and consistency proofs equal the vectors", async () => {
    const log = await openLog(undefined);
    await Promise.all(leaves.map((l) => log.seq.append(l)));
    const r = log.seq.reader;
    for (let n = 1; n <= 4; n++) {
      const v = JSON.parse(readFileSync(join(dir, `inclusion-${n}.json`), "utf8")) as {
        leafIdx: number;
        treeSize: number;
        proof: string[] | null;
        leafHash: string;
      };
      expect(await r.leafHashAt(v.leafIdx)).toEqual(fromBase64(v.leafHash));
      expect(hexes(await r.inclusionProof(v.leafIdx, v.treeSize))).toEqual(
        hexes((v.proof ?? []).map(fromBase64)),
      );
      const c = JSON.parse(readFileSync(join(dir, `consistency-${n}.json`), "utf8")) as {
        size1: number;
        size2: number;
        proof: string[] | null;
      };
      expect(hexes(await r.consistencyProof(c.size1, c.size2))).toEqual(
        hexes((c.proof ?? []).map(fromBase64)),
      );
    }
    await log.close();
  });
});

describe("against merkletreejs and the RFC 9162 reference", () => {
  const N = 5000;
  let log: OpenedLog;
  let entries: Uint8Array[];
  let hashes: Uint8Array[];

  beforeAll(async () => {
    // One 5,000-entry log built in batches of varying sizes (so partial tiles of many widths were written).
    log = await openLog(undefined, { maxBatchSize: 97, maxBatchDelayMs: 1 });
    entries = Array.from({ length: N }, (_, i) => pseudoRandomBytes(i, 1 + (i % 61)));
    hashes = entries.map(refLeaf);
    const got = await Promise.all(entries.map((e) => log.seq.append(e)));
    got.forEach((g, i) => expect(g.index).toBe(i));
  });
  afterAll(() => log.close());

  test("leaf and node hashes: node:crypto fast path = verifier = reference", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (d, r) => {
          expect(leafHashFast(d)).toEqual(refLeaf(d));
          expect(leafHash(d)).toEqual(refLeaf(d));
          const l = refLeaf(d);
          expect(nodeHashFast(l, r)).toEqual(refNode(l, r));
          expect(nodeHash(l, r)).toEqual(refNode(l, r));
        },
      ),
      { numRuns: 200 },
    );
  });

  test("roots and inclusion proofs at random sizes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: N })
          .chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: 0, max: s - 1 }))),
        async ([size, index]) => {
          const prefix = hashes.slice(0, size);
          const tree = mtree(prefix);
          const root = await log.seq.reader.rootAt(size);
          expect(toHex(root)).toBe(tree.getRoot().toString("hex"));
          expect(root).toEqual(MTH(prefix));
          const proof = await log.seq.reader.inclusionProof(index, size);
          expect(hexes(proof)).toEqual(
            tree.getProof(Buffer.from(prefix[index]), index).map((p) => p.data.toString("hex")),
          );
          expect(hexes(proof)).toEqual(hexes(PATH(index, prefix)));
          verifyInclusion(prefix[index], index, size, proof, root);
          // Negative: the proof does not verify another leaf.
          expect(() =>
            verifyInclusion(refLeaf(Uint8Array.of(1, 2, 3)), index, size, proof, root),
          ).toThrow();
        },
      ),
      { numRuns: 60 },
    );
  });

  test("consistency proofs between random sizes verify and equal the reference", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: N })
          .chain((s2) => fc.tuple(fc.integer({ min: 1, max: s2 }), fc.constant(s2))),
        async ([s1, s2]) => {
          const r = log.seq.reader;
          const proof = await r.consistencyProof(s1, s2);
          const all = hashes.slice(0, s2);
          expect(hexes(proof)).toEqual(hexes(s1 === s2 ? [] : PROOF(s1, all)));
          const root1 = await r.rootAt(s1);
          const root2 = await r.rootAt(s2);
          verifyConsistency(s1, s2, proof, root1, root2);
          if (proof.length > 0) {
            const bad = proof.map((p) => p.slice());
            bad[bad.length - 1][0] ^= 1;
            expect(() => verifyConsistency(s1, s2, bad, root1, root2)).toThrow();
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  test("verifyConsistencyFast decides as verifyConsistency: every size pair up to 40, proofs from the RFC reference, valid and tampered", () => {
    const N = 40;
    const leaves = Array.from({ length: N }, (_, i) => refLeaf(pseudoRandomBytes(i + 7, 20)));
    const roots = [sha(), ...leaves.map((_, i) => MTH(leaves.slice(0, i + 1)))];
    const slow = (a: number, b: number, p: Uint8Array[], r1: Uint8Array, r2: Uint8Array) => {
      try {
        verifyConsistency(a, b, p, r1, r2);
        return true;
      } catch {
        return false;
      }
    };
    let accepted = 0;
    let refused = 0;
    for (let b = 2; b <= N; b++)
      for (let a = 1; a < b; a++) {
        const proof = PROOF(a, leaves.slice(0, b));
        const both = (p: Uint8Array[], r1 = roots[a], r2 = roots[b], x = a, y = b) => {
          const fast = verifyConsistencyFast(x, y, p, r1, r2);
          expect(fast, `${x}->${y}`).toBe(slow(x, y, p, r1, r2));
          if (fast) accepted++;
          else refused++;
          return fast;
        };
        expect(both(proof)).toBe(true);
        // One flipped bit in each proof node, in either root; a dropped or extra node; other sizes.
        for (let i = 0; i < proof.length; i++) {
          const t = proof.map((h) => h.slice());
          t[i][i % 32] ^= 1 << (i % 8);
          expect(both(t)).toBe(false);
        }
        const bad = roots[a].slice();
        bad[31] ^= 0x80;
        expect(both(proof, bad)).toBe(false);
        expect(both(proof, roots[a], bad)).toBe(false);
        expect(both(proof.slice(1))).toBe(false);
        expect(both([...proof, roots[0]])).toBe(false);
        if (a > 1) expect(both(proof, roots[a - 1], roots[b], a - 1, b)).toBe(false);
        if (b < N) expect(both(proof, roots[a], roots[b + 1], a, b + 1)).toBe(false);
      }
    expect(accepted).toBe(((N - 1) * N) / 2);
    expect(refused).toBeGreaterThan(accepted * 4);
  });

  test("entries and leaf hashes read back", async () => {
    const r = log.seq.reader;
    expect(await r.entries(250, 520)).toEqual(entries.slice(250, 520));
    const all: Uint8Array[] = [];
    for await (const e of r.iterateEntries()) all.push(e);
    expect(all).toEqual(entries);
    for (const i of [0, 255, 256, 4999]) expect(await r.leafHashAt(i)).toEqual(hashes[i]);
  });
});

describe("logs of random sizes and batchings", () => {
  // Tile (level, index, width) from the reference: MTH of consecutive 256^level-leaf ranges.
  const refTile = (h: Uint8Array[], level: number, index: number, width: number) => {
    const span = 256 ** level;
    const out: Uint8Array[] = [];
    for (let j = 0; j < width; j++) {
      const start = (index * 256 + j) * span;
      out.push(MTH(h.slice(start, start + span)));
    }
    return toHex(Uint8Array.from(out.flatMap((x) => [...x])));
  };

  const build = async (dir: string | undefined, n: number, batch: number, seed: number) => {
    const log = await openLog(dir, { maxBatchSize: batch, maxBatchDelayMs: 1 });
    const entries = Array.from({ length: n }, (_, i) =>
      pseudoRandomBytes(seed * 100_003 + i, 8 + (i % 13)),
    );
    await Promise.all(entries.map((e) => log.seq.append(e)));
    return { log, entries, hashes: entries.map(refLeaf) };
  };

  test("in memory: root = merkletreejs, every tile = reference", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 32, max: 256 }),
        fc.nat(1000),
        async (n, batch, seed) => {
          const { log, hashes } = await build(undefined, n, batch, seed);
          const root = log.seq.head().root;
          expect(root).toEqual(MTH(hashes));
          expect(root).toEqual(rootFromLeafHashes(hashes)); // the verifier's StreamingRoot
          if (n > 0) expect(toHex(root)).toBe(mtree(hashes).getRoot().toString("hex"));
          expect(await log.seq.reader.rootAt(n)).toEqual(root);
          for (const t of tilesForSize(n)) {
            if (t.level === 0 && t.width === 256 && t.index % 5 !== 0) continue; // sample the full level-0 tiles
            expect(toHex(await log.seq.reader.tile(t.level, t.index, t.width))).toBe(
              refTile(hashes, t.level, t.index, t.width),
            );
          }
          // Beyond the published tree: nothing.
          await expect(
            log.seq.reader.tile(0, Math.floor(n / 256), tileWidth(0, Math.floor(n / 256), n) + 1),
          ).rejects.toThrow(/NOT_FOUND/);
          await log.close();
        },
      ),
      { numRuns: 12 },
    );
  });

  test("on level: the same after closing and reopening", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 64, max: 256 }),
        fc.nat(1000),
        async (n, batch, seed) => {
          const d = await tempDir();
          try {
            const { log, entries, hashes } = await build(d.path, n, batch, seed);
            await log.close();
            const again = await openLog(d.path);
            expect(again.seq.failure).toBeUndefined();
            expect(again.seq.size).toBe(n);
            expect(again.seq.head().root).toEqual(MTH(hashes));
            const i = seed % n;
            const proof = await again.seq.reader.inclusionProof(i);
            expect(hexes(proof)).toEqual(hexes(PATH(i, hashes)));
            expect(await again.seq.reader.entries(0, n)).toEqual(entries);
            await again.close();
          } finally {
            await d.cleanup();
          }
        },
      ),
      { numRuns: 3 },
    );
  });
});
