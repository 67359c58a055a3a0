/**
 * The report's audit section (spec/record.md §Verification report, Audit section): the trust
 * material used and its SHA-256, the SHA-256 of the record's checkpoint and entries, the
 * verifier's build and the machine, the warnings (quorum 0: no witness checked) and the
 * fingerprints the signing firms compare.
 */
import { canonicalBytes, type ReportAudit, type VerificationReport } from "@urna/schemas";
import { combinedFingerprint, groupedHex, sha256Hex, tableSha256 } from "./fingerprints.js";
import type { Trust } from "./trust.js";

/** Where and with what the verifier ran (environment-node.ts fills it in Node). */
export interface AuditEnvironment {
  verifier?: ReportAudit["verifier"];
  machine?: ReportAudit["machine"];
}

export interface AuditInputs {
  trustBytes?: Uint8Array;
  checkpointBytes: Uint8Array;
  entriesSha256: string;
  entries: number;
  environment?: AuditEnvironment;
  /** SHA-256 of the attestation table at the report's checkpoint (protocol.md §6.12). */
  attestationTable?: string;
}

/** The warning of a trust file whose quorum is 0 (code NO_WITNESS_CHECKED). */
export const NO_WITNESS_CHECKED =
  "NO WITNESS CHECKED: the trust file's quorum is 0, so no independent witness vouched for the checkpoint; a board showing different logs to different people would not be detected";

export function auditSection(
  report: VerificationReport,
  trust: Trust,
  inputs: AuditInputs,
): ReportAudit {
  const trustSha = sha256Hex(inputs.trustBytes ?? canonicalBytes(trust.file));
  const checkpointSha = sha256Hex(inputs.checkpointBytes);
  const table = tableSha256(report);
  const combined = combinedFingerprint({
    trust: trustSha,
    checkpoint: checkpointSha,
    entries: inputs.entriesSha256,
    table,
  });
  const audit: ReportAudit = {
    trust: {
      sha256: trustSha,
      hashed: inputs.trustBytes ? "file" : "canonical-json",
      file: trust.file,
    },
    record: {
      checkpointSha256: checkpointSha,
      entriesSha256: inputs.entriesSha256,
      entries: inputs.entries,
    },
    warnings:
      trust.quorum === 0 ? [{ code: "NO_WITNESS_CHECKED", message: NO_WITNESS_CHECKED }] : [],
    fingerprints: {
      table,
      combined,
      short: groupedHex(combined),
      ...(inputs.attestationTable ? { attestation: inputs.attestationTable } : {}),
    },
  };
  if (inputs.environment?.verifier) audit.verifier = inputs.environment.verifier;
  if (inputs.environment?.machine) audit.machine = inputs.environment.machine;
  return audit;
}
