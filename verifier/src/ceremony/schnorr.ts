/**
 * The COCKTAIL-DKG Schnorr scheme, verification side (the PoP and CertEq signatures).
 * Signature = R (32-byte element) || z (32-byte scalar);
 * c = HashToScalar(prefix_H7 || R || pk || m); valid iff z·B = R + c·pk.
 * Public data only: variable-time arithmetic.
 */
import { concatBytes } from "../bytes.js";
import { G, decodeElement, decodeScalar, type Element } from "../crypto/group.js";
import { H7_PREFIX, POINT_SIZE, SIGNATURE_SIZE, hashToScalar } from "./suite.js";

/** prefix_H7 || R || pk || m: the exact challenge hash input. */
export const challengeInput = (R: Uint8Array, pk: Uint8Array, message: Uint8Array): Uint8Array =>
  concatBytes(H7_PREFIX, R, pk, message);

export const schnorrChallenge = (R: Uint8Array, pk: Uint8Array, message: Uint8Array): bigint =>
  hashToScalar(challengeInput(R, pk, message));

/**
 * Verify a signature. `pk` is the public key's encoding exactly as it appears in the challenge;
 * it must decode to a non-identity element. Never throws: any malformed input returns false.
 */
export function schnorrVerify(
  pk: Uint8Array | Element,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (signature.length !== SIGNATURE_SIZE) return false;
  const Rb = signature.subarray(0, POINT_SIZE);
  const zb = signature.subarray(POINT_SIZE);
  let z: bigint, R: Element, P: Element;
  try {
    z = decodeScalar(zb, { allowZero: true });
    R = decodeElement(Rb);
    P = pk instanceof Uint8Array ? decodeElement(pk) : pk;
  } catch {
    return false;
  }
  const pkBytes = pk instanceof Uint8Array ? pk : P.toBytes();
  const c = schnorrChallenge(Rb, pkBytes, message);
  const lhs = G.multiplyUnsafe(z);
  const rhs = R.add(P.multiplyUnsafe(c));
  return lhs.equals(rhs);
}
