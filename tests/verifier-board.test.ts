/**
 * End to end: an election run on the real board over HTTP with the actors' library, then checked
 * by the auditor's verifier reading the live board (entries pages and tlog-tiles), and by the
 * voters' receipt check against the receipts the board returned.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Receipt, ResultBody, TrustFile } from "@urna/schemas";
import { removeDir, startBoard, type TestBoard, untar } from "../board/test/server/helpers.js";
import { verifyElection } from "../verifier/src/audit/verify-election.js";
import { verifyReceipt } from "../verifier/src/receipt/verify-receipt.js";
import { folderSource } from "../verifier/src/record/folder-node.js";
import { boardSource } from "../verifier/src/record/http.js";
import { tileSource } from "../verifier/src/record/tiles.js";
import { reportToText } from "../verifier/src/report/text.js";
import { runElection } from "./fixtures/board-election.js";
import { cleanupRecords, tempDir } from "./fixtures/election.js";

let tb: TestBoard;
const id = "mx-2024-e2e";
let trust: TrustFile;
const receipts: { receipt: Receipt; counted: boolean }[] = [];
let result: ResultBody;

beforeAll(async () => {
  tb = await startBoard({ workers: 1 });
  const ran = await runElection(tb, id, {
    voters: 4,
    ballots: [
      { voter: 0, choices: { presidencia: ["mc"], "senaduria-09": ["a"] }, challengeFirst: true },
      { voter: 1, choices: { presidencia: ["pvem-pt-morena"], "senaduria-14": ["x"] } },
      { voter: 2, choices: { presidencia: ["mc"], "senaduria-09": ["a", "b"] } },
      // a revote: supersedes the earlier one
      { voter: 1, choices: { presidencia: ["pan-pri-prd"], "senaduria-14": ["y"] } },
    ],
    decrypting: [2, 3],
  });
  ({ trust, result } = ran);
  receipts.push(...ran.receipts);
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
