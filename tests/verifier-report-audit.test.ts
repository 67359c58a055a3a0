/**
 * The report an auditing firm signs (issue 16 item 4), through `urna-verify election` as a firm
 * runs it: the trust material and the fingerprints (SHA-256 of the trust file, checkpoint and
 * entries computed here independently with node:crypto), Spanish by default for a Mexican
 * election and English with --lang en, the quorum-0 warning in the text, HTML and JSON
 * reports, and no result printed when V2 fails (V16 and V17 say why).
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import canonicalize from "canonicalize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateReport, type TrustFile, type VerificationReport } from "@urna/schemas";
import { ed25519Signer } from "../verifier/src/log/note.js";
import { defaultReportLang } from "../verifier/src/report/lang.js";
import { groupedHex } from "../verifier/src/audit/fingerprints.js";
import { verifyElection } from "../verifier/src/audit/verify-election.js";
import { nodeEnvironment } from "../verifier/src/audit/environment-node.js";
import { openFolderSource } from "../verifier/src/record/folder-node.js";
import { reportToHtml, reportToJson, reportToText } from "../verifier/src/report/index.js";
import {
  cleanupRecords,
  generateElection,
  tempDir,
  type GeneratedElection,
} from "./fixtures/election.js";
import { runVerifyCli as run, type CliRun } from "./fixtures/verify-cli.js";

const sha = (b: Buffer | string): string => createHash("sha256").update(b).digest("hex");

let g: GeneratedElection;
let work: string;
const paths = {
  trust: "",
  trust0: "",
  otherBoard: "",
  json: "",
  htmlEs: "",
  htmlEn: "",
};
let es: CliRun, en: CliRun, fr: CliRun;
let report: VerificationReport;
/** The same record verified in-process with a quorum-0 trust file and with another board key. */
let zeroReport: VerificationReport;
let v2Report: VerificationReport;

afterAll(cleanupRecords);

beforeAll(async () => {
  g = await generateElection({ voters: 4, custodians: 3, threshold: 2, seed: 16 });
  work = tempDir("urna-report-");
  for (const k of Object.keys(paths) as (keyof typeof paths)[]) paths[k] = join(work, k);
  // the trust file as a firm would get it: pretty-printed, so its bytes differ from its JCS form
  writeFileSync(paths.trust, JSON.stringify(g.trust, null, 2) + "\n");
  const zero: TrustFile = { ...g.trust, quorum: 0 };
  writeFileSync(paths.trust0, JSON.stringify(zero));
  // the same board name with another key: V2 fails
  const other = ed25519Signer(g.keys.board.name, new Uint8Array(32).fill(7)).vkey;
  writeFileSync(paths.otherBoard, JSON.stringify({ ...g.trust, board: { vkey: other } }));
  const base = ["election", "--record", g.dir, "--quiet", "--workers", "1"];
  const verify = async (trustPath: string) =>
    verifyElection({
      source: await openFolderSource(g.dir),
      trust: JSON.parse(readFileSync(trustPath, "utf8")),
      trustBytes: readFileSync(trustPath),
      environment: nodeEnvironment(1),
    });
  [es, en, fr, zeroReport, v2Report] = await Promise.all([
    run([
      ...base,
      "--trust",
      paths.trust,
      "--report-json",
      paths.json,
      "--report-html",
      paths.htmlEs,
    ]),
    run([...base, "--trust", paths.trust, "--lang", "en", "--report-html", paths.htmlEn]),
    run([...base, "--trust", paths.trust, "--lang", "fr"]),
    verify(paths.trust0),
    verify(paths.otherBoard),
  ]);
  report = JSON.parse(readFileSync(paths.json, "utf8")) as VerificationReport;
}, 120_000);

