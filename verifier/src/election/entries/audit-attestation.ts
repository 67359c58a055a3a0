/**
 * `audit.attestation` (protocol.md §6.12, check V18): signed by an auditing firm the manifest
 * lists, under the name it lists for that key, attesting a checkpoint between the result's
 * completion and this entry. The caller holds the claimed root against its own log.
 */
import { attestationReportFindings } from "../attestation-report.js";
import { finding } from "../findings.js";
import type { EntryRule } from "./entry-rule.js";
import { unauthorised } from "./signers.js";

export const auditAttestation: EntryRule<"audit.attestation"> = {
  type: "audit.attestation",
  phases: ["done"],
  signer: (entry, s, where) =>
    s.manifest.auditors?.some((a) => a.key === entry.signer)
      ? undefined
      : unauthorised(entry, "an auditing firm the manifest lists", where),
  check(entry, s, { where, out }) {
    const b = entry.body;
    const firm = s.manifest.auditors?.find((a) => a.key === entry.signer);
    if (firm && firm.name !== b.firm)
      out.findings.push(
        finding(
          "V18",
          "UNKNOWN_FIRM",
          `the attestation names firm ${b.firm}, the manifest lists its key as ${firm.name}`,
          { ...where, path: "/body/firm" },
        ),
      );
    out.findings.push(...attestationReportFindings(b, where));
    const index = where.index ?? s.next;
    const from = s.doneSize ?? index;
    const { size } = b.checkpoint;
    if (size < from || size > index)
      out.findings.push(
        finding(
          "V18",
          "ATTESTATION_CHECKPOINT",
          `the attested checkpoint's size ${size} is not between ${from} (the result complete) and ${index} (this entry)`,
          { ...where, path: "/body/checkpoint/size" },
        ),
      );
    else out.checkpointClaim = { size, root: b.checkpoint.root };
  },
  apply: () => undefined,
};
