/**
 * The board's running tally (board/src/server/tally-sum.ts): the homomorphic sum of the counted
 * ballots kept as ballots are sequenced, so that checking a `tally` entry is O(contests).
 *
 * Over HTTP, with the `last` revote policy: revotes replace counted ballots before and after a
 * restart of the board (the running tally is rebuilt from the log at startup), the board
 * refuses a tally that includes a replaced ballot or misplaces a ciphertext, accepts the right
 * one without falling back to re-summing its log, and the decrypted result is the voters' last
 * choices. Directly, on a generated record: a slow sink forces the catch-up pump that reads
 * ballots back from the log, and a failing or miscounting sink makes the board re-sum the log.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { BallotBody, Entry, ResultBody, TallyBody, TallyContest } from "@urna/schemas";
import {
  DiscreteLog,
  ElectionState,
  computeTally as verifierComputeTally,
  type EncodedBallot,
} from "@urna/verifier";
import {
  BoardApiError,
  castBallot,
  closeVoting,
  createElection,
  postDecryptionShare,
  postResult,
  postTally,
  TallyFollower,
  type VoterCredential,
} from "../board/src/actors/index.js";
import { computeTally } from "../board/src/crypto/index.js";
import { signEntry } from "../board/src/entry-sign.js";
import { InlineTallySink, RunningTally, type TallySink } from "../board/src/server/tally-sum.js";
import {
  manifestFor,
  newActors,
  openElection,
  removeDir,
  startBoard,
  type TestBoard,
  votesOf,
} from "../board/test/server/helpers.js";
import { cleanupRecords, generateElection, readEntries } from "./fixtures/election.js";

const dlog = new DiscreteLog({ max: 1000, babySteps: 64 });
const FALLBACK = /running tally unusable/;

async function refusal(p: Promise<unknown>): Promise<BoardApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BoardApiError);
  return err as BoardApiError;
}

describe("running tally over HTTP, revote policy last, across restarts", () => {
  let tb: TestBoard;
  const logs: string[] = [];
  beforeAll(async () => {
    tb = await startBoard({ workers: 1, log: (m) => void logs.push(m) });
  });
  afterAll(async () => {
    await tb.close();
    removeDir(tb.dir);
  });

  test("replaced ballots leave the sum, wrong tallies are refused, the right one is accepted", async () => {
    const id = "mx-2024-running";
    const a = newActors(2);
    const manifest = manifestFor(id, a, { threshold: 1, revotePolicy: "last" });
    await createElection(tb.client, manifest, a.authority.secretKey);
    const { creds, states } = await openElection(tb.client, id, a, 4);
    const [v0, v1, v2, v3] = creds as [
      VoterCredential,
      VoterCredential,
      VoterCredential,
      VoterCredential,
    ];
    const cast = async (v: VoterCredential, choices: Record<string, string[]>) =>
      (await castBallot(tb.client, v, choices)).cast.index;

    // Before the restart: v0 votes and revotes; v1, v2 vote once.
    // The authority's follower reads the log as it grows.
    const follower = new TallyFollower(tb.client, id);
    const first0 = await cast(v0, { presidencia: ["mc"], "senaduria-09": ["c"] });
    const only1 = await cast(v1, { presidencia: ["nulo"], "senaduria-14": ["x"] });
    await follower.update();
    const first2 = await cast(v2, { presidencia: ["mc"], "senaduria-09": ["a"] });
    const last0 = await cast(v0, { presidencia: ["pan-pri-prd"], "senaduria-09": ["b"] });
    expect(await follower.update()).toBe(2);
    const sofar = await tb.client.entries(id);
    expect(follower.tallyBody()).toEqual(
      computeTally(
        manifest,
        [only1, first2, last0].map((i) => sofar[i].body as BallotBody),
      ),
    );

    // The running tally is rebuilt from the log at startup.
    tb = await tb.restart();
    // After the restart: v2 replaces a ballot sequenced before it; v3 votes; v3 revotes.
    const last2 = await cast(v2, { presidencia: ["pvem-pt-morena"], "senaduria-09": [] });
    const first3 = await cast(v3, { presidencia: ["mc"], "senaduria-14": ["y"] });
    const last3 = await cast(v3, { presidencia: ["nulo"], "senaduria-14": ["x"] });
    await closeVoting(tb.client, id, a.authority.secretKey);

    // Closed, no tally yet: restart again, so the whole sum is rebuilt at startup.
    tb = await tb.restart();

    const entries = await tb.client.entries(id);
    const bodyAt = (i: number) => entries[i].body as BallotBody;
    const counted = [only1, last0, last2, last3].sort((x, y) => x - y);
    const replaced = [first0, first2, first3];
    const right = computeTally(manifest, counted.map(bodyAt));
    const withReplaced = computeTally(
      manifest,
      [...counted, ...replaced].sort((x, y) => x - y).map(bodyAt),
    );
    expect(withReplaced.ballots).toBe(7);

    // 1. every ballot, replaced ones included, with the right ballot count
    let err = await refusal(
      tb.client.post(
        signEntry("tally", id, { ...withReplaced, ballots: counted.length }, a.authority.secretKey),
      ),
    );
    expect([err.status, err.code]).toEqual([422, "TALLY_MISMATCH"]);
    // 2. the right sums with two options' ciphertexts swapped
    const swapped: TallyBody = structuredClone(right);
    const pres = swapped.contests.find((c) => c.contest === "presidencia") as TallyContest;
    [pres.options[0].ciphertext, pres.options[2].ciphertext] = [
      pres.options[2].ciphertext,
      pres.options[0].ciphertext,
    ];
    err = await refusal(tb.client.post(signEntry("tally", id, swapped, a.authority.secretKey)));
    expect([err.status, err.code]).toEqual([422, "TALLY_MISMATCH"]);
    // 3. the right sums claiming one ballot too many
    err = await refusal(
      tb.client.post(signEntry("tally", id, { ...right, ballots: 5 }, a.authority.secretKey)),
    );
    expect([err.status, err.code]).toEqual([422, "TALLY_MISMATCH"]);
    expect((await tb.client.status(id)).phase).toBe("closed");

    // The right tally, as the authority actor computes it from the log, is accepted.
    const posted = await postTally(tb.client, id, a.authority.secretKey, {
      follower: new TallyFollower(tb.client, id),
    });
    const tallyEntry = await tb.client.entry(id, posted[0].index);
    expect(tallyEntry.body).toEqual(right);
    expect((await tb.client.status(id)).phase).toBe("tallying");
    // ... from the running sum, not by re-summing the log.
    expect(logs.filter((m) => FALLBACK.test(m))).toEqual([]);

    await postDecryptionShare(tb.client, id, a.custodians[0], states[0], { insecureNoTrust: true });
    const res = await postResult(tb.client, id, a.authority.secretKey, { dlog });
    const result = (await tb.client.entry(id, res[0].index)).body as ResultBody;
    expect(votesOf(result, "presidencia")).toEqual({
      "pan-pri-prd": 1,
      "pvem-pt-morena": 1,
      mc: 0,
      nulo: 2,
    });
    expect(votesOf(result, "senaduria-09")).toEqual({ a: 0, b: 1, c: 0 });
    expect(votesOf(result, "senaduria-14")).toEqual({ x: 2, y: 0 });
  });
});

/** The generated record's entries before voting.close, applied to a fresh state. */
function replayUntilClose(entries: Entry[]): { state: ElectionState; close: number } {
  const state = ElectionState.create(entries[0]).state as ElectionState;
  let i = 1;
  for (; i < entries.length; i++) {
    state.apply(entries[i], i);
    if (entries[i].type === "voting.close") break;
  }
  return { state, close: i };
}

