/**
 * The monitor (spec/witness.md §3) on a board that forks or rolls back its log, over real HTTP
 * (the board double of monitor-board-double.ts): a fork still smaller than the verified
 * checkpoint, the same fork once it has grown past it, a board that lost its last entries, an
 * equivocation on an older size. Each is an alert (exit 3) whose evidence holds the board's
 * signed checkpoints (full notes, that verify under the trust file's board key), never an
 * endless transport error; a stale checkpoint from a board that still has the verified tree, or a
 * transient failure, is not an alert.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { MemoryTree, asTrust, leafHash, openCheckpoint } from "../verifier/src/index.js";
import { watch } from "../verifier/src/monitor/watch-node.js";
import { runWatchCli } from "../verifier/src/monitor/cli-node.js";
import { WATCH_EXIT, type AlertEvent, type MonitorEvent } from "../verifier/src/monitor/index.js";
import {
  ELECTION_ID,
  ORIGIN,
  cleanupRecords,
  generateElection,
  readLeaves,
  signCheckpoint,
  tempDir,
  type GeneratedElection,
} from "./fixtures/election.js";
import { type BoardDouble, type View, makeView, startBoardDouble } from "./monitor-board-double.js";

let g: GeneratedElection;
let leaves: Uint8Array[];
let double: BoardDouble;

beforeAll(async () => {
  g = await generateElection({ voters: 6, custodians: 3, threshold: 2, witnesses: 1, quorum: 1 });
  leaves = readLeaves(g.dir);
  double = await startBoardDouble(ELECTION_ID);
}, 60_000);
afterAll(async () => {
  await double?.close();
  cleanupRecords();
});

/** A view serving `list` whose signed (and cosigned) checkpoint is of size `size`. */
function view(list: Uint8Array[], size = list.length): View {
  const tree = new MemoryTree(list.slice(0, size).map((l) => leafHash(l)));
  const v = makeView(
    list,
    signCheckpoint(g.keys.board, g.keys.witnesses, ORIGIN, size, tree.root()),
  );
  return v;
}

const run = async (client: string, stateDir: string) => {
  const events: MonitorEvent[] = [];
  const r = await watch({
    board: double.clientUrl(client),
    election: ELECTION_ID,
    trust: g.trust,
    once: true,
    stateDir,
    onEvent: (e) => events.push(e),
  });
  return { ...r, events, alerts: events.filter((e): e is AlertEvent => e.type === "alert") };
};

/** The alert's evidence file, with each checkpoint it holds opened under the board's key. */
function evidenceOf(a: AlertEvent) {
  expect(a.evidence).toBeTypeOf("string");
  const ev = JSON.parse(readFileSync(a.evidence as string, "utf8")) as Record<string, unknown>;
  const board = asTrust(g.trust).board;
  const open = (k: string) => openCheckpoint(ev[k] as string, board, { origin: ORIGIN }).checkpoint;
  return { ev, open };
}

/** Verifies the honest log up to `n` into a fresh state folder. */
async function verifiedAt(client: string, n: number): Promise<string> {
  const state = tempDir("urna-monitor-fork-");
  double.setView(client, view(leaves.slice(0, n)));
  expect((await run(client, state)).exitCode).toBe(WATCH_EXIT.OK);
  return state;
}

