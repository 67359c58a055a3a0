/**
 * RFC 6962 / RFC 9162 Merkle tree: streaming roots, proof verification
 * (RFC 9162 §2.1.3.2 and §2.1.4.2) and proof generation from a node accessor.
 *
 * Tree sizes and indices are JS numbers: non-negative safe integers (< 2^53).
 * Arithmetic avoids 32-bit bitwise operators so every safe integer works.
 */
import { bytesEqual } from "../bytes.js";
import { LogError } from "./errors.js";
import { HASH_SIZE, emptyRoot, nodeHash } from "./merkle-hash.js";

/** A complete (perfect) subtree: leaves [index * 2^level, (index + 1) * 2^level). */
export interface NodeId {
  level: number;
  index: number;
}

/** Returns the hash of a complete subtree. */
export type NodeGetter = (level: number, index: number) => Uint8Array;

const lsb = (x: number): boolean => x % 2 === 1;
const half = (x: number): number => Math.floor(x / 2);

function checkSize(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new LogError("BAD_TREE_SIZE", `${what} ${n} is not a non-negative safe integer`);
}

function checkHash(h: Uint8Array, what: string): void {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE)
    throw new LogError("BAD_HASH_SIZE", `${what} must be ${HASH_SIZE} bytes`);
}

/** Largest power of two strictly smaller than n (n >= 2). */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

