/**
 * The report as one self-contained, printable HTML page: inline CSS, no scripts, no external
 * requests; every value from the record is escaped, for HTML and for display (no control or
 * bidi character reaches the page: escape.ts). The result is shown only when it is verified
 * (verdict.ts; V16 and V17 say why there is none). A trust file with quorum 0 is flagged in a
 * banner ("no witness checked"). The audit section lists the trust material used, the record's
 * hashes, the verifier's build, the machine and the fingerprints the signers compare by hand.
 * Spanish or English (lang.ts). Ends with signature blocks for the two auditing firms (firm, auditor, date,
 * signature).
 */
import type { VerificationReport } from "@urna/schemas";
import { auditBlocks, noWitnessWarning } from "./audit-lines.js";
import { attestationBlock } from "./attestation-lines.js";
import { formatDuration } from "./duration.js";
import { escapeDisplay } from "./escape.js";
import { checkTitle, tr, type ReportLang } from "./lang.js";
import { locationOf } from "./text.js";
import { resultCheckNote, verdictOfReport } from "./verdict.js";

export interface HtmlOptions {
  /** Firms to print signature blocks for (default two blank ones). */
  firms?: { firm?: string; auditor?: string }[];
  /** Failures listed per check (default 200). */
  maxFailures?: number;
  /** Page title (default "urna verification report: <election>", in the report's language). */
  title?: string;
  /** Language (default English). */
  lang?: ReportLang;
}

export const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );

const CSS = `
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#111;margin:2rem auto;max-width:60rem;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:1.75rem 0 .5rem;border-bottom:1px solid #ccc;padding-bottom:.2rem}
h3{font-size:1rem;margin:1rem 0 .3rem}
table{border-collapse:collapse;width:100%;margin:.25rem 0}
th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}
td.num{text-align:right;font-variant-numeric:tabular-nums}
code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;word-break:break-all}
.pass{color:#0a6b2e;font-weight:600}.fail{color:#b00020;font-weight:700}.skip{color:#8a5a00;font-weight:600}
.verdict{font-size:1.15rem;padding:.6rem .8rem;border:2px solid;margin:1rem 0}
.verdict.ok{border-color:#0a6b2e;background:#eef8f1}.verdict.bad{border-color:#b00020;background:#fdeef0}
ul.failures{margin:.2rem 0 .2rem 1rem;padding:0}ul.failures li{margin:.1rem 0}
.sigs{display:flex;gap:2rem;margin-top:1rem;page-break-inside:avoid}
.sig{flex:1;border:1px solid #999;padding:1rem}
.line{border-bottom:1px solid #000;height:2.2rem;margin-bottom:.2rem}
.label{font-size:.8rem;color:#444}
.warning{font-size:1.05rem;padding:.6rem .8rem;border:3px solid #b00020;background:#fff4e5;margin:1rem 0;font-weight:600}
.fingerprint{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:1.3rem;letter-spacing:.05em}
dd.mono{white-space:pre-line}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.5rem 0}dt{font-weight:600}dd{margin:0}
@media print{body{margin:0;max-width:none}h2{page-break-after:avoid}tr{page-break-inside:avoid}}
`;

