/**
 * `POST /elections/<id>/bulk` (spec/api.md): each entry answered as if posted alone, in array
 * order, right after the one before; whole-body refusals write nothing; the same answers on the
 * plain node:http path and through express; everything acknowledged survives a restart.
 */
import request from "supertest";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Entry } from "@urna/schemas";
import { decodeElement, fromBase64 } from "@urna/verifier";
import {
  bulkError,
  createElection,
  generateCredentials,
  loadVotingView,
  postCertify,
  postElectionKey,
  postRound1,
  publishCredentials,
  type BulkResult,
} from "../../src/actors/index.js";
import { encryptBallot } from "../../src/crypto/index.js";
import { signEntry } from "../../src/entry-sign.js";
import { MAX_BULK_BYTES, MAX_BULK_ENTRIES } from "../../src/server/routes.js";
import {
  type Actors,
  type TestBoard,
  manifestFor,
  newActors,
  newKey,
  removeDir,
  startBoard,
} from "./helpers.js";

const ID = "bulk";
let t: TestBoard;
let a: Actors;

beforeAll(async () => {
  t = await startBoard({ workers: 2 });
  a = newActors(1);
  await createElection(t.client, manifestFor(ID, a, { threshold: 1 }), a.authority.secretKey);
});
afterAll(async () => {
  await t.close();
  removeDir(t.dir);
});

const size = async (): Promise<number> => (await t.client.status(ID)).size;

const creds = (batch: number, n = 1, key = a.registrar.secretKey, election = ID): Entry =>
  signEntry(
    "credentials",
    election,
    { batch, credentials: generateCredentials(ID, n, ["ent-09", "ent-14"]).map((g) => g.public) },
    key,
  ) as Entry;

interface Answer {
  status: number;
  body: unknown;
}

