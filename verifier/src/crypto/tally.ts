/**
 * Encrypted tally, combination of decryption shares and the result check, protocol.md §10.
 * The sum of the counted ballots itself is `TallyAccumulator` (./tally-accumulator.ts).
 */
import type { CiphertextJson, TallyContest } from "@urna/schemas";
import { TallyError } from "./errors.js";
import { decodeCiphertext, type Ciphertext } from "./elgamal.js";
import { G, IDENTITY, ORDER, mod, ristretto255, type Element } from "./group.js";
import type { TallyAccumulator } from "./tally-accumulator.js";
import { DiscreteLog, MAX_VOTES } from "./dlog.js";

const Fn = ristretto255.Point.Fn;

export * from "./tally-accumulator.js";

export interface TallyMismatch {
  contest: string;
  /** The option, or "" when the contest's option list itself is wrong. */
  option: string;
  reason: string;
}

/**
 * Compare a published tally contest with the recomputed sums (V14): the options must be the
 * manifest's, in order, and every ciphertext must decode and equal the recomputed one.
 */
export function checkTallyContest(acc: TallyAccumulator, published: TallyContest): TallyMismatch[] {
  const expected = acc.contest(published.contest);
  const spec = acc.manifest.contests.find((c) => c.id === published.contest)!;
  const out: TallyMismatch[] = [];
  if (
    !Array.isArray(published.options) ||
    published.options.length !== spec.options.length ||
    published.options.some((o, j) => o?.option !== spec.options[j].id)
  ) {
    out.push({
      contest: published.contest,
      option: "",
      reason: "options are not the manifest's, in order",
    });
    return out;
  }
  for (let j = 0; j < spec.options.length; j++) {
    const option = spec.options[j].id;
    let ct: Ciphertext;
    try {
      ct = decodeTallyCiphertext(published.options[j].ciphertext);
    } catch (e) {
      out.push({
        contest: published.contest,
        option,
        reason: e instanceof Error ? e.message : String(e),
      });
      continue;
    }
    if (!ct.alpha.equals(expected[j].alpha) || !ct.beta.equals(expected[j].beta))
      out.push({
        contest: published.contest,
        option,
        reason: "ciphertext differs from the sum of the counted ballots",
      });
  }
  return out;
}

/** A tally ciphertext: both components may be the identity. Throws GroupError. */
export const decodeTallyCiphertext = (json: CiphertextJson): Ciphertext =>
  decodeCiphertext(json, "tally");

function checkIndices(indices: readonly number[]): void {
  const seen = new Set<number>();
  for (const j of indices) {
    if (!Number.isSafeInteger(j) || j < 1 || BigInt(j) >= ORDER)
      throw new TallyError("BAD_CUSTODIAN_INDEX", `bad custodian index ${j}`);
    if (seen.has(j)) throw new TallyError("DUPLICATE_CUSTODIAN", `custodian ${j} twice`);
    seen.add(j);
  }
}

/** λ_i = Π_{j∈S, j≠i} j·(j − i)^{-1} mod ℓ (protocol.md §10.3). */
export function lagrangeCoefficient(indices: readonly number[], i: number): bigint {
  checkIndices(indices);
  if (!indices.includes(i))
    throw new TallyError("BAD_CUSTODIAN_INDEX", `custodian ${i} is not in the set`);
  let num = 1n;
  let den = 1n;
  for (const j of indices) {
    if (j === i) continue;
    num = mod(num * BigInt(j));
    den = mod(den * BigInt(j - i));
  }
  return mod(num * Fn.inv(den));
}

export interface ShareInput {
  custodian: number;
  /** D_i for the ciphertext being decrypted. */
  share: Element;
}

/**
 * votes·G = beta − Σ_{i∈S} λ_i·D_i for S the custodians of `shares` (all distinct). With fewer
 * than the threshold's shares this is not the plaintext: use `decryptWithShares`, which checks.
 */
export function combineShares(ciphertext: Ciphertext, shares: readonly ShareInput[]): Element {
  const indices = shares.map((s) => s.custodian);
  checkIndices(indices);
  let m: Element = IDENTITY;
  for (const s of shares) {
    const l = lagrangeCoefficient(indices, s.custodian);
    m = m.add(s.share.multiplyUnsafe(l));
  }
  return ciphertext.beta.subtract(m);
}

function checkThreshold(shares: readonly ShareInput[], threshold: number): void {
  if (!Number.isInteger(threshold) || threshold < 1)
    throw new RangeError("threshold must be a positive integer");
  checkIndices(shares.map((s) => s.custodian));
  if (shares.length < threshold)
    throw new TallyError(
      "THRESHOLD_NOT_MET",
      `${shares.length} shares, the threshold is ${threshold}`,
    );
}

/**
 * Decrypt a tally total from the shares of `threshold` custodians (the first `threshold` of
 * `shares` are used). Throws TallyError THRESHOLD_NOT_MET, DUPLICATE_CUSTODIAN,
 * BAD_CUSTODIAN_INDEX or DLOG_OUT_OF_RANGE.
 */
export function decryptWithShares(
  ciphertext: Ciphertext,
  shares: readonly ShareInput[],
  threshold: number,
  dlog: DiscreteLog = DiscreteLog.shared(),
): number {
  checkThreshold(shares, threshold);
  return dlog.solve(combineShares(ciphertext, shares.slice(0, threshold)));
}

/**
 * The result check of V16 for one option: exactly `threshold` distinct custodians' shares and
 * votes·G = beta − Σ λ_i·D_i with votes an integer in [0, 10^8]. No discrete log is needed.
 */
export function checkVotes(
  ciphertext: Ciphertext,
  shares: readonly ShareInput[],
  threshold: number,
  votes: number,
): boolean {
  checkThreshold(shares, threshold);
  if (shares.length !== threshold) return false;
  if (!Number.isSafeInteger(votes) || votes < 0 || votes > MAX_VOTES) return false;
  return combineShares(ciphertext, shares).equals(G.multiplyUnsafe(BigInt(votes)));
}
