/**
 * Snapshots of the monitor's election replay (isomorphic), so that a restarted monitor goes on
 * from where it stopped without reading old entries again.
 *
 * The election state is written with `ElectionState.toSnapshot()` and read back with
 * `ElectionState.fromSnapshot()`, which refuses a malformed or self-inconsistent snapshot. The
 * snapshot also records what the public API says (size, phase, counts, counted ballots); a
 * restored state that does not answer the same is discarded, and the monitor replays the
 * entries instead (the fallback is always correct, only slower). The tally accumulator is kept
 * as its sums.
 */
import type { CiphertextJson, Manifest } from "@urna/schemas";
import { TallyAccumulator } from "../crypto/tally.js";
import { ElectionState, type ElectionStateSnapshot } from "../election/state.js";

export class SnapshotError extends Error {
  readonly code = "SNAPSHOT_UNSUPPORTED" as const;
  constructor(message: string) {
    super(message);
    this.name = "SnapshotError";
  }
}

interface Fingerprint {
  size: number;
  phase: string;
  counts: unknown;
  counted: number;
}

const fingerprint = (s: ElectionState): Fingerprint => ({
  size: s.size,
  phase: s.phase,
  counts: s.counts(),
  counted: s.countedBallots().length,
});

export interface StateSnapshot {
  state: ElectionStateSnapshot;
  check: Fingerprint;
}

/** Encodes an ElectionState. Throws SnapshotError if its round trip does not answer the same. */
export function snapshotState(state: ElectionState): StateSnapshot {
  const snap: StateSnapshot = { state: state.toSnapshot(), check: fingerprint(state) };
  // A round trip must answer the same, or the snapshot is useless.
  restoreState(JSON.parse(JSON.stringify(snap)) as StateSnapshot);
  return snap;
}

/** Restores an ElectionState. Throws SnapshotError if it is invalid or does not match its check. */
export function restoreState(snap: StateSnapshot): ElectionState {
  if (typeof snap !== "object" || snap === null || typeof snap.state !== "object")
    throw new SnapshotError("no election state in the snapshot");
  let s: ElectionState;
  let fp: Fingerprint;
  try {
    s = ElectionState.fromSnapshot(snap.state);
    fp = fingerprint(s);
  } catch (e) {
    throw new SnapshotError(`restored state does not work: ${(e as Error).message}`);
  }
  if (JSON.stringify(fp) !== JSON.stringify(snap.check))
    throw new SnapshotError("restored state does not match its snapshot");
  return s;
}

/** The accumulator's running sums, per contest in option order. */
export const snapshotSums = (acc: TallyAccumulator): Record<string, CiphertextJson[]> =>
  acc.toPartial().sums;

/**
 * The accumulator back from its sums (`ballots`: what it counted, when the snapshot says).
 * Throws TallyError or GroupError if the sums do not fit the manifest or do not decode.
 */
export const restoreSums = (
  manifest: Manifest,
  sums: Record<string, CiphertextJson[]>,
  ballots = 0,
): TallyAccumulator => TallyAccumulator.fromPartial(manifest, { ballots, sums });
