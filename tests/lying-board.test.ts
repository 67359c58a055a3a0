/**
 * The verifier-side readers against an adversarial board (tests/monitor-board-double.ts over
 * real HTTP): every lie must be detected (a failed check, a failed receipt step, an alert or an
 * error with a stable code) and never turn into an accepted wrong result
 * (spec/verification.md §Reading from a board).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BallotBody, DecryptionShareBody, Entry, Receipt, TallyBody } from "@urna/schemas";
import { canonicalBytes } from "@urna/schemas";
import { computeResult, decryptionShare } from "../board/src/crypto/index.js";
import { signEntry } from "../board/src/entry-sign.js";
import { verifyElection } from "../verifier/src/audit/verify-election.js";
import { decodeCiphertext } from "../verifier/src/crypto/elgamal.js";
import { decodeElement } from "../verifier/src/crypto/group.js";
import { TallyAccumulator } from "../verifier/src/crypto/tally.js";
import { Monitor, runMonitor, type MonitorEvent } from "../verifier/src/monitor/monitor.js";
import { verifyReceipt } from "../verifier/src/receipt/verify-receipt.js";
import { leafHash } from "../verifier/src/log/merkle-hash.js";
import { folderSource } from "../verifier/src/record/folder-node.js";
import { boardSource } from "../verifier/src/record/http.js";
import { tileSource } from "../verifier/src/record/tiles.js";
import {
  ELECTION_ID,
  type GeneratedElection,
  ballotContextOf,
  cleanupRecords,
  copyRecord,
  generateElection,
  readEntries,
  resign,
  writeEntries,
} from "./fixtures/election.js";
import { runVerifyCli } from "./fixtures/verify-cli.js";
import { type BoardDouble, type View, makeView, startBoardDouble } from "./monitor-board-double.js";

let g: GeneratedElection;
let board: BoardDouble;
let honest: View;
/** A superseded ballot (s) and the same credential's later, counted one (l). */
let s: number;
let l: number;
/** The forged record of defect 1 and its view. */
let forgedDir: string;
let forged: View;

const leavesOf = (dir: string) =>
  readFileSync(join(dir, "entries.jsonl"))
    .toString("utf8")
    .split("\n")
    .filter((x) => x.length > 0)
    .map((x) => new TextEncoder().encode(x));
const viewOf = (dir: string) =>
  makeView(leavesOf(dir), readFileSync(join(dir, "checkpoint"), "utf8"));
const check = (r: Awaited<ReturnType<typeof verifyElection>>, id: string) =>
  r.checks.find((c) => c.id === id);

/**
 * A record whose tally is the sum of every ballot minus the superseded ones, except that for
 * ballot s the later ballot l is taken out instead: what a verifier computes if the board
 * answers the second read of s with l's bytes. Signed by the real keys (the board lies).
 */
function forgeRecord(): string {
  const dir = copyRecord(g.dir);
  const entries = readEntries(dir);
  const acc = new TallyAccumulator(g.manifest);
  const cts = (e: Entry) => ({
    contests: (e.body as BallotBody).contests.map((c) => ({
      contest: c.contest,
      selections: c.selections.map((x) => decodeCiphertext(x.ciphertext)),
    })),
  });
  for (let i = g.at.open; i < (g.at.close as number); i++)
    if (entries[i].type === "ballot") acc.add(cts(entries[i]));
  for (const b of g.ballots)
    if (b.type === "ballot" && !b.counted) acc.subtract(cts(entries[b.index === s ? l : b.index]));
  const tally: TallyBody = acc.toBody();
  const ctx = ballotContextOf(g);
  const K = decodeElement(ctx.publicKey);
  const shares: DecryptionShareBody[] = g.keys.custodians.map((c) =>
    decryptionShare({
      baseHash: ctx.baseHash,
      publicKey: K,
      custodian: c.index,
      secretShare: c.secretShare,
      tally,
    }),
  );
  const result = computeResult(g.manifest, tally, shares, g.manifest.threshold);
  entries[g.at.tally as number] = signEntry("tally", ELECTION_ID, tally, g.keys.authority) as Entry;
  g.at.shares.forEach((at, k) => {
    entries[at] = signEntry(
      "decryption.share",
      ELECTION_ID,
      shares[k],
      g.keys.custodians[k].signing,
    ) as Entry;
  });
  entries[g.at.result as number] = signEntry(
    "result",
    ELECTION_ID,
    result,
    g.keys.authority,
  ) as Entry;
  writeEntries(dir, entries);
  resign(dir, g.keys.board, g.keys.witnesses);
  return dir;
}

