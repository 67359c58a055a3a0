/**
 * What a report may present as the outcome (spec/record.md §Verification report): a result is
 * verified only when every check passed, none failed and none was skipped. The text and HTML
 * reports decide from the checks themselves, not from `ok`, `complete` or the mere presence of
 * `result`, so even a report object built by hand cannot show an unverified result as the
 * outcome.
 */
import type { ResultBody, VerificationReport } from "@urna/schemas";
import { tr, type ReportLang } from "./lang.js";

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

export function verdictOfReport(r: VerificationReport, lang: ReportLang = "en"): ReportVerdict {
  const failed = r.checks.filter((c) => c.status === "fail").map((c) => c.id);
  const skipped = r.checks.filter((c) => c.status === "skip").map((c) => c.id);
  const allPassed =
    failed.length === 0 &&
    skipped.length === 0 &&
    r.checks.length > 0 &&
    r.checks.every((c) => c.status === "pass");
  if (allPassed && r.result) return { failed, skipped, result: r.result };
  let noResult: string;
  if (failed.length) noResult = tr(lang, "noResultFailed", { f: failed.join(", ") });
  else if (skipped.length) {
    const first = r.checks.find((c) => c.status === "skip");
    noResult = tr(lang, "noResultSkipped", {
      s: skipped.join(", "),
      why: first?.reason ? `: ${first.reason}` : "",
    });
  } else noResult = tr(lang, "noResultNone");
  return { failed, skipped, noResult };
}

/** The checks whose outcome is the verified result (V16 combination, V17 result and labels). */
export const RESULT_CHECKS: readonly string[] = ["V16", "V17"];

/** Why a result check shows no verified result, or undefined when it needs no explanation. */
export function resultCheckNote(id: string, status: string, v: ReportVerdict): string | undefined {
  return RESULT_CHECKS.includes(id) && !v.result && status !== "fail" ? v.noResult : undefined;
}
