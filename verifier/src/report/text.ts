/**
 * The report as plain text for a terminal: a table of checks, failures, and the result when it
 * is verified (verdict.ts). Every string is printed through `escapeDisplay`, so no control or
 * bidi character from the record (or a hand-built report) reaches the terminal.
 */
import type { CheckFailure, VerificationReport } from "@urna/schemas";
import { escapeDisplay as d } from "./escape.js";
import { verdictOfReport } from "./verdict.js";

export interface TextOptions {
  /** Failures listed per check (default 20). */
  maxFailures?: number;
}

export function locationOf(f: CheckFailure): string {
  const parts: string[] = [];
  if (f.index !== undefined) parts.push(`entry ${f.index}`);
  if (f.trackingCode !== undefined) parts.push(`tracking ${f.trackingCode.slice(0, 16)}…`);
  if (f.contest !== undefined) parts.push(`contest ${f.contest}`);
  if (f.option !== undefined) parts.push(`option ${f.option}`);
  if (f.custodian !== undefined) parts.push(`custodian ${f.custodian}`);
  return d(parts.join(", "));
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : " ".repeat(n - s.length) + s);

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function reportToText(r: VerificationReport, opts: TextOptions = {}): string {
  const max = opts.maxFailures ?? 20;
  const out: string[] = [];
  out.push(`${d(r.verifier)}: election ${d(r.election)}`);
  out.push(
    `checkpoint  ${d(r.checkpoint.origin)}  size ${r.checkpoint.size}  root ${d(r.checkpoint.root)}`,
  );
  out.push(`started     ${d(r.startedAt)}  took ${formatDuration(r.durationMs)}`);
  out.push("");
  out.push(`${pad("check", 6)} ${pad("status", 6)} ${lpad("items", 10)}  title`);
  for (const c of r.checks) {
    const status = c.status === "fail" ? "FAIL" : c.status;
    out.push(
      `${pad(d(c.id), 6)} ${pad(d(status), 6)} ${lpad(String(c.items), 10)}  ${d(c.title)}${c.reason ? `  (${d(c.reason)})` : ""}`,
    );
    const shown = c.failures.slice(0, max);
    for (const f of shown) {
      const loc = locationOf(f);
      out.push(`         - ${loc ? loc + ": " : ""}${d(f.message)}`);
    }
    const more = c.failures.length - shown.length + (c.failuresOmitted ?? 0);
    if (more > 0) out.push(`         … and ${more} more failure(s)`);
  }
  out.push("");
  const v = verdictOfReport(r);
  if (v.result) {
    out.push(`Result (decrypted by custodians ${v.result.custodians.join(", ")})`);
    for (const c of v.result.contests) {
      out.push(`  ${d(c.title)} [${d(c.contest)}]`);
      const labels = c.options.map((o) => d(o.label));
      const w = Math.max(...labels.map((l) => l.length), 8);
      const total = c.options.reduce((n, o) => n + o.votes, 0);
      c.options.forEach((o, k) =>
        out.push(`    ${pad(labels[k], w)}  ${lpad(o.votes.toLocaleString("en-US"), 12)}`),
      );
      out.push(`    ${pad("total", w)}  ${lpad(total.toLocaleString("en-US"), 12)}`);
    }
  } else out.push(d(v.noResult ?? ""));
  out.push("");
  if (v.failed.length) out.push(`VERIFICATION FAILED: ${d(v.failed.join(", "))}`);
  else if (v.skipped.length)
    out.push(
      `Every check that could run passed, but the election is not finished (skipped: ${d(v.skipped.join(", "))}).`,
    );
  else out.push("All checks passed.");
  return out.join("\n") + "\n";
}
