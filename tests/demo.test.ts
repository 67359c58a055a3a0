/**
 * The demo (examples/demo.ts) end to end at a small size: it must exit 0, and what it leaves
 * behind must check out independently of its own assertions.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import type { Manifest, VerificationReport } from "@urna/schemas";
import { verifyReceipt } from "@urna/verifier";
import { folderSource } from "@urna/verifier/node";
import { loadIneData } from "../examples/ine-manifest.js";
import { runDemo } from "./fixtures/demo-run.js";
import { expectedTotals, prng, simulateChoices, assignStyles } from "../examples/simulate.js";

const VOTERS = 24;
const SEED = 4242;
const out = join(mkdtempSync(join(tmpdir(), "urna-demo-")), "run");
afterAll(() => rmSync(join(out, ".."), { recursive: true, force: true }));

describe("npm run demo", () => {
  const run = runDemo(["--voters", String(VOTERS), "--seed", String(SEED), "--out", out]);

  test("exits 0 and says everything verified", () => {
    expect(run.stderr).toContain("refused: 409 ALREADY_VOTED");
    // Both listed firms attest the verified report on the board after the result.
    expect(run.stderr).toMatch(/Firma A's attestation is entry \d+/);
    expect(run.stderr).toMatch(/Firma B's attestation is entry \d+/);
    // Each from its own run of urna-verify against the board; the results page verifies both.
    expect(run.stderr).toMatch(/Firma A's attestation is entry \d+ \(its own run: \d+ entries/);
    expect(run.stderr).toMatch(/"Certificado por" Firma A \(verificada\), Firma B \(verificada\)/);
    expect(run.status, run.stderr).toBe(0);
    // The election is Mexican: the report is in Spanish unless --lang en.
    expect(run.stdout).toContain("Todas las verificaciones pasaron.");
    expect(run.stdout).toContain("Everything verified");
  });

  test("stdout: the verdict, then ends with the summary; the result tables are in report.txt", () => {
    expect(run.stdout.trimEnd().split("\n").pop()).toMatch(/^\s+npx urna-verify receipt /);
    expect(run.stdout).toMatch(/Verification: Todas las verificaciones pasaron\./);
    // No result table on stdout: it is in report.txt, with every check.
    expect(run.stdout).not.toContain("Resultado (descifrado por los custodios");
    const text = readFileSync(join(out, "report.txt"), "utf8");
    expect(text).toContain("Resultado (descifrado por los custodios");
    expect(text).toContain("Todas las verificaciones pasaron.");
  });

  test("stderr: progress never sits silent for long", () => {
    const at = [...run.stderr.matchAll(/^\[\s*([\d.]+) s\]/gm)].map((m) => Number(m[1]));
    expect(at.length).toBeGreaterThan(10);
    const gaps = at.slice(1).map((t, i) => t - at[i]);
    // A line after 3 s of quiet (checked each second) while the event loop is free; a busy
    // main thread on a loaded machine delays it (8.6 s seen at load 20 on 2 cores).
    expect(Math.max(...gaps)).toBeLessThan(12);
  });

  test("leaves the record, trust file, reports, receipts and demo keys", () => {
    const files = readdirSync(out);
    for (const f of [
      "record",
      "trust.json",
      "report.json",
      "report.html",
      "receipts",
      "keys",
      "manifest.json",
    ])
      expect(files).toContain(f);
    expect(readdirSync(join(out, "record"))).toEqual(
      expect.arrayContaining(["checkpoint", "entries.jsonl", "tile"]),
    );
    expect(readdirSync(join(out, "receipts"))).toHaveLength(VOTERS);
    expect(readFileSync(join(out, "keys", "README.txt"), "utf8")).toMatch(/DEMO ONLY/);
    expect(readFileSync(join(out, "keys", "board.key"), "utf8")).toMatch(
      /^PRIVATE\+KEY\+urna\.demo\.ine\.mx\+/,
    );
    expect(readFileSync(join(out, "report.html"), "utf8")).toMatch(/<html/i);
  });

  test("the report passes every check, counts each voter once, and the result is the voters' choices", () => {
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as VerificationReport;
    expect(report.ok).toBe(true);
    expect(report.checks.every((c) => c.status === "pass")).toBe(true);
    // The audit section hashes the trust file exactly as the demo wrote it, and names the build.
    const trustBytes = readFileSync(join(out, "trust.json"));
    expect(report.audit?.trust.sha256).toBe(createHash("sha256").update(trustBytes).digest("hex"));
    expect(report.audit?.trust.hashed).toBe("file");
    expect(report.audit?.verifier?.runtime).toContain(process.version);
    expect(report.audit?.machine?.cores).toBeGreaterThan(0);
    // Recompute the simulated choices independently of the demo's own comparison.
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as Manifest;
    const data = loadIneData();
    const rand = prng(SEED);
    const styles = assignStyles(data, VOTERS, rand);
    const choices = styles.map((s) =>
      simulateChoices(
        data,
        manifest.contests.filter((c) =>
          manifest.ballotStyles.find((b) => b.id === s)!.contests.includes(c.id),
        ),
        rand,
      ),
    );
    const want = expectedTotals(manifest, choices);
    const pres = report.result!.contests.find((c) => c.contest === "presidencia")!;
    const total = pres.options.reduce((n, o) => n + o.votes, 0);
    const blank = choices.filter((c) => (c.presidencia ?? []).length === 0).length;
    expect(total).toBe(VOTERS - blank); // the refused second vote is not counted
    for (const c of report.result!.contests)
      for (const o of c.options) expect(o.votes).toBe(want[c.contest][o.option]);
  });

  test("each firm's folder holds its own report and the attestation naming it by hash", () => {
    for (const [dir, firm] of [
      ["firma-a", "Firma A"],
      ["firma-b", "Firma B"],
    ]) {
      const bytes = readFileSync(join(out, dir, "report.json"));
      const report = JSON.parse(bytes.toString("utf8")) as VerificationReport;
      expect(report.ok && report.complete).toBe(true);
      const entry = JSON.parse(readFileSync(join(out, dir, "attestation.json"), "utf8")) as {
        body: { firm: string; report: { url: string; sha256: string } };
      };
      expect(entry.body.firm).toBe(firm);
      expect(entry.body.report.url).toMatch(new RegExp(`^https://${dir}\\.example/`));
      expect(entry.body.report.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
      expect(readFileSync(join(out, dir, "report.txt"), "utf8")).toContain(
        "Todas las verificaciones pasaron.",
      );
    }
  });

  test("every receipt verifies against the exported record", async () => {
    const trust = JSON.parse(readFileSync(join(out, "trust.json"), "utf8")) as unknown;
    const source = folderSource(join(out, "record"));
    for (const f of readdirSync(join(out, "receipts")).slice(0, 5)) {
      const receipt = JSON.parse(readFileSync(join(out, "receipts", f), "utf8")) as unknown;
      const r = await verifyReceipt({ receipt, source, trust });
      expect(r.steps.map((s) => s.status)).toEqual(["pass", "pass", "pass", "pass", "pass"]);
    }
  });
});
