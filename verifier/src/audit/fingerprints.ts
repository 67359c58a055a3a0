/**
 * The report's fingerprints (spec/record.md §Verification report, Audit section): SHA-256 of
 * the result table (the outcome of every check and the result, without times or machine), and
 * the combined fingerprint of the trust file, the record and that table, which the two
 * auditing firms compare by hand in its short grouped form.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { canonicalBytes, type VerificationReport } from "@urna/schemas";
import { toHex } from "../bytes.js";

export const sha256Hex = (bytes: Uint8Array): string => toHex(sha256(bytes));

/**
 * The result table as hashed: the election, the checkpoint (origin, size, root), each check's
 * id, status, items and number of failures, and the result (null when there is none).
 */
export function resultTable(r: VerificationReport): unknown {
  return {
    election: r.election,
    checkpoint: { origin: r.checkpoint.origin, size: r.checkpoint.size, root: r.checkpoint.root },
    checks: r.checks.map((c) => ({
      id: c.id,
      status: c.status,
      items: c.items,
      failures: c.failures.length + (c.failuresOmitted ?? 0),
    })),
    result: r.result ?? null,
  };
}

/** SHA-256 (hex) of the JCS (RFC 8785) bytes of `resultTable(r)`. */
export const tableSha256 = (r: VerificationReport): string =>
  sha256Hex(canonicalBytes(resultTable(r)));

export interface FingerprintInputs {
  trust: string;
  checkpoint: string;
  entries: string;
  table: string;
}

/** SHA-256 (hex) of the JCS bytes of {checkpoint, entries, table, trust} (each a hex SHA-256). */
export const combinedFingerprint = (f: FingerprintInputs): string =>
  sha256Hex(
    canonicalBytes({
      checkpoint: f.checkpoint,
      entries: f.entries,
      table: f.table,
      trust: f.trust,
    }),
  );

/** The first `groups` × 2 bytes of a hex digest in groups of four hex digits: "1a2b 3c4d …". */
export function groupedHex(hex: string, groups = 8): string {
  if (!/^[0-9a-f]+$/.test(hex) || hex.length < groups * 4)
    throw new RangeError(`groupedHex needs at least ${groups * 4} lowercase hex digits`);
  return (hex.slice(0, groups * 4).match(/.{4}/g) as string[]).join(" ");
}