describe("the audit section of the report", () => {
  it("hashes the trust file's bytes, the checkpoint and the entries (independently recomputed)", () => {
    expect(es.code, es.stderr).toBe(0);
    expect(validateReport(report).ok).toBe(true);
    const a = report.audit!;
    expect(a.trust.hashed).toBe("file");
    expect(a.trust.sha256).toBe(sha(readFileSync(paths.trust)));
    expect(a.trust.sha256).not.toBe(sha(canonicalize(g.trust) as string));
    expect(a.trust.file).toEqual(g.trust);
    expect(a.record.checkpointSha256).toBe(sha(readFileSync(join(g.dir, "checkpoint"))));
    // the record's entries.jsonl holds exactly the checkpoint's leaves, each ending in LF
    expect(a.record.entriesSha256).toBe(sha(readFileSync(join(g.dir, "entries.jsonl"))));
    expect(a.record.entries).toBe(report.checkpoint.size);
    expect(a.warnings).toEqual([]);
  });

  it("fingerprints: the result table and the combined hash, as defined in spec/record.md", () => {
    const a = report.audit!;
    const table = {
      election: report.election,
      checkpoint: report.checkpoint,
      checks: report.checks.map((c) => ({
        id: c.id,
        status: c.status,
        items: c.items,
        failures: c.failures.length + (c.failuresOmitted ?? 0),
      })),
      result: report.result,
    };
    expect(report.result).toEqual(g.expected);
    expect(a.fingerprints.table).toBe(sha(canonicalize(table) as string));
    const combined = sha(
      canonicalize({
        trust: a.trust.sha256,
        checkpoint: a.record.checkpointSha256,
        entries: a.record.entriesSha256,
        table: a.fingerprints.table,
      }) as string,
    );
    expect(a.fingerprints.combined).toBe(combined);
    expect(a.fingerprints.short).toBe(combined.slice(0, 32).match(/.{4}/g)!.join(" "));
    expect(groupedHex(combined)).toBe(a.fingerprints.short);
    // a second run on another machine or day gives the same fingerprints
    expect(zeroReport.audit!.fingerprints.table).toBe(a.fingerprints.table);
    expect(zeroReport.audit!.fingerprints.combined).not.toBe(a.fingerprints.combined);
  });

  it("lists the trust material, the build and the machine in the text and HTML reports", () => {
    const a = report.audit!;
    expect(a.verifier).toMatchObject({ name: "urna-verify", version: "0.1.0", workers: 1 });
    expect(a.verifier!.runtime).toBe(`Node.js ${process.version}`);
    expect(["wasm", "js"]).toContain(a.verifier!.cryptoBackend);
    expect(a.verifier!.commit).toMatch(/^[0-9a-f]{40}(-dirty)?$|^unknown$/);
    expect(a.machine!.cores).toBeGreaterThan(0);
    const html = readFileSync(paths.htmlEn, "utf8");
    for (const out of [en.stdout, html]) {
      expect(out).toContain(g.trust.board.vkey);
      for (const w of g.trust.witnesses) expect(out).toContain(w.vkey);
      expect(out).toContain(g.trust.authority);
      expect(out).toContain(g.trust.manifest!.baseHash);
      expect(out).toContain(g.trust.registrar!);
      for (const c of g.trust.custodians!) expect(out).toContain(c);
      expect(out).toContain(a.trust.sha256);
      expect(out).toContain(a.record.checkpointSha256);
      expect(out).toContain(a.record.entriesSha256);
      expect(out).toContain(a.fingerprints.short);
      expect(out).toContain(groupedHex(a.fingerprints.table));
      expect(out).toContain(a.verifier!.commit);
      expect(out).toContain(`${a.machine!.cores} cores`);
      expect(out).toContain("Fingerprints to compare by hand");
    }
    expect(html).toMatch(
      /<dl id="fingerprints">.*<span class="fingerprint">[0-9a-f ]{39}<\/span>/s,
    );
  });
});

