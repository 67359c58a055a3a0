/**
 * The checks that run in the worker threads: the entry's strict Ed25519 signature (protocol.md
 * §5, the verifier's signing message; OpenSSL through ed25519-fast.ts, which decides exactly as
 * the verifier's verifyEntrySignature) and the verifier's own `verifyCryptoWork` on the jobs
 * the election state's precheck returns.
 */
import type { Entry } from "@urna/schemas";
import {
  type CryptoWork,
  entrySigningMessage,
  fromBase64,
  verifyCryptoWork as verify,
} from "@urna/verifier";
import { verifyEd25519Fast } from "./ed25519-fast.js";
import type { PoolFinding } from "./worker-pool.js";

/** As the verifier's verifyEntrySignature: false on any malformed field. */
export function verifyEntrySignatureFast(entry: Entry): boolean {
  let sig: Uint8Array, pk: Uint8Array, msg: Uint8Array;
  try {
    sig = fromBase64(entry.signature);
    pk = fromBase64(entry.signer);
    msg = entrySigningMessage(entry);
  } catch {
    return false;
  }
  return verifyEd25519Fast(sig, msg, pk);
}

/** BAD_SIGNATURE if `entry` is given and its signature does not verify. */
export function verifyEntrySignatureOnly(entry: unknown): PoolFinding[] {
  if (entry !== undefined && !verifyEntrySignatureFast(entry as Entry))
    return [
      { check: "V5", code: "BAD_SIGNATURE", message: "the entry's signature does not verify" },
    ];
  return [];
}

/** The signature of `entry` (when given), then the crypto jobs. */
export function verifyCryptoWork(work: unknown[], entry?: unknown): PoolFinding[] {
  const bad = verifyEntrySignatureOnly(entry);
  if (bad.length > 0) return bad;
  return work.length === 0 ? [] : verify(work as CryptoWork[]);
}