beforeAll(async () => {
  g = await generateElection({
    voters: 6,
    revotePolicy: "last",
    custodians: 3,
    threshold: 2,
    challenged: 1,
    revotes: 1,
    seed: 5,
  });
  const sup = g.ballots.find((b) => b.type === "ballot" && !b.counted) as (typeof g.ballots)[0];
  s = sup.index;
  l = (
    g.ballots.find((b) => b.type === "ballot" && b.counted && b.voter === sup.voter) as typeof sup
  ).index;
  board = await startBoardDouble(ELECTION_ID);
  honest = viewOf(g.dir);
  board.setView("honest", honest);
  forgedDir = forgeRecord();
  forged = viewOf(forgedDir);
}, 120_000);

afterAll(async () => {
  await board?.close();
  cleanupRecords();
});

describe("urna-verify election --board against a lying board", () => {
  it("the honest board verifies to the honest result", async () => {
    const r = await verifyElection({
      source: boardSource({ url: board.clientUrl("honest"), election: ELECTION_ID, pageSize: 7 }),
      trust: g.trust,
    });
    expect(r.ok).toBe(true);
    expect(r.result).toEqual(g.expected);
  });

  it("defect 1: the forged record fails V14 as a folder", async () => {
    expect(readEntries(forgedDir)[g.at.result as number].body).not.toEqual(g.expected);
    const r = await verifyElection({ source: folderSource(forgedDir), trust: g.trust });
    expect(r.ok).toBe(false);
    expect(check(r, "V14")?.status).toBe("fail");
  });

  it("defect 1: a second read of a superseded ballot answered with other bytes fails V1 (LEAF_CHANGED) and V14, never a wrong result", async () => {
    board.setView("reread", {
      ...forged,
      leafLie: ({ index, nth }) => (index === s && nth === 2 ? forged.leaves[l] : undefined),
    });
    const r = await verifyElection({
      source: boardSource({ url: board.clientUrl("reread"), election: ELECTION_ID }),
      trust: g.trust,
    });
    expect(r.ok).toBe(false);
    expect(check(r, "V1")?.status).toBe("fail");
    expect(check(r, "V1")?.failures[0]).toMatchObject({ index: s });
    expect(check(r, "V1")?.failures[0].message).toContain("LEAF_CHANGED");
    expect(check(r, "V14")?.status).toBe("fail");
    board.setView("reread-cli", {
      ...forged,
      leafLie: ({ index, nth }) => (index === s && nth === 2 ? forged.leaves[l] : undefined),
    });
    const trustFile = join(forgedDir, "trust.json");
    writeFileSync(trustFile, JSON.stringify(g.trust));
    const cli = await runVerifyCli([
      "election",
      "--board",
      board.clientUrl("reread-cli"),
      "--trust",
      trustFile,
    ]);
    expect(cli.code, cli.stdout + cli.stderr).toBe(1);
    expect(cli.stdout).toContain("LEAF_CHANGED");
  });

  it("entries that are not the checkpoint's fail V1", async () => {
    board.setView("swap", {
      ...honest,
      leafLie: ({ index }) => (index === s ? honest.leaves[l] : undefined),
    });
    const r = await verifyElection({
      source: boardSource({ url: board.clientUrl("swap"), election: ELECTION_ID }),
      trust: g.trust,
    });
    expect(r.ok).toBe(false);
    expect(check(r, "V1")?.status).toBe("fail");
  });

  it("tiles: the honest board verifies; a second read of a superseded ballot's bundle with other bytes fails V1 and V14", async () => {
    const ok = await verifyElection({
      source: tileSource({ url: `${board.clientUrl("honest")}/elections/${ELECTION_ID}` }),
      trust: g.trust,
    });
    expect(ok.ok).toBe(true);
    expect(ok.result).toEqual(g.expected);
    // The second read lies consistently: the bundle's leaf s and the level-0 tile's hash s.
    board.setView("tile-reread", {
      ...forged,
      leafLie: ({ index, nth }) => (index === s && nth === 2 ? forged.leaves[l] : undefined),
      lie: (q, honestAnswer) => {
        if (!q.route.startsWith("tile/0/") || q.nth !== 2) return undefined;
        const body = Uint8Array.from(honestAnswer.body as Uint8Array);
        body.set(leafHash(forged.leaves[l]), s * 32);
        return { body };
      },
    });
    const r = await verifyElection({
      source: tileSource({ url: `${board.clientUrl("tile-reread")}/elections/${ELECTION_ID}` }),
      trust: g.trust,
    });
    expect(r.ok).toBe(false);
    expect(check(r, "V1")?.failures[0].message).toContain("LEAF_CHANGED");
    expect(check(r, "V14")?.status).toBe("fail");
  });

  it("tiles: a bundle that is not its tile's hashes is an error with a stable code", async () => {
    board.setView("tile-bundle", {
      ...honest,
      leafLie: ({ index, route }) =>
        index === s && route === "tile" ? honest.leaves[l] : undefined,
    });
    await expect(
      verifyElection({
        source: tileSource({ url: `${board.clientUrl("tile-bundle")}/elections/${ELECTION_ID}` }),
        trust: g.trust,
      }),
    ).rejects.toHaveProperty("code");
  });

  it("a checkpoint that changes between requests: the first one read is the one verified", async () => {
    board.setView("cp-flip", {
      ...forged,
      lie: (q) =>
        q.route === "checkpoint" && q.nth === 1 ? { body: honest.checkpoint } : undefined,
    });
    const r = await verifyElection({
      source: boardSource({ url: board.clientUrl("cp-flip"), election: ELECTION_ID }),
      trust: g.trust,
    });
    expect(r.ok).toBe(false);
    expect(check(r, "V1")?.status).toBe("fail");
  });

  it("a truncated entries response is an error with a stable code, not a verdict", async () => {
    board.setView("cut", {
      ...honest,
      lie: (q) => (q.route === "entries" ? { truncate: 100 } : undefined),
    });
    await expect(
      verifyElection({
        source: boardSource({ url: board.clientUrl("cut"), election: ELECTION_ID }),
        trust: g.trust,
      }),
    ).rejects.toMatchObject({ name: "RecordError" });
  });
});

