/**
 * Blame, prover side: recipient i reveals S^e = d_i·E_j and S^d = d_i·P_j with a DLEQ proof
 * (see the verifier's ceremony/blame.ts for the statement), so anyone can re-open c_{j,i}.
 * `checkBlame` is the verifier's `verifyBlame` with the board's AEAD.
 */
import {
  G,
  ORDER,
  concatBytes,
  decodeElement,
  encodeScalar,
  mod,
  ceremony as dkg,
} from "@urna/verifier";
import { xchacha20poly1305Open } from "./aead.js";
import { checkOwnKey } from "./keys.js";
import { randomNonzeroScalar } from "./random.js";

/** Build the blame of `accused` by `accuser` (pure given the proof nonce k ∈ [1, ℓ-1]). */
export function makeBlame(
  setup: dkg.CeremonySetup,
  accuser: number,
  staticSecret: bigint,
  accused: number,
  accusedMessage: dkg.Round1Message,
  reason: dkg.ShareFault,
  nonce: bigint,
): dkg.Blame {
  checkOwnKey(setup, accuser, staticSecret);
  if (!Number.isSafeInteger(accused) || accused < 1 || accused > setup.n || accused === accuser)
    throw new dkg.CeremonyError(
      "CEREMONY_BAD_BLAME",
      "accused index out of range or equal to the accuser",
      accuser,
    );
  if (nonce <= 0n || nonce >= ORDER)
    throw new dkg.CeremonyError("CEREMONY_BAD_BLAME", "proof nonce must be non-zero", accuser);
  const Ej = decodeElement(accusedMessage.ephemeralKey);
  const Pj = decodeElement(setup.staticKeys[accused - 1]);
  const ecdhEphemeral = Ej.multiply(staticSecret).toBytes();
  const ecdhStatic = Pj.multiply(staticSecret).toBytes();
  const R1 = G.multiply(nonce);
  const R2 = Ej.multiply(nonce);
  const R3 = Pj.multiply(nonce);
  const c = dkg.blameChallenge(
    setup,
    accuser,
    accused,
    reason,
    accusedMessage,
    ecdhEphemeral,
    ecdhStatic,
    R1,
    R2,
    R3,
  );
  const z = mod(nonce + c * staticSecret);
  return {
    accuser,
    accused,
    reason,
    ecdhEphemeral,
    ecdhStatic,
    proof: concatBytes(encodeScalar(c), encodeScalar(z)),
  };
}

/** `makeBlame` with a fresh random proof nonce. */
export const makeBlameRandom = (
  setup: dkg.CeremonySetup,
  accuser: number,
  staticSecret: bigint,
  accused: number,
  accusedMessage: dkg.Round1Message,
  reason: dkg.ShareFault,
): dkg.Blame =>
  makeBlame(setup, accuser, staticSecret, accused, accusedMessage, reason, randomNonzeroScalar());

/** Check a blame (see `verifyBlame`), decrypting with XChaCha20-Poly1305. */
export const checkBlame = (
  setup: dkg.CeremonySetup,
  accusedMessage: dkg.Round1Message,
  blame: dkg.Blame,
): dkg.BlameVerdict => dkg.verifyBlame(setup, accusedMessage, blame, xchacha20poly1305Open);
