/**
 * COCKTAIL-DKG Schnorr signing (PoP and CertEq): deterministic nonce
 * k = HashToScalar(prefix_nonce || enc(sk) || m), R = k·B, c = HashToScalar(prefix_H7 || R || pk || m),
 * z = k + c·sk. Secret scalar multiplications are the constant-time `multiply`.
 */
import { G, ORDER, concatBytes, encodeScalar, mod, ceremony as dkg } from "@urna/verifier";

export interface SchnorrTrace {
  signature: Uint8Array;
  /** prefix_nonce || enc(sk) || m (contains the secret key: tests only). */
  nonceInput: Uint8Array;
  nonce: bigint;
  /** R = k·B. */
  nonceCommitment: Uint8Array;
  challengeInput: Uint8Array;
  challenge: bigint;
}

/** Sign and return every intermediate value (for the published PoP intermediates). */
export function schnorrSignTrace(sk: bigint, message: Uint8Array): SchnorrTrace {
  if (sk <= 0n || sk >= ORDER)
    throw new dkg.CeremonyError("CEREMONY_BAD_SETUP", "signing key must be a non-zero scalar");
  const pk = G.multiply(sk).toBytes();
  const nonceInput = concatBytes(dkg.NONCE_PREFIX, encodeScalar(sk), message);
  const k = dkg.hashToScalar(nonceInput);
  if (k === 0n)
    throw new dkg.CeremonyError(
      "CEREMONY_SIGNING_ABORTED",
      "Schnorr nonce is zero: session failed",
    );
  const R = G.multiply(k).toBytes();
  const challengeInput = dkg.challengeInput(R, pk, message);
  const c = dkg.hashToScalar(challengeInput);
  const z = mod(k + c * sk);
  return {
    signature: concatBytes(R, encodeScalar(z)),
    nonceInput,
    nonce: k,
    nonceCommitment: R,
    challengeInput,
    challenge: c,
  };
}

export const schnorrSign = (sk: bigint, message: Uint8Array): Uint8Array =>
  schnorrSignTrace(sk, message).signature;
