/**
 * An auditing firm's own audit in the demo: the firm runs `urna-verify election` as a separate
 * process against the board (it fetches the record itself), with its own output folder, and
 * signs an `audit.attestation` of its own report naming where it would publish that report
 * (spec/protocol.md §6.12): `--attest KEY --firm NAME --report-json F --report-url URL`.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AttestationEntry, VerificationReport } from "@urna/schemas";

const BIN = fileURLToPath(new URL("../verifier/bin/urna-verify.js", import.meta.url));

export interface FirmAudit {
  firm: string;
  dir: string;
  report: VerificationReport;
  entry: AttestationEntry;
  ms: number;
}

export interface FirmAuditOptions {
  firm: string;
  /** The firm's key file (kind "urna-signing-key", role "auditor"). */
  keyFile: string;
  board: string;
  election: string;
  trustFile: string;
  /** The firm's own output folder: report.json, report.txt, attestation.json. */
  dir: string;
  reportUrl: string;
  opinion: string;
  workers: number;
}

/** Runs the firm's verifier; rejects unless it exits 0 (every check passed, complete). */
export function runFirmAudit(o: FirmAuditOptions): Promise<FirmAudit> {
  mkdirSync(o.dir, { recursive: true });
  const started = Date.now();
  const reportFile = join(o.dir, "report.json");
  const attestFile = join(o.dir, "attestation.json");
  const args = [
    BIN,
    "election",
    ...["--board", o.board, "--election", o.election, "--trust", o.trustFile],
    ...["--workers", String(o.workers), "--quiet", "--lang", "es"],
    ...["--report-json", reportFile, "--report-url", o.reportUrl],
    ...[
      "--attest",
      o.keyFile,
      "--firm",
      o.firm,
      "--opinion",
      o.opinion,
      "--attest-out",
      attestFile,
    ],
  ];
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    p.on("error", reject);
    p.on("close", (code) => {
      writeFileSync(join(o.dir, "report.txt"), stdout);
      if (code !== 0)
        return reject(new Error(`${o.firm}: urna-verify exited ${code}: ${stderr.trim()}`));
      resolve({
        firm: o.firm,
        dir: o.dir,
        report: JSON.parse(readFileSync(reportFile, "utf8")) as VerificationReport,
        entry: JSON.parse(readFileSync(attestFile, "utf8")) as AttestationEntry,
        ms: Date.now() - started,
      });
    });
  });
}
