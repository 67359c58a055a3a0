/**
 * Round 1 for participant i: polynomial f_i (coefficients given), VSS commitment C_i, ephemeral
 * key E_i, PoP_i over context || C_i || E_i, and c_{i,j} = Enc(f_i(j) || payload_{i,j}) for every
 * j = 1..n including i itself. Pure given its randomness; `round1Random` draws it.
 */
import { G, ORDER, encodeScalar, concatBytes, mod, ceremony as dkg } from "@urna/verifier";
import { xchacha20poly1305Seal } from "./aead.js";
import { checkOwnKey } from "./keys.js";
import { randomNonzeroScalar } from "./random.js";
import { schnorrSign } from "./schnorr.js";

export interface Round1Randomness {
  /** a_{i,0}..a_{i,t-1}, each in [1, ℓ-1]. */
  coefficients: readonly bigint[];
  /** e_i in [1, ℓ-1]. */
  ephemeralSecret: bigint;
}

/** What participant i keeps between rounds (secret). */
export interface Round1State {
  index: number;
  coefficients: bigint[];
  ephemeralSecret: bigint;
}

/** f(x) = Σ_k a_k x^k mod ℓ. */
export function evaluatePolynomial(coefficients: readonly bigint[], x: number): bigint {
  const X = BigInt(x);
  let acc = 0n;
  for (let k = coefficients.length - 1; k >= 0; k--) acc = mod(acc * X + coefficients[k]);
  return acc;
}

/** Fresh randomness for round 1: t non-zero coefficients and a non-zero ephemeral secret. */
export const randomRound1Randomness = (t: number): Round1Randomness => ({
  coefficients: Array.from({ length: t }, randomNonzeroScalar),
  ephemeralSecret: randomNonzeroScalar(),
});

/**
 * `payloads`: none (empty payloads), one byte string for every recipient, or a list indexed by
 * recipient (payloads[j-1] goes to j).
 */
export function round1(
  setup: dkg.CeremonySetup,
  index: number,
  staticSecret: bigint,
  randomness: Round1Randomness,
  payloads?: Uint8Array | readonly Uint8Array[],
): { message: dkg.Round1Message; state: Round1State } {
  const staticPoints = dkg.validateSetup(setup);
  checkOwnKey(setup, index, staticSecret);
  const { coefficients, ephemeralSecret: e } = randomness;
  const inRange = (s: bigint) => s > 0n && s < ORDER;
  if (coefficients.length !== setup.t || !coefficients.every(inRange))
    throw new dkg.CeremonyError(
      "CEREMONY_BAD_SETUP",
      "round 1 needs exactly t non-zero coefficients",
      index,
    );
  if (!inRange(e))
    throw new dkg.CeremonyError("CEREMONY_BAD_SETUP", "ephemeral secret must be non-zero", index);
  if (Array.isArray(payloads) && payloads.length !== setup.n)
    throw new dkg.CeremonyError(
      "CEREMONY_BAD_SETUP",
      "one payload per recipient is required",
      index,
    );
  const payloadFor = (j: number): Uint8Array =>
    payloads === undefined
      ? new Uint8Array(0)
      : payloads instanceof Uint8Array
        ? payloads
        : (payloads as readonly Uint8Array[])[j - 1];

  const commitments = coefficients.map((a) => G.multiply(a).toBytes());
  const ephemeralKey = G.multiply(e).toBytes();
  const pop = schnorrSign(
    coefficients[0],
    dkg.popMessage(setup.context, commitments, ephemeralKey),
  );
  const Pi = setup.staticKeys[index - 1];

  const ciphertexts: Uint8Array[] = [];
  for (let j = 1; j <= setup.n; j++) {
    const Pj = staticPoints[j - 1];
    const { key, nonce } = dkg.deriveKeyAndNonce(
      Pj.multiply(e).toBytes(),
      Pj.multiply(staticSecret).toBytes(),
      ephemeralKey,
      Pi,
      setup.staticKeys[j - 1],
      setup.context,
    );
    const plaintext = concatBytes(encodeScalar(evaluatePolynomial(coefficients, j)), payloadFor(j));
    ciphertexts.push(xchacha20poly1305Seal(key, nonce, plaintext));
    plaintext.fill(0);
    key.fill(0);
  }
  return {
    message: { commitments, pop, ephemeralKey, ciphertexts },
    state: { index, coefficients: [...coefficients], ephemeralSecret: e },
  };
}

/** Round 1 with fresh randomness from crypto.getRandomValues. */
export const round1Random = (
  setup: dkg.CeremonySetup,
  index: number,
  staticSecret: bigint,
  payloads?: Uint8Array | readonly Uint8Array[],
) => round1(setup, index, staticSecret, randomRound1Randomness(setup.t), payloads);