const isPowerOfTwo = (n: number): boolean => {
  if (n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
};

// ---------------------------------------------------------------------------
// Streaming root (compact range)

/**
 * Computes MTH(D[0:n]) over leaf hashes pushed one at a time with O(log n)
 * memory: the frontier holds the roots of the maximal complete subtrees, left
 * to right, one per set bit of the size.
 */
export class StreamingRoot {
  #size = 0;
  #stack: Uint8Array[] = []; // roots of complete subtrees, largest (leftmost) first

  /** Resume from a frontier (as returned by `frontier()`) at `size`. */
  static fromFrontier(size: number, frontier: Uint8Array[]): StreamingRoot {
    checkSize(size, "size");
    let bits = 0;
    for (let s = size; s > 0; s = half(s)) if (lsb(s)) bits++;
    if (frontier.length !== bits)
      throw new LogError("BAD_PROOF_SIZE", `frontier of size ${size} must have ${bits} hashes`);
    frontier.forEach((h, i) => checkHash(h, `frontier[${i}]`));
    const s = new StreamingRoot();
    s.#size = size;
    s.#stack = frontier.map((h) => h.slice());
    return s;
  }

  push(leafHash: Uint8Array): void {
    checkHash(leafHash, "leaf hash");
    if (this.#size >= Number.MAX_SAFE_INTEGER)
      throw new LogError("BAD_TREE_SIZE", "tree too large");
    let h: Uint8Array = leafHash.slice();
    // Merge while the lowest bits of the size are set (carry propagation).
    for (let s = this.#size; lsb(s); s = half(s)) h = nodeHash(this.#stack.pop()!, h);
    this.#stack.push(h);
    this.#size++;
  }

  get size(): number {
    return this.#size;
  }

  /** Roots of the complete subtrees covering [0, size), leftmost (largest) first. */
  frontier(): Uint8Array[] {
    return this.#stack.map((h) => h.slice());
  }

  root(): Uint8Array {
    if (this.#stack.length === 0) return emptyRoot();
    let h = this.#stack[this.#stack.length - 1];
    for (let i = this.#stack.length - 2; i >= 0; i--) h = nodeHash(this.#stack[i], h);
    return h.slice();
  }
}

export function rootFromLeafHashes(hashes: Iterable<Uint8Array>): Uint8Array {
  const s = new StreamingRoot();
  for (const h of hashes) s.push(h);
  return s.root();
}

// ---------------------------------------------------------------------------
// Inclusion proofs (RFC 9162 §2.1.3)

function checkInclusionArgs(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: Uint8Array[],
): void {
  checkSize(size, "tree size");
  if (!Number.isSafeInteger(index) || index < 0 || index >= size)
    throw new LogError("INDEX_OUT_OF_RANGE", `index ${index} not in a tree of size ${size}`);
  checkHash(leafHash, "leaf hash");
  if (!Array.isArray(proof)) throw new LogError("BAD_PROOF_SIZE", "proof must be an array");
  const want = inclusionProofLength(index, size);
  if (proof.length !== want)
    throw new LogError(
      "BAD_PROOF_SIZE",
      `inclusion proof has ${proof.length} hashes, want ${want}`,
    );
  proof.forEach((p, i) => checkHash(p, `proof[${i}]`));
}

/** Number of hashes in the inclusion proof of leaf `index` in a tree of `size`. */
export function inclusionProofLength(index: number, size: number): number {
  let n = 0;
  let m = index;
  let s = size;
  while (s > 1) {
    const k = largestPowerOfTwoBelow(s);
    if (m < k) s = k;
    else {
      m -= k;
      s -= k;
    }
    n++;
  }
  return n;
}

/**
 * Root implied by an inclusion proof (RFC 9162 §2.1.3.2 steps 1-4, without
 * the final comparison). Throws on malformed input.
 */
export function rootFromInclusionProof(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: Uint8Array[],
): Uint8Array {
  checkInclusionArgs(leafHash, index, size, proof);
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) throw new LogError("BAD_PROOF_SIZE", "inclusion proof too long");
    if (lsb(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!lsb(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new LogError("BAD_PROOF_SIZE", "inclusion proof too short");
  return r;
}

/** Verifies that `leafHash` is leaf `index` of the tree of `size` with `root`. Throws LogError. */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: Uint8Array[],
  root: Uint8Array,
): void {
  checkHash(root, "root");
  const r = rootFromInclusionProof(leafHash, index, size, proof);
  if (!bytesEqual(r, root))
    throw new LogError(
      "INCLUSION_PROOF_INVALID",
      `leaf ${index} is not in the tree of size ${size} with this root`,
    );
}

// ---------------------------------------------------------------------------
// Consistency proofs (RFC 9162 §2.1.4)

/** Number of hashes in the consistency proof from size1 to size2 (0 < size1 < size2). */
export function consistencyProofLength(size1: number, size2: number): number {
  let n = 0;
  let m = size1;
  let s = size2;
  let b = true;
  while (m !== s) {
    const k = largestPowerOfTwoBelow(s);
    if (m <= k) s = k;
    else {
      m -= k;
      s -= k;
      b = false;
    }
    n++;
  }
  return b ? n : n + 1;
}

/**
 * Verifies that the tree (size1, root1) is a prefix of the tree (size2, root2).
 * Follows RFC 9162 §2.1.4.2 and transparency-dev/merkle: size1 must be > 0
 * (a proof from the empty tree is meaningless and rejected, even to size 0;
 * use verifyAppendOnly for checkpoints that may start empty), and equal sizes
 * need an empty proof and equal roots. Throws LogError.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  checkSize(size1, "size1");
  checkSize(size2, "size2");
  if (!Array.isArray(proof)) throw new LogError("BAD_PROOF_SIZE", "proof must be an array");
  if (size2 < size1)
    throw new LogError("CONSISTENCY_PROOF_INVALID", `size2 ${size2} < size1 ${size1}`);
  if (size1 === 0)
    throw new LogError(
      "CONSISTENCY_PROOF_INVALID",
      "consistency proof from the empty tree is meaningless",
    );
  if (size1 === size2) {
    if (proof.length !== 0) throw new LogError("BAD_PROOF_SIZE", "equal sizes need an empty proof");
    if (!bytesEqual(root1, root2))
      throw new LogError("CONSISTENCY_PROOF_INVALID", "equal sizes but different roots");
    return;
  }
  checkHash(root1, "root1");
  checkHash(root2, "root2");
  const want = consistencyProofLength(size1, size2);
  if (proof.length !== want)
    throw new LogError(
      "BAD_PROOF_SIZE",
      `consistency proof has ${proof.length} hashes, want ${want}`,
    );
  proof.forEach((p, i) => checkHash(p, `proof[${i}]`));

  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (lsb(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0];
  let sr = path[0];
  for (let i = 1; i < path.length; i++) {
    const c = path[i];
    if (sn === 0) throw new LogError("BAD_PROOF_SIZE", "consistency proof too long");
    if (lsb(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!lsb(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new LogError("BAD_PROOF_SIZE", "consistency proof too short");
  if (!bytesEqual(fr, root1))
    throw new LogError(
      "CONSISTENCY_PROOF_INVALID",
      `proof does not match the root of size ${size1}`,
    );
  if (!bytesEqual(sr, root2))
    throw new LogError(
      "CONSISTENCY_PROOF_INVALID",
      `proof does not match the root of size ${size2}`,
    );
}

/**
 * Append-only check between two checkpoints as witnesses and monitors need it
 * (tlog-witness): from size 0 the proof must be empty and root1 the empty-tree
 * root; otherwise as verifyConsistency.
 */
export function verifyAppendOnly(
  size1: number,
  size2: number,
  proof: Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  if (size1 === 0 && size2 > 0) {
    checkSize(size2, "size2");
    if (proof.length !== 0) throw new LogError("BAD_PROOF_SIZE", "proof from size 0 must be empty");
    if (!bytesEqual(root1, emptyRoot()))
      throw new LogError("CONSISTENCY_PROOF_INVALID", "size 0 with a non-empty root");
    checkHash(root2, "root2");
    return;
  }
  if (size1 === 0 && size2 === 0) {
    if (proof.length !== 0) throw new LogError("BAD_PROOF_SIZE", "equal sizes need an empty proof");
    if (!bytesEqual(root1, emptyRoot()) || !bytesEqual(root2, emptyRoot()))
      throw new LogError("CONSISTENCY_PROOF_INVALID", "size 0 with a non-empty root");
    return;
  }
  verifyConsistency(size1, size2, proof, root1, root2);
}

// ---------------------------------------------------------------------------
// Proof generation from complete-subtree hashes

/**
 * Splits the leaf range [start, end) into maximal aligned complete subtrees,
 * left to right. For the ranges RFC 6962 hashes (MTH of D[k:n] in PATH and
 * SUBPROOF, and the whole tree) these are its binary decomposition.
 */
export function rangeNodes(start: number, end: number): NodeId[] {
  checkSize(start, "range start");
  checkSize(end, "range end");
  if (end < start) throw new LogError("BAD_TREE_SIZE", `bad range [${start}, ${end})`);
  const out: NodeId[] = [];
  let p = start;
  while (p < end) {
    let level = 0;
    let w = 1;
    while (p % (w * 2) === 0 && p + w * 2 <= end) {
      w *= 2;
      level++;
    }
    out.push({ level, index: p / w });
    p += w;
  }
  return out;
}

/** MTH(D[start:end]) for an RFC 6962 range, from complete-subtree hashes. */
export function hashRange(start: number, end: number, getNode: NodeGetter): Uint8Array {
  const nodes = rangeNodes(start, end);
  if (nodes.length === 0) return emptyRoot();
  let h = getNode(nodes[nodes.length - 1].level, nodes[nodes.length - 1].index);
  for (let i = nodes.length - 2; i >= 0; i--)
    h = nodeHash(getNode(nodes[i].level, nodes[i].index), h);
  return h;
}

/** Leaf ranges whose MTH form the inclusion proof of `index` in `size` (RFC 6962 PATH), in proof order. */
export function inclusionProofRanges(index: number, size: number): Array<[number, number]> {
  checkSize(size, "tree size");
  if (!Number.isSafeInteger(index) || index < 0 || index >= size)
    throw new LogError("INDEX_OUT_OF_RANGE", `index ${index} not in a tree of size ${size}`);
  const out: Array<[number, number]> = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (index < lo + k) {
      out.push([lo + k, hi]);
      hi = lo + k;
    } else {
      out.push([lo, lo + k]);
      lo = lo + k;
    }
  }
  return out.reverse();
}

/** Leaf ranges whose MTH form the consistency proof from size1 to size2 (RFC 6962 PROOF), in proof order. */
export function consistencyProofRanges(size1: number, size2: number): Array<[number, number]> {
  checkSize(size1, "size1");
  checkSize(size2, "size2");
  if (size1 > size2) throw new LogError("BAD_TREE_SIZE", `size1 ${size1} > size2 ${size2}`);
  if (size1 === 0 || size1 === size2) return [];
  const out: Array<[number, number]> = [];
  let lo = 0;
  let hi = size2;
  let m = size1; // old size relative to lo
  let b = true;
  while (m !== hi - lo) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (m <= k) {
      out.push([lo + k, hi]);
      hi = lo + k;
    } else {
      out.push([lo, lo + k]);
      lo += k;
      m -= k;
      b = false;
    }
  }
  if (!b) out.push([lo, hi]);
  return out.reverse();
}

/** Inclusion proof for leaf `index` in the tree of `size`. */
export function inclusionProof(index: number, size: number, getNode: NodeGetter): Uint8Array[] {
  return inclusionProofRanges(index, size).map(([a, b]) => hashRange(a, b, getNode));
}

/** Consistency proof from size1 to size2 (empty when size1 is 0 or equals size2). */
export function consistencyProof(size1: number, size2: number, getNode: NodeGetter): Uint8Array[] {
  return consistencyProofRanges(size1, size2).map(([a, b]) => hashRange(a, b, getNode));
}

/** Complete-subtree nodes needed to build the given ranges, deduplicated. */
export function nodesForRanges(ranges: Iterable<[number, number]>): NodeId[] {
  const seen = new Set<string>();
  const out: NodeId[] = [];
  for (const [a, b] of ranges)
    for (const n of rangeNodes(a, b)) {
      const k = `${n.level}/${n.index}`;
      if (!seen.has(k)) {
        seen.add(k);
        out.push(n);
      }
    }
  return out;
}

/**
 * In-memory tree over leaf hashes (for tests, tools and small logs): keeps all
 * levels, so any node, root or proof is available synchronously.
 */
export class MemoryTree {
  readonly levels: Uint8Array[][] = [[]];

  constructor(leafHashes: Iterable<Uint8Array> = []) {
    for (const h of leafHashes) this.push(h);
  }

  push(leafHash: Uint8Array): void {
    checkHash(leafHash, "leaf hash");
    this.levels[0].push(leafHash.slice());
    let l = 0;
    let i = this.levels[0].length - 1;
    while (lsb(i)) {
      const row = this.levels[l];
      const h = nodeHash(row[i - 1], row[i]);
      l++;
      i = half(i);
      if (this.levels.length <= l) this.levels.push([]);
      this.levels[l][i] = h;
    }
  }

  get size(): number {
    return this.levels[0].length;
  }

  readonly node: NodeGetter = (level, index) => {
    const h = this.levels[level]?.[index];
    if (!h) throw new LogError("INDEX_OUT_OF_RANGE", `no complete node ${level}/${index}`);
    return h;
  };

  root(size = this.size): Uint8Array {
    if (size > this.size) throw new LogError("BAD_TREE_SIZE", `size ${size} > ${this.size}`);
    return hashRange(0, size, this.node);
  }

  inclusionProof(index: number, size = this.size): Uint8Array[] {
    if (size > this.size) throw new LogError("BAD_TREE_SIZE", `size ${size} > ${this.size}`);
    return inclusionProof(index, size, this.node);
  }

  consistencyProof(size1: number, size2 = this.size): Uint8Array[] {
    if (size2 > this.size) throw new LogError("BAD_TREE_SIZE", `size ${size2} > ${this.size}`);
    return consistencyProof(size1, size2, this.node);
  }
}
