/**
 * Strict Ed25519 verification, protocol.md §2: the one rule for entry signatures (entry.ts),
 * checkpoint signatures (log/note.ts) and cosignatures (log/cosignature.ts). Isomorphic.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesToNumberLE } from "@noble/curves/utils.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { concatBytes } from "./bytes.js";
import { verifyEd25519Wasm } from "./crypto/wasm/ed25519.js";

const Point = ed25519.Point;
const L = Point.Fn.ORDER;

/**
 * Strict Ed25519 verification as protocol.md §2 fixes it: RFC 8032 §5.1.7 with canonical
 * encodings of A and R (y < p, no "negative zero"), S < ℓ, A not of small order, and the
 * cofactorless equation [S]B = R + [k]A (so every conforming verifier agrees on every input;
 * the cofactored check would also accept R carrying a torsion component). Variable time: public
 * inputs only. Returns false, never throws, on malformed input.
 */
export function verifyEd25519(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  // The same strict decision on the WebAssembly backend (crypto/wasm/ed25519.ts), when loaded.
  const fast = verifyEd25519Wasm(signature, message, publicKey);
  if (fast !== undefined) return fast;
  const rBytes = signature.subarray(0, 32);
  const s = bytesToNumberLE(signature.subarray(32, 64));
  if (s >= L) return false;
  let A: InstanceType<typeof Point>;
  let R: InstanceType<typeof Point>;
  try {
    A = Point.fromBytes(publicKey, false);
    R = Point.fromBytes(rBytes, false);
  } catch {
    return false;
  }
  if (A.isSmallOrder()) return false;
  const k = bytesToNumberLE(sha512(concatBytes(rBytes, publicKey, message))) % L;
  const sB = s === 0n ? Point.ZERO : Point.BASE.multiplyUnsafe(s);
  const kA = k === 0n ? Point.ZERO : A.multiplyUnsafe(k);
  return sB.equals(R.add(kA));
}
