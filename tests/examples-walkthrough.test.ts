/**
 * examples/README.md's step-by-step walkthrough runs as written (issue 16 item 1): every ```sh
 * block of the page appears verbatim in examples/walkthrough.sh, and the script runs end to end
 * (a real board, a witness, a monitor, every actor's CLI, the verifier) on free ports; the
 * election it runs verifies, with the witness's cosignature and the expected result.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, test } from "vitest";
import { freePort } from "./fixtures/pg-cluster.js";
import { removeDir } from "../board/test/server/helpers.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const script = readFileSync(join(root, "examples/walkthrough.sh"), "utf8");
const page = readFileSync(join(root, "examples/README.md"), "utf8");
const dir = mkdtempSync(join(tmpdir(), "urna-walkthrough-"));
afterAll(() => removeDir(dir));

/** The ```sh blocks of a markdown page. */
const shBlocks = (md: string): string[] =>
  [...md.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]);

test("every command block of examples/README.md is in examples/walkthrough.sh", () => {
  const blocks = shBlocks(page);
  expect(blocks.length).toBeGreaterThanOrEqual(10);
  for (const b of blocks) expect(script, `block not in the script:\n${b}`).toContain(b);
  // No step reaches the npm registry: the CLIs come from the clone's node_modules/.bin.
  expect(page).not.toMatch(/\bnpx\b/);
  expect(script).not.toMatch(/\bnpx\b/);
  // Custodians decrypt with the trust file, and it is written before they do.
  expect(script.indexOf("> trust.json")).toBeLessThan(script.indexOf("custodian share"));
  expect(script).toMatch(/custodian share [^\n]*--trust trust\.json/);
});

test("examples/walkthrough.sh runs the election end to end", async () => {
  const w = join(dir, "w");
  const [boardPort, witnessPort] = [await freePort(), await freePort()];
  const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      "bash",
      [join(root, "examples/walkthrough.sh"), w],
      {
        cwd: dir, // not the repository root: the steps work from anywhere
        env: { ...process.env, BOARD_PORT: String(boardPort), WITNESS_PORT: String(witnessPort) },
        maxBuffer: 16 << 20,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
  expect(run.code, run.stderr.slice(-3000)).toBe(0);
  expect(run.stdout).toMatch(/^manifest posted \(entry 0\): election mx-2024-ejemplo created$/m);
  expect(run.stdout).toMatch(
    /^ballot\.challenged posted \(entry \d+, tracking code [A-Z2-7]{4}(?:-[A-Z2-7]{4}){5}\)$/m,
  );
  expect(
    run.stdout.match(
      /^ballot posted \(entry \d+, tracking code [A-Z2-7]{4}(?:-[A-Z2-7]{4}){5}\)$/gm,
    ),
  ).toHaveLength(3);
  expect(run.stdout).toMatch(/^result posted \(entries \d+/m);
  expect(run.stdout).toContain("walkthrough: the election ran and verified");

  expect(readdirSync(join(w, "credentials"))).toHaveLength(6);
  for (const r of ["r0.json", "r1.json", "r2.json"]) expect(existsSync(join(w, r))).toBe(true);
  const report = JSON.parse(readFileSync(join(w, "report.json"), "utf8")) as {
    ok: boolean;
    complete: boolean;
    checks: { id: string; status: string; reason?: string }[];
    result: {
      custodians: number[];
      contests: { contest: string; options: { option: string; votes: number }[] }[];
    };
  };
  expect(report.ok && report.complete).toBe(true);
  expect(report.checks.find((c) => c.id === "V3")).toMatchObject({
    status: "pass",
    reason: expect.stringContaining("witness.ejemplo.mx/w1"),
  });
  expect(report.result.custodians).toEqual([1, 3, 5]);
  const pres = report.result.contests.find((c) => c.contest === "presidencia")!;
  const votes = Object.fromEntries(pres.options.map((o) => [o.option, o.votes]));
  expect(votes).toMatchObject({ "pvem-pt-morena": 1, "pan-pri-prd": 1, mc: 1 });
  expect(pres.options.reduce((a, o) => a + o.votes, 0)).toBe(3);
  // The monitor followed the board the whole time and kept its state.
  expect(existsSync(join(w, "monitor/head.json"))).toBe(true);
}, 600_000);
