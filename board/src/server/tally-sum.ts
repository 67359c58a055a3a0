/**
 * The encrypted tally a `tally` entry must equal (protocol.md §10.1), computed by the board
 * from its own log with the verifier's TallyAccumulator: per contest and option, the sum of the
 * selection ciphertexts of the counted ballots. Uses the verifier's `computeTallyFromLog` when
 * it exports one, so board and auditor share the whole computation.
 */
import type { BallotBody, Entry, TallyContest } from "@urna/schemas";
import * as verifier from "@urna/verifier";
import { type ElectionState, TallyAccumulator, decodeCiphertext } from "@urna/verifier";

type ReadLeaf = (index: number) => Promise<Uint8Array>;
type Shared = (state: ElectionState, readEntry: (i: number) => Promise<Entry>) => Promise<TallyContest[]>;

const dec = new TextDecoder();
const parse = (leaf: Uint8Array): Entry => JSON.parse(dec.decode(leaf)) as Entry;

export async function computeTally(state: ElectionState, readLeaf: ReadLeaf): Promise<TallyContest[]> {
  const shared = (verifier as unknown as { computeTallyFromLog?: Shared }).computeTallyFromLog;
  if (typeof shared === "function") return shared(state, async (i) => parse(await readLeaf(i)));
  const acc = new TallyAccumulator(state.manifest);
  for (const index of state.countedBallots()) {
    const body = parse(await readLeaf(index)).body as BallotBody;
    acc.add({
      contests: body.contests.map((c) => ({ contest: c.contest, selections: c.selections.map((s) => decodeCiphertext(s.ciphertext)) })),
    });
  }
  return acc.toBody().contests;
}
