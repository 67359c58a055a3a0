/**
 * The bridge to the verifier's heavy checks: the board runs exactly the auditor's
 * `verifyCryptoWork` on the jobs `ElectionState.precheck` returns (in worker threads).
 */
import { type CryptoWork, verifyCryptoWork as verify } from "@urna/verifier";
import type { PoolFinding } from "./worker-pool.js";

export function verifyCryptoWork(work: unknown[]): PoolFinding[] {
  return verify(work as CryptoWork[]);
}
