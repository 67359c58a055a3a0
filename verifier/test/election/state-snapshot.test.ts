/**
 * `ElectionState.toSnapshot()` / `ElectionState.fromSnapshot()` on a generated election (key
 * ceremony, credentials, ballots with revotes under `last`, a challenged ballot, tally, shares,
 * result): a snapshot taken at any point, through JSON, restores a state equal to the replayed
 * one, which then goes on exactly as the replay does; a corrupted snapshot is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Entry } from "@urna/schemas";
import {
  ELECTION_STATE_SNAPSHOT_FORMAT,
  ElectionState,
  type ElectionStateSnapshot,
  StateSnapshotError,
} from "../../src/election/state.js";
import { restoreState, snapshotState, SnapshotError } from "../../src/monitor/snapshot.js";
import {
  cleanupRecords,
  generateElection,
  readEntries,
  type GeneratedElection,
} from "../../../tests/fixtures/election.js";

let g: GeneratedElection;
let entries: Entry[];

beforeAll(async () => {
  g = await generateElection({
    voters: 6,
    revotePolicy: "last",
    revotes: 2,
    custodians: 3,
    threshold: 2,
    challenged: 1,
    seed: 11,
  });
  entries = readEntries(g.dir);
}, 120_000);
afterAll(cleanupRecords);

/** The state after replaying entries 0..size-1 (apply only: the record is valid). */
function replay(size: number): ElectionState {
  const c = ElectionState.create(entries[0]);
  expect(c.findings).toEqual([]);
  const s = c.state as ElectionState;
  for (let i = 1; i < size; i++) s.apply(entries[i], i);
  return s;
}

const viaJson = (s: ElectionState): ElectionState =>
  ElectionState.fromSnapshot(JSON.parse(JSON.stringify(s.toSnapshot())));

/** What anyone can ask a state: its public answers. */
function answers(s: ElectionState) {
  return {
    size: s.size,
    phase: s.phase,
    counts: s.counts(),
    counted: s.countedBallots(),
    superseded: s.supersededBallots(),
    open: s.openIndex,
    close: s.closeIndex,
    key: s.electionKey,
    tally: [...s.tally],
    shares: [...s.shares].map(([i, m]) => [i, [...m]]),
    result: [...s.result],
    baseHash: s.baseHash,
  };
}

describe("ElectionState snapshots", () => {
  it("round-trips at every size to a state equal to the replayed one", () => {
    expect(entries.length).toBeGreaterThan(20);
    for (let size = 1; size <= entries.length; size++) {
      const replayed = replay(size);
      const restored = viaJson(replayed);
      expect(restored.toSnapshot()).toEqual(replayed.toSnapshot());
      expect(answers(restored)).toEqual(answers(replayed));
    }
  });

  it("a restored state goes on exactly like the replay: same findings, same final state", () => {
    const { open, close } = g.at as { open: number; close: number };
    for (const at of [1, open, open + 3, close, close + 1]) {
      const restored = viaJson(replay(at));
      const full = replay(at);
      for (let i = at; i < entries.length; i++) {
        // The rules give the same verdict on the next entry (the tally is not summed here,
        // so its check complains the same way on both).
        const a = restored.precheck(entries[i], i);
        const b = full.precheck(entries[i], i);
        expect(a.findings).toEqual(b.findings);
        expect(a.work.length).toBe(b.work.length);
        restored.apply(entries[i], i);
        full.apply(entries[i], i);
      }
      expect(restored.toSnapshot()).toEqual(full.toSnapshot());
      expect(restored.phase).toBe("done");
    }
    // The duplicate check survives a snapshot: a ballot already on the log is refused.
    const { open: o } = g.at as { open: number };
    const k = g.ballots.find((b) => b.type === "ballot" && b.index < o + 6)!.index;
    const mid = viaJson(replay(o + 6));
    expect(mid.precheck(entries[k], o + 6).findings.map((f) => f.code)).toContain(
      "DUPLICATE_ENTRY",
    );
  });

  it("the revote bookkeeping survives: counted and superseded ballots match the generator", () => {
    const s = viaJson(replay(entries.length));
    const counted = g.ballots.filter((b) => b.type === "ballot" && b.counted).map((b) => b.index);
    expect(s.countedBallots()).toEqual(counted.sort((a, b) => a - b));
    expect(s.supersededBallots().length).toBe(2);
    const b = g.ballots.find((x) => x.type === "ballot")!;
    expect(s.ballotsOfCredential(entries[b.index].signer)).toContain(b.index);
  });

  it("a corrupted snapshot is refused", () => {
    const good = replay(entries.length).toSnapshot();
    const corrupt = (f: (s: ElectionStateSnapshot) => void): unknown => {
      const s = structuredClone(good);
      f(s);
      return s;
    };
    const cases: [string, unknown][] = [
      ["not an object", "nope"],
      ["another format", corrupt((s) => void ((s as { format: string }).format = "v0"))],
      ["a ballot count off by one", corrupt((s) => void (s.ballotCount += 1))],
      ["a challenged count changed", corrupt((s) => void (s.challengedCount += 1))],
      ["a phase that contradicts open/close", corrupt((s) => void (s.phase = "setup"))],
      ["an unknown phase", corrupt((s) => void ((s as { phase: string }).phase = "counting"))],
      ["a ballot index beyond the size", corrupt((s) => void (s.ballotsOf[0][1][0] = s.next + 5))],
      ["ballot indices out of order", corrupt((s) => void s.ballotsOf[0][1].unshift(s.next - 1))],
      ["a malformed credential", corrupt((s) => void (s.credentials[0] = ["k"] as never))],
      ["a negative size", corrupt((s) => void (s.next = -1))],
      ["voting.close beyond the size", corrupt((s) => void (s.closeIndex = s.next))],
      ["no manifest", corrupt((s) => void delete (s as Partial<ElectionStateSnapshot>).manifest)],
    ];
    for (const [what, snap] of cases)
      expect(() => ElectionState.fromSnapshot(snap), what).toThrow(StateSnapshotError);
    // The untouched one still loads.
    expect(ElectionState.fromSnapshot(structuredClone(good)).size).toBe(entries.length);
    expect(good.format).toBe(ELECTION_STATE_SNAPSHOT_FORMAT);
  });

  it("the monitor's snapshot checks the restored state against size, phase and counts", () => {
    const snap = JSON.parse(JSON.stringify(snapshotState(replay(entries.length))));
    expect(restoreState(snap).size).toBe(entries.length);
    // Consistent in itself, but not what the monitor recorded: refused.
    const other = JSON.parse(JSON.stringify(snapshotState(replay(entries.length - 1))));
    expect(() => restoreState({ ...snap, state: other.state })).toThrow(SnapshotError);
    // The old generic format (private fields by name) is no longer read: the monitor replays.
    expect(() => restoreState({ fields: {}, check: snap.check } as never)).toThrow(SnapshotError);
  });
});
