/**
 * The auditor's sum of the counted ballots (spec/protocol.md §10.1, check V14) in slices: each
 * worker job sums a slice into a `TallyAccumulator` of its own and sends it back as a
 * `TallyPartial`; the driver merges the partials (`TallyAccumulator.merge`). Memory is
 * O(contests × options).
 */
import type { CheckedBallot } from "../crypto/ballot.js";
import {
  TallyAccumulator,
  type EncodedBallot,
  type TallyManifest,
  type TallyPartial,
} from "../crypto/tally-accumulator.js";

/** One counted ballot, reduced to what the sum needs. */
export interface SumBallot extends EncodedBallot {
  index: number;
}

export interface SumJob {
  /** The contests and options being summed (`tallyManifestOf` the manifest). */
  manifest: TallyManifest;
  ballots: SumBallot[];
}

export interface SumResult {
  partial: TallyPartial;
  /** Counted ballots whose ciphertexts could not be decoded (they cannot be summed). */
  bad: { index: number; contest?: string; message: string }[];
}

/**
 * Sum a slice of counted ballots (runs in a worker or inline). `decoded` holds ballots whose
 * ciphertexts the proof check already decoded, by entry index (their contests in ballot order).
 * A ballot that does not decode is left out entirely and listed in `bad`.
 */
export function sumBallots(job: SumJob, decoded?: ReadonlyMap<number, CheckedBallot>): SumResult {
  const acc = new TallyAccumulator(job.manifest);
  const bad: SumResult["bad"] = [];
  for (const b of job.ballots) {
    const known = decoded?.get(b.index);
    try {
      if (known && known.contests.length === b.contests.length) acc.add(known);
      else acc.addEncoded(b);
    } catch (e) {
      bad.push({
        index: b.index,
        message: `a ciphertext of this counted ballot does not decode: ${(e as Error).message}`,
      });
    }
  }
  return { partial: acc.toPartial(), bad };
}
