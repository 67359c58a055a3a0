/**
 * `npm run demo -- --store postgres://...` (examples/demo.ts): the whole demo election on a board
 * whose store is PostgreSQL (a fresh database on the postgres project's throw-away cluster),
 * verified end to end by the demo itself; then, independently of the demo's own checks, the
 * database holds the election's log byte for byte as exported, and no level database was made.
 *
 * Runs in the vitest project "postgres" only (vitest.config.ts POSTGRES_ONLY).
 */
import type { SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { VerificationReport } from "@urna/schemas";
import { runDemo } from "./fixtures/demo-run.js";
import { newTestStore } from "./fixtures/test-store.js";

const VOTERS = 8;
const out = join(mkdtempSync(join(tmpdir(), "urna-demo-pg-")), "run");
afterAll(() => rmSync(join(out, ".."), { recursive: true, force: true }));

describe("npm run demo -- --store postgres://...", () => {
  let store: string;
  let run: SpawnSyncReturns<string>;
  beforeAll(async () => {
    const url = await newTestStore();
    if (!url) throw new Error("this test runs in the postgres project only");
    store = url;
    run = runDemo(
      ["--voters", String(VOTERS), "--seed", "77", "--out", out, "--store", store],
      300_000,
    );
  }, 320_000);

  test("exits 0, on PostgreSQL, and says everything verified", () => {
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/store postgres postgres:\/\//);
    expect(run.stderr).toContain("refused: 409 ALREADY_VOTED");
    expect(run.stdout).toContain("Todas las verificaciones pasaron.");
    expect(run.stdout).toContain("Everything verified");
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as VerificationReport;
    expect(report.ok).toBe(true);
    expect(report.complete).toBe(true);
    // The board kept its log in PostgreSQL, not in a level database in its data folder.
    expect(existsSync(join(out, "board", "db"))).toBe(false);
  });

  test("the database holds the exported record's entries, byte for byte, then the firms' attestations", async () => {
    const lines = readFileSync(join(out, "record", "entries.jsonl"), "utf8").split("\n");
    if (lines.at(-1) === "") lines.pop();
    expect(lines.length).toBeGreaterThan(VOTERS + 10);
    const c = new pg.Client({ connectionString: store });
    await c.connect();
    try {
      const e = await c.query<{ idx: string; data: Buffer }>(
        "SELECT idx, data FROM urna_entries WHERE log = $1 ORDER BY idx",
        ["mx-2024-extranjero"],
      );
      // The record was exported before the two auditing firms attested: the log is the record's
      // entries, byte for byte, then exactly their two audit.attestation entries.
      const rows = e.rows.map((r) => r.data.toString("utf8"));
      expect(e.rows.map((r) => Number(r.idx))).toEqual(rows.map((_, i) => i));
      expect(rows.slice(0, lines.length)).toEqual(lines);
      const after = rows.slice(lines.length).map((r) => (JSON.parse(r) as { type: string }).type);
      expect(after).toEqual(["audit.attestation", "audit.attestation"]);
      const l = await c.query<{ size: string }>("SELECT size FROM urna_logs WHERE id = $1", [
        "mx-2024-extranjero",
      ]);
      expect(Number(l.rows[0].size)).toBe(rows.length);
    } finally {
      await c.end();
    }
    const cp = readFileSync(join(out, "record", "checkpoint"), "utf8").split("\n");
    expect(Number(cp[1])).toBe(lines.length);
  });

  test("a store URL that names no engine is a usage error (exit 2), before anything runs", () => {
    const bad = runDemo(["--store", "mysql://x/y", "--out", join(out, "x")], 60_000);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--store: STORE_URL_INVALID: unknown store/);
    expect(existsSync(join(out, "x"))).toBe(false);
  });
});
