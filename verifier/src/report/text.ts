/**
 * The report as plain text for a terminal, in Spanish or English (lang.ts): the quorum-0
 * warning first, a table of checks, failures, the result only when it is verified (verdict.ts;
 * V16 and V17 say why there is none), then the audit section: trust material, record hashes,
 * verifier and machine, and the fingerprints. Every string is printed through `escapeDisplay`,
 * so no control or bidi character from the record (or a hand-built report) reaches the terminal.
 */
import type { CheckFailure, VerificationReport } from "@urna/schemas";
import { auditBlocks, noWitnessWarning } from "./audit-lines.js";
import { attestationBlock } from "./attestation-lines.js";
import { formatDuration } from "./duration.js";
import { escapeDisplay as d } from "./escape.js";
import { checkTitle, tr, type ReportLang } from "./lang.js";
import { resultCheckNote, verdictOfReport } from "./verdict.js";

export { formatDuration } from "./duration.js";

export interface TextOptions {
  /** Failures listed per check (default 20). */
  maxFailures?: number;
  /** Language (default English). */
  lang?: ReportLang;
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

export function reportToText(r: VerificationReport, opts: TextOptions = {}): string {
  const max = opts.maxFailures ?? 20;
  const lang = opts.lang ?? "en";
  const t = (k: Parameters<typeof tr>[1], v?: Record<string, string>) => tr(lang, k, v);
  const num = (n: number) => n.toLocaleString(lang === "es" ? "es-MX" : "en-US");
  const out: string[] = [];
  const v = verdictOfReport(r, lang);
  const noWitness = noWitnessWarning(r, lang);
  out.push(`${d(r.verifier)}: ${t("election").toLowerCase()} ${d(r.election)}`);
  out.push(
    `${t("cpWord")}  ${d(r.checkpoint.origin)}  ${t("sizeWord")} ${r.checkpoint.size}  ${t("rootWord")} ${d(r.checkpoint.root)}`,
  );
  out.push(
    `${t("started").toLowerCase()}  ${d(r.startedAt)}  ${t("took")} ${formatDuration(r.durationMs)}`,
  );
  if (noWitness) out.push("", `*** ${noWitness} ***`);
  out.push("");
  out.push(
    `${pad(t("checkWord"), 6)} ${pad(t("statusWord"), 6)} ${lpad(t("itemsWord"), 10)}  ${t("titleWord")}`,
  );
  for (const c of r.checks) {
    const status = c.status === "fail" ? t("fail") : t(c.status);
    const note = resultCheckNote(c.id, c.status, v);
    const reason = note ?? c.reason;
    out.push(
      `${pad(d(c.id), 6)} ${pad(d(status), 6)} ${lpad(String(c.items), 10)}  ${d(checkTitle(c.id, c.title, lang))}${reason ? `  (${d(reason)})` : ""}`,
    );
    const shown = c.failures.slice(0, max);
    for (const f of shown) {
      const loc = locationOf(f);
      out.push(`         - ${loc ? loc + ": " : ""}${d(f.message)}`);
    }
    const more = c.failures.length - shown.length + (c.failuresOmitted ?? 0);
    if (more > 0) out.push(`         ${t("andMore", { n: String(more) })}`);
  }
  out.push("");
  if (v.result) {
    out.push(`${t("result")} (${t("decryptedByShort", { c: v.result.custodians.join(", ") })})`);
    for (const c of v.result.contests) {
      out.push(`  ${d(c.title)} [${d(c.contest)}]`);
      const labels = c.options.map((o) => d(o.label));
      const w = Math.max(...labels.map((l) => l.length), 8);
      const total = c.options.reduce((n, o) => n + o.votes, 0);
      c.options.forEach((o, k) => out.push(`    ${pad(labels[k], w)}  ${lpad(num(o.votes), 12)}`));
      out.push(`    ${pad(t("totalRow"), w)}  ${lpad(num(total), 12)}`);
    }
  } else out.push(d(v.noResult ?? ""));
  const attested = attestationBlock(r, lang);
  for (const b of [...(attested ? [attested] : []), ...auditBlocks(r, lang)]) {
    out.push("", `${b.heading}`);
    if (b.intro) out.push(`  ${b.intro}`);
    const w = Math.max(...b.lines.map((l) => l.label.length));
    for (const l of b.lines) {
      const [first, ...rest] = l.value.split("\n");
      out.push(`  ${pad(d(l.label), w)}  ${d(first)}`);
      for (const more of rest) out.push(`  ${pad("", w)}  ${d(more)}`);
    }
  }
  out.push("");
  if (v.failed.length) out.push(`${t("failed")}: ${d(v.failed.join(", "))}`);
  else if (v.skipped.length)
    out.push(`${t("notFinished")}: ${t("notFinishedText", { s: d(v.skipped.join(", ")) })}`);
  else out.push(t("allPassed"));
  if (noWitness) out.push(`*** ${noWitness} ***`);
  return out.join("\n") + "\n";
}
