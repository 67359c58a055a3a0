/**
 * The report as one self-contained, printable HTML page: inline CSS, no scripts, no external
 * requests; every value from the record is escaped, for HTML and for display (no control or
 * bidi character reaches the page: escape.ts). The result is shown only when it is verified
 * (verdict.ts). Ends with signature blocks for the two auditing firms (firm, auditor, date,
 * signature).
 */
import type { VerificationReport } from "@urna/schemas";
import { escapeDisplay } from "./escape.js";
import { formatDuration, locationOf } from "./text.js";
import { verdictOfReport } from "./verdict.js";

export interface HtmlOptions {
  /** Firms to print signature blocks for (default two blank ones). */
  firms?: { firm?: string; auditor?: string }[];
  /** Failures listed per check (default 200). */
  maxFailures?: number;
  /** Page title (default "urna verification report: <election>"). */
  title?: string;
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
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.5rem 0}dt{font-weight:600}dd{margin:0}
@media print{body{margin:0;max-width:none}h2{page-break-after:avoid}tr{page-break-inside:avoid}}
`;

export function reportToHtml(r: VerificationReport, opts: HtmlOptions = {}): string {
  const e = (s: string) => escapeHtml(escapeDisplay(s));
  const max = opts.maxFailures ?? 200;
  const title = opts.title ?? `urna verification report: ${r.election}`;
  const v = verdictOfReport(r);
  const failed = r.checks.filter((c) => c.status === "fail");
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
            .join("")}${more > 0 ? `<li>… and ${more} more</li>` : ""}</ul>`
        : "";
      return `<tr><td>${e(c.id)}</td><td>${e(c.title)}${c.reason ? `<br><span class="label">${e(c.reason)}</span>` : ""}${list}</td><td class="${cls}">${e(c.status.toUpperCase())}</td><td class="num">${c.items.toLocaleString("en-US")}</td></tr>`;
    })
    .join("\n");
  const result = v.result
    ? `<h2>Result</h2><p>Decrypted by custodians ${e(v.result.custodians.join(", "))}.</p>` +
      v.result.contests
        .map((c) => {
          const total = c.options.reduce((n, o) => n + o.votes, 0);
          return `<h3>${e(c.title)} <code>${e(c.contest)}</code></h3><table><thead><tr><th>Option</th><th>Votes</th></tr></thead><tbody>${c.options
            .map(
              (o) =>
                `<tr><td>${e(o.label)} <code>${e(o.option)}</code></td><td class="num">${o.votes.toLocaleString("en-US")}</td></tr>`,
            )
            .join(
              "",
            )}<tr><th>Total</th><th class="num">${total.toLocaleString("en-US")}</th></tr></tbody></table>`;
        })
        .join("\n")
    : `<h2>Result</h2><p>${e(v.noResult ?? "")}</p>`;
  const firms = opts.firms && opts.firms.length ? opts.firms : [{}, {}];
  const sigs = firms
    .map(
      (f, k) => `<div class="sig"><h3>Auditing firm ${k + 1}</h3>
<div class="line">${f.firm ? e(f.firm) : ""}</div><div class="label">Firm name</div>
<div class="line">${f.auditor ? e(f.auditor) : ""}</div><div class="label">Auditor (name and title)</div>
<div class="line"></div><div class="label">Date</div>
<div class="line"></div><div class="label">Signature</div></div>`,
    )
    .join("\n");
  const verdict = failed.length
    ? `<div class="verdict bad"><span class="fail">VERIFICATION FAILED</span>: ${failed.map((c) => e(`${c.id} ${c.title}`)).join("; ")}</div>`
    : v.skipped.length
      ? `<div class="verdict bad"><span class="skip">ELECTION NOT FINISHED</span>: every check that could run passed; skipped: ${e(v.skipped.join(", "))}.</div>`
      : `<div class="verdict ok"><span class="pass">All checks passed</span>.</div>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${e(title)}</title><style>${CSS}</style></head>
<body>
<h1>${e(title)}</h1>
<dl>
<dt>Election</dt><dd><code>${e(r.election)}</code></dd>
<dt>Checkpoint origin</dt><dd><code>${e(r.checkpoint.origin)}</code></dd>
<dt>Log size</dt><dd>${r.checkpoint.size.toLocaleString("en-US")} entries</dd>
<dt>Root hash</dt><dd><code>${e(r.checkpoint.root)}</code></dd>
<dt>Verifier</dt><dd>${e(r.verifier)}</dd>
<dt>Started</dt><dd>${e(r.startedAt)} (took ${e(formatDuration(r.durationMs))})</dd>
</dl>
${verdict}
<h2>Checks (spec/verification.md)</h2>
<table><thead><tr><th>Check</th><th>Title and failures</th><th>Status</th><th>Items</th></tr></thead><tbody>
${rows}
</tbody></table>
${result}
<h2>Certification</h2>
<p>The undersigned ran the verifier above on the record identified by the checkpoint origin, size and root hash shown, with trust material obtained independently of the record, and certify that this report is its complete output.</p>
<div class="sigs">${sigs}</div>
</body></html>
`;
}
