/**
 * Auditors' attestations (spec/protocol.md §6.12, spec/verification.md V18): the attestation
 * table an `audit.attestation` signs, the outcomes of V1-V17 at an attested checkpoint, and
 * the V18 judgement of each attestation against what this verifier computed.
 */
import {
  canonicalBytes,
  type AttestationBody,
  type CheckReport,
  type CheckStatus,
  type ResultBody,
  type VerificationReport,
} from "@urna/schemas";
import { CHECK_IDS, type CheckId } from "../election/check-registry.js";
import { finding, type Finding } from "../election/findings.js";
import { sha256Hex } from "./fingerprints.js";

/** The checks an attestation states an outcome for: every check but V18 itself, in order. */
export const ATTESTED_CHECKS: readonly CheckId[] = CHECK_IDS.filter((id) => id !== "V18");

export interface AttestedOutcome {
  id: string;
  status: CheckStatus;
}

/**
 * The attestation table's SHA-256 (hex): of the RFC 8785 bytes of
 * `{"election", "checkpoint": {"size", "root"}, "checks": [{"id", "status"}], "result"}`,
 * `checks` being V1-V17 in order and `result` the verified result at that checkpoint, or null.
 */
export function attestationTableSha256(
  election: string,
  checkpoint: { size: number; root: string },
  checks: readonly AttestedOutcome[],
  result: ResultBody | null,
): string {
  return sha256Hex(
    canonicalBytes({
      election,
      checkpoint: { size: checkpoint.size, root: checkpoint.root },
      checks: checks.map((c) => ({ id: c.id, status: c.status })),
      result,
    }),
  );
}

/**
 * The outcome of V1-V17 at an earlier checkpoint of size `size`, from this verifier's reports
 * on the whole record: a check fails there iff one of its failures names an entry before
 * `size` or names no entry (the log checks, the tally and result, which precede any
 * attestation); otherwise it has the status it has on the whole record (a failure naming
 * only later entries is a pass there). After the result only attestations are accepted, so
 * nothing at or after `size` changes any other check's inputs.
 */
export function outcomesAt(reports: readonly CheckReport[], size: number): AttestedOutcome[] {
  return ATTESTED_CHECKS.map((id) => {
    const r = reports.find((x) => x.id === id);
    if (!r) return { id, status: "skip" as const };
    if (r.status !== "fail") return { id, status: r.status };
    const before = r.failures.some((f) => f.index === undefined || f.index < size);
    // Failures beyond the listed ones may name earlier entries: count them as failures there.
    return { id, status: before || r.failuresOmitted ? "fail" : "pass" };
  });
}

/** An attestation as read from the log. */
export interface AttestationAt {
  index: number;
  body: AttestationBody;
}

/**
 * V18's judgement of each attestation whose checkpoint is this log's: its outcomes and its
 * table hash must equal those this verifier computes at its checkpoint. `resultAt` gives the
 * record's result when V1-V17 all pass at a size (else null).
 */
export function judgeAttestations(
  election: string,
  attestations: readonly AttestationAt[],
  reports: readonly CheckReport[],
  result: ResultBody | null,
): Finding[] {
  const out: Finding[] = [];
  for (const { index, body } of attestations) {
    const mine = outcomesAt(reports, body.checkpoint.size);
    const differ = mine.filter((c, k) => {
      const theirs = body.checks[k];
      return !theirs || theirs.id !== c.id || theirs.status !== c.status;
    });
    const where = { index };
    if (differ.length)
      out.push(
        finding(
          "V18",
          "ATTESTATION_MISMATCH",
          `${body.firm} attests ${differ
            .map((c) => {
              const k = mine.indexOf(c);
              const t = body.checks[k];
              return `${t?.id ?? c.id} ${t?.status ?? "(missing)"}, this verifier finds ${c.id} ${c.status}`;
            })
            .join("; ")} at size ${body.checkpoint.size}`,
          { ...where, path: "/body/checks" },
        ),
      );
    const allPass = mine.every((c) => c.status === "pass");
    const table = attestationTableSha256(election, body.checkpoint, mine, allPass ? result : null);
    if (table !== body.tableSha256)
      out.push(
        finding(
          "V18",
          "ATTESTATION_MISMATCH",
          `${body.firm}'s table hash ${body.tableSha256} is not this verifier's ${table} at size ${body.checkpoint.size}`,
          { ...where, path: "/body/tableSha256" },
        ),
      );
  }
  return out;
}

/** What `--attest` writes: the attestation body of a report this verifier just made. */
export function attestationOf(
  report: VerificationReport,
  firm: string,
  opinion: string,
  version: string,
): AttestationBody {
  const table = report.audit?.fingerprints.attestation;
  if (!table) throw new Error("the report has no attestation table hash");
  return {
    firm,
    verifier: { name: report.verifier, version },
    checkpoint: { size: report.checkpoint.size, root: report.checkpoint.root },
    checks: outcomesAt(report.checks, report.checkpoint.size),
    tableSha256: table,
    opinion,
  };
}
