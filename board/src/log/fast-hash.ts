/**
 * RFC 6962 leaf and node hashes on node:crypto's one-shot SHA-256, for the
 * sequencer's hot path (the portable hashes in @urna/verifier are the
 * reference; tests check these agree with them and with an independent
 * implementation). About 2x faster for node hashes and 5x for 1 KiB leaves.
 */
import { hash } from "node:crypto";
import { consistencyProofLength } from "@urna/verifier";

const view = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** SHA-256(0x00 || leaf). */
export function leafHashFast(leaf: Uint8Array): Uint8Array {
  const buf = new Uint8Array(leaf.length + 1);
  buf.set(leaf, 1);
  return view(hash("sha256", buf, "buffer"));
}

const scratch = new Uint8Array(65);
scratch[0] = 1;

/** SHA-256(0x01 || left || right). */
export function nodeHashFast(left: Uint8Array, right: Uint8Array): Uint8Array {
  scratch.set(left, 1);
  scratch.set(right, 33);
  return view(hash("sha256", scratch, "buffer"));
}

/**
 * RFC 9162 §2.1.4.2 consistency-proof verification for 0 < size1 < size2, as the verifier's
 * verifyConsistency (the reference; tests check both decide alike on valid and tampered
 * proofs) but on nodeHashFast: the checkpoint signer checks one proof per batch, and on the
 * sequencer's hot path the portable hashes cost more than the rest of the check. Returns
 * whether `proof` proves that the tree (size1, root1) is a prefix of (size2, root2).
 */
export function verifyConsistencyFast(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): boolean {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2)) return false;
  if (size1 <= 0 || size2 <= size1) return false;
  if (proof.length !== consistencyProofLength(size1, size2)) return false;
  if (root1.length !== 32 || root2.length !== 32 || proof.some((p) => p.length !== 32))
    return false;
  // size1 a power of two: root1 is the first node of the path (sizes may exceed 2^32: no bit ops).
  let m = size1;
  while (m % 2 === 0) m /= 2;
  const p = m === 1 ? [root1, ...proof] : proof;
  const half = (n: number): number => Math.floor(n / 2);
  const odd = (n: number): boolean => n % 2 === 1;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = p[0];
  let sr = p[0];
  for (let i = 1; i < p.length; i++) {
    const c = p[i];
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHashFast(c, fr);
      sr = nodeHashFast(c, sr);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHashFast(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equal32(fr, root1) && equal32(sr, root2);
}

function equal32(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== 32 || b.length !== 32) return false;
  let d = 0;
  for (let i = 0; i < 32; i++) d |= a[i] ^ b[i];
  return d === 0;
}
