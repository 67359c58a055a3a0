/**
 * End to end: an election run on the real board over HTTP with the actors' library, then checked
 * by the auditor's verifier reading the live board (entries pages and tlog-tiles), and by the
 * voters' receipt check against the receipts the board returned.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Receipt, ResultBody, TrustFile } from "@urna/schemas";
import { DiscreteLog } from "@urna/verifier";
import {
  type BoardClient,
  castBallot,
  closeVoting,
  createElection,
  postDecryptionShare,
  postResult,
  postTally,
  type VoterCredential,
} from "../board/src/actors/index.js";
import {
  manifestFor,
  openElection,
  newActors,
  removeDir,
  startBoard,
  type TestBoard,
  untar,
} from "../board/test/server/helpers.js";
import { verifyElection } from "../verifier/src/audit/verify-election.js";
import { verifyReceipt } from "../verifier/src/receipt/verify-receipt.js";
import { folderSource } from "../verifier/src/record/folder-node.js";
import { boardSource } from "../verifier/src/record/http.js";
import { tileSource } from "../verifier/src/record/tiles.js";
import { reportToText } from "../verifier/src/report/text.js";
import { cleanupRecords, tempDir } from "./fixtures/election.js";

let tb: TestBoard;
const id = "mx-2024-e2e";
let trust: TrustFile;
const receipts: { receipt: Receipt; counted: boolean }[] = [];
let result: ResultBody;

beforeAll(async () => {
  tb = await startBoard({ workers: 1 });
  const { client } = tb;
  const a = newActors(3);
  await createElection(
    client,
    manifestFor(id, a, { threshold: 2, revotePolicy: "last" }),
    a.authority.secretKey,
  );
  const { creds, states } = await openElection(client, id, a, 4);
  const cast = async (
    c: VoterCredential,
    choices: Record<string, string[]>,
    challengeFirst = false,
  ) => {
    const r = await castBallot(client as BoardClient, c, choices, { challengeFirst });
    if (r.challenged) receipts.push({ receipt: r.challenged.receipt as Receipt, counted: false });
    receipts.push({ receipt: r.cast.receipt as Receipt, counted: true });
  };
  await cast(creds[0], { presidencia: ["mc"], "senaduria-09": ["a"] }, true);
  await cast(creds[1], { presidencia: ["pvem-pt-morena"], "senaduria-14": ["x"] });
  await cast(creds[2], { presidencia: ["mc"], "senaduria-09": ["a", "b"] });
  await cast(creds[1], { presidencia: ["pan-pri-prd"], "senaduria-14": ["y"] }); // revote: supersedes the earlier one
  receipts[2].counted = false;
  await closeVoting(client, id, a.authority.secretKey);
  await postTally(client, id, a.authority.secretKey);
  for (const i of [2, 3])
    await postDecryptionShare(client, id, a.custodians[i - 1], states[i - 1], {
      insecureNoTrust: true,
    });
  const posted = await postResult(client, id, a.authority.secretKey, {
    dlog: new DiscreteLog({ max: 1000, babySteps: 64 }),
  });
  result = (await client.entry(id, posted[0].index)).body as ResultBody;
  trust = {
    version: 1,
    election: id,
    board: { vkey: tb.board.electionVkey(id) },
    authority: a.authority.publicKey,
    witnesses: [],
    quorum: 0,
  };
}, 180_000);

afterAll(async () => {
  await tb?.close();
  if (tb) removeDir(tb.dir);
  cleanupRecords();
});

describe("verifier against a live board", () => {
  it("verifies the election read from the board's entries and from its tiles", async () => {
    for (const source of [
      boardSource({ url: tb.url, election: id, pageSize: 5 }),
      tileSource({ url: `${tb.url}/elections/${id}` }),
    ]) {
      const r = await verifyElection({ source, trust });
      expect(r.ok, `${source.description}\n${reportToText(r)}`).toBe(true);
      expect(r.result).toEqual(result);
      expect(r.checks.find((c) => c.id === "V11")?.reason).toContain("1 superseded");
    }
  });

  it("verifies the exported record folder", async () => {
    const files = untar(await tb.client.record(id, { tiles: true }));
    // with tile/, which V1 checks against the leaves (record.md §Record folder)
    expect([...files].some(([name]) => name.startsWith("tile/entries/"))).toBe(true);
    const dir = tempDir("urna-vboard-");
    for (const [name, data] of files) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), data);
    }
    const r = await verifyElection({ source: folderSource(dir), trust, workers: 2 });
    expect(r.ok, reportToText(r)).toBe(true);
    expect(r.result).toEqual(result);
  });

  it("checks every receipt the board gave: counted, challenged and superseded", async () => {
    for (const { receipt, counted } of receipts) {
      const o = await verifyReceipt({ receipt, board: { url: tb.url }, trust });
      expect(
        o.steps.slice(0, 4).map((s) => s.status),
        JSON.stringify(o.steps),
      ).toEqual(["pass", "pass", "pass", "pass"]);
      expect(o.steps[4].status, o.steps[4].message).toBe(counted ? "pass" : "fail");
      if (receipt.entryType === "ballot.challenged")
        expect(o.steps[4].message).toContain("challenged");
      else if (!counted) expect(o.steps[4].message).toContain("superseded");
    }
  });
});
