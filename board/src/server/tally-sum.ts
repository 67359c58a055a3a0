/**
 * The encrypted tally a `tally` entry must equal (protocol.md §10.1), computed by the board from
 * its own log with the verifier's own `computeTally` (the auditor's V14 code), reading the
 * counted ballots bundle by bundle and yielding to the event loop as it goes, so that reads stay
 * served while a large election is summed.
 */
import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { Entry, TallyContest } from "@urna/schemas";
import { type ElectionState, computeTally as verifierComputeTally } from "@urna/verifier";

type ReadLeaves = (start: number, end: number) => Promise<Uint8Array[]>;

const dec = new TextDecoder();
const BUNDLE = 256;

/** Entries at the sorted `indices`, reading each 256-entry bundle that holds some once. */
export async function* entriesAt(
  indices: number[],
  read: ReadLeaves,
): AsyncGenerator<{ index: number; entry: Entry }> {
  let k = 0;
  while (k < indices.length) {
    const start = indices[k] - (indices[k] % BUNDLE);
    const end = start + BUNDLE;
    let last = k;
    while (last + 1 < indices.length && indices[last + 1] < end) last++;
    const leaves = await read(start, Math.min(end, indices[last] + 1));
    for (; k <= last; k++) {
      yield {
        index: indices[k],
        entry: JSON.parse(dec.decode(leaves[indices[k] - start])) as Entry,
      };
      if (k % 32 === 31) await yieldToLoop();
    }
  }
}

export function computeTally(state: ElectionState, read: ReadLeaves): Promise<TallyContest[]> {
  return verifierComputeTally(state, (indices) => entriesAt(indices, read));
}
