/**
 * The conformance corpus (conformance/README.md): the committed corpus is exactly what the
 * generator writes (so it never drifts from the code), urna-verify agrees with every case, and
 * `urna-verify conformance` runs an outside verifier command and reports disagreement.
 */
import { execFile } from "node:child_process";
import {
  cpSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCorpusIndex, type CorpusIndex } from "../verifier/src/conformance/corpus.js";
import { ownVerifier } from "../verifier/src/conformance/run-node.js";
import { runVerifyCli } from "./fixtures/verify-cli.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const corpus = join(root, "conformance", "corpus");
const index: CorpusIndex = parseCorpusIndex(
  JSON.parse(readFileSync(join(corpus, "cases.json"), "utf8")),
);
const tmp = mkdtempSync(join(tmpdir(), "urna-conformance-test-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe("conformance corpus", () => {
  it("has at least 45 cases, one for every numbered check and receipt step", () => {
    expect(index.cases.length).toBeGreaterThanOrEqual(45);
    const covered = new Set(index.cases.flatMap((c) => c.fail));
    for (let k = 1; k <= 17; k++) expect(covered, `V${k}`).toContain(`V${k}`);
    for (let k = 1; k <= 5; k++) expect(covered, `R${k}`).toContain(`R${k}`);
    expect(index.cases.some((c) => c.how === "naive")).toBe(true);
    expect(index.cases.filter((c) => c.how === "malicious").length).toBeGreaterThan(30);
  });

  it("is exactly what the generator writes (regenerated and compared byte for byte)", async () => {
    const out = join(tmp, "regenerated");
    await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", join(root, "conformance", "generate.ts"), out],
      { cwd: root, maxBuffer: 1 << 24 },
    );
    const want = files(corpus)
      .map((p) => relative(corpus, p))
      .sort();
    const got = files(out)
      .map((p) => relative(out, p))
      .sort();
    expect(got).toEqual(want);
    for (const f of want)
      expect(
        Buffer.compare(readFileSync(join(out, f)), readFileSync(join(corpus, f))),
        `${f} differs from the committed corpus: run node --import tsx conformance/generate.ts`,
      ).toBe(0);
  }, 120_000);

  it.each(index.cases.map((c) => [c.id, c] as const))(
    "urna-verify agrees on %s",
    async (_id, c) => {
      const verdict = await ownVerifier(c, join(corpus, c.id));
      expect([...verdict.failed].sort()).toEqual([...c.fail].sort());
      for (const item of c.items) {
        const fs = verdict.failures[item.check] ?? [];
        expect(
          fs.some((f) => Object.entries(item).every(([k, v]) => k === "check" || f[k] === v)),
          `${c.id}: a ${item.check} failure naming ${JSON.stringify(item)}`,
        ).toBe(true);
      }
      // Every failure carries a code that spec/verification.md §Failure codes lists for its check.
      for (const [id, fs] of Object.entries(verdict.failures))
        for (const f of fs)
          if (/^V\d+$/.test(id))
            expect(SPEC_CODES.get(id), `${c.id}: ${id} ${String(f.message)}`).toContain(f.code);
    },
  );
});

/** The failure codes per check, read from the table of spec/verification.md §Failure codes. */
const SPEC_CODES: ReadonlyMap<string, string[]> = (() => {
  const text = readFileSync(join(root, "spec", "verification.md"), "utf8");
  const section = text.slice(text.indexOf("## Failure codes"));
  const out = new Map<string, string[]>();
  for (const m of section.matchAll(/^\| (V\d+) \| (.*) \|$/gm))
    out.set(m[1], [
      ...[...m[2].matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((x) => x[1]),
      "VERIFIER_ERROR",
    ]);
  return out;
})();

describe("urna-verify conformance", () => {
  let small: string;
  beforeAll(() => {
    // A corpus of three cases (an honest record, a tampered one, a receipt case).
    small = join(tmp, "small");
    const keep = ["honest-single", "v14-tally-ballot-count", "receipt-r5-challenged"];
    for (const id of keep) cpSync(join(corpus, id), join(small, id), { recursive: true });
    const cases = index.cases.filter((c) => keep.includes(c.id));
    writeFileSync(join(small, "cases.json"), JSON.stringify({ ...index, cases }));
  });

  it("runs its own checks and prints agreement (exit 0)", async () => {
    const r = await runVerifyCli(["conformance", small]);
    expect(r.stderr).toContain("agree    v14-tally-ballot-count");
    expect(r.stdout).toBe("3 of 3 cases agree\n");
    expect(r.code).toBe(0);
  });

  it("runs an outside verifier command over every case (urna-verify itself, as a command)", async () => {
    const cmd = `${process.execPath} --import tsx ${join(root, "verifier", "src", "cli.ts")}`;
    const r = await runVerifyCli(["conformance", small, "--verifier", cmd, "--json"]);
    const out = JSON.parse(r.stdout) as { agree: number; cases: { id: string; agree: boolean }[] };
    expect(out.agree).toBe(3);
    expect(r.code).toBe(0);
  }, 60_000);

  it("reports a verifier that misses a failure (exit 1)", async () => {
    // A "verifier" that passes everything: prints a report whose every check passes, and exits
    // 3 (not finished) on elections: exit 3 is a report too.
    const fake = join(tmp, "lenient.mjs");
    writeFileSync(
      fake,
      `process.stdout.write(JSON.stringify(process.argv[2] === "receipt"
        ? { steps: [{ id: "R1", status: "pass" }] }
        : { checks: [{ id: "V1", status: "pass", failures: [] }] }));
      process.exitCode = process.argv[2] === "receipt" ? 0 : 3;`,
    );
    const r = await runVerifyCli([
      "conformance",
      small,
      "--verifier",
      `${process.execPath} ${fake}`,
    ]);
    expect(r.stderr).toContain("DISAGREE v14-tally-ballot-count: expected [V14], got []");
    expect(r.stderr).toContain("agree    honest-single");
    expect(r.stdout).toBe("1 of 3 cases agree\n");
    expect(r.code).toBe(1);
  });

  it("refuses a folder without cases.json (exit 2)", async () => {
    const r = await runVerifyCli(["conformance", join(tmp, "nowhere")]);
    expect(r.code).toBe(2);
  });
});
