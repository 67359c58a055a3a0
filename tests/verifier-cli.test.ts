/**
 * The `urna-verify` command line as an auditor runs it (a real child process): exit codes 0, 1,
 * 2 and 3, the report files (JSON valid against report.schema.json, a self-contained HTML page),
 * and the receipt command.
 */
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateReport, type Entry, type VerificationReport } from "@urna/schemas";
import {
  cleanupRecords,
  copyRecord,
  generateElection,
  tempDir,
  readEntries,
  resign,
  writeEntries,
  type GeneratedElection,
} from "./fixtures/election.js";
import { runVerifyCli } from "./fixtures/verify-cli.js";

const run = runVerifyCli;

let g: GeneratedElection;
let work: string;
let trustPath: string;
let tamperedDir: string;

afterAll(cleanupRecords);

beforeAll(async () => {
  g = await generateElection({ voters: 5, custodians: 3, threshold: 2, challenged: 1, seed: 9 });
  work = tempDir("urna-vcli-");
  trustPath = join(work, "trust.json");
  writeFileSync(trustPath, JSON.stringify(g.trust));
  tamperedDir = copyRecord(g.dir);
  const e = readEntries(tamperedDir);
  const b = g.ballots.find((x) => x.type === "ballot" && x.counted)!;
  e.splice(b.index, 1); // a dropped ballot: V14 fails
  writeEntries(tamperedDir, e as Entry[]);
  resign(tamperedDir, g.keys.board, g.keys.witnesses);
}, 120_000);