/** A sink that answers only when released (a tally worker that falls behind). */
class SlowSink implements TallySink {
  readonly inner = new InlineTallySink();
  readonly held: Array<() => void> = [];
  applied = 0;
  init = (m: Parameters<TallySink["init"]>[0]) => this.inner.init(m);
  apply(add: EncodedBallot[], sub: EncodedBallot[]): Promise<void> {
    this.applied += add.length;
    return new Promise<void>((r) => this.held.push(r)).then(() => this.inner.apply(add, sub));
  }
  release(): void {
    for (const r of this.held.splice(0)) r();
  }
  final = () => this.inner.final();
  dispose = () => this.inner.dispose();
}

describe("RunningTally on a generated record (revote policy last)", () => {
  let entries: Entry[];
  let leaves: Uint8Array[];
  let expected: TallyContest[];
  const enc = new TextEncoder();
  beforeAll(async () => {
    const g = await generateElection({
      voters: 40,
      revotePolicy: "last",
      revotes: 4,
      challenged: 2,
      custodians: 2,
      threshold: 1,
      witnesses: 0,
      receipts: false,
    });
    entries = readEntries(g.dir);
    leaves = entries.map((e) => enc.encode(JSON.stringify(e)));
    const { state } = replayUntilClose(entries);
    expect(state.supersededBallots().length).toBe(4);
    expected = await verifierComputeTally(state, async function* (idx) {
      for (const index of idx) yield { index, entry: entries[index] };
    });
    // The record's own tally entry is the same sum.
    const tallyEntry = entries.find((e) => e.type === "tally") as Entry;
    expect((tallyEntry.body as TallyBody).contests).toEqual(expected);
  }, 60_000);
  afterAll(() => cleanupRecords());

  const read = (a: number, b: number) => Promise.resolve(leaves.slice(a, b));

  /**
   * Observes entries one by one as a board applying them would, with a running tally. With
   * `prewarmed`, entries [1, prewarmed) are applied before the tally exists (a standby's
   * prewarm): the tally reads their ballots back from the log.
   */
  function run(sink: TallySink, logs: string[], small = false, prewarmed = 1) {
    const state = ElectionState.create(entries[0]).state as ElectionState;
    for (let i = 1; i < prewarmed; i++) state.apply(entries[i], i);
    let published = prewarmed;
    const rt = new RunningTally({
      state,
      read,
      published: () => published,
      sink,
      log: (m) => void logs.push(m),
      ...(small ? { maxBatch: 2, maxUnacked: 2 } : {}),
      ...(prewarmed > 1 ? { unobservedFrom: 1 } : {}),
    });
    for (let i = prewarmed; i < entries.length; i++) {
      state.apply(entries[i], i);
      rt.observe(entries[i], i);
      published = i + 1;
      if (entries[i].type === "voting.close") break;
    }
    return rt;
  }

  test("a sink that falls behind: the pump reads the ballots back from the log, the sum is exact", async () => {
    const sink = new SlowSink();
    const logs: string[] = [];
    // Never released while observing: the live path stops at 2 unacknowledged batches of 2.
    const rt = run(sink, logs, true);
    await new Promise((r) => setImmediate(r));
    const releaser = setInterval(() => sink.release(), 1);
    try {
      expect(await rt.final()).toEqual(expected);
    } finally {
      clearInterval(releaser);
    }
    expect(rt.pumped).toBeGreaterThan(10);
    expect(logs).toEqual([]);
    // Every ballot was handed over once, plus the 4 replaced ones subtracted.
    const ballots = entries.filter((e) => e.type === "ballot").length;
    expect(sink.applied).toBe(ballots);
  });

  test("a state replayed without it (a standby's prewarm): the ballots before are read back, revotes on both sides of the seam replaced, the sum is exact", async () => {
    const close = replayUntilClose(entries).close;
    const ballots = entries.map((e, i) => (e.type === "ballot" ? i : -1)).filter((i) => i > 0);
    // The seam between the prewarmed entries and the live ones: in the middle of the ballots,
    // so that some credentials' revotes fall on the other side of it.
    const seam = ballots[Math.floor(ballots.length / 2)];
    const logs: string[] = [];
    const rt = run(new InlineTallySink(), logs, false, seam);
    const before = entries.slice(1, seam).filter((e) => e.type === "ballot").length;
    const after = entries.slice(seam, close + 1).filter((e) => e.type === "ballot");
    const signers = new Set(entries.slice(1, seam).map((e) => e.signer));
    expect(after.some((e) => signers.has(e.signer))).toBe(true); // revotes across the seam
    expect(await rt.final()).toEqual(expected);
    expect(rt.pumped).toBeGreaterThanOrEqual(before);
    expect(logs).toEqual([]);
  });

  test("live, without falling behind: the same sum", async () => {
    const logs: string[] = [];
    const rt = run(new InlineTallySink(), logs);
    expect(await rt.final()).toEqual(expected);
    expect(rt.pumped).toBe(0);
    expect(logs).toEqual([]);
  });

  test("a failing sink: the board re-sums its log, and says so", async () => {
    const logs: string[] = [];
    const failing: TallySink = {
      init: () => {},
      apply: () => Promise.reject(new Error("worker died")),
      final: () => Promise.reject(new Error("worker died")),
      dispose: () => {},
    };
    const rt = run(failing, logs);
    expect(await rt.final()).toEqual(expected);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(FALLBACK);
    expect(logs[0]).toMatch(/worker died/);
  });

  test("a sink whose ballot count is off (subtractions lost) is not trusted", async () => {
    const logs: string[] = [];
    const inner = new InlineTallySink();
    const lossy: TallySink = {
      init: (m) => inner.init(m),
      apply: (add) => inner.apply(add, []),
      final: () => inner.final(),
      dispose: () => inner.dispose(),
    };
    const rt = run(lossy, logs);
    expect(await rt.final()).toEqual(expected);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/the running tally has \d+ ballots, the log counts \d+/);
  });
});
