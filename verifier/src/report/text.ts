/** The report as plain text for a terminal: a table of checks, failures, and the result. */
import type { CheckFailure, VerificationReport } from "@urna/schemas";

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
  return parts.join(", ");
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : " ".repeat(n - s.length) + s);

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function reportToText(r: VerificationReport, opts: TextOptions = {}): string {
  const max = opts.maxFailures ?? 20;
  const out: string[] = [];
  out.push(`${r.verifier}: election ${r.election}`);
  out.push(
    `checkpoint  ${r.checkpoint.origin}  size ${r.checkpoint.size}  root ${r.checkpoint.root}`,
  );
  out.push(`started     ${r.startedAt}  took ${formatDuration(r.durationMs)}`);
  out.push("");
  out.push(`${pad("check", 6)} ${pad("status", 6)} ${lpad("items", 10)}  title`);
  for (const c of r.checks) {
    const status = c.status === "fail" ? "FAIL" : c.status;
    out.push(
      `${pad(c.id, 6)} ${pad(status, 6)} ${lpad(String(c.items), 10)}  ${c.title}${c.reason ? `  (${c.reason})` : ""}`,
    );
    const shown = c.failures.slice(0, max);
    for (const f of shown) {
      const loc = locationOf(f);
      out.push(`         - ${loc ? loc + ": " : ""}${f.message}`);
    }
    const more = c.failures.length - shown.length + (c.failuresOmitted ?? 0);
    if (more > 0) out.push(`         … and ${more} more failure(s)`);
  }
  out.push("");
  if (r.result) {
    out.push(`Result (decrypted by custodians ${r.result.custodians.join(", ")})`);
    for (const c of r.result.contests) {
      out.push(`  ${c.title} [${c.contest}]`);
      const w = Math.max(...c.options.map((o) => o.label.length), 8);
      const total = c.options.reduce((n, o) => n + o.votes, 0);
      for (const o of c.options)
        out.push(`    ${pad(o.label, w)}  ${lpad(o.votes.toLocaleString("en-US"), 12)}`);
      out.push(`    ${pad("total", w)}  ${lpad(total.toLocaleString("en-US"), 12)}`);
    }
    out.push("");
  }
  const failed = r.checks.filter((c) => c.status === "fail").map((c) => c.id);
  const skipped = r.checks.filter((c) => c.status === "skip").map((c) => c.id);
  if (failed.length) out.push(`VERIFICATION FAILED: ${failed.join(", ")}`);
  else out.push(`All checks passed${skipped.length ? ` (skipped: ${skipped.join(", ")})` : ""}.`);
  return out.join("\n") + "\n";
}
