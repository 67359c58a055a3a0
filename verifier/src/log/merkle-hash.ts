/** RFC 6962 §2.1 / RFC 9162 §2.1.1 Merkle tree hashing with SHA-256. */
import { sha256 } from "@noble/hashes/sha2.js";

export const HASH_SIZE = 32;

/** MTH({}) = SHA-256() */
export const emptyRoot = (): Uint8Array => sha256(new Uint8Array(0));

/** Leaf hash: SHA-256(0x00 || leaf). */
export function leafHash(leaf: Uint8Array): Uint8Array {
  const h = sha256.create();
  h.update(Uint8Array.of(0));
  h.update(leaf);
  return h.digest();
}

/** Interior node hash: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const h = sha256.create();
  h.update(Uint8Array.of(1));
  h.update(left);
  h.update(right);
  return h.digest();
}