describe("monitor: forks and rollbacks", () => {
  test("a fork smaller than the verified checkpoint, then grown past it: alerts, exit 3, signed checkpoints as evidence", async () => {
    const n = g.at.open + 4;
    const state = await verifiedAt("f", n);
    // The fork drops ballot n-3 and has not caught up: size n-2, a different history.
    const fork = [...leaves.slice(0, n - 3), ...leaves.slice(n - 2)];
    double.setView("f", view(fork.slice(0, n - 2)));
    const before = await run("f", state);
    expect(before.exitCode).toBe(WATCH_EXIT.INCONSISTENT);
    expect(before.alerts).toHaveLength(1);
    expect(before.alerts[0]).toMatchObject({ kind: "rollback", code: "ROLLBACK" });
    expect(before.events.some((e) => e.type === "error")).toBe(false);
    const b = evidenceOf(before.alerts[0]);
    expect(b.open("previous").size).toBe(n);
    expect(b.open("checkpoint").size).toBe(n - 2);
    expect(b.ev.refusal).toMatchObject({ status: 404 });
    // Both notes carry the witness's cosignature line, as the board served them.
    expect((b.ev.previous as string).split("\n— ").length).toBeGreaterThan(2);

    // The fork grows past the verified size: the board's proof does not verify.
    double.setView("f", view(fork));
    expect(fork.length).toBeGreaterThan(n);
    const after = await run("f", state);
    expect(after.exitCode).toBe(WATCH_EXIT.INCONSISTENT);
    expect(after.alerts[0]).toMatchObject({ kind: "inconsistency", code: "INCONSISTENT" });
    const a = evidenceOf(after.alerts[0]);
    expect(a.open("previous").size).toBe(n);
    expect(a.open("checkpoint").size).toBe(fork.length);
    expect(Array.isArray(a.ev.proof)).toBe(true);
  });

  test("a long catch-up reports its progress page by page", async () => {
    const n = g.at.open + 4;
    double.setView("g", view(leaves.slice(0, n)));
    const events: MonitorEvent[] = [];
    const r = await watch({
      board: double.clientUrl("g"),
      election: ELECTION_ID,
      trust: g.trust,
      once: true,
      pageSize: 5,
      onEvent: (e) => events.push(e),
    });
    expect(r.exitCode).toBe(WATCH_EXIT.OK);
    const progress = events.filter((e) => e.type === "progress");
    expect(progress.map((e) => (e as { done: number }).done)).toEqual(
      Array.from({ length: Math.ceil(n / 5) - 1 }, (_, i) => (i + 1) * 5),
    );
    expect(progress.every((e) => (e as { size: number }).size === n)).toBe(true);
  });

  test("a board that lost its last entries (rollback to a prefix): alert ROLLBACK, exit 3", async () => {
    const n = g.at.open + 4;
    const state = await verifiedAt("r", n);
    double.setView("r", view(leaves.slice(0, n - 2)));
    const r = await run("r", state);
    expect(r.exitCode).toBe(WATCH_EXIT.INCONSISTENT);
    expect(r.alerts[0]).toMatchObject({ kind: "rollback", code: "ROLLBACK" });
    const { open } = evidenceOf(r.alerts[0]);
    expect(open("previous").size).toBe(n);
    expect(open("checkpoint").size).toBe(n - 2);
  });

  test("an equivocation on an older size keeps both signed notes of that size", async () => {
    const n = g.at.open + 2;
    const state = await verifiedAt("e", n);
    double.setView("e", view(leaves.slice(0, n + 2)));
    expect((await run("e", state)).exitCode).toBe(WATCH_EXIT.OK);
    // Size n again, another history.
    double.setView("e", view([...leaves.slice(0, n - 1), leaves[n]]));
    const r = await run("e", state);
    expect(r.exitCode).toBe(WATCH_EXIT.INCONSISTENT);
    expect(r.alerts[0]).toMatchObject({ kind: "equivocation", code: "EQUIVOCATION" });
    const { open } = evidenceOf(r.alerts[0]);
    const prev = open("previous");
    const now = open("checkpoint");
    expect(prev.size).toBe(n);
    expect(now.size).toBe(n);
    expect(Buffer.from(prev.root).equals(Buffer.from(now.root))).toBe(false);
    expect(open("head").size).toBe(n + 2);
  });

  test("a stale checkpoint from a board that still has the verified tree, or a proof that fails in transit, is no alert", async () => {
    const n = g.at.open + 4;
    const state = await verifiedAt("s", n);
    // Still serves all n leaves, but an older checkpoint (a cache): stale.
    double.setView("s", view(leaves.slice(0, n), n - 2));
    const stale = await run("s", state);
    expect(stale.exitCode).toBe(WATCH_EXIT.INCOMPLETE);
    expect(stale.alerts).toHaveLength(0);
    expect(stale.events.some((e) => e.type === "stale")).toBe(true);
    // A smaller checkpoint while the proof route fails with 503: an error, retried.
    const v = view(leaves.slice(0, n - 2));
    v.lie = (r) => (r.route === "proof/consistency" ? { status: 503, body: "{}" } : undefined);
    double.setView("s", v);
    const busy = await run("s", state);
    expect(busy.exitCode).toBe(WATCH_EXIT.INCOMPLETE);
    expect(busy.alerts).toHaveLength(0);
    expect(busy.events.find((e) => e.type === "error")).toMatchObject({ code: "BOARD_HTTP_ERROR" });
  });

  test("CLI: an ALERT line and the evidence's path with --state, the evidence itself without", async () => {
    const n = g.at.open + 4;
    const state = await verifiedAt("c", n);
    double.setView("c", view(leaves.slice(0, n - 1)));
    const trustFile = join(tempDir("urna-monitor-fork-trust-"), "trust.json");
    writeFileSync(trustFile, JSON.stringify(g.trust));
    const cli = async (args: string[]) => {
      const io = { out: "", err: "" };
      const code = await runWatchCli(
        ["--board", double.clientUrl("c"), "--trust", trustFile, "--once", ...args],
        { stdout: (s) => void (io.out += s), stderr: (s) => void (io.err += s) },
      );
      return { code, ...io };
    };
    const saved = await cli(["--state", state]);
    expect(saved.code).toBe(WATCH_EXIT.INCONSISTENT);
    expect(saved.out).toMatch(/ALERT rollback ROLLBACK/);
    expect(saved.err).toMatch(/evidence: .*alert-.*ROLLBACK\.json/);
    // Without a state folder nothing can be saved: the evidence is printed.
    const v = view(leaves.slice(0, n));
    v.entriesOverride = [...leaves.slice(0, n - 1), leaves[n]];
    double.setView("c", v);
    const printed = await cli([]);
    expect(printed.code, printed.err).toBe(WATCH_EXIT.INCONSISTENT);
    const m = /evidence \(not saved: no --state\): (\{.*\})/.exec(printed.err);
    expect(m).not.toBeNull();
    const ev = JSON.parse(m![1]) as { code: string; checkpoint: string };
    expect(ev.code).toBe("ENTRIES_MISMATCH");
    expect(
      openCheckpoint(ev.checkpoint, asTrust(g.trust).board, { origin: ORIGIN }).checkpoint.size,
    ).toBe(n);
  });
});
