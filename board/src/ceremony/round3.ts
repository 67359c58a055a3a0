/** Round 3 (CertEq): sign T with the static key; the certificate check is the verifier's. */
import { ceremony as dkg } from "@urna/verifier";
import { checkOwnKey } from "./keys.js";
import { schnorrSign } from "./schnorr.js";

/** sig_i = Sign(d_i, T). */
export function certify(
  setup: dkg.CeremonySetup,
  index: number,
  staticSecret: bigint,
  transcript: Uint8Array,
): Uint8Array {
  checkOwnKey(setup, index, staticSecret);
  return schnorrSign(staticSecret, transcript);
}
