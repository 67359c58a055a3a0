/**
 * Strict Ed25519 verification (protocol.md §2) with OpenSSL doing the heavy part: the same
 * accept/reject decision as the verifier's portable `verifyEd25519` (verifier/src/entry.ts),
 * about ten times faster, for the board's worker threads. Node-only.
 *
 * Why the decisions agree, rule by rule of the verifier's function:
 *  - lengths 64 / 32, and S < ℓ: checked here, before anything else;
 *  - A canonical (y < p, no x = 0 with the sign bit), on the curve, not of small order: checked
 *    here with the very same noble calls the verifier makes (`fromBytes(pk, false)`,
 *    `isSmallOrder()`), cached per key;
 *  - R canonical and on the curve, and the cofactorless equation [S]B = R + [k]A with
 *    k = SHA-512(R || A || M) mod ℓ: OpenSSL computes R' = [S]B - [k]A, encodes it canonically
 *    and compares it with the 32 bytes of R. For a canonical R on the curve, equal encodings are
 *    equal points; a non-canonical or off-curve R can equal no canonical encoding, so both
 *    implementations reject it.
 * ed25519-fast.test.ts checks the agreement on valid signatures and on every edge case above.
 */
import { type KeyObject, createPublicKey, verify } from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";

const L = ed25519.Point.Fn.ORDER;
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const MAX_CACHE = 4096;
/** The public key's bytes (as a latin1 string) -> KeyObject, or null for a refused key. */
const keys = new Map<string, KeyObject | null>();

/** ℓ in 32 little-endian bytes. */
const L_LE = Uint8Array.from({ length: 32 }, (_, i) => Number((L >> BigInt(8 * i)) & 0xffn));

/** S (the signature's last 32 bytes, little-endian) < ℓ, compared from the top byte down. */
function sBelowOrder(sig: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const a = sig[32 + i];
    const b = L_LE[i];
    if (a !== b) return a < b;
  }
  return false; // S = ℓ
}

function keyObject(pk: Uint8Array): KeyObject | null {
  const id = Buffer.from(pk.buffer, pk.byteOffset, pk.byteLength).toString("latin1");
  const hit = keys.get(id);
  if (hit !== undefined) return hit;
  let out: KeyObject | null = null;
  try {
    const A = ed25519.Point.fromBytes(pk, false);
    if (!A.isSmallOrder())
      out = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pk]), format: "der", type: "spki" });
  } catch {
    out = null;
  }
  if (keys.size >= MAX_CACHE) keys.delete(keys.keys().next().value as string);
  keys.set(id, out);
  return out;
}

export function verifyEd25519Fast(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  if (!sBelowOrder(signature)) return false;
  const key = keyObject(publicKey);
  if (key === null) return false;
  try {
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}
