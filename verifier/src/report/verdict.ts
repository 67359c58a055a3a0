/**
 * What a report may present as the outcome (spec/record.md §Verification report): a result is
 * verified only when every check passed, none failed and none was skipped. The text and HTML
 * reports decide from the checks themselves, not from `ok`, `complete` or the mere presence of
 * `result`, so even a report object built by hand cannot show an unverified result as the
 * outcome.
 */
import type { ResultBody, VerificationReport } from "@urna/schemas";

export interface ReportVerdict {
  /** Checks that failed, in report order. */
  failed: string[];
  /** Checks that were skipped (their inputs are not on the log). */
  skipped: string[];
  /** The verified result, iff every check passed and the report carries one. */
  result?: ResultBody;
  /** Why there is no verified result (absent iff `result` is present). */
  noResult?: string;
}

export function verdictOfReport(r: VerificationReport): ReportVerdict {
  const failed = r.checks.filter((c) => c.status === "fail").map((c) => c.id);
  const skipped = r.checks.filter((c) => c.status === "skip").map((c) => c.id);
  const allPassed =
    failed.length === 0 &&
    skipped.length === 0 &&
    r.checks.length > 0 &&
    r.checks.every((c) => c.status === "pass");
  if (allPassed && r.result) return { failed, skipped, result: r.result };
  let noResult: string;
  if (failed.length)
    noResult = `No verified result: ${failed.join(", ")} failed, and a result is verified only when every check passes.`;
  else if (skipped.length) {
    const first = r.checks.find((c) => c.status === "skip");
    noResult = `No verified result: the election is not finished (${skipped.join(", ")} skipped${first?.reason ? `: ${first.reason}` : ""}).`;
  } else noResult = "No verified result: the report carries none.";
  return { failed, skipped, noResult };
}
