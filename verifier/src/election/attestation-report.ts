/**
 * The optional `report` of an `audit.attestation` (spec/protocol.md §6.12): where the firm
 * publishes its full JSON report and the SHA-256 of that file. The schema fixes its characters
 * and length; this rule adds what a pattern cannot say: the URL parses (WHATWG URL) as `https:`
 * with a host and without a user name or password (`ATTESTATION_REPORT`, V18).
 */
import type { AttestationBody } from "@urna/schemas";
import { finding, type Finding, type Location } from "./findings.js";

/** Why `url` is not an acceptable report URL, or undefined when it is one. */
export function reportUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "it is not a URL";
  }
  if (u.protocol !== "https:") return "its scheme is not https";
  if (!u.hostname) return "it has no host";
  if (u.username || u.password) return "it carries a user name or password";
  return undefined;
}

/** The V18 finding of an attestation whose `report.url` is not acceptable (none without one). */
export function attestationReportFindings(b: AttestationBody, where: Location): Finding[] {
  if (!b.report) return [];
  const problem = reportUrlProblem(b.report.url);
  return problem
    ? [
        finding(
          "V18",
          "ATTESTATION_REPORT",
          `${b.firm}'s report URL is refused: ${problem} (an absolute https URL with a host and no user name or password, protocol.md §6.12)`,
          { ...where, path: "/body/report/url" },
        ),
      ]
    : [];
}
