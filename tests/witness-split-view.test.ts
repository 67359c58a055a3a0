/**
 * A malicious board shows two continuations of one checkpoint to two clients (spec/witness.md):
 * the witness cosigns the first and refuses the second (409 then 422), so the hidden branch never
 * gets a quorum; a monitor that is shown both branches alerts (exit 3); and a receipt from the
 * hidden branch fails against the witness quorum (verifyTlogProof), as does its inclusion proof
 * against the cosigned checkpoint. The board side uses board/src/witnessing against a real
 * witness service on loopback.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  MemoryTree,
  formatTlogProof,
  leafHash,
  parseVkey,
  verifyTlogProof,
  verifyWitnessQuorum,
} from "../verifier/src/index.js";
import { createWitness } from "../verifier/src/witness/server-node.js";
import { collectCosignatures, Witnessing, WitnessClient } from "../board/src/witnessing/index.js";
import { watch } from "../verifier/src/monitor/watch-node.js";
import { WATCH_EXIT, type MonitorEvent } from "../verifier/src/monitor/index.js";
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
import { type BoardDouble, makeView, startBoardDouble } from "./monitor-board-double.js";

let g: GeneratedElection;
let leaves: Uint8Array[];
let double: BoardDouble;
let witnessUrl: string;
let closeWitness: () => Promise<void>;

beforeAll(async () => {
  g = await generateElection({
    voters: 8,
    custodians: 3,
    threshold: 2,
    witnesses: 1,
    quorum: 1,
    stopWhileVoting: true,
  });
  leaves = readLeaves(g.dir);
  double = await startBoardDouble(ELECTION_ID);
  // The trust file's witness, run as a real service with its key.
  const w = g.keys.witnesses[0];
  const svc = createWitness({
    dataDir: tempDir("urna-witness-"),
    name: w.name,
    signingSeed: w.seed,
    logs: [g.keys.board.vkey],
  });
  expect(svc.vkey).toBe(w.vkey);
  const l = await svc.listen(0);
  witnessUrl = l.url;
  closeWitness = l.close;
}, 60_000);
afterAll(async () => {
  await closeWitness?.();
  await double?.close();
  cleanupRecords();
});

const treeOf = (ls: Uint8Array[]) => new MemoryTree(ls.map((l) => leafHash(l)));
const boardSigned = (ls: Uint8Array[]) =>
  signCheckpoint(g.keys.board, [], ORIGIN, ls.length, treeOf(ls).root());

describe("split view", () => {
  test("the witness cosigns one branch only; the monitor and receipts catch the other", async () => {
    const base = leaves.slice(0, g.at.open + 3); // manifest .. voting.open + 2 ballots
    const n = base.length;
    const branchA = leaves.slice(0, n + 3); // the public branch
    const branchB = [...base, ...leaves.slice(n + 1, n + 4)]; // hidden: drops ballot n, same size
    expect(branchB.length).toBe(branchA.length);
    const witnesses = [{ url: witnessUrl, vkey: g.keys.witnesses[0].vkey }];
    const trustWitness = [parseVkey(g.keys.witnesses[0].vkey)];

    // The board witnesses the base checkpoint, then branch A.
    const board = new Witnessing({ witnesses, quorum: 1 });
    const tBase = treeOf(base);
    const rBase = await board.cosign(boardSigned(base), (old) => tBase.consistencyProof(old, n));
    expect(rBase.quorumMet).toBe(true);
    const tA = treeOf(branchA);
    const rA = await board.cosign(boardSigned(branchA), (old) =>
      tA.consistencyProof(old, branchA.length),
    );
    expect(rA).toMatchObject({ quorumMet: true, count: 1, cosigned: [g.keys.witnesses[0].name] });
    expect((rA.results[0] as { oldSize: number }).oldSize).toBe(n);
    expect(verifyWitnessQuorum(rA.checkpoint, trustWitness, 1).ok).toBe(true);

    // Branch B, with B's own (valid for B) consistency proofs: from the base size the witness
    // answers 409 (it is at A's size); from A's size, same size with another root, 422.
    const tB = treeOf(branchB);
    const cpB = boardSigned(branchB);
    const raw = new WitnessClient(witnesses[0]);
    const first = await raw.addCheckpoint(cpB, n, tB.consistencyProof(n, branchB.length));
    expect(first).toEqual({ status: 409, size: branchA.length });
    const rB = await collectCosignatures({
      witnesses,
      quorum: 1,
      checkpoint: cpB,
      oldSize: n,
      consistencyProof: (old) => tB.consistencyProof(old, branchB.length),
    });
    expect(rB.quorumMet).toBe(false);
    expect(rB.count).toBe(0);
    expect(rB.results[0]).toMatchObject({ ok: false, status: 422, attempts: 2 });
    expect(rB.checkpoint).toBe(cpB); // nothing appended
    // Branch B grown by one more entry: still refused (not consistent with A).
    const branchB2 = [...branchB, leaves[n + 4]];
    const tB2 = treeOf(branchB2);
    const rB2 = await board.cosign(boardSigned(branchB2), (old) =>
      tB2.consistencyProof(old, branchB2.length),
    );
    expect(rB2.quorumMet).toBe(false);
    expect(rB2.results[0]).toMatchObject({ ok: false, status: 422 });

    // Two clients: the monitor is shown A (cosigned), later B (board-signed only).
    const state = tempDir("urna-monitor-");
    double.setView("m", makeView(branchA, rA.checkpoint));
    const events: MonitorEvent[] = [];
    const opts = {
      board: double.clientUrl("m"),
      election: ELECTION_ID,
      trust: g.trust,
      stateDir: state,
      once: true,
      onEvent: (e: MonitorEvent) => events.push(e),
    };
    expect((await watch(opts)).exitCode).toBe(WATCH_EXIT.OK);
    double.setView("m", makeView(branchB, cpB));
    const r = await watch(opts);
    expect(r.exitCode).toBe(WATCH_EXIT.INCONSISTENT);
    expect(r.alert).toMatchObject({ kind: "equivocation" });
    // Shown the larger hidden branch instead: inconsistency.
    double.setView("m2", makeView(branchA, rA.checkpoint));
    const state2 = tempDir("urna-monitor-");
    expect(
      (await watch({ ...opts, board: double.clientUrl("m2"), stateDir: state2 })).exitCode,
    ).toBe(WATCH_EXIT.OK);
    double.setView("m2", makeView(branchB2, boardSigned(branchB2)));
    const r3 = await watch({ ...opts, board: double.clientUrl("m2"), stateDir: state2 });
    expect(r3.exitCode).toBe(WATCH_EXIT.INCONSISTENT);
    expect(r3.alert).toMatchObject({ kind: "inconsistency" });

    // A receipt for the hidden branch's ballot at index n.
    const hidden = formatTlogProof({ index: n, proof: tB.inclusionProof(n), checkpoint: cpB });
    const lh = leafHash(branchB[n]);
    const opt = { origin: ORIGIN, witnesses: trustWitness, quorum: 1 };
    const board0 = parseVkey(g.keys.board.vkey);
    expect(() => verifyTlogProof(hidden, lh, board0, opt)).toThrow(/WITNESS_QUORUM_NOT_MET/);
    // The same inclusion proof under the cosigned checkpoint of A does not hold.
    const forged = formatTlogProof({
      index: n,
      proof: tB.inclusionProof(n),
      checkpoint: rA.checkpoint,
    });
    expect(() => verifyTlogProof(forged, lh, board0, opt)).toThrow(/INCLUSION_PROOF_INVALID/);
    // Control: a receipt of branch A's ballot at n under the cosigned checkpoint verifies.
    const good = formatTlogProof({
      index: n,
      proof: tA.inclusionProof(n),
      checkpoint: rA.checkpoint,
    });
    expect(verifyTlogProof(good, leafHash(branchA[n]), board0, opt).witnesses.ok).toBe(true);
  });
});
