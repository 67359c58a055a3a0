/**
 * The monitor (spec/witness.md §3) against a board test double over real HTTP: it verifies a
 * real election as it grows (entries checked with the election state machine and the
 * cryptography, the tally against its own homomorphic sum), resumes from its state folder
 * without reading old entries again, and stops with a distinct exit code on an invalid entry (4),
 * an inconsistent checkpoint, an equivocation or entries that do not match the checkpoint (3).
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Entry } from "@urna/schemas";
import { canonicalBytes } from "@urna/schemas";
import { ELECTION_STATE_SNAPSHOT_FORMAT, MemoryTree, leafHash } from "../verifier/src/index.js";
import { watch } from "../verifier/src/monitor/watch-node.js";
import { runWatchCli } from "../verifier/src/monitor/cli-node.js";
import { WATCH_EXIT, type MonitorEvent } from "../verifier/src/monitor/index.js";
import {
  ELECTION_ID,
  ORIGIN,
  cleanupRecords,
  generateElection,
  readLeaves,
  resignEntry,
  signCheckpoint,
  tempDir,
  type GeneratedElection,
} from "./fixtures/election.js";
import { type BoardDouble, type View, makeView, startBoardDouble } from "./monitor-board-double.js";

let g: GeneratedElection;
let leaves: Uint8Array[];
let double: BoardDouble;

beforeAll(async () => {
  g = await generateElection({
    voters: 8,
    custodians: 3,
    threshold: 2,
    witnesses: 1,
    quorum: 1,
    revotePolicy: "last",
    revotes: 2,
  });
  leaves = readLeaves(g.dir);
  double = await startBoardDouble(ELECTION_ID);
}, 60_000);
afterAll(async () => {
  await double?.close();
  cleanupRecords();
});

/** The honest view of the first `size` leaves, signed by the board and cosigned by the witness. */
function honest(size: number, from = leaves, witnesses = g.keys.witnesses): View {
  const list = from.slice(0, size);
  const tree = new MemoryTree(list.map((l) => leafHash(l)));
  return makeView(list, signCheckpoint(g.keys.board, witnesses, ORIGIN, size, tree.root()));
}

const run = async (
  client: string,
  stateDir?: string,
  extra: Partial<Parameters<typeof watch>[0]> = {},
) => {
  const events: MonitorEvent[] = [];
  const r = await watch({
    board: double.clientUrl(client),
    election: ELECTION_ID,
    trust: g.trust,
    once: true,
    onEvent: (e) => events.push(e),
    ...(stateDir ? { stateDir } : {}),
    ...extra,
  });
  return { ...r, events, alerts: events.filter((e) => e.type === "alert") };
};

const leafOf = (e: Entry) => canonicalBytes(e);
const entryAt = (i: number) => JSON.parse(new TextDecoder().decode(leaves[i])) as Entry;

