/**
 * Ciphertext reuse under the `last` revote policy (protocol.md §6.11), over real HTTP: a
 * challenged ballot cannot be cast, a cast ballot — counted or superseded — cannot be opened,
 * and the rule holds inside one bulk request. (Under `single`, and across credentials, see
 * rejections.test.ts.) Every refusal is 409 CIPHERTEXT_REUSED and leaves the log's size alone.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Entry, Manifest } from "@urna/schemas";
import { decodeElement, fromBase64 } from "@urna/verifier";
import { createElection, loadVotingView } from "../../src/actors/index.js";
import type { VoterCredential } from "../../src/actors/voter.js";
import { challengeBallot, encryptBallot } from "../../src/crypto/index.js";
import { signEntry } from "../../src/entry-sign.js";
import {
  manifestFor,
  newActors,
  openElection,
  removeDir,
  startBoard,
  type TestBoard,
} from "./helpers.js";

const ID = "reuso-last";
let tb: TestBoard;
let manifest: Manifest;
let creds: VoterCredential[];

beforeAll(async () => {
  tb = await startBoard({ workers: 1 });
  const a = newActors(2);
  manifest = manifestFor(ID, a, { threshold: 1, revotePolicy: "last" });
  await createElection(tb.client, manifest, a.authority.secretKey);
  creds = (await openElection(tb.client, ID, a, 2)).creds;
});
afterAll(async () => {
  await tb?.close();
  if (tb) removeDir(tb.dir);
});

const CHOICES: Record<string, Record<string, number[]>> = {
  "ent-09": { presidencia: [0, 1, 0, 0], "senaduria-09": [1, 1, 0] },
  "ent-14": { presidencia: [1, 0, 0, 0], "senaduria-14": [0, 1] },
};

async function encrypt(v: VoterCredential) {
  const view = await loadVotingView(tb.client, ID);
  const choices = CHOICES[v.style];
  const enc = encryptBallot({
    manifest,
    baseHash: view.state.baseHash,
    publicKey: decodeElement(fromBase64(view.state.electionKey!.publicKey)),
    signer: fromBase64(v.publicKey),
    style: v.style,
    choices,
  });
  return {
    ballot: signEntry("ballot", ID, enc.body, v.secretKey) as Entry,
    opened: signEntry(
      "ballot.challenged",
      ID,
      challengeBallot(enc.body, enc.nonces, choices),
      v.secretKey,
    ) as Entry,
  };
}

const size = async () => (await tb.client.status(ID)).size;

async function refuseReuse(entry: Entry): Promise<void> {
  const before = await size();
  const res = await fetch(`${tb.url}/elections/${ID}/entries`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(entry),
  });
  const j = (await res.json()) as { error: { code: string; path?: string } };
  expect({ status: res.status, code: j.error?.code }).toEqual({
    status: 409,
    code: "CIPHERTEXT_REUSED",
  });
  expect(j.error.path).toMatch(/\/contests\/0\/selections\/0\/ciphertext\/alpha$/);
  expect(await size()).toBe(before);
}

test("under `last`: a challenged ballot is never cast, a cast one (counted or superseded) never opened", async () => {
  const v = creds[0];
  const first = await encrypt(v);
  await tb.client.post(first.opened);
  await refuseReuse(first.ballot); // casting what was challenged

  const b1 = await encrypt(v);
  await tb.client.post(b1.ballot);
  await refuseReuse(b1.opened); // opening the counted ballot
  const b2 = await encrypt(v);
  await tb.client.post(b2.ballot); // a revote: b1 is now superseded
  await refuseReuse(b1.opened); // still refused
  await refuseReuse(b2.opened);
  const status = await tb.client.status(ID);
  expect(status.counts).toMatchObject({ ballots: 2, challenged: 1 });
});

test("in one bulk request, the second of two entries sharing a ciphertext is refused", async () => {
  const v = creds[1];
  const x = await encrypt(v);
  const before = await size();
  const results = await tb.client.postBulk(ID, [x.ballot, x.opened]);
  expect(results.map((r) => r.status)).toEqual([201, 409]);
  expect((results[1] as { error: { code: string } }).error.code).toBe("CIPHERTEXT_REUSED");
  expect(await size()).toBe(before + 1);
});
