/**
 * A whole election through the board's HTTP API with the actors' library: manifest,
 * credentials, a 3-of-5 key ceremony, ballots across two styles, a challenged ballot, a refused
 * second vote under `single`, close, a refused late ballot, the tally decrypted by only three
 * custodians, the result; then the exported record's root equals the checkpoint's. A second
 * election checks that under `last` a revote is the one counted.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Entry, ResultBody } from "@urna/schemas";
import {
  DiscreteLog,
  fromHex,
  humanTrackingCode,
  leafHash,
  openCheckpoint,
  parseVkey,
  rootFromLeafHashes,
  toBase64,
  verifyTlogProof,
} from "@urna/verifier";
import {
  BoardApiError,
  type BoardClient,
  castBallot,
  closeVoting,
  createElection,
  postDecryptionShare,
  postResult,
  postTally,
} from "../board/src/actors/index.js";
import {
  type Actors,
  manifestFor,
  openElection,
  newActors,
  removeDir,
  startBoard,
  type TestBoard,
  untar,
  votesOf,
} from "../board/test/server/helpers.js";

let tb: TestBoard;
/** Small totals: a small baby-step table keeps the test fast. */
const dlog = new DiscreteLog({ max: 1000, babySteps: 64 });
beforeAll(async () => {
  tb = await startBoard({ workers: 2 });
});
afterAll(async () => {
  await tb.close();
  removeDir(tb.dir);
});

async function expectRefused(p: Promise<unknown>, status: number, code: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BoardApiError);
  expect((err as BoardApiError).code).toBe(code);
  expect((err as BoardApiError).status).toBe(status);
}