describe("monitor: an honest, growing board", () => {
  test("verifies each new checkpoint and resumes without reading old entries", async () => {
    const state = tempDir("urna-monitor-");
    const { open, close } = g.at as { open: number; close: number };
    // 1. Up to a few ballots.
    const s1 = open + 3;
    double.setView("h", honest(s1));
    let r = await run("h", state);
    expect(r.exitCode).toBe(WATCH_EXIT.OK);
    expect(r.size).toBe(s1);
    expect(r.events.filter((e) => e.type === "entry")).toHaveLength(s1);
    expect(double.served.get("h")?.range).toBe(s1);
    expect(existsSync(join(state, "head.json")) && existsSync(join(state, "snapshot.json"))).toBe(
      true,
    );

    // 2. The board grows (still voting): a new process reads only the new entries.
    double.resetCounts();
    double.setView("h", honest(close - 1));
    r = await run("h", state);
    expect(r.exitCode).toBe(WATCH_EXIT.OK);
    expect(r.events[0]).toMatchObject({ type: "start", resumed: true, size: s1, replay: 0 });
    expect(double.served.get("h")?.range).toBe(close - 1 - s1);
    expect(
      r.events.filter((e) => e.type === "entry").map((e) => (e as { index: number }).index),
    ).toEqual(Array.from({ length: close - 1 - s1 }, (_, k) => s1 + k));

    // 3. To the end: close (superseded ballots read back one by one), tally, shares, result.
    double.resetCounts();
    double.setView("h", honest(leaves.length));
    r = await run("h", state);
    expect(r.alerts).toEqual([]);
    expect(r.exitCode).toBe(WATCH_EXIT.OK);
    expect(r.size).toBe(leaves.length);
    expect(double.served.get("h")?.range).toBe(leaves.length - (close - 1));
    expect(double.served.get("h")?.single).toBe(2); // the two superseded ballots (revotes)

    // 4. Nothing new: unchanged, nothing read.
    double.resetCounts();
    r = await run("h", state);
    expect(r.exitCode).toBe(WATCH_EXIT.OK);
    expect(r.events.some((e) => e.type === "unchanged")).toBe(true);
    expect(double.served.get("h")?.range ?? 0).toBe(0);

    // 5. Without its snapshot it replays (apply only) from the board and still agrees.
    rmSync(join(state, "snapshot.json"));
    double.resetCounts();
    r = await run("h", state);
    expect(r.exitCode).toBe(WATCH_EXIT.OK);
    expect(r.events[0]).toMatchObject({ type: "start", resumed: true, replay: leaves.length });
    expect(double.served.get("h")?.range).toBe(leaves.length);

    // 6. The snapshot it saved is ElectionState.toSnapshot()'s, and resuming from it replays nothing.
    const snapFile = join(state, "snapshot.json");
    const saved = JSON.parse(readFileSync(snapFile, "utf8")) as {
      state: { state: { format: string; ballotCount: number; phase: string }; check: unknown };
    };
    expect(saved.state.state.format).toBe(ELECTION_STATE_SNAPSHOT_FORMAT);
    expect(saved.state.state.phase).toBe("done");
    double.resetCounts();
    r = await run("h", state);
    expect(r.events[0]).toMatchObject({ type: "start", resumed: true, replay: 0 });

    // 7. A corrupted snapshot (a count changed; a phase that contradicts the counts) is
    //    refused and the monitor falls back to a full replay that still agrees.
    for (const corrupt of [
      (x: typeof saved) => void (x.state.state.ballotCount += 1),
      (x: typeof saved) => void (x.state.state.phase = "voting"),
      (x: typeof saved) => void (x.state.check = { ...(x.state.check as object), size: 1 }),
    ]) {
      const bad = structuredClone(saved);
      corrupt(bad);
      writeFileSync(snapFile, JSON.stringify(bad));
      double.resetCounts();
      r = await run("h", state);
      expect(r.exitCode).toBe(WATCH_EXIT.OK);
      expect(r.alerts).toEqual([]);
      expect(r.events[0]).toMatchObject({ type: "start", resumed: true, replay: leaves.length });
      expect(double.served.get("h")?.range).toBe(leaves.length);
    }
  });

  test("a checkpoint without the witness quorum is not followed (--once: exit 1), then is once cosigned", async () => {
    const state = tempDir("urna-monitor-");
    double.setView("q", honest(g.at.open + 1, leaves, []));
    let r = await run("q", state);
    expect(r.exitCode).toBe(WATCH_EXIT.INCOMPLETE);
    expect(r.events.some((e) => e.type === "unwitnessed")).toBe(true);
    expect(double.served.get("q")?.range ?? 0).toBe(0);
    double.setView("q", honest(g.at.open + 1));
    r = await run("q", state);
    expect(r.exitCode).toBe(WATCH_EXIT.OK);
    expect(r.size).toBe(g.at.open + 1);
  });

  test("the CLI: --once, text lines, exit 0; bad usage exits 2", async () => {
    double.setView("c", honest(g.at.open + 2));
    const trust = join(tempDir("urna-monitor-"), "trust.json");
    writeFileSync(trust, JSON.stringify(g.trust));
    let out = "";
    const io = { stdout: (s: string) => void (out += s), stderr: () => {} };
    const code = await runWatchCli(
      [
        "--board",
        double.clientUrl("c"),
        "--trust",
        trust,
        "--once",
        "--state",
        tempDir("urna-monitor-"),
      ],
      io,
    );
    expect(code).toBe(0);
    expect(out).toMatch(
      /checkpoint size \d+ root \S+ \(\+\d+ entries\) cosigned by witness1\.urna\.test/,
    );
    expect(await runWatchCli(["--trust", trust, "--once"], io)).toBe(2);
    expect(await runWatchCli(["--board", double.clientUrl("c"), "--once"], io)).toBe(2);
    expect(
      await runWatchCli(
        ["--board", double.clientUrl("c"), "--trust", trust, "--election", "other", "--once"],
        io,
      ),
    ).toBe(2);
    expect(await runWatchCli(["--board", "ftp://x", "--trust", trust], io)).toBe(2);
  });
});

describe("monitor: continuous", () => {
  test("follows checkpoints as they come, stops on its signal (exit 0), and on an alert (exit 3)", async () => {
    const n = g.at.open + 1;
    double.setView("f", honest(n));
    const ac = new AbortController();
    const sizes: number[] = [];
    let wake: () => void = () => {};
    const next = () => new Promise<void>((r) => (wake = r));
    const onEvent = (e: MonitorEvent) => {
      if (e.type === "checkpoint") {
        sizes.push(e.size);
        wake();
      }
    };
    let seen = next();
    const running = watch({
      board: double.clientUrl("f"),
      election: ELECTION_ID,
      trust: g.trust,
      pollMs: 20,
      signal: ac.signal,
      onEvent,
    });
    await seen;
    seen = next();
    double.setView("f", honest(n + 2));
    await seen;
    ac.abort();
    expect((await running).exitCode).toBe(WATCH_EXIT.OK);
    expect(sizes).toEqual([n, n + 2]);

    double.setView("f2", honest(n));
    seen = next();
    const running2 = watch({
      board: double.clientUrl("f2"),
      election: ELECTION_ID,
      trust: g.trust,
      pollMs: 20,
      onEvent,
    });
    await seen;
    double.setView("f2", honest(n, [...leaves.slice(0, n - 1), leaves[n + 1]]));
    const r = await running2;
    expect(r.exitCode).toBe(WATCH_EXIT.INCONSISTENT);
    expect(r.alert?.kind).toBe("equivocation");
  });
});

