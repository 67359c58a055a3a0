import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { fromBase64, fromHex, toHex, utf8 } from "../../src/bytes.js";
import { LogError } from "../../src/log/errors.js";
import { emptyRoot, leafHash, nodeHash } from "../../src/log/merkle-hash.js";
import {
  MemoryTree,
  StreamingRoot,
  consistencyProofLength,
  inclusionProofLength,
  rootFromInclusionProof,
  rootFromLeafHashes,
  verifyAppendOnly,
  verifyConsistency,
  verifyInclusion,
} from "../../src/log/merkle.js";

const VEC = fileURLToPath(new URL("../vectors/rfc6962/", import.meta.url));

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...jsonFiles(p));
    else if (e.endsWith(".json")) out.push(p);
  }
  return out.sort();
}

const b64 = (s: string): Uint8Array => (s === "" ? new Uint8Array(0) : fromBase64(s));
const b64list = (l: string[] | null): Uint8Array[] => (l ?? []).map(b64);

interface InclusionCase {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}
interface ConsistencyCase {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

const inclusionFiles = jsonFiles(join(VEC, "inclusion"));
const consistencyFiles = jsonFiles(join(VEC, "consistency"));

describe("RFC 6962 vectors (transparency-dev/merkle)", () => {
  it("has the expected number of vector files", () => {
    expect(inclusionFiles.length).toBeGreaterThan(40);
    expect(consistencyFiles.length).toBeGreaterThan(90);
  });

  describe("inclusion", () => {
    for (const f of inclusionFiles) {
      const c = JSON.parse(readFileSync(f, "utf8")) as InclusionCase;
      const name = f.slice(VEC.length);
      it(`${name}: ${c.desc} (${c.wantErr ? "fails" : "verifies"})`, () => {
        const run = () =>
          verifyInclusion(b64(c.leafHash), c.leafIdx, c.treeSize, b64list(c.proof), b64(c.root));
        if (c.wantErr) expect(run).toThrow(LogError);
        else {
          expect(run).not.toThrow();
          expect(
            toHex(rootFromInclusionProof(b64(c.leafHash), c.leafIdx, c.treeSize, b64list(c.proof))),
          ).toBe(toHex(b64(c.root)));
        }
      });
    }
  });

  describe("consistency", () => {
    for (const f of consistencyFiles) {
      const c = JSON.parse(readFileSync(f, "utf8")) as ConsistencyCase;
      const name = f.slice(VEC.length);
      it(`${name}: ${c.desc} (${c.wantErr ? "fails" : "verifies"})`, () => {
        const run = () =>
          verifyConsistency(c.size1, c.size2, b64list(c.proof), b64(c.root1), b64(c.root2));
        if (c.wantErr) expect(run).toThrow(LogError);
        else expect(run).not.toThrow();
      });
    }
  });

  describe("trees.json", () => {
    const t = JSON.parse(readFileSync(join(VEC, "trees.json"), "utf8")) as {
      leafInputs: string[];
      rootsBySize: string[];
      hashLeaf: { input_ascii: string; hash: string };
      hashChildren: { left_ascii: string; right_ascii: string; hash: string };
    };
    const leaves = t.leafInputs.map((h) => leafHash(fromHex(h)));

    it("hashLeaf and hashChildren", () => {
      expect(toHex(leafHash(utf8(t.hashLeaf.input_ascii)))).toBe(t.hashLeaf.hash);
      expect(
        toHex(nodeHash(utf8(t.hashChildren.left_ascii), utf8(t.hashChildren.right_ascii))),
      ).toBe(t.hashChildren.hash);
    });

    it("StreamingRoot gives every root for sizes 0..8", () => {
      const s = new StreamingRoot();
      expect(toHex(s.root())).toBe(t.rootsBySize[0]);
      for (let i = 0; i < leaves.length; i++) {
        s.push(leaves[i]);
        expect(s.size).toBe(i + 1);
        expect(toHex(s.root())).toBe(t.rootsBySize[i + 1]);
      }
      expect(t.rootsBySize).toHaveLength(9);
    });

    it("rootFromLeafHashes, MemoryTree, and frontier resume agree", () => {
      const m = new MemoryTree(leaves);
      for (let n = 0; n <= 8; n++) {
        expect(toHex(rootFromLeafHashes(leaves.slice(0, n)))).toBe(t.rootsBySize[n]);
        expect(toHex(m.root(n))).toBe(t.rootsBySize[n]);
        const s = new StreamingRoot();
        leaves.slice(0, n).forEach((h) => s.push(h));
        const r = StreamingRoot.fromFrontier(n, s.frontier());
        leaves.slice(n).forEach((h) => r.push(h));
        expect(toHex(r.root())).toBe(t.rootsBySize[8]);
      }
    });

    it("every inclusion and consistency proof of the 8-leaf tree verifies", () => {
      const m = new MemoryTree(leaves);
      for (let n = 1; n <= 8; n++) {
        const root = fromHex(t.rootsBySize[n]);
        for (let i = 0; i < n; i++) verifyInclusion(leaves[i], i, n, m.inclusionProof(i, n), root);
        for (let k = 1; k <= n; k++)
          verifyConsistency(k, n, m.consistencyProof(k, n), fromHex(t.rootsBySize[k]), root);
      }
    });
  });
});

describe("generated trees (1..130 leaves)", () => {
  const hashes = Array.from({ length: 130 }, (_, i) => sha256(Uint8Array.of(i, i >> 8)));
  const m = new MemoryTree(hashes);
  const roots = [emptyRoot()];
  const s = new StreamingRoot();
  for (const h of hashes) {
    s.push(h);
    roots.push(s.root());
  }

  it("MemoryTree roots equal StreamingRoot roots", () => {
    for (let n = 0; n <= 130; n++) expect(toHex(m.root(n))).toBe(toHex(roots[n]));
  });

  it("all inclusion proofs verify, fail for the neighbour leaf and for flipped bits", () => {
    for (const n of [1, 2, 3, 5, 7, 8, 9, 31, 64, 65, 100, 127, 128, 129, 130]) {
      for (let i = 0; i < n; i++) {
        const p = m.inclusionProof(i, n);
        expect(p.length).toBe(inclusionProofLength(i, n));
        verifyInclusion(hashes[i], i, n, p, roots[n]);
        if (n > 1)
          expect(() => verifyInclusion(hashes[(i + 1) % n], i, n, p, roots[n])).toThrow(LogError);
        if (p.length > 0) {
          const bad = p.map((x) => x.slice());
          bad[i % p.length][i % 32] ^= 1;
          expect(() => verifyInclusion(hashes[i], i, n, bad, roots[n])).toThrow(LogError);
          expect(() => verifyInclusion(hashes[i], i, n, p.slice(1), roots[n])).toThrow(LogError);
          expect(() => verifyInclusion(hashes[i], i, n, [...p, p[0]], roots[n])).toThrow(LogError);
        }
      }
    }
  });

  it("all consistency proofs verify and tampering fails", () => {
    for (let n = 1; n <= 130; n += n < 20 ? 1 : 7) {
      for (let k = 1; k <= n; k++) {
        const p = m.consistencyProof(k, n);
        if (k < n) expect(p.length).toBe(consistencyProofLength(k, n));
        verifyConsistency(k, n, p, roots[k], roots[n]);
        verifyAppendOnly(k, n, p, roots[k], roots[n]);
        if (k < n) {
          const bad = p.map((x) => x.slice());
          bad[k % p.length][k % 32] ^= 0x80;
          expect(() => verifyConsistency(k, n, bad, roots[k], roots[n])).toThrow(LogError);
          expect(() => verifyConsistency(k, n, p, roots[k - 1], roots[n])).toThrow(LogError);
          expect(() => verifyConsistency(k, n, p, roots[k], roots[n - 1])).toThrow(LogError);
          expect(() => verifyConsistency(k, n, p.slice(0, -1), roots[k], roots[n])).toThrow(
            LogError,
          );
        }
      }
    }
  });

  it("error codes", () => {
    const code = (f: () => void) => {
      try {
        f();
      } catch (e) {
        return (e as LogError).code;
      }
      return "none";
    };
    const p = m.inclusionProof(3, 10);
    expect(code(() => verifyInclusion(hashes[3], 10, 10, p, roots[10]))).toBe("INDEX_OUT_OF_RANGE");
    expect(code(() => verifyInclusion(hashes[3], -1, 10, p, roots[10]))).toBe("INDEX_OUT_OF_RANGE");
    expect(code(() => verifyInclusion(hashes[3], 3, 10, p.slice(1), roots[10]))).toBe(
      "BAD_PROOF_SIZE",
    );
    expect(code(() => verifyInclusion(hashes[3].slice(1), 3, 10, p, roots[10]))).toBe(
      "BAD_HASH_SIZE",
    );
    expect(code(() => verifyInclusion(hashes[4], 3, 10, p, roots[10]))).toBe(
      "INCLUSION_PROOF_INVALID",
    );
    expect(code(() => verifyInclusion(hashes[3], 3, 2 ** 53, p, roots[10]))).toBe("BAD_TREE_SIZE");
    expect(code(() => verifyConsistency(0, 5, [], emptyRoot(), roots[5]))).toBe(
      "CONSISTENCY_PROOF_INVALID",
    );
    expect(code(() => verifyConsistency(6, 5, [], roots[6], roots[5]))).toBe(
      "CONSISTENCY_PROOF_INVALID",
    );
    expect(code(() => verifyConsistency(3, 10, [], roots[3], roots[10]))).toBe("BAD_PROOF_SIZE");
    // the append-only helper accepts the empty tree as a starting point, with an empty proof only
    expect(code(() => verifyAppendOnly(0, 5, [], emptyRoot(), roots[5]))).toBe("none");
    expect(code(() => verifyAppendOnly(0, 5, [roots[1]], emptyRoot(), roots[5]))).toBe(
      "BAD_PROOF_SIZE",
    );
    expect(code(() => verifyAppendOnly(0, 5, [], roots[1], roots[5]))).toBe(
      "CONSISTENCY_PROOF_INVALID",
    );
  });

  it("proof lengths for large trees (near 2^53) are computed without 32-bit overflow", () => {
    const n = 2 ** 52 + 12345;
    expect(inclusionProofLength(0, n)).toBe(53);
    expect(inclusionProofLength(n - 1, n)).toBe(inclusionProofLength(12344, 12345) + 1);
    expect(consistencyProofLength(2 ** 52, n)).toBe(1);
    expect(consistencyProofLength(2 ** 52 + 1, n)).toBe(consistencyProofLength(1, 12345) + 2);
  });
});