describe("election lifecycle", () => {
  test("revote policy single: 3-of-5 ceremony, ballots, challenge, refusals, tally by 3 custodians, result, record", async () => {
    const { client } = tb;
    const id = "mx-2024-single";
    const a = newActors(5);
    const manifest = manifestFor(id, a, { threshold: 3, revotePolicy: "single" });
    const created = await createElection(client, manifest, a.authority.secretKey);
    expect(created.index).toBe(0);
    await expectRefused(
      createElection(client, manifest, a.authority.secretKey),
      409,
      "ELECTION_EXISTS",
    );

    const { creds, states } = await openElection(client, id, a, 5);
    expect(creds.map((c) => c.style)).toEqual(["ent-09", "ent-14", "ent-09", "ent-14", "ent-09"]);
    let status = await client.status(id);
    expect(status.phase).toBe("voting");
    expect(status.counts).toMatchObject({ credentials: 5, certified: 5, ballots: 0 });

    // ballots across both styles; voter 0 challenges one encryption first
    const [v0, v1, v2, v3, v4] = creds;
    const r0 = await castBallot(
      client,
      v0,
      { presidencia: ["mc"], "senaduria-09": ["a", "b"] },
      { challengeFirst: true },
    );
    const r1 = await castBallot(client, v1, {
      presidencia: ["pvem-pt-morena"],
      "senaduria-14": ["x"],
    });
    const r2 = await castBallot(client, v2, {
      presidencia: ["pvem-pt-morena"],
      "senaduria-09": ["a"],
    });
    const r3 = await castBallot(client, v3, { "senaduria-14": ["y"] });
    expect(r0.challenged?.receipt.entryType).toBe("ballot.challenged");
    expect(r0.cast.receipt.entryType).toBe("ballot");

    // the receipt's tlog-proof verifies against the election's checkpoint key
    const vkey = parseVkey(tb.board.electionVkey(id));
    for (const r of [r0.cast, r0.challenged!, r1.cast, r2.cast, r3.cast]) {
      const v = verifyTlogProof(r.receipt.proof, fromHex(r.trackingCode), vkey);
      expect(v.index).toBe(r.index);
    }
    // the receipt can be fetched again by either form of the tracking code
    const again = await client.receipt(id, humanTrackingCode(fromHex(r2.cast.trackingCode)));
    expect(again.index).toBe(r2.cast.index);
    expect(again.trackingCode).toBe(r2.cast.trackingCode);
    // every receipt carries the human code the voter sees, the one the lookup accepts
    for (const r of [r0.cast, r0.challenged!, r1.cast, r2.cast, r3.cast])
      expect(r.receipt.humanCode).toBe(humanTrackingCode(fromHex(r.trackingCode)));
    expect(again.humanCode).toBe(r2.cast.receipt.humanCode);

    // a second ballot from the same credential is refused under `single`
    const before = (await client.status(id)).size;
    await expectRefused(
      castBallot(client, v1, { presidencia: ["mc"], "senaduria-14": ["y"] }),
      409,
      "ALREADY_VOTED",
    );
    expect((await client.status(id)).size).toBe(before);

    await closeVoting(client, id, a.authority.secretKey);
    await expectRefused(castBallot(client, v4, { presidencia: ["mc"] }), 409, "WRONG_PHASE");
    expect((await client.status(id)).size).toBe(before + 1);

    // tally, then shares from custodians 1, 3 and 5 only
    await postTally(client, id, a.authority.secretKey);
    expect((await client.status(id)).phase).toBe("tallying");
    for (const i of [1, 3, 5])
      await postDecryptionShare(client, id, a.custodians[i - 1], states[i - 1], {
        insecureNoTrust: true,
      });
    const posted = await postResult(client, id, a.authority.secretKey, { dlog });
    const result = (await client.entry(id, posted[0].index)).body as ResultBody;
    expect(result.custodians).toEqual([1, 3, 5]);
    expect(votesOf(result, "presidencia")).toEqual({
      "pan-pri-prd": 0,
      "pvem-pt-morena": 2,
      mc: 1,
      nulo: 0,
    });
    expect(votesOf(result, "senaduria-09")).toEqual({ a: 2, b: 1, c: 0 });
    expect(votesOf(result, "senaduria-14")).toEqual({ x: 1, y: 1 });
    status = await client.status(id);
    expect(status.phase).toBe("done");
    expect(status.counts).toMatchObject({
      credentials: 5,
      ballots: 4,
      challenged: 1,
      certified: 5,
      shares: 3,
    });

    // the exported record: checkpoint signed by the board, root of entries.jsonl equals its root
    const files = untar(await client.record(id, { tiles: true }));
    const note = new TextDecoder().decode(files.get("checkpoint"));
    const cp = openCheckpoint(note, vkey, { origin: `board.test/elections/${id}` }).checkpoint;
    const lines = new TextDecoder().decode(files.get("entries.jsonl")).split("\n");
    expect(lines.pop()).toBe("");
    expect(lines.length).toBe(cp.size);
    expect(cp.size).toBe(status.size);
    const root = rootFromLeafHashes(lines.map((l) => leafHash(new TextEncoder().encode(l))));
    expect(toBase64(root)).toBe(toBase64(cp.root));
    expect(toBase64(root)).toBe(status.root);
    expect(files.has("tile/0/000.p/" + cp.size)).toBe(true);
    const types = lines.map((l) => (JSON.parse(l) as Entry).type);
    expect(types.filter((t) => t === "ballot")).toHaveLength(4);
    expect(types.at(-1)).toBe("result");
  });

  test("revote policy last: the credential's last ballot is the one counted", async () => {
    const { client } = tb;
    const id = "mx-2024-last";
    const a = newActors(2);
    await createElection(
      client,
      manifestFor(id, a, { threshold: 1, revotePolicy: "last" }),
      a.authority.secretKey,
    );
    const { creds, states } = await openElection(client, id, a, 2);
    const [v0, v1] = creds;
    await castBallot(client, v0, { presidencia: ["mc"], "senaduria-09": ["c"] });
    await castBallot(client, v1, { presidencia: ["nulo"], "senaduria-14": ["x"] });
    const revote = await castBallot(client, v0, {
      presidencia: ["pan-pri-prd"],
      "senaduria-09": [],
    });
    expect(revote.cast.receipt.entryType).toBe("ballot");
    await closeVoting(client, id, a.authority.secretKey);
    await postTally(client, id, a.authority.secretKey);
    await postDecryptionShare(client, id, a.custodians[1], states[1], { insecureNoTrust: true });
    const posted = await postResult(client, id, a.authority.secretKey, { dlog });
    const result = (await client.entry(id, posted[0].index)).body as ResultBody;
    expect(result.custodians).toEqual([2]);
    expect(votesOf(result, "presidencia")).toEqual({
      "pan-pri-prd": 1,
      "pvem-pt-morena": 0,
      mc: 0,
      nulo: 1,
    });
    expect(votesOf(result, "senaduria-09")).toEqual({ a: 0, b: 0, c: 0 });
    const status = await client.status(id);
    expect(status.counts.ballots).toBe(3);
    expect(status.phase).toBe("done");
  });
});
