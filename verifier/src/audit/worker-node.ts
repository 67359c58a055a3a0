/**
 * Worker module of the auditor's pool (pool-node.ts, on the shared thread pool): a `RunnerJob`
 * answers `{ out: RunnerResult }` (findings of the proofs, partial sums of the counted ballots),
 * a crash `{ error }`.
 */
import { runBatch, type RunnerJob, type RunnerResult } from "./runner.js";

export type WorkerAnswer = { out: RunnerResult; error?: undefined } | { error: string };

export default function handle(job: RunnerJob): WorkerAnswer {
  try {
    return { out: runBatch(job) };
  } catch (e) {
    return { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}
