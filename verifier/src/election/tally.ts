/**
 * The encrypted tally recomputed from the log (protocol.md §10.1, check V14): the sum of the
 * counted ballots' selection ciphertexts, streamed, in memory O(options).
 */
import type { BallotBody, Entry, TallyContest } from "@urna/schemas";
import {
  TallyAccumulator,
  decodeBallotCiphertexts,
  encodedBallotOf,
  type BallotCiphertexts,
} from "../crypto/tally-accumulator.js";
import type { ElectionState } from "./state.js";

/** The selection ciphertexts of a ballot body, decoded (throws GroupError on a bad encoding). */
export const ballotCiphertexts = (body: BallotBody): BallotCiphertexts =>
  decodeBallotCiphertexts(encodedBallotOf(body));

/**
 * Sum the counted ballots. `readEntries` yields entries by index for the given sorted indices
 * (the board reads them from its log, the auditor from the record).
 */
export async function computeTally(
  state: ElectionState,
  readEntries: (indices: number[]) => AsyncIterable<{ index: number; entry: Entry }>,
): Promise<TallyContest[]> {
  const acc = new TallyAccumulator(state.manifest);
  for await (const { entry } of readEntries(state.countedBallots())) {
    if (entry.type !== "ballot") throw new Error("a counted index is not a ballot");
    acc.addEncoded(encodedBallotOf(entry.body as BallotBody));
  }
  return acc.toBody().contests;
}
