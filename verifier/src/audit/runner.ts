/**
 * Where the expensive checks run: inline (here, isomorphic) or on worker threads
 * (pool-node.ts). A runner verifies batches of `CryptoWork` with the lead's `verifyCryptoWork`
 * and sums slices of counted ballots.
 */
import { finding, type Finding } from "../election/findings.js";
import { verifyCryptoWork, type VerifyWorkOptions } from "../election/verify-work.js";
import type { CheckedBallot } from "../crypto/ballot.js";
import type { CryptoWork } from "../election/work.js";
import { sumBallots, type SumJob, type SumResult } from "./tally-sum.js";

/** One unit of work for a runner: proofs to verify and (optionally) counted ballots to sum. */
export interface RunnerJob {
  work: CryptoWork[];
  sum?: SumJob;
}
export interface RunnerResult {
  findings: Finding[];
  sum?: SumResult;
}

export interface CryptoRunner {
  /** How many batches it can work on at once. */
  readonly parallelism: number;
  run(job: RunnerJob): Promise<RunnerResult>;
  close(): Promise<void>;
}

/** Run a batch here, never throwing for the proofs (a crash becomes findings). */
export function runBatch(job: RunnerJob): RunnerResult {
  // Ballots verified in this job are summed from the ciphertexts the proof check decoded.
  const decoded = job.sum ? new Map<number, CheckedBallot>() : undefined;
  const out: RunnerResult = {
    findings: job.work.length
      ? verifyBatch(job.work, decoded ? { onBallot: (i, b) => decoded.set(i, b) } : {})
      : [],
  };
  if (job.sum) {
    // A ballot that fails V5, V10 or V12 is never counted (spec/verification.md §Failing entries).
    const invalid = new Set<number>();
    for (const f of out.findings)
      if ((f.check === "V5" || f.check === "V10" || f.check === "V12") && f.index !== undefined)
        invalid.add(f.index);
    const ballots = invalid.size
      ? job.sum.ballots.filter((b) => !invalid.has(b.index))
      : job.sum.ballots;
    out.sum = sumBallots({ manifest: job.sum.manifest, ballots }, decoded);
  }
  return out;
}

/** Findings for every item of a batch whose verification threw (a verifier bug or bad input). */
export function crashFindings(work: readonly CryptoWork[], e: unknown): Finding[] {
  const msg = `verification could not run: ${e instanceof Error ? e.message : String(e)}`;
  return work.map((w) => {
    const check =
      w.kind === "ballot"
        ? "V12"
        : w.kind === "ballot.challenged"
          ? "V13"
          : w.kind === "decryption.share"
            ? "V15"
            : w.kind === "result"
              ? "V16"
              : w.kind === "signature"
                ? "V5"
                : "V8";
    return finding(check, "VERIFIER_ERROR", msg, w.where);
  });
}

/** Verify a batch, never throwing: a crash becomes findings on the batch's items. */
export function verifyBatch(work: CryptoWork[], opts: VerifyWorkOptions = {}): Finding[] {
  try {
    return verifyCryptoWork(work, opts);
  } catch (e) {
    return crashFindings(work, e);
  }
}

/** Runs everything on the calling thread (browsers, --workers 1). */
export function inlineRunner(): CryptoRunner {
  const tick = () => new Promise<void>((r) => setTimeout(r, 0));
  return {
    parallelism: 1,
    async run(job) {
      await tick();
      return runBatch(job);
    },
    async close() {},
  };
}
