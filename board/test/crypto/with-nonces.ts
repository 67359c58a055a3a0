/**
 * Test-only prover: a ballot body with valid proofs for nonces the caller chooses (the real
 * prover, encryptBallot, always draws fresh ones). It builds what an attacker who knows some
 * nonces can build: another credential's proofs for a challenged ballot's ciphertexts, or two
 * selections sharing a nonce (protocol.md §6.11).
 */
import type { BallotBody } from "@urna/schemas";
import { addElements, elementBytes, mod, styleContests, toBase64 } from "@urna/verifier";
import { encryptChoice, proveRange, type EncryptBallotInput } from "../../src/crypto/index.js";

export function encryptWithNonces(
  input: EncryptBallotInput & { nonces: Record<string, bigint[]> },
): BallotBody {
  const contests = styleContests(input.manifest, input.style);
  if (!contests) throw new Error(`unknown style ${input.style}`);
  const common = { baseHash: input.baseHash, publicKey: input.publicKey, signer: input.signer };
  return {
    style: input.style,
    contests: contests.map((c) => {
      const ms = input.choices[c.id];
      const rs = input.nonces[c.id];
      const cts = c.options.map((_, j) => encryptChoice(input.publicKey, ms[j], rs[j]));
      const sum = cts.reduce((x, y) => ({
        alpha: addElements(x.alpha, y.alpha),
        beta: addElements(x.beta, y.beta),
      }));
      return {
        contest: c.id,
        selections: cts.map((ct, j) => ({
          ciphertext: {
            alpha: toBase64(elementBytes(ct.alpha)),
            beta: toBase64(elementBytes(ct.beta)),
          },
          proof: proveRange({
            ...common,
            contest: c.id,
            option: c.options[j].id,
            ...ct,
            lo: 0,
            hi: 1,
            m: ms[j],
            r: rs[j],
          }),
        })),
        proof: proveRange({
          ...common,
          contest: c.id,
          option: "",
          ...sum,
          lo: c.minSelections,
          hi: c.maxSelections,
          m: ms.reduce((x, y) => x + y, 0),
          r: mod(rs.reduce((x, y) => x + y, 0n)),
        }),
      };
    }),
  };
}