describe("urna-verify CLI", () => {
  it("election: exit 0, text on stdout, progress on stderr, JSON and HTML reports written", async () => {
    const json = join(work, "report.json");
    const html = join(work, "report.html");
    const r = await run([
      "election",
      "--record",
      g.dir,
      "--trust",
      trustPath,
      "--report-json",
      json,
      "--report-html",
      html,
      "--firm",
      "Auditora Uno S.C.",
      "--workers",
      "2",
      "--lang",
      "en",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("All checks passed.");
    expect(r.stdout).toMatch(/V12\s+pass/);
    expect(r.stdout).toContain("Presidencia de la República");
    expect(r.stderr).toContain("with 2 worker(s)");
    const report = JSON.parse(readFileSync(json, "utf8"));
    expect(validateReport(report).ok).toBe(true);
    expect(report.ok).toBe(true);
    expect(report.complete).toBe(true);
    expect(report.result).toEqual(g.expected);
    const page = readFileSync(html, "utf8");
    expect(page).toMatch(/^<!DOCTYPE html>/);
    expect(page).toContain("Auditora Uno S.C.");
    expect(page).toContain("Auditing firm 2");
    expect(page).toContain("Signature");
    expect(page).not.toMatch(/<(script|link|img|iframe)\b/i);
    expect(page).not.toMatch(/(src|href)=/i);
    expect(page).not.toMatch(/url\(/i);
  });

  it("election --json on a tampered record: exit 1, the failing check named", async () => {
    const r = await run([
      "election",
      "--record",
      tamperedDir,
      "--trust",
      trustPath,
      "--json",
      "--quiet",
      "--workers",
      "1",
    ]);
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(validateReport(report).ok).toBe(true);
    expect(report.ok).toBe(false);
    expect(report.checks.find((c: { id: string }) => c.id === "V14").status).toBe("fail");
    // every failure: a stable code, and a message for people that starts with it (record.md)
    const failures = (report as VerificationReport).checks.flatMap((c) => c.failures);
    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures) {
      expect(f.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(f.message.startsWith(`${f.code}: `)).toBe(true);
    }
    expect(report.result).toBeUndefined();
    expect(r.stderr).toBe("");
  });

  it("election on a tampered record: no result presented, the report says why", async () => {
    const r = await run([
      ...["election", "--record", tamperedDir, "--trust", trustPath, "--quiet", "--lang", "en"],
    ]);
    expect(r.code, r.stderr).toBe(1);
    // V14 fails (and V16's sanity bound, since the record lost a counted ballot)
    expect(r.stdout).toMatch(/No verified result: V14(, V\d+)* failed/);
    expect(r.stdout).not.toContain("Result (decrypted by custodians");
    expect(r.stdout).toContain("VERIFICATION FAILED: V14");
  });

  it("election on a record that stops before the tally: exit 3, or 0 with --allow-incomplete", async () => {
    const cut = copyRecord(g.dir);
    const e = readEntries(cut);
    const close = e.findIndex((x) => x.type === "voting.close");
    writeEntries(cut, e.slice(0, close + 1) as Entry[]);
    resign(cut, g.keys.board, g.keys.witnesses);
    const args = ["election", "--record", cut, "--trust", trustPath, "--quiet", "--workers", "1"];
    args.push("--lang", "en");
    const [text, json, allowed] = await Promise.all([
      run(args),
      run([...args, "--json"]),
      run([...args, "--allow-incomplete"]),
    ]);
    expect(text.code, text.stderr).toBe(3);
    expect(text.stdout).toMatch(/NOT FINISHED: .*skipped: V14, V15, V16, V17\./);
    expect(text.stdout).toMatch(/No verified result: the election is not finished/);
    expect(text.stdout).not.toContain("All checks passed");
    expect(json.code).toBe(3);
    const report = JSON.parse(json.stdout);
    expect(validateReport(report).ok).toBe(true);
    expect([report.ok, report.complete, report.result]).toEqual([true, false, undefined]);
    expect(allowed.code, allowed.stderr).toBe(0);
  });

  it("bad input or usage: exit 2 with a clear message", async () => {
    const badTrust = join(work, "bad-trust.json");
    writeFileSync(badTrust, JSON.stringify({ ...g.trust, quorum: "one" }));
    const notJson = join(work, "not-json.json");
    writeFileSync(notJson, "{");
    const cases: [string[], RegExp][] = [
      [["election", "--record", g.dir], /--trust FILE is required/],
      [["election", "--record", g.dir, "--trust", badTrust], /trust file: \/quorum/],
      [["election", "--record", g.dir, "--trust", notJson], /is not JSON/],
      [
        ["election", "--record", join(work, "missing"), "--trust", trustPath],
        /not a readable file/,
      ],
      [
        ["election", "--record", g.dir, "--board", "http://x", "--trust", trustPath],
        /exactly one of --record/,
      ],
      [["election", "--record", g.dir, "--trust", trustPath, "--workers", "0"], /--workers/],
      [["election", "--bogus"], /unknown option --bogus/],
      [["watch"], /--board URL is required/],
      [["witness"], /--data DIR is required/],
      [["frobnicate"], /unknown command/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args)));
    results.forEach((r, k) => {
      expect(r.code, `${cases[k][0].join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(cases[k][1]);
    });
  });

  it("--help on each command exits 0", async () => {
    const [a, b, c, d, e] = await Promise.all([
      run(["--help"]),
      run(["election", "--help"]),
      run(["receipt", "--help"]),
      run(["watch", "--help"]),
      run(["witness", "--help"]),
    ]);
    expect([d.code, e.code]).toEqual([0, 0]);
    expect(d.stdout).toContain("usage: urna-verify watch");
    expect(e.stdout).toContain("usage: urna-verify witness");
    expect(a.code).toBe(0);
    expect(a.stdout).toContain("commands:");
    expect(b.code).toBe(0);
    expect(b.stdout).toContain("--report-html FILE");
    expect(b.stdout).toContain("--allow-incomplete");
    expect(b.stdout).toMatch(/^ {2}3 {2}no check failed, but the election is not finished/m);
    expect(c.code).toBe(0);
    expect(c.stdout).toContain("R5 counted");
  });

  it("receipt: exit 0 for a valid receipt, 1 for a failing one", async () => {
    const k = g.ballots.findIndex((b) => b.type === "ballot" && b.counted);
    const good = join(work, "receipt.json");
    writeFileSync(good, JSON.stringify(g.receipts[k]));
    const ok = await run(["receipt", good, "--record", g.dir, "--trust", trustPath]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/R5 Counted\s+pass/);
    expect(ok.stdout).toContain("Receipt verified.");
    const gone = await run([
      "receipt",
      good,
      "--record",
      tamperedDir,
      "--trust",
      trustPath,
      "--json",
    ]);
    const dropped =
      g.ballots[k].index === g.ballots.find((x) => x.type === "ballot" && x.counted)!.index;
    expect(dropped).toBe(true);
    expect(gone.code).toBe(1);
    const outcome = JSON.parse(gone.stdout);
    expect(outcome.steps.find((s: { id: string }) => s.id === "R3").status).toBe("fail");
    expect(existsSync(good)).toBe(true);
  });
});
