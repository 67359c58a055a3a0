/**
 * The verifier's own homomorphic sum of the counted ballots (spec/protocol.md §10.1, check V14),
 * computed in partial sums that merge: each worker sums a slice of the counted ballots, the
 * driver adds the partials. Memory is O(contests × options).
 */
import type { CiphertextJson } from "@urna/schemas";
import type { TallyAccumulator } from "../crypto/tally.js";
import type { CheckedBallot } from "../crypto/ballot.js";
import {
  addCiphertexts,
  decodeCiphertext,
  encodeCiphertext,
  ZERO_CIPHERTEXT,
  type Ciphertext,
} from "../crypto/elgamal.js";

/** One counted ballot, reduced to what the sum needs. */
export interface SumBallot {
  index: number;
  contests: { contest: string; ciphertexts: CiphertextJson[] }[];
}

export interface SumJob {
  ballots: SumBallot[];
}

export interface SumResult {
  /** contest id -> per-option partial sums (option order of the ballots). */
  sums: Record<string, CiphertextJson[]>;
  /** Counted ballots whose ciphertexts could not be decoded (they cannot be summed). */
  bad: { index: number; contest?: string; message: string }[];
}

/**
 * Sum a slice of counted ballots (runs in a worker or inline). `decoded` holds ballots whose
 * ciphertexts the proof check already decoded, by entry index (their contests in ballot order).
 */
export function sumBallots(job: SumJob, decoded?: ReadonlyMap<number, CheckedBallot>): SumResult {
  const acc = new Map<string, Ciphertext[]>();
  const bad: SumResult["bad"] = [];
  for (const b of job.ballots) {
    // Decode the whole ballot first so that a bad one is left out entirely.
    let cts: { contest: string; cts: Ciphertext[] }[];
    const known = decoded?.get(b.index);
    try {
      cts =
        known && known.contests.length === b.contests.length
          ? known.contests.map((c) => ({ contest: c.contest, cts: c.selections }))
          : b.contests.map((c) => ({
              contest: c.contest,
              cts: c.ciphertexts.map((ct) => decodeCiphertext(ct, "ballot")),
            }));
    } catch (e) {
      bad.push({
        index: b.index,
        message: `a ciphertext of this counted ballot does not decode: ${(e as Error).message}`,
      });
      continue;
    }
    for (const { contest, cts: list } of cts) {
      let s = acc.get(contest);
      if (!s) acc.set(contest, (s = []));
      list.forEach((ct, j) => {
        s[j] = s[j] ? addCiphertexts(s[j], ct) : ct;
      });
    }
  }
  const sums: Record<string, CiphertextJson[]> = {};
  for (const [contest, s] of acc)
    sums[contest] = Array.from(s, (ct) => encodeCiphertext(ct ?? ZERO_CIPHERTEXT));
  return { sums, bad };
}

/** Add (or, for superseded ballots, subtract) a worker's partial sums into the verifier's TallyAccumulator (crypto/tally.ts). */
export function addPartialSums(
  acc: TallyAccumulator,
  partial: SumResult["sums"],
  sign: 1 | -1 = 1,
): void {
  if (Object.keys(partial).length === 0) return;
  acc[sign === 1 ? "add" : "subtract"]({
    contests: Object.entries(partial).map(([contest, cts]) => ({
      contest,
      selections: cts.map((ct) => decodeCiphertext(ct, "tally")),
    })),
  });
}