async function postRaw(path: string, body: string | Uint8Array): Promise<Answer> {
  const res = await fetch(`${t.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  return { status: res.status, body: await res.json() };
}

const codes = (rs: BulkResult[]): Array<number | string> =>
  rs.map((r) => ("error" in r ? r.error.code : r.status));

describe("credential batches (setup phase)", () => {
  test("many batches in one request: all accepted, in order, at consecutive indices", async () => {
    const before = await size();
    const entries = Array.from({ length: 40 }, (_, i) => creds(i, 2));
    const rs = await t.client.postBulk(ID, entries);
    expect(codes(rs)).toEqual(entries.map(() => 201));
    expect(rs.map((r) => ("index" in r ? r.index : -1))).toEqual(entries.map((_, i) => before + i));
    // One round: the 40 entries are sequenced together, under one checkpoint.
    const checkpoints = new Set(rs.map((r) => ("checkpoint" in r ? r.checkpoint : "")));
    expect(checkpoints.size).toBe(1);
    expect([...checkpoints][0].split("\n")[1]).toBe(String(before + 40));
    const st = await t.client.status(ID);
    expect(st.size).toBe(before + 40);
    expect(st.counts.credentials).toBe(80);
  });

  test("a refused entry refuses only itself, and what follows is judged after it, as one by one", async () => {
    const before = await size();
    const next = before - 1; // every entry after the manifest is a credential batch
    const good = creds(next);
    const badSig = { ...creds(next + 1), signature: good.signature }; // another entry's signature
    const rs = await t.client.postBulk(ID, [
      good,
      badSig,
      creds(next + 1), // fine: the refused one wrote nothing
      creds(next + 3), // out of order (expects next + 2)
      good, // now already in the log
      creds(next + 2, 1, newKey().secretKey), // not the registrar
      creds(next + 2, 1, a.registrar.secretKey, "another-election"),
      { type: "credentials" },
      signEntry("manifest", ID, manifestFor(ID, a), a.authority.secretKey),
      creds(next + 2),
    ] as Entry[]);
    expect(codes(rs)).toEqual([
      201,
      "BAD_SIGNATURE",
      201,
      "INVALID_CREDENTIALS",
      "DUPLICATE_ENTRY",
      "UNAUTHORIZED_SIGNER",
      "ELECTION_MISMATCH",
      "SCHEMA_INVALID",
      "ELECTION_EXISTS",
      201,
    ]);
    for (const r of rs) {
      const e = bulkError(r);
      if (e) expect(e.status, e.code).toBeGreaterThanOrEqual(400);
    }
    expect(rs.filter((r) => r.status === 201).map((r) => ("index" in r ? r.index : -1))).toEqual([
      before,
      before + 1,
      before + 2,
    ]);
    expect(await size()).toBe(before + 3);
  });

  test(`the largest request, ${MAX_BULK_ENTRIES} entries, is accepted whole and in order`, async () => {
    const before = await size();
    const entries = Array.from({ length: MAX_BULK_ENTRIES }, (_, i) => creds(before - 1 + i));
    const rs = await t.client.postBulk(ID, entries);
    expect(rs.filter((r) => r.status === 201)).toHaveLength(MAX_BULK_ENTRIES);
    expect(rs.map((r) => ("index" in r ? r.index : -1))).toEqual(entries.map((_, i) => before + i));
    expect(await size()).toBe(before + MAX_BULK_ENTRIES);
  });

  test("the registrar publishes through bulk requests (several per call when there are many batches)", async () => {
    const before = await t.client.status(ID);
    const gen = generateCredentials(ID, 150, ["ent-09"]);
    const seen: number[] = [];
    const out = await publishCredentials(
      t.client,
      ID,
      a.registrar.secretKey,
      gen.map((g) => g.public),
      { batchSize: 1, onBatch: (n) => seen.push(n) },
    );
    expect(out).toHaveLength(150);
    const first = before.size - 1; // batches so far = entries after the manifest
    expect(seen).toEqual(Array.from({ length: 150 }, (_, i) => first + i));
    expect((await t.client.status(ID)).counts.credentials).toBe(before.counts.credentials + 150);
  });
});

describe("whole-body refusals: one error, nothing written, same answer on both paths", () => {
  const path = `/elections/${ID}/bulk`;
  const cases: Array<[string, string, string | Uint8Array, number, string]> = [
    ["not JSON", path, "[{", 400, "BAD_JSON"],
    ["empty body", path, "", 400, "BAD_JSON"],
    ["an object", path, JSON.stringify({ entries: [] }), 400, "BULK_INVALID"],
    ["an empty array", path, "[]", 400, "BULK_INVALID"],
    [
      "too many entries",
      path,
      JSON.stringify(Array.from({ length: MAX_BULK_ENTRIES + 1 }, () => 0)),
      400,
      "BULK_INVALID",
    ],
    ["too large", path, `["${"x".repeat(MAX_BULK_BYTES)}"]`, 413, "BULK_TOO_LARGE"],
    ["unknown election", `/elections/nope/bulk`, "[0]", 404, "UNKNOWN_ELECTION"],
  ];
  for (const [what, p, body, status, code] of cases)
    test(what, async () => {
      const before = await size();
      const fast = await postRaw(p, body);
      const viaExpress = await postRaw(`${p}?via=express`, body);
      expect(fast).toEqual(viaExpress);
      expect(fast.status).toBe(status);
      expect((fast.body as { error: { code: string } }).error.code).toBe(code);
      expect(await size()).toBe(before);
    });

  test("through express alone (supertest on the app), a too-large body is BULK_TOO_LARGE", async () => {
    const res = await request(t.board.app)
      .post(path)
      .set("content-type", "application/json")
      .send(`["${"x".repeat(MAX_BULK_BYTES)}"]`);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("BULK_TOO_LARGE");
  });
});

describe("voting", () => {
  test("an entry that depends on an earlier one of the same request waits for it (next round)", async () => {
    const before = await size();
    // A voter's credential and the ceremony; then the opening and a ballot in one request.
    const voter = generateCredentials(ID, 1, ["ent-09"])[0];
    await publishCredentials(t.client, ID, a.registrar.secretKey, [voter.public]);
    await postRound1(t.client, ID, a.custodians[0]);
    await postCertify(t.client, ID, a.custodians[0], { pollMs: 20 });
    await postElectionKey(t.client, ID, a.authority.secretKey);
    const view = await loadVotingView(t.client, ID);
    const ballot = (choice: number) =>
      signEntry(
        "ballot",
        ID,
        encryptBallot({
          manifest: view.manifest,
          baseHash: view.state.baseHash,
          publicKey: decodeElement(fromBase64(view.state.electionKey!.publicKey)),
          signer: fromBase64(voter.public.key),
          style: "ent-09",
          choices: {
            presidencia: [0, 1, 2, 3].map((i) => (i === choice ? 1 : 0)),
            "senaduria-09": [1, 0, 0],
          },
        }).body,
        fromBase64(voter.file.secretKey),
      );
    const open = signEntry(
      "voting.open",
      ID,
      { at: new Date().toISOString().replace(/\.\d{3}Z$/, "Z") },
      a.authority.secretKey,
    );
    const mid = await size();
    const rs = await t.client.postBulk(ID, [open, ballot(0), ballot(1)]);
    // The ballots' rules fail before the opening is sequenced (wrong phase); they are judged
    // after it: the first is counted, the second is this credential's second vote (`single`).
    expect(codes(rs)).toEqual([201, 201, "ALREADY_VOTED"]);
    const [o, b] = rs as Array<{ index: number; receipt?: { trackingCode: string } }>;
    expect(o.index).toBe(mid);
    expect(b.index).toBe(mid + 1);
    expect(b.receipt?.trackingCode).toMatch(/^[0-9a-f]{64}$/);
    expect(await size()).toBe(mid + 2);
    expect(mid).toBeGreaterThan(before);
  });

  test("everything acknowledged is there after a restart", async () => {
    const st = await t.client.status(ID);
    t = await t.restart();
    const again = await t.client.status(ID);
    expect(again.size).toBe(st.size);
    expect(again.root).toBe(st.root);
    expect(again.counts).toEqual(st.counts);
  });
});
