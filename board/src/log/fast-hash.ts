/**
 * RFC 6962 leaf and node hashes on node:crypto's one-shot SHA-256, for the
 * sequencer's hot path (the portable hashes in @urna/verifier are the
 * reference; tests check these agree with them and with an independent
 * implementation). About 2x faster for node hashes and 5x for 1 KiB leaves.
 */
import { hash } from "node:crypto";

const view = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** SHA-256(0x00 || leaf). */
export function leafHashFast(leaf: Uint8Array): Uint8Array {
  const buf = new Uint8Array(leaf.length + 1);
  buf.set(leaf, 1);
  return view(hash("sha256", buf, "buffer"));
}

/**
 * SHA-256(0x00 || leaf), given `prefixed` = 0x00 || leaf (lets the caller
 * keep the leaf as `prefixed.subarray(1)` without another copy).
 */
export function leafHashPrefixed(prefixed: Uint8Array): Uint8Array {
  return view(hash("sha256", prefixed, "buffer"));
}

const scratch = new Uint8Array(65);
scratch[0] = 1;

/** SHA-256(0x01 || left || right). */
export function nodeHashFast(left: Uint8Array, right: Uint8Array): Uint8Array {
  scratch.set(left, 1);
  scratch.set(right, 33);
  return view(hash("sha256", scratch, "buffer"));
}
