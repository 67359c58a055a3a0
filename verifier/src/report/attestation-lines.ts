/**
 * Who attested what, in the text and HTML reports (spec/record.md §Verification report,
 * `attestations`): per attestation the firm, its entry, the checkpoint it verified, this
 * verifier's V18 outcome for it, the outcomes the firm states, its opinion and its report.
 */
import type { ReportAttestation, VerificationReport } from "@urna/schemas";
import type { AuditBlock } from "./audit-lines.js";
import type { ReportLang } from "./lang.js";

const TEXTS = {
  heading: { es: "Atestaciones de las firmas auditoras", en: "Auditing firms' attestations" },
  intro: {
    es: "Cada audit.attestation del registro y el resultado de V18 para ella según este verificador.",
    en: "Every audit.attestation on the record and this verifier's V18 outcome for it.",
  },
  entry: { es: "entrada", en: "entry" },
  checkpoint: {
    es: "punto de control: tamaño {size}, raíz {root}",
    en: "checkpoint: size {size}, root {root}",
  },
  verifier: { es: "verificador de la firma: {v}", en: "the firm's verifier: {v}" },
  pass: { es: "V18: pasa (atestación verificada)", en: "V18: pass (attestation verified)" },
  fail: { es: "V18: FALLA ({codes})", en: "V18: FAIL ({codes})" },
  allPass: { es: "la firma declara: V1-V17 pasan", en: "the firm states: V1-V17 pass" },
  failed: { es: "la firma declara que fallan: {list}", en: "the firm states as failed: {list}" },
  opinion: { es: "opinión: {o}", en: "opinion: {o}" },
  report: { es: "informe: {url} (SHA-256 {sha})", en: "report: {url} (SHA-256 {sha})" },
  noReport: { es: "informe: no lo nombra", en: "report: none named" },
} as const;

function tx(lang: ReportLang, k: keyof typeof TEXTS, v: Record<string, string> = {}): string {
  return TEXTS[k][lang].replace(/\{(\w+)\}/g, (_m, n: string) => v[n] ?? `{${n}}`);
}

/** The lines of one attestation (value lines separated by "\n"). */
function linesOf(a: ReportAttestation, lang: ReportLang): string {
  return [
    a.status === "pass" ? tx(lang, "pass") : tx(lang, "fail", { codes: a.codes.join(", ") }),
    tx(lang, "checkpoint", { size: String(a.checkpoint.size), root: a.checkpoint.root }),
    ...(a.verifier
      ? [tx(lang, "verifier", { v: `${a.verifier.name} ${a.verifier.version}` })]
      : []),
    a.failed?.length ? tx(lang, "failed", { list: a.failed.join(", ") }) : tx(lang, "allPass"),
    tx(lang, "opinion", { o: a.opinion }),
    a.report
      ? tx(lang, "report", { url: a.report.url, sha: a.report.sha256 })
      : tx(lang, "noReport"),
  ].join("\n");
}

/** The attestations block, or undefined when the report lists none. */
export function attestationBlock(r: VerificationReport, lang: ReportLang): AuditBlock | undefined {
  const list = r.attestations;
  if (!list?.length) return undefined;
  return {
    heading: tx(lang, "heading"),
    intro: tx(lang, "intro"),
    lines: list.map((a) => ({
      label: `${a.firm} (${tx(lang, "entry")} ${a.index})`,
      value: linesOf(a, lang),
    })),
  };
}