describe("language", () => {
  it("a Mexican election (id mx-…) is reported in Spanish by default; --lang en gives English", () => {
    expect(g.trust.election).toMatch(/^mx-/);
    expect(defaultReportLang("mx-2024-extranjero")).toBe("es");
    expect(defaultReportLang("us-2024")).toBe("en");
    expect(es.stdout).toContain("Todas las verificaciones pasaron.");
    expect(es.stdout).toContain("Resultado (descifrado por los custodios");
    expect(es.stdout).toContain("Material de confianza usado");
    expect(es.stdout).toContain("Huellas para comparar a mano");
    expect(es.stdout).toMatch(/V12\s+correcto\s+\d+\s+Pruebas de las boletas/);
    const html = readFileSync(paths.htmlEs, "utf8");
    expect(html).toContain('<html lang="es">');
    expect(html).toContain("Firma auditora 2");
    expect(html).toContain("Llave del tablero");
    expect(en.code).toBe(0);
    expect(en.stdout).toContain("All checks passed.");
    expect(en.stdout).not.toContain("Todas las verificaciones");
    expect(readFileSync(paths.htmlEn, "utf8")).toContain('<html lang="en">');
  });

  it("--lang other than es or en is a usage error (exit 2)", () => {
    expect(fr.code).toBe(2);
    expect(fr.stderr).toContain("--lang must be es or en");
    expect(fr.stdout).toBe("");
  });
});

describe("a trust file with quorum 0", () => {
  it("is flagged 'no witness checked' in the text, HTML and JSON reports, never a quiet pass", () => {
    expect([zeroReport.ok, zeroReport.complete]).toEqual([true, true]);
    expect(reportToText(zeroReport, { lang: "es" })).toContain("*** NINGÚN TESTIGO VERIFICADO");
    const text = reportToText(zeroReport, { lang: "en" });
    expect(text).toContain("*** NO WITNESS CHECKED");
    // at the top, before the table of checks, and again under the verdict
    expect(text.indexOf("NO WITNESS CHECKED")).toBeLessThan(text.indexOf("V1 "));
    expect(text.trimEnd().split("\n").at(-1)).toMatch(/^\*\*\* NO WITNESS CHECKED/);
    const html = reportToHtml(zeroReport, { lang: "es" });
    expect(html).toMatch(/<div class="warning" id="no-witness">NINGÚN TESTIGO VERIFICADO/);
    const j = JSON.parse(reportToJson(zeroReport)) as VerificationReport;
    expect(validateReport(j).ok).toBe(true);
    expect(j.audit!.warnings.map((w) => w.code)).toEqual(["NO_WITNESS_CHECKED"]);
    expect(j.audit!.trust.file.quorum).toBe(0);
    // and not with the official quorum
    expect(es.stdout).not.toContain("NINGÚN TESTIGO");
    expect(readFileSync(paths.htmlEs, "utf8")).not.toContain('id="no-witness"');
  });
});

describe("no verified result when V2 fails", () => {
  it("prints no result in the text report; V16 and V17 say why", () => {
    expect(v2Report.ok).toBe(false);
    const text = reportToText(v2Report, { lang: "en" });
    expect(text).toMatch(/^V2\s+FAIL/m);
    expect(text).toContain("VERIFICATION FAILED: V2");
    expect(text).not.toContain("Result (decrypted by custodians");
    // contest titles appear only in the result table
    for (const c of g.expected!.contests) expect(text).not.toContain(c.title);
    expect(reportToText(v2Report, { lang: "es" })).toMatch(
      /^V16\s+\S+\s+\d+\s+.*\(No hay resultado verificado: fallaron V2/m,
    );
    // the JSON report's V16 and V17 carry the reason too
    for (const id of ["V16", "V17"]) {
      const c = v2Report.checks.find((x) => x.id === id)!;
      if (c.status === "pass") expect(c.reason).toMatch(/^no verified result: V2(, V\d+)* failed/);
    }
    for (const id of ["V16", "V17"])
      expect(text).toMatch(
        new RegExp(`^${id}\\s+\\w+\\s+\\d+\\s+.*\\(No verified result: V2(, V\\d+)* failed`, "m"),
      );
  });
});
