/**
 * V13 ciphertext reuse (protocol.md §6.11) on records a malicious board wrote: each extra entry
 * is properly signed by a voter credential and appended during voting, the checkpoint re-signed,
 * so that only the reuse rule can catch it. Revote policy `last`, so that a second `ballot` from
 * a credential is legitimate (V11 passes) and V13 is the only failing check.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BallotBody, ChallengedBallotBody, Entry, VerificationReport } from "@urna/schemas";
import { validateReport } from "@urna/schemas";
import { verifyElection } from "../../src/audit/verify-election.js";
import { folderSource } from "../../src/record/folder-node.js";
import { reportToText } from "../../src/report/text.js";
import { decodeElement, decodeScalar, fromBase64 } from "../../src/index.js";
import { challengeBallot, encryptBallot } from "../../../board/src/crypto/index.js";
import { signEntry } from "../../../board/src/entry-sign.js";
import { encryptWithNonces } from "../../../board/test/crypto/with-nonces.js";
import {
  ballotContextOf,
  cleanupRecords,
  copyRecord,
  generateElection,
  readEntries,
  resign,
  writeEntries,
  type GeneratedElection,
} from "../../../tests/fixtures/election.js";

let g: GeneratedElection;
let entries: Entry[];

beforeAll(async () => {
  g = await generateElection({
    voters: 5,
    revotePolicy: "last",
    revotes: 0,
    challenged: 1,
    abstain: 1,
    custodians: 3,
    threshold: 2,
    witnesses: 1,
    stopWhileVoting: true,
    seed: 5,
  });
  entries = readEntries(g.dir);
}, 120_000);
afterAll(cleanupRecords);

/** The record with `extra` appended (the board's checkpoint re-signed), verified. */
async function withAppended(extra: Entry[]): Promise<VerificationReport> {
  const dir = copyRecord(g.dir);
  writeEntries(dir, [...entries, ...extra]);
  resign(dir, g.keys.board, g.keys.witnesses);
  const r = await verifyElection({ source: folderSource(dir), trust: g.trust });
  expect(validateReport(r).ok).toBe(true);
  return r;
}

/** V13 is the only failing check, and its failures are exactly these entries, as reuse. */
function onlyReuse(r: VerificationReport, at: { index: number; earlier: number }[]): void {
  const failed = r.checks.filter((c) => c.status === "fail").map((c) => c.id);
  expect(failed, reportToText(r)).toEqual(["V13"]);
  const v13 = r.checks.find((c) => c.id === "V13")!;
  const seen = new Set(v13.failures.map((f) => f.index));
  expect([...seen]).toEqual(at.map((a) => a.index));
  for (const f of v13.failures) {
    expect(f.message).toMatch(/^CIPHERTEXT_REUSED: /);
    const want = at.find((a) => a.index === f.index)!;
    expect(f.message).toContain(`entry ${want.earlier}`);
    expect(f.contest).toBeTruthy();
    expect(f.option).toBeTruthy();
  }
}

const voter = (k: number) => g.keys.credentials[k];
const choicesFor = (style: string): Record<string, number[]> =>
  Object.fromEntries(
    g.manifest.ballotStyles
      .find((s) => s.id === style)!
      .contests.map((cid) => {
        const c = g.manifest.contests.find((x) => x.id === cid)!;
        return [cid, c.options.map((_, j) => (j < c.minSelections ? 1 : 0))];
      }),
  );

