/** RFC 6962 §2.1 / RFC 9162 §2.1.1 Merkle tree hashing with SHA-256. */
import { sha256 } from "../sha2.js";

export const HASH_SIZE = 32;

/** MTH({}) = SHA-256() */
export const emptyRoot = (): Uint8Array => sha256(new Uint8Array(0));

const LEAF_PREFIX = Uint8Array.of(0);
const NODE_PREFIX = Uint8Array.of(1);

/** Leaf hash: SHA-256(0x00 || leaf). */
export const leafHash = (leaf: Uint8Array): Uint8Array => sha256(LEAF_PREFIX, leaf);

/** Interior node hash: SHA-256(0x01 || left || right). */
export const nodeHash = (left: Uint8Array, right: Uint8Array): Uint8Array =>
  sha256(NODE_PREFIX, left, right);
