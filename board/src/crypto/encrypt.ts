/**
 * Ballot encryption (protocol.md §6.6, §8) and the Benaloh challenge (§6.7, §9), voter side.
 */
import type { BallotBody, BallotContestJson, ChallengedBallotBody, Manifest } from "@urna/schemas";
import {
  G,
  ORDER,
  addElements,
  elementBytes,
  mod,
  scalarToBase64,
  styleContests,
  toBase64,
  type Element,
} from "@urna/verifier";
import { ProverError } from "./errors.js";
import { fixedBase, mulGSecretMaybeZero, mulSecret } from "./fixed-base.js";
import { randomScalar } from "./random.js";
import { proveRange } from "./range-prover.js";

export interface EncryptBallotInput {
  manifest: Manifest;
  baseHash: Uint8Array;
  /** The joint public key K. */
  publicKey: Element;
  /** The credential's 32-byte Ed25519 public key (the ballot's signer). */
  signer: Uint8Array;
  style: string;
  /** For each contest of the style: one 0/1 choice per option, in manifest option order. */
  choices: Record<string, number[]>;
}

export interface EncryptedBallot {
  body: BallotBody;
  /** The encryption nonce of every selection, per contest: keep secret unless challenging. */
  nonces: Record<string, bigint[]>;
}

/**
 * Enc(m; r) = (r·G, m·G + r·K) for a secret m ∈ {0, 1} and nonce r ≠ 0, in constant time:
 * m·G is computed as (m + 1)·G − G so that no branch or zero scalar depends on m.
 */
export function encryptChoice(
  publicKey: Element,
  m: number,
  r: bigint,
): { alpha: Element; beta: Element } {
  if (m !== 0 && m !== 1) throw new ProverError("BAD_CHOICES", "a choice is 0 or 1");
  if (r <= 0n || r >= ORDER) throw new ProverError("BAD_WITNESS", "the nonce must be in [1, ℓ−1]");
  const K = fixedBase(publicKey);
  const alpha = mulSecret(G, r);
  const beta = addElements(mulSecret(K, r), mulGSecretMaybeZero(BigInt(m), ORDER));
  return { alpha, beta };
}

export function encryptBallot(input: EncryptBallotInput): EncryptedBallot {
  const { manifest, style, choices } = input;
  const contests = styleContests(manifest, style);
  if (!contests) throw new ProverError("UNKNOWN_STYLE", `unknown ballot style "${style}"`);
  const body: BallotBody = { style, contests: [] };
  const nonces: Record<string, bigint[]> = {};
  for (const contest of contests) {
    const ms = choices[contest.id];
    if (
      !Array.isArray(ms) ||
      ms.length !== contest.options.length ||
      !ms.every((m) => m === 0 || m === 1)
    )
      throw new ProverError(
        "BAD_CHOICES",
        `contest "${contest.id}" needs ${contest.options.length} choices of 0 or 1`,
      );
    const total = ms.reduce((x: number, y: number) => x + y, 0);
    if (total < contest.minSelections || total > contest.maxSelections)
      throw new ProverError(
        "BAD_CHOICES",
        `contest "${contest.id}": ${total} selections, outside [${contest.minSelections}, ${contest.maxSelections}]`,
      );
    const rs: bigint[] = [];
    const out: BallotContestJson = {
      contest: contest.id,
      selections: [],
      proof: { a: [], b: [], c: [], v: [] },
    };
    let alphaSum: Element | undefined;
    let betaSum: Element | undefined;
    let rSum = 0n;
    for (let j = 0; j < contest.options.length; j++) {
      const r = randomScalar();
      const { alpha, beta } = encryptChoice(input.publicKey, ms[j], r);
      const proof = proveRange({
        baseHash: input.baseHash,
        publicKey: input.publicKey,
        signer: input.signer,
        contest: contest.id,
        option: contest.options[j].id,
        alpha,
        beta,
        lo: 0,
        hi: 1,
        m: ms[j],
        r,
      });
      out.selections.push({
        ciphertext: { alpha: toBase64(elementBytes(alpha)), beta: toBase64(elementBytes(beta)) },
        proof,
      });
      rs.push(r);
      rSum += r;
      alphaSum = alphaSum ? alphaSum.add(alpha) : alpha;
      betaSum = betaSum ? betaSum.add(beta) : beta;
    }
    out.proof = proveRange({
      baseHash: input.baseHash,
      publicKey: input.publicKey,
      signer: input.signer,
      contest: contest.id,
      option: "",
      alpha: alphaSum!,
      beta: betaSum!,
      lo: contest.minSelections,
      hi: contest.maxSelections,
      m: total,
      r: mod(rSum),
    });
    body.contests.push(out);
    nonces[contest.id] = rs;
  }
  return { body, nonces };
}

/**
 * The `ballot.challenged` body for a ballot the voter decided to audit: the ballot itself and,
 * per contest in ballot order, the choices and the nonces. The ballot must not be cast afterwards.
 */
export function challengeBallot(
  ballot: BallotBody,
  nonces: Record<string, bigint[]>,
  choices: Record<string, number[]>,
): ChallengedBallotBody {
  return {
    ballot,
    revealed: ballot.contests.map((c) => {
      const rs = nonces[c.contest];
      const ms = choices[c.contest];
      if (!rs || !ms || rs.length !== c.selections.length || ms.length !== c.selections.length)
        throw new ProverError(
          "BAD_CHOICES",
          `nonces and choices of contest "${c.contest}" do not fit the ballot`,
        );
      return { contest: c.contest, choices: [...ms], nonces: rs.map(scalarToBase64) };
    }),
  };
}
