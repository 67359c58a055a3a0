/**
 * Custodian side of the tally decryption, protocol.md §10.2: for each tally ciphertext
 * (alpha, beta), D_i = s_i·alpha with a Chaum-Pedersen proof that log_G X_i = log_alpha D_i:
 *
 *     u random; a = u·G; b = u·alpha;
 *     c = Hs("decryption-proof", baseHash, K, u32(i), X_i, alpha, beta, D_i, a, b);
 *     v = u + c·s_i.
 *
 * Written from the spec separately from the verifier. s_i and u are secrets: constant-time
 * `multiply` (the identity alpha of an option nobody voted for is a public fact, so the branch
 * on it leaks nothing).
 */
import type { DecryptionShareBody, ShareContest, TallyBody } from "@urna/schemas";
import {
  G,
  IDENTITY,
  base64Bytes,
  decodeElement,
  elementBytes,
  hashToScalar,
  mod,
  scalarToBase64,
  toBase64,
  u32,
  type Element,
} from "@urna/verifier";
import { ProverError } from "./errors.js";
import { mulSecret } from "./fixed-base.js";
import { randomScalar } from "./random.js";

export interface DecryptionShareInput {
  baseHash: Uint8Array;
  /** The joint public key K. */
  publicKey: Element;
  /** This custodian's index i. */
  custodian: number;
  /** s_i, the secret share from the key ceremony. */
  secretShare: bigint;
  /** The tally body to decrypt (every contest and option of it is covered). */
  tally: TallyBody;
}

export function decryptionShare(input: DecryptionShareInput): DecryptionShareBody {
  const { custodian, secretShare } = input;
  if (!Number.isInteger(custodian) || custodian < 1 || custodian > 0xffffffff)
    throw new ProverError("BAD_INPUT", `bad custodian index ${custodian}`);
  const X = mulSecret(G, secretShare);
  const prefix = [input.baseHash, elementBytes(input.publicKey), u32(custodian), elementBytes(X)];
  const contests: ShareContest[] = input.tally.contests.map((tc) => ({
    contest: tc.contest,
    options: tc.options.map((to) => {
      const alphaBytes = base64Bytes(to.ciphertext.alpha);
      const betaBytes = base64Bytes(to.ciphertext.beta);
      const alpha = decodeElement(alphaBytes, { allowIdentity: true });
      decodeElement(betaBytes, { allowIdentity: true });
      const alphaZero = alpha.equals(IDENTITY);
      const u = randomScalar();
      const D = alphaZero ? IDENTITY : mulSecret(alpha, secretShare);
      const a = mulSecret(G, u);
      const b = alphaZero ? IDENTITY : mulSecret(alpha, u);
      const Dbytes = elementBytes(D);
      const aBytes = elementBytes(a);
      const bBytes = elementBytes(b);
      const c = hashToScalar("decryption-proof", [
        ...prefix,
        alphaBytes,
        betaBytes,
        Dbytes,
        aBytes,
        bBytes,
      ]);
      const v = mod(u + c * secretShare);
      return {
        option: to.option,
        share: toBase64(Dbytes),
        proof: { a: toBase64(aBytes), b: toBase64(bBytes), v: scalarToBase64(v) },
      };
    }),
  }));
  return { custodian, contests };
}
