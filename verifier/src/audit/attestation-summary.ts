/**
 * The report's `attestations` (spec/record.md §Verification report): who attested what, and
 * this verifier's outcome for each attestation (a failure naming its index fails it).
 */
import type { AttestationBody, CheckReport, ReportAttestation } from "@urna/schemas";

export const MAX_LISTED_ATTESTATIONS = 10_000;

/** `seen`: every attestation on the verified log (index, body as read), in log order. */
export function attestationSummary(
  seen: readonly { index: number; body: AttestationBody }[],
  reports: readonly CheckReport[],
): ReportAttestation[] {
  return seen.map(({ index, body }) => {
    const codes = [
      ...new Set(
        reports.flatMap((r) => r.failures.filter((f) => f.index === index).map((f) => f.code)),
      ),
    ];
    const failed = body.checks.filter((c) => c.status === "fail").map((c) => c.id);
    return {
      index,
      firm: body.firm,
      verifier: { name: body.verifier.name, version: body.verifier.version },
      checkpoint: { size: body.checkpoint.size, root: body.checkpoint.root },
      ...(failed.length ? { failed } : {}),
      opinion: body.opinion,
      ...(body.report ? { report: { url: body.report.url, sha256: body.report.sha256 } } : {}),
      status: codes.length ? "fail" : "pass",
      codes,
    };
  });
}
