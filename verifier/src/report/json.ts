/** The report as JSON (schemas/src/json/report.schema.json), checked against its schema. */
import { validateReport, type VerificationReport } from "@urna/schemas";

export function reportToJson(r: VerificationReport): string {
  return JSON.stringify(r, null, 2) + "\n";
}

/** Throws if the report does not match its schema (a verifier bug). */
export function assertValidReport(r: unknown): asserts r is VerificationReport {
  const v = validateReport(r);
  if (!v.ok)
    throw new Error(
      `report does not match report.schema.json: ${v.errors.map((e) => `${e.path} ${e.message}`).join("; ")}`,
    );
}
