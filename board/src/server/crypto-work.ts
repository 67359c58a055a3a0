/**
 * The bridge to the verifier's heavy checks, run in the worker threads: the board runs exactly
 * the auditor's `verifyEntrySignature` (strict Ed25519, protocol.md §2) and `verifyCryptoWork`
 * on the jobs the election state's precheck returns.
 */
import type { Entry } from "@urna/schemas";
import { type CryptoWork, verifyCryptoWork as verify, verifyEntrySignature } from "@urna/verifier";
import type { PoolFinding } from "./worker-pool.js";

/** BAD_SIGNATURE if `entry` is given and its signature does not verify. */
export function verifyEntrySignatureOnly(entry: unknown): PoolFinding[] {
  if (entry !== undefined && !verifyEntrySignature(entry as Entry))
    return [{ check: "V5", code: "BAD_SIGNATURE", message: "the entry's signature does not verify" }];
  return [];
}

/** The signature of `entry` (when given), then the crypto jobs. */
export function verifyCryptoWork(work: unknown[], entry?: unknown): PoolFinding[] {
  const bad = verifyEntrySignatureOnly(entry);
  if (bad.length > 0) return bad;
  return work.length === 0 ? [] : verify(work as CryptoWork[]);
}