describe("urna-verify receipt against a lying board", () => {
  const receiptOf = (index: number) =>
    g.receipts[g.ballots.findIndex((b) => b.index === index)] as Receipt;

  it("record mode: the honest board says the superseded ballot is not counted", async () => {
    const o = await verifyReceipt({
      receipt: receiptOf(s),
      trust: g.trust,
      board: { url: board.clientUrl("honest"), mode: "scan" },
    });
    expect(o.steps.map((x) => x.status)).toEqual(["pass", "pass", "pass", "pass", "fail"]);
    expect(o.steps[4].message).toContain("superseded");
  });

  it("record mode: a first read of the receipt's leaf that differs from the scan's fails R3-R5", async () => {
    const other = g.ballots.find(
      (b) => b.type === "ballot" && b.voter !== g.ballots.find((x) => x.index === s)?.voter,
    ) as (typeof g.ballots)[0];
    board.setView("pre", {
      ...honest,
      leafLie: ({ index, nth }) =>
        index === s && nth === 1 ? honest.leaves[other.index] : undefined,
    });
    const o = await verifyReceipt({
      receipt: receiptOf(s),
      trust: g.trust,
      board: { url: board.clientUrl("pre"), mode: "scan" },
    });
    expect(o.ok).toBe(false);
    expect(o.steps[4].status).toBe("fail");
    expect(o.steps[2].status).toBe("fail");
    expect(o.steps[2].message).toContain("LEAF_CHANGED");
  });

  it("record mode: a failed first read of the receipt's leaf fails R3-R5, not an empty credential history", async () => {
    board.setView("pre-500", {
      ...honest,
      lie: (q) =>
        q.route === "entries" && q.query.get("start") === String(s) && q.nth === 1
          ? { status: 500 }
          : undefined,
    });
    const o = await verifyReceipt({
      receipt: receiptOf(s),
      trust: g.trust,
      board: { url: board.clientUrl("pre-500"), mode: "scan" },
    });
    expect(o.ok).toBe(false);
    expect(o.steps[4].status).toBe("fail");
  });

  it("lookup mode: lies about the leaf, the proofs or the lookup fail a step", async () => {
    const counted = receiptOf(l);
    const honestRun = await verifyReceipt({
      receipt: counted,
      trust: g.trust,
      board: { url: board.clientUrl("honest") },
    });
    expect(honestRun.steps.map((x) => x.status)).toEqual(["pass", "pass", "pass", "pass", "pass"]);
    const garbage = JSON.stringify({ proof: [Buffer.alloc(32, 7).toString("base64")] });
    const lies: [string, Partial<View>, number][] = [
      [
        "leaf",
        {
          leafLie: ({ index, route }) =>
            index === l && route === "entry" ? honest.leaves[s] : undefined,
        },
        4,
      ],
      [
        "inclusion",
        { lie: (q) => (q.route === "proof/inclusion" ? { body: garbage } : undefined) },
        3,
      ],
      [
        "consistency",
        { lie: (q) => (q.route === "proof/consistency" ? { body: garbage } : undefined) },
        2,
      ],
      [
        "lookup-leaf",
        {
          leafLie: ({ index, route }) =>
            index === l && route === "credentials" ? honest.leaves[s] : undefined,
        },
        4,
      ],
      [
        "slow-500",
        {
          lie: (q) =>
            q.route.startsWith("credentials/") ? { status: 500, delayMs: 50 } : undefined,
        },
        4,
      ],
    ];
    const { entry: _entry, ...bare } = counted;
    const bareRun = await verifyReceipt({
      receipt: bare,
      trust: g.trust,
      board: { url: board.clientUrl("honest") },
    });
    expect(bareRun.ok).toBe(true);
    for (const [name, lie, step] of lies) {
      board.setView(`lk-${name}`, { ...honest, ...lie });
      const o = await verifyReceipt({
        receipt: bare,
        trust: g.trust,
        board: { url: board.clientUrl(`lk-${name}`) },
      });
      expect(o.ok, name).toBe(false);
      expect(o.steps[step].status, `${name}: ${JSON.stringify(o.steps)}`).toBe("fail");
    }
  });
});