describe("monitor: alerts", () => {
  test("an entry with a bad signature: alert invalid-entry, exit 4, evidence saved", async () => {
    const state = tempDir("urna-monitor-");
    const i = g.at.open + 2;
    const e = entryAt(i);
    const sig = Buffer.from(e.signature, "base64");
    sig[5] ^= 1;
    const bad = [
      ...leaves.slice(0, i),
      leafOf({ ...e, signature: sig.toString("base64") }),
      ...leaves.slice(i + 1),
    ];
    double.setView("s", honest(i + 3, bad));
    const r = await run("s", state);
    expect(r.exitCode).toBe(WATCH_EXIT.INVALID_ENTRY);
    expect(r.alerts).toHaveLength(1);
    expect(r.alerts[0]).toMatchObject({ kind: "invalid-entry", code: "BAD_SIGNATURE" });
    expect((r.alerts[0] as { findings: { index: number }[] }).findings[0].index).toBe(i);
    const ev = readdirSync(state).filter((f) => f.startsWith("alert-"));
    expect(ev).toHaveLength(1);
    // Nothing past the last good checkpoint was kept (there was none).
    expect(existsSync(join(state, "head.json"))).toBe(false);
  });

  test("a ballot with a broken proof (validly signed): alert invalid-entry from the cryptography, exit 4", async () => {
    const i = g.ballots.find((b) => b.type === "ballot")!.index;
    const e = entryAt(i);
    const body = structuredClone(e.body) as {
      contests: { selections: { proof: { c: string[] } }[] }[];
    };
    const p = body.contests[0].selections[0].proof;
    [p.c[0], p.c[1]] = [p.c[1], p.c[0]];
    const voter = g.keys.credentials.find((c) => c.publicKey === e.signer)!;
    const forged = resignEntry({ ...e, body } as Entry, voter.secretKey);
    const bad = [...leaves.slice(0, i), leafOf(forged), ...leaves.slice(i + 1)];
    double.setView("p", honest(i + 1, bad));
    const r = await run("p");
    expect(r.exitCode).toBe(WATCH_EXIT.INVALID_ENTRY);
    expect(r.alerts[0]).toMatchObject({ kind: "invalid-entry", code: "INVALID_PROOF" });
  });

  test("an inconsistent checkpoint after a verified one: alert inconsistency, exit 3", async () => {
    const state = tempDir("urna-monitor-");
    const n = g.at.open + 3;
    double.setView("i", honest(n));
    expect((await run("i", state)).exitCode).toBe(WATCH_EXIT.OK);
    // A fork that drops ballot n-1 and goes on: signed and cosigned (colluding witness), larger.
    const fork = [...leaves.slice(0, n - 1), ...leaves.slice(n, n + 4)];
    double.setView("i", honest(n + 3, fork));
    const r = await run("i", state);
    expect(r.exitCode).toBe(WATCH_EXIT.INCONSISTENT);
    expect(r.alerts[0]).toMatchObject({ kind: "inconsistency", code: "INCONSISTENT" });
    const evidence = JSON.parse(
      readFileSync((r.alerts[0] as { evidence: string }).evidence, "utf8"),
    ) as Record<string, unknown>;
    expect(typeof evidence.previous).toBe("string");
    expect(typeof evidence.checkpoint).toBe("string");
    // The state still holds the last good checkpoint.
    const head = JSON.parse(readFileSync(join(state, "head.json"), "utf8")) as { size: number };
    expect(head.size).toBe(n);
  });

  test("two checkpoints of one size with different roots: alert equivocation, exit 3", async () => {
    const state = tempDir("urna-monitor-");
    const n = g.at.open + 3;
    double.setView("e", honest(n));
    expect((await run("e", state)).exitCode).toBe(WATCH_EXIT.OK);
    double.setView("e", honest(n, [...leaves.slice(0, n - 1), leaves[n]]));
    const r = await run("e", state);
    expect(r.exitCode).toBe(WATCH_EXIT.INCONSISTENT);
    expect(r.alerts[0]).toMatchObject({ kind: "equivocation", code: "EQUIVOCATION" });
  });

  test("entries that do not match the signed checkpoint: alert, exit 3", async () => {
    const n = g.at.open + 3;
    const v = honest(n);
    v.entriesOverride = [...leaves.slice(0, n - 1), leaves[n]];
    double.setView("m", v);
    const r = await run("m");
    expect(r.exitCode).toBe(WATCH_EXIT.INCONSISTENT);
    expect(r.alerts[0]).toMatchObject({ kind: "inconsistency", code: "ENTRIES_MISMATCH" });
  });

  test("an unreachable board is an error, not an alert (--once: exit 1)", async () => {
    const r = await watch({
      board: "http://127.0.0.1:9",
      election: ELECTION_ID,
      trust: g.trust,
      once: true,
    });
    expect(r.exitCode).toBe(WATCH_EXIT.INCOMPLETE);
  });
});
