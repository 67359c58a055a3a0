/**
 * The encrypted tally recomputed from the log (protocol.md §10.1, check V14): the sum of the
 * counted ballots' selection ciphertexts, streamed, in memory O(options).
 */
import type { BallotBody, Entry, TallyContest } from "@urna/schemas";
import { decodeCiphertext } from "../crypto/elgamal.js";
import { TallyAccumulator } from "../crypto/tally.js";
import type { ElectionState } from "./state.js";

/** The selection ciphertexts of a ballot body, decoded (throws GroupError on a bad encoding). */
export const ballotCiphertexts = (body: BallotBody) => ({
  contests: body.contests.map((c) => ({
    contest: c.contest,
    selections: c.selections.map((s) => decodeCiphertext(s.ciphertext)),
  })),
});

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
    acc.add(ballotCiphertexts(entry.body as BallotBody));
  }
  return state.manifest.contests.map((c) => acc.toContest(c.id));
}
