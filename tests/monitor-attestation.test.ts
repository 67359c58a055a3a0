/**
 * The monitor (`urna-verify watch`) checks each `audit.attestation` it sees as the audit does
 * (spec/verification.md V18, one shared function: verifier/src/audit/attested-checkpoint.ts):
 * an honest one passes; one whose root is not the log's at its size (a tampered attestation,
 * validly signed by the listed firm, on a log the board signed) is alerted as an invalid entry
 * (exit 4, ATTESTATION_CHECKPOINT), both when the monitor saw that size go by and when it was
 * restarted after it (the root is then proved from the board: a consistency proof); and the
 * audit fails V18 on the same record with the same code at the same index.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { AttestationBody, TrustFile } from "@urna/schemas";
import { canonicalBytes } from "@urna/schemas";
import { MemoryTree, leafHash, toBase64 } from "../verifier/src/index.js";
import { watch } from "../verifier/src/monitor/watch-node.js";
import { WATCH_EXIT, type MonitorEvent } from "../verifier/src/monitor/index.js";
import { verifyElection } from "../verifier/src/audit/verify-election.js";
import { folderSource } from "../verifier/src/record/folder-node.js";
import { signEntry } from "../board/src/entry-sign.js";
import {
  ELECTION_ID,
  ORIGIN,
  cleanupRecords,
  generateElection,
  readLeaves,
  resign,
  signCheckpoint,
  tempDir,
  type GeneratedElection,
} from "./fixtures/election.js";
import { type BoardDouble, type View, makeView, startBoardDouble } from "./monitor-board-double.js";
import { check } from "./fixtures/audit.js";

let g: GeneratedElection;
let leaves: Uint8Array[];
let double: BoardDouble;
let firm: { name: string; secretKey: Uint8Array };

beforeAll(async () => {
  g = await generateElection({
    voters: 3,
    custodians: 3,
    threshold: 2,
    witnesses: 1,
    quorum: 1,
    auditors: ["Firma A"],
  });
  leaves = readLeaves(g.dir);
  firm = g.keys.auditors![0];
  double = await startBoardDouble(ELECTION_ID);
}, 60_000);
afterAll(async () => {
  await double?.close();
  cleanupRecords();
});

const rootOf = (list: Uint8Array[]) => new MemoryTree(list.map((l) => leafHash(l))).root();

function view(list: Uint8Array[]): View {
  return makeView(
    list,
    signCheckpoint(g.keys.board, g.keys.witnesses, ORIGIN, list.length, rootOf(list)),
  );
}

/** An attestation by the listed firm over size `size` with root `root` (outcomes as stated). */
function attestation(size: number, root: Uint8Array, opinion: string): Uint8Array {
  const body: AttestationBody = {
    firm: firm.name,
    verifier: { name: "urna-verify", version: "test" },
    checkpoint: { size, root: toBase64(root) },
    checks: Array.from({ length: 17 }, (_, k) => ({ id: `V${k + 1}`, status: "pass" as const })),
    tableSha256: "0".repeat(64),
    opinion,
  };
  return canonicalBytes(signEntry("audit.attestation", ELECTION_ID, body, firm.secretKey));
}

async function run(client: string, stateDir: string) {
  const events: MonitorEvent[] = [];
  const r = await watch({
    board: double.clientUrl(client),
    election: ELECTION_ID,
    trust: g.trust as TrustFile,
    once: true,
    stateDir,
    onEvent: (e) => events.push(e),
  });
  return { ...r, alerts: events.filter((e) => e.type === "alert") };
}

describe("the monitor judges each attestation's checkpoint as the audit does", () => {
  test("honest passes; a tampered root is alerted (exit 4), also after a restart", async () => {
    const n = leaves.length; // the election is done: its last entry is the result
    const honest = attestation(n, rootOf(leaves), "honest");
    const forgedRoot = rootOf(leaves.slice(0, n - 1)); // a real root, of another size
    const tampered = attestation(n, forgedRoot, "tampered");

    // Seen go by: the honest one, then the tampered one over the same size.
    const state = tempDir("urna-monitor-att-");
    double.setView("a", view([...leaves, honest]));
    expect((await run("a", state)).exitCode).toBe(WATCH_EXIT.OK);
    double.setView("a", view([...leaves, honest, tampered]));
    const r = await run("a", state);
    expect(r.exitCode).toBe(WATCH_EXIT.INVALID_ENTRY);
    expect(r.alerts[0]).toMatchObject({ kind: "invalid-entry", code: "ATTESTATION_CHECKPOINT" });
    expect((r.alerts[0] as { findings: { index: number }[] }).findings[0].index).toBe(n + 1);

    // A monitor that started after the result (its head at n + 1): the root of size n is not
    // one it saw; it is proved from the board, and the tampered one still fails.
    const later = tempDir("urna-monitor-att2-");
    double.setView("b", view([...leaves, honest]));
    expect((await run("b", later)).exitCode).toBe(WATCH_EXIT.OK);
    const honest2 = attestation(n, rootOf(leaves), "honest again");
    double.setView("b", view([...leaves, honest, honest2]));
    expect((await run("b", later)).exitCode).toBe(WATCH_EXIT.OK);
    double.setView("b", view([...leaves, honest, honest2, tampered]));
    const r2 = await run("b", later);
    expect(r2.exitCode).toBe(WATCH_EXIT.INVALID_ENTRY);
    expect(r2.alerts[0]).toMatchObject({ kind: "invalid-entry", code: "ATTESTATION_CHECKPOINT" });

    // The audit of the same record: V18 ATTESTATION_CHECKPOINT at the same index.
    const dir = tempDir("urna-monitor-att-rec-");
    mkdirSync(dir, { recursive: true });
    const list = [...leaves, honest, tampered];
    writeFileSync(
      join(dir, "entries.jsonl"),
      list.map((l) => new TextDecoder().decode(l) + "\n").join(""),
    );
    resign(dir, g.keys.board, g.keys.witnesses);
    const audit = await verifyElection({ source: folderSource(dir), trust: g.trust, workers: 1 });
    expect(check(audit, "V18").failures.map((f) => [f.code, f.index])).toContainEqual([
      "ATTESTATION_CHECKPOINT",
      n + 1,
    ]);
  }, 120_000);
});
