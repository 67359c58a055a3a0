/**
 * The audit section of a report as labelled lines (spec/record.md §Verification report, Audit
 * section), shared by the text and HTML reports: the trust material used, the record's hashes,
 * the verifier's build and the machine, and the fingerprints compared by hand.
 */
import type { ReportAudit, VerificationReport } from "@urna/schemas";
import { groupedHex } from "../audit/fingerprints.js";
import { tr, type ReportLang } from "./lang.js";
import { formatDuration } from "./duration.js";

export interface AuditLine {
  label: string;
  value: string;
  /** A value for machines (keys, hashes): shown in a monospace font. */
  mono?: boolean;
}

export interface AuditBlock {
  heading: string;
  intro?: string;
  lines: AuditLine[];
}

/** The quorum-0 warning ("no witness checked") in `lang`, or undefined. */
export function noWitnessWarning(r: VerificationReport, lang: ReportLang): string | undefined {
  const flagged =
    r.audit?.warnings.some((w) => w.code === "NO_WITNESS_CHECKED") ??
    r.checks.some((c) => c.id === "V3" && /quorum 0/.test(c.reason ?? ""));
  return flagged ? `${tr(lang, "noWitness")}: ${tr(lang, "noWitnessText")}` : undefined;
}

export function auditBlocks(r: VerificationReport, lang: ReportLang): AuditBlock[] {
  const a: ReportAudit | undefined = r.audit;
  if (!a) return [];
  const t = (k: Parameters<typeof tr>[1], v?: Record<string, string>) => tr(lang, k, v);
  const f = a.trust.file;
  const trust: AuditLine[] = [
    {
      label: t("trustFile"),
      value: `${a.trust.sha256} (${t(a.trust.hashed === "file" ? "trustHashedFile" : "trustHashedJcs")})`,
      mono: true,
    },
    { label: t("trustVersion"), value: String(f.version) },
    { label: t("election"), value: f.election, mono: true },
    { label: t("boardKey"), value: f.board.vkey, mono: true },
    {
      label: t("witnesses"),
      value: f.witnesses.length ? f.witnesses.map((w) => w.vkey).join("\n") : t("none"),
      mono: f.witnesses.length > 0,
    },
    {
      label: t("quorum"),
      value: f.quorum === 0 ? `0 (${t("noWitness")})` : `${f.quorum} / ${f.witnesses.length}`,
    },
    { label: t("authority"), value: f.authority, mono: true },
  ];
  const pinned = (v: string | undefined): string => v ?? t("notPinned");
  trust.push(
    { label: t("manifestBaseHash"), value: pinned(f.manifest?.baseHash), mono: !!f.manifest },
    { label: t("registrar"), value: pinned(f.registrar), mono: !!f.registrar },
    {
      label: t("custodians"),
      value: f.custodians ? f.custodians.join("\n") : t("notPinned"),
      mono: !!f.custodians,
    },
    {
      label: t("registered"),
      value: f.registered
        ? Object.entries(f.registered)
            .map(([s, n]) => `${s}: ${n}`)
            .join("\n")
        : t("notPinned"),
    },
  );
  const record: AuditLine[] = [
    { label: t("checkpointSha"), value: a.record.checkpointSha256, mono: true },
    {
      label: t("entriesSha"),
      value: `${a.record.entriesSha256} (${t("entriesShaNote", { n: String(a.record.entries) })})`,
      mono: true,
    },
  ];
  const v = a.verifier;
  const m = a.machine;
  const unknown = t("unknown");
  const build: AuditLine[] = [
    { label: t("verifier"), value: v ? `${v.name} ${v.version}` : r.verifier },
    { label: t("commit"), value: v?.commit ?? unknown, mono: true },
    { label: t("runtime"), value: v?.runtime ?? unknown },
    { label: t("backend"), value: v?.cryptoBackend ?? unknown },
  ];
  if (v?.workers !== undefined) build.push({ label: t("workers"), value: String(v.workers) });
  build.push(
    {
      label: t("machine"),
      value: m ? `${m.os}; ${m.cpu}; ${m.cores} ${t("cores")}` : unknown,
    },
    {
      label: t("duration"),
      value: `${formatDuration(r.durationMs)} (${t("started")} ${r.startedAt})`,
    },
  );
  const fp: AuditLine[] = [
    { label: t("fpCombined"), value: a.fingerprints.short, mono: true },
    { label: t("trustFile"), value: groupedHex(a.trust.sha256), mono: true },
    { label: t("checkpointSha"), value: groupedHex(a.record.checkpointSha256), mono: true },
    { label: t("entriesSha"), value: groupedHex(a.record.entriesSha256), mono: true },
    { label: t("fpTable"), value: groupedHex(a.fingerprints.table), mono: true },
  ];
  return [
    { heading: t("trustSection"), lines: trust },
    { heading: t("recordSection"), lines: record },
    { heading: t("buildSection"), lines: build },
    { heading: t("fingerprintSection"), intro: t("fingerprintIntro"), lines: fp },
  ];
}
