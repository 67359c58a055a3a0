/**
 * A standby answers the receipt and credential lookups from PostgreSQL itself
 * (board/src/server/standby-lookups.ts): with the sequencer gone, a voter's receipt check still
 * works against the standby alone, with the bodies the sequencer gave and proofs that verify
 * against the checkpoint the standby serves. PostgreSQL only (a fresh database of the postgres
 * project's cluster).
 */
import { afterAll, expect, test } from "vitest";
import { castBallot, closeVoting, createElection } from "../../src/actors/index.js";
import { checkpointOrigin } from "../../src/log/signer.js";
import { type StandbyFront, standbyFront } from "../../src/server/standby.js";
import { verifyReceipt } from "../../../verifier/src/receipt/verify-receipt.js";
import type { CredentialLookup } from "../../../verifier/src/receipt/lookup.js";
import { manifestFor, newActors, openElection, removeDir, startBoard } from "../server/helpers.js";
import { newTestStore } from "../../../tests/fixtures/test-store.js";

let front: StandbyFront | undefined;
const dirs: string[] = [];
afterAll(async () => {
  await front?.close();
  dirs.forEach(removeDir);
});

const get = async (url: string): Promise<{ status: number; body: Record<string, unknown> }> => {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

test("with the sequencer gone, a standby answers receipt and credential lookups from PostgreSQL, proofs verifying against its checkpoint", async () => {
  const store = await newTestStore();
  if (!store) throw new Error("this test runs in the postgres project only");
  const tb = await startBoard({ store });
  dirs.push(tb.dir);
  const id = "respaldo";
  const a = newActors(1);
  await createElection(tb.client, manifestFor(id, a, { threshold: 1 }), a.authority.secretKey);
  const { creds } = await openElection(tb.client, id, a, 2);
  const cast = await castBallot(
    tb.client,
    creds[0],
    { presidencia: ["mc"], "senaduria-09": ["a"] },
    { challengeFirst: true },
  );
  await closeVoting(tb.client, id, a.authority.secretKey);
  const counted = cast.cast.receipt!;
  const challenged = cast.challenged!.receipt!;
  const key = Buffer.from(creds[0].publicKey, "base64").toString("hex");
  const vkey = tb.board.electionVkey(id);
  const trust = {
    version: 1,
    election: id,
    board: { vkey },
    authority: a.authority.publicKey,
    witnesses: [],
    quorum: 0,
  };
  // The sequencer's own answers, before it goes.
  const paths = [
    `/elections/${id}/receipts/${counted.trackingCode}`,
    `/elections/${id}/receipts/${challenged.humanCode}`,
    `/elections/${id}/credentials/${key}`,
    `/elections/${id}/credentials/${"ab".repeat(32)}`,
  ];
  const before = await Promise.all(paths.map((p) => get(tb.url + p)));
  expect(before.map((r) => r.status)).toEqual([200, 200, 200, 200]);

  front = standbyFront({
    store,
    status: { origin: (e) => checkpointOrigin("board.test", e), vkey: () => vkey },
  });
  const { url } = await front.listen(0);
  await tb.close();
  // Nobody sequences: a write is refused, nothing forwarded.
  const write = await fetch(`${url}/elections/${id}/entries`, { method: "POST", body: "{}" });
  expect(write.status).toBe(503);
  expect(((await write.json()) as { error: { code: string } }).error.code).toBe("NO_SEQUENCER");

  // The standby answers every lookup itself, with the sequencer's very bodies (nothing was
  // written since: the same checkpoint).
  const after = await Promise.all(paths.map((p) => get(url + p)));
  expect(after.map((r) => r.status)).toEqual([200, 200, 200, 200]);
  expect(after.map((r) => r.body)).toEqual(before.map((r) => r.body));
  expect(after[0].body).toMatchObject({ index: counted.index, entryType: "ballot" });
  expect(after[1].body).toMatchObject({ index: challenged.index, entryType: "ballot.challenged" });
  const lookup = after[2].body as unknown as CredentialLookup;
  expect(lookup.ballots.map((b) => b.index)).toEqual([counted.index]);
  expect(lookup.checkpoint).toContain(`\n${lookup.size}\n`);
  expect((after[3].body as unknown as CredentialLookup).ballots).toEqual([]);

  // The receipt the standby looked up verifies against the standby alone (R1-R5, in lookup mode:
  // its checkpoint, proofs and credential lookup); so does the voter's own receipt.
  const { entry: _entry, ...looked } = after[0].body;
  for (const receipt of [looked, counted]) {
    const o = await verifyReceipt({ receipt, board: { url }, trust });
    expect(o.mode).toBe("lookup");
    expect(o.steps.map((s) => `${s.id}:${s.status}`).join(" "), JSON.stringify(o.steps)).toBe(
      "R1:pass R2:pass R3:pass R4:pass R5:pass",
    );
  }
  // A tampered lookup would not: the proof of the ballot is checked against that checkpoint.
  const bad = await verifyReceipt({
    receipt: counted,
    board: {
      url,
      fetch: async (u, init) => {
        const res = await fetch(u, init);
        if (!u.includes("/credentials/")) return res as never;
        const l = (await res.json()) as CredentialLookup;
        l.ballots[0].proof = l.ballots[0].proof.slice().reverse();
        return new Response(JSON.stringify(l), { status: 200 }) as never;
      },
    },
    trust,
  });
  expect(bad.steps.some((s) => s.status === "fail")).toBe(true);

  // A code with no ballot as of that checkpoint is left to the sequencer: none now.
  const none = await fetch(`${url}/elections/${id}/receipts/${"0".repeat(64)}`);
  expect(none.status).toBe(503);
});
