/**
 * Strict Ed25519 verification (protocol.md §2) with OpenSSL doing the heavy part: the same
 * accept/reject decision as the verifier's portable `verifyEd25519` (verifier/src/entry.ts),
 * about ten times faster, for the board's worker threads. Node-only.
 *
 * Why the decisions agree, rule by rule of the verifier's function:
 *  - lengths 64 / 32, and S < ℓ: checked here, before anything else;
 *  - A canonical (y < p, no x = 0 with the sign bit), on the curve, not of small order. The
 *    verifier decodes A with noble (`fromBytes(pk, false)`, `isSmallOrder()`); here, without
 *    decoding: y < p is a comparison of bytes; the points of small order are the 8 points of the
 *    torsion subgroup (the cofactor is 8), whose canonical encodings are listed below, and the
 *    only points with x = 0 are two of them (y = ±1), so "x = 0 with the sign bit" is 2 more
 *    encodings: A is refused if it is one of those 10. What is left is "on the curve", which
 *    OpenSSL checks itself: its verification decodes A (ge_frombytes_vartime) and returns false
 *    when y has no x on the curve. Decoding with noble took ~135 µs of bigint arithmetic per key
 *    and every ballot has a new key (its voter's credential): it was half the signature's cost;
 *  - R canonical and on the curve, and the cofactorless equation [S]B = R + [k]A with
 *    k = SHA-512(R || A || M) mod ℓ: OpenSSL computes R' = [S]B - [k]A, encodes it canonically
 *    and compares it with the 32 bytes of R. For a canonical R on the curve, equal encodings are
 *    equal points; a non-canonical or off-curve R can equal no canonical encoding, so both
 *    implementations reject it.
 * The key reaches OpenSSL as a JWK (EVP_PKEY_new_raw_public_key): importing the same 32 bytes
 * as DER goes through OpenSSL 3's decoder lookup, ~5 times the CPU.
 * ed25519-fast.test.ts checks the agreement on valid signatures and on every edge case above.
 */
import { type KeyObject, createPublicKey, verify } from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";

const L = ed25519.Point.Fn.ORDER;
const P = 2n ** 255n - 19n;
const MAX_CACHE = 4096;
/** The public key's bytes (as a latin1 string) -> KeyObject, or null for a refused key. */
const keys = new Map<string, KeyObject | null>();

const le32 = (n: bigint): Uint8Array =>
  Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
/** ℓ and p in 32 little-endian bytes. */
const L_LE = le32(L);
const P_LE = le32(P);

/** `a` (32 bytes little-endian, `top` masking its last byte) < `b`, compared from the top byte down. */
function below(a: Uint8Array, offset: number, b: Uint8Array, top = 0xff): boolean {
  for (let i = 31; i >= 0; i--) {
    const x = i === 31 ? a[offset + i] & top : a[offset + i];
    if (x !== b[i]) return x < b[i];
  }
  return false;
}

/**
 * The encodings with y < p that the verifier refuses as keys without being off the curve: the
 * eight points of small order, and the two with x = 0 (y = 1 and y = p - 1) with the sign bit set.
 */
export const REFUSED_KEYS: readonly string[] = [
  "0100000000000000000000000000000000000000000000000000000000000000",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0000000000000000000000000000000000000000000000000000000000000080",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
  "0100000000000000000000000000000000000000000000000000000000000080",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
];
const refused = new Set(REFUSED_KEYS.map((h) => Buffer.from(h, "hex").toString("latin1")));

function keyObject(pk: Uint8Array): KeyObject | null {
  const id = Buffer.from(pk.buffer, pk.byteOffset, pk.byteLength).toString("latin1");
  const hit = keys.get(id);
  if (hit !== undefined) return hit;
  let out: KeyObject | null = null;
  if (below(pk, 0, P_LE, 0x7f) && !refused.has(id))
    try {
      const x = Buffer.from(pk.buffer, pk.byteOffset, pk.byteLength).toString("base64url");
      out = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x }, format: "jwk" });
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
  if (!below(signature, 32, L_LE)) return false; // S < ℓ
  const key = keyObject(publicKey);
  if (key === null) return false;
  try {
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}