export function reportToHtml(r: VerificationReport, opts: HtmlOptions = {}): string {
  const e = (s: string) => escapeHtml(escapeDisplay(s));
  const lang = opts.lang ?? "en";
  const t = (k: Parameters<typeof tr>[1], v?: Record<string, string>) => tr(lang, k, v);
  const num = (n: number) => n.toLocaleString(lang === "es" ? "es-MX" : "en-US");
  const max = opts.maxFailures ?? 200;
  const title = opts.title ?? `${t("title")}: ${r.election}`;
  const v = verdictOfReport(r, lang);
  const failed = r.checks.filter((c) => c.status === "fail");
  const noWitness = noWitnessWarning(r, lang);
  const rows = r.checks
    .map((c) => {
      const cls = c.status;
      const shown = c.failures.slice(0, max);
      const more = c.failures.length - shown.length + (c.failuresOmitted ?? 0);
      const list = shown.length
        ? `<ul class="failures">${shown
            .map((f) => {
              const loc = locationOf(f);
              return `<li>${loc ? `<b>${e(loc)}</b>: ` : ""}${e(f.message)}</li>`;
            })
            .join("")}${more > 0 ? `<li>${e(t("andMore", { n: String(more) }))}</li>` : ""}</ul>`
        : "";
      const reason = resultCheckNote(c.id, c.status, v) ?? c.reason;
      const status = c.status === "fail" ? t("fail") : t(c.status);
      return `<tr><td>${e(c.id)}</td><td>${e(checkTitle(c.id, c.title, lang))}${reason ? `<br><span class="label">${e(reason)}</span>` : ""}${list}</td><td class="${cls}">${e(status.toUpperCase())}</td><td class="num">${num(c.items)}</td></tr>`;
    })
    .join("\n");
  const result = v.result
    ? `<h2>${e(t("result"))}</h2><p>${e(t("decryptedBy", { c: v.result.custodians.join(", ") }))}</p>` +
      v.result.contests
        .map((c) => {
          const total = c.options.reduce((n, o) => n + o.votes, 0);
          return `<h3>${e(c.title)} <code>${e(c.contest)}</code></h3><table><thead><tr><th>${e(t("option"))}</th><th>${e(t("votes"))}</th></tr></thead><tbody>${c.options
            .map(
              (o) =>
                `<tr><td>${e(o.label)} <code>${e(o.option)}</code></td><td class="num">${num(o.votes)}</td></tr>`,
            )
            .join(
              "",
            )}<tr><th>${e(t("total"))}</th><th class="num">${num(total)}</th></tr></tbody></table>`;
        })
        .join("\n")
    : `<h2>${e(t("result"))}</h2><p id="no-result">${e(v.noResult ?? "")}</p>`;
  const firms = opts.firms && opts.firms.length ? opts.firms : [{}, {}];
  const sigs = firms
    .map(
      (f, k) => `<div class="sig"><h3>${e(t("firmN", { n: String(k + 1) }))}</h3>
<div class="line">${f.firm ? e(f.firm) : ""}</div><div class="label">${e(t("firmName"))}</div>
<div class="line">${f.auditor ? e(f.auditor) : ""}</div><div class="label">${e(t("auditor"))}</div>
<div class="line"></div><div class="label">${e(t("date"))}</div>
<div class="line"></div><div class="label">${e(t("signature"))}</div></div>`,
    )
    .join("\n");
  const verdict = failed.length
    ? `<div class="verdict bad"><span class="fail">${e(t("failed"))}</span>: ${failed.map((c) => e(`${c.id} ${checkTitle(c.id, c.title, lang)}`)).join("; ")}</div>`
    : v.skipped.length
      ? `<div class="verdict bad"><span class="skip">${e(t("notFinished"))}</span>: ${e(t("notFinishedText", { s: v.skipped.join(", ") }))}</div>`
      : `<div class="verdict ok"><span class="pass">${e(t("allPassed"))}</span></div>`;
  const warning = noWitness ? `<div class="warning" id="no-witness">${e(noWitness)}</div>` : "";
  const audit = auditBlocks(r, lang)
    .map(
      (b, k) =>
        `<h2>${e(b.heading)}</h2>${b.intro ? `<p>${e(b.intro)}</p>` : ""}<dl${k === 3 ? ' id="fingerprints"' : ""}>${b.lines
          .map(
            (l, j) =>
              `<dt>${e(l.label)}</dt><dd${l.mono ? ' class="mono"' : ""}>${k === 3 && j === 0 ? `<span class="fingerprint">${e(l.value)}</span>` : e(l.value)}</dd>`,
          )
          .join("")}</dl>`,
    )
    .join("\n");
  const ab = attestationBlock(r, lang);
  const attestations = ab
    ? `<h2>${e(ab.heading)}</h2>${ab.intro ? `<p>${e(ab.intro)}</p>` : ""}<dl id="attestations">${ab.lines
        .map(
          (l) =>
            `<dt>${e(l.label)}</dt><dd>${l.value
              .split("\n")
              .map((x) => e(x))
              .join("<br>")}</dd>`,
        )
        .join("")}</dl>`
    : "";
  return `<!DOCTYPE html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${e(title)}</title><style>${CSS}</style></head>
<body>
<h1>${e(title)}</h1>
<dl>
<dt>${e(t("election"))}</dt><dd><code>${e(r.election)}</code></dd>
<dt>${e(t("origin"))}</dt><dd><code>${e(r.checkpoint.origin)}</code></dd>
<dt>${e(t("size"))}</dt><dd>${num(r.checkpoint.size)} ${e(t("entriesUnit"))}</dd>
<dt>${e(t("root"))}</dt><dd><code>${e(r.checkpoint.root)}</code></dd>
<dt>${e(t("verifier"))}</dt><dd>${e(r.verifier)}</dd>
<dt>${e(t("started"))}</dt><dd>${e(r.startedAt)} (${e(t("took"))} ${e(formatDuration(r.durationMs))})</dd>
</dl>
${warning}
${verdict}
<h2>${e(t("checks"))}</h2>
<table><thead><tr><th>${e(t("check"))}</th><th>${e(t("titleAndFailures"))}</th><th>${e(t("status"))}</th><th>${e(t("items"))}</th></tr></thead><tbody>
${rows}
</tbody></table>
${result}
${attestations}
${audit}
<h2>${e(t("certification"))}</h2>
<p>${e(t("certText"))}</p>
<div class="sigs">${sigs}</div>
</body></html>
`;
}