describe("V13 ciphertext reuse", () => {
  it("the untampered record passes", async () => {
    const r = await verifyElection({ source: folderSource(g.dir), trust: g.trust });
    expect(r.ok, reportToText(r)).toBe(true);
    expect(r.checks.find((c) => c.id === "V13")).toMatchObject({ status: "pass", items: 1 });
  });

  it("fails a cast ballot whose ciphertexts were challenged (same credential)", async () => {
    const c = g.ballots.find((b) => b.type === "ballot.challenged")!;
    const opened = entries[c.index].body as ChallengedBallotBody;
    const v = voter(c.voter);
    const cast = signEntry("ballot", g.manifest.electionId, opened.ballot, v.secretKey) as Entry;
    const r = await withAppended([cast]);
    onlyReuse(r, [{ index: entries.length, earlier: c.index }]);
    // Every reused selection is reported, not only the first.
    const n = opened.ballot.contests.reduce((s, x) => s + x.selections.length, 0);
    expect(r.checks.find((x) => x.id === "V13")!.failures.length).toBe(n);
  });

  it("fails a cast ballot that re-proves another credential's challenged ciphertexts", async () => {
    const c = g.ballots.find((b) => b.type === "ballot.challenged")!;
    const opened = entries[c.index].body as ChallengedBallotBody;
    // another credential of the same style, which has voted already (a revote under `last`)
    const style = voter(c.voter).style;
    const other = voter(
      g.ballots.find(
        (b) => b.type === "ballot" && b.voter !== c.voter && voter(b.voter).style === style,
      )!.voter,
    );
    const ctx = ballotContextOf(g);
    const nonces = Object.fromEntries(
      opened.revealed.map((rc) => [rc.contest, rc.nonces.map((n) => decodeScalar(fromBase64(n)))]),
    );
    const choices = Object.fromEntries(opened.revealed.map((rc) => [rc.contest, rc.choices]));
    const body = encryptWithNonces({
      manifest: g.manifest,
      baseHash: ctx.baseHash,
      publicKey: decodeElement(ctx.publicKey),
      signer: fromBase64(other.publicKey),
      style: other.style,
      choices,
      nonces,
    });
    const cast = signEntry("ballot", g.manifest.electionId, body, other.secretKey) as Entry;
    onlyReuse(await withAppended([cast]), [{ index: entries.length, earlier: c.index }]);
  });

  it("fails a challenged ballot that opens a cast one", async () => {
    const v = voter(g.keys.credentials.length - 1); // the abstainer
    const ctx = ballotContextOf(g);
    const choices = choicesFor(v.style);
    const enc = encryptBallot({
      manifest: g.manifest,
      baseHash: ctx.baseHash,
      publicKey: decodeElement(ctx.publicKey),
      signer: fromBase64(v.publicKey),
      style: v.style,
      choices,
    });
    const id = g.manifest.electionId;
    const cast = signEntry("ballot", id, enc.body, v.secretKey) as Entry;
    const open = signEntry(
      "ballot.challenged",
      id,
      challengeBallot(enc.body, enc.nonces, choices),
      v.secretKey,
    ) as Entry;
    const r = await withAppended([cast, open]);
    onlyReuse(r, [{ index: entries.length + 1, earlier: entries.length }]);
    // The cast ballot was applied (it is the credential's counted one) and is itself fine.
    expect(r.checks.find((c) => c.id === "V11")!.reason).toContain(
      `${g.ballots.filter((b) => b.type === "ballot").length + 1} counted`,
    );
  });

  it("fails a ballot with two selections sharing a nonce", async () => {
    const v = voter(g.keys.credentials.length - 1);
    const ctx = ballotContextOf(g);
    const choices = choicesFor(v.style);
    const nonces = Object.fromEntries(
      Object.entries(choices).map(([cid, ms], k) => [
        cid,
        ms.map((_, j) => (k === 0 && j === 1 ? 1000n : BigInt(1000 + 10 * k + j))),
      ]),
    );
    const body: BallotBody = encryptWithNonces({
      manifest: g.manifest,
      baseHash: ctx.baseHash,
      publicKey: decodeElement(ctx.publicKey),
      signer: fromBase64(v.publicKey),
      style: v.style,
      choices,
      nonces,
    });
    const cast = signEntry("ballot", g.manifest.electionId, body, v.secretKey) as Entry;
    const r = await withAppended([cast]);
    const v13 = r.checks.find((c) => c.id === "V13")!;
    expect(r.checks.filter((c) => c.status === "fail").map((c) => c.id)).toEqual(["V13"]);
    expect(v13.failures).toHaveLength(1);
    expect(v13.failures[0]).toMatchObject({ index: entries.length });
    expect(v13.failures[0].message).toMatch(/^CIPHERTEXT_REUSED: .*in this entry/);
  });
});