describe("urna-verify watch against a lying board", () => {
  const watch = async (client: string) => {
    const events: MonitorEvent[] = [];
    const r = await runMonitor({
      board: board.clientUrl(client),
      election: ELECTION_ID,
      trust: g.trust,
      once: true,
      onEvent: (e) => void events.push(e),
    });
    return { r, events };
  };

  it("the honest board verifies", async () => {
    const { r } = await watch("honest");
    expect(r.exitCode).toBe(0);
  });

  it("defect 1 for the monitor: the superseded ballot's re-read with other bytes is refused, not summed", async () => {
    board.setView("m-reread", {
      ...forged,
      leafLie: ({ index, nth }) => (index === s && nth === 2 ? forged.leaves[l] : undefined),
    });
    const { r, events } = await watch("m-reread");
    expect(r.exitCode).not.toBe(0);
    expect(events.some((e) => e.type === "checkpoint")).toBe(false);
  });

  it("a slow or truncated answer is an error with a stable code, retried, never verified", async () => {
    for (const [name, lie] of [
      ["m-slow", { delayMs: 500 }],
      ["m-cut", { truncate: 10 }],
    ] as const) {
      board.setView(name, {
        ...honest,
        lie: (q) => (q.route === "entries" ? lie : undefined),
      });
      const events: MonitorEvent[] = [];
      const r = await runMonitor({
        board: board.clientUrl(name),
        election: ELECTION_ID,
        trust: g.trust,
        once: true,
        timeoutMs: 200,
        onEvent: (e) => void events.push(e),
      });
      expect(r.exitCode, name).not.toBe(0);
      expect(r.alert, name).toBeUndefined();
      expect(events.some((e) => e.type === "checkpoint")).toBe(false);
      const err = events.find((e) => e.type === "error") as { code?: string } | undefined;
      expect(err?.code, name).toMatch(/^BOARD_(UNREACHABLE|MALFORMED)$/);
    }
  });

  it("entries that are not the checkpoint's raise an alert", async () => {
    board.setView("m-swap", {
      ...honest,
      leafLie: ({ index }) => (index === 1 ? honest.leaves[2] : undefined),
    });
    const { r } = await watch("m-swap");
    expect(r.exitCode).not.toBe(0);
    expect(r.alert).toMatchObject({ kind: "inconsistency", code: "ENTRIES_MISMATCH" });
  });

  it("an invalid entry that is not the checkpoint's is an inconsistency, not an invalid-entry alert", async () => {
    const bad = JSON.parse(new TextDecoder().decode(honest.leaves[l])) as Entry;
    const sig = Buffer.from(bad.signature, "base64");
    sig[0] ^= 1;
    bad.signature = sig.toString("base64");
    board.setView("m-bad", {
      ...honest,
      leafLie: ({ index }) => (index === l ? canonicalBytes(bad) : undefined),
    });
    const { r } = await watch("m-bad");
    expect(r.alert).toMatchObject({ kind: "inconsistency", code: "ENTRIES_MISMATCH" });
  });

  it("an invalid entry that is on the checkpoint is an invalid-entry alert", async () => {
    const dir = copyRecord(g.dir);
    const entries = readEntries(dir);
    const sig = Buffer.from(entries[l].signature, "base64");
    sig[0] ^= 1;
    entries[l].signature = sig.toString("base64");
    writeEntries(dir, entries);
    resign(dir, g.keys.board, g.keys.witnesses);
    board.setView("m-invalid", viewOf(dir));
    const { r } = await watch("m-invalid");
    expect(r.alert).toMatchObject({ kind: "invalid-entry" });
    // The proof that binds it fails once: an error, and the next poll judges the entry again.
    board.setView("m-invalid-500", {
      ...viewOf(dir),
      lie: (q) => (q.route === "proof/consistency" && q.nth === 1 ? { status: 500 } : undefined),
    });
    const m = await Monitor.open({
      board: board.clientUrl("m-invalid-500"),
      election: ELECTION_ID,
      trust: g.trust,
    });
    expect((await m.step()).kind).toBe("error");
    expect(await m.step()).toMatchObject({ kind: "alert", alert: { kind: "invalid-entry" } });
  });
});
