/**
 * The replay's tally sink (protocol.md §10.1, check V14): every applied `ballot` is added to a
 * TallyAccumulator as it is replayed; the ballots that do not count (superseded under `last`,
 * or a second ballot under `single` when a trusted replay applied it) are read again and taken
 * out, each once, when the caller settles (the monitor at `voting.close`, an authority after
 * each read of the log). Memory: the accumulator, O(options), and the indices taken out.
 */
import type { BallotBody, Entry } from "@urna/schemas";
import { fromUtf8 } from "../bytes.js";
import { TallyAccumulator, encodedBallotOf } from "../crypto/tally-accumulator.js";
import { finding, type Finding } from "./findings.js";
import type { AppliedEntry, ReplaySink } from "./replay.js";
import type { ElectionState } from "./state.js";

/** Reads leaf `index` again (checked by the caller: inclusion proof, or the hash read before). */
export type LeafReread = (index: number) => Promise<Uint8Array>;

export class ReplayTally implements ReplaySink {
  readonly acc: TallyAccumulator;
  /** Indices already taken out of the sum. */
  readonly #out = new Set<number>();

  constructor(acc: TallyAccumulator) {
    this.acc = acc;
  }

  applied(a: AppliedEntry): Finding[] | void {
    if (a.entry.type !== "ballot") return;
    const f = this.#sum(a.entry, a.index, 1);
    return f ? [f] : undefined;
  }

  /**
   * Takes out of the sum the ballots of `state` that do not count and are not out yet: all
   * read first (a failed read changes nothing, to be tried again), then subtracted. A leaf that
   * is not JSON, or a ballot that does not decode, is a V14 finding.
   */
  subtractSuperseded(state: ElectionState, read: LeafReread): Promise<Finding[]> {
    return this.subtract(state.supersededBallots(), read);
  }

  /** Takes the ballots at `indices` (those not out yet) out of the sum, as above. */
  async subtract(indices: readonly number[], read: LeafReread): Promise<Finding[]> {
    const todo = indices.filter((i) => !this.#out.has(i));
    const leaves: [number, Uint8Array][] = [];
    for (const i of todo) leaves.push([i, await read(i)]);
    const findings: Finding[] = [];
    for (const [i, leaf] of leaves) {
      this.#out.add(i);
      let e: Entry;
      try {
        e = JSON.parse(fromUtf8(leaf)) as Entry;
      } catch (err) {
        findings.push(
          finding("V14", "TALLY_MISMATCH", `superseded ballot: ${(err as Error).message}`, {
            index: i,
          }),
        );
        continue;
      }
      const f = this.#sum(e, i, -1);
      if (f) findings.push(f);
    }
    return findings;
  }

  #sum(entry: Entry, index: number, sign: 1 | -1): Finding | undefined {
    try {
      const b = encodedBallotOf(entry.body as BallotBody);
      if (sign === 1) this.acc.addEncoded(b);
      else this.acc.subtractEncoded(b);
      return undefined;
    } catch (e) {
      return finding("V14", "TALLY_MISMATCH", `cannot sum this ballot: ${(e as Error).message}`, {
        index,
      });
    }
  }
}
