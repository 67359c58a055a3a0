/**
 * The auditor's worker threads (Node only): batches of CryptoWork and slices of the tally sum
 * run on the project's thread pool (thread-pool-node.ts), whose worker module is
 * `worker-node` beside this file.
 */
import { ThreadPool } from "../thread-pool-node.js";
import type { RunnerJob, RunnerResult, CryptoRunner } from "./runner.js";
import { crashFindings } from "./runner.js";
import type { WorkerAnswer } from "./worker-node.js";

/** Old-generation limit of each worker thread, in MB. */
export const WORKER_HEAP_MB = 160;

export class WorkerPool implements CryptoRunner {
  readonly #pool: ThreadPool<RunnerJob, WorkerAnswer>;
  #closed = false;
  readonly parallelism: number;

  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size < 1)
      throw new RangeError("a worker pool needs at least one worker");
    this.parallelism = size;
    // A worker's live data is one batch: a modest old generation makes V8 collect early,
    // keeping the process RSS flat (bench/verify.ts) instead of letting each isolate grow.
    this.#pool = new ThreadPool({
      from: import.meta.url,
      name: "worker-node",
      size,
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
  }

  async #call(job: RunnerJob): Promise<RunnerResult> {
    if (this.#closed) throw new Error("worker pool is closed");
    const a = await this.#pool.run(job);
    if (a.error !== undefined) throw new Error(a.error);
    return a.out;
  }

  /** A crash of the proofs' part becomes findings; a crash of the sum rejects. */
  async run(job: RunnerJob): Promise<RunnerResult> {
    try {
      return await this.#call(job);
    } catch (e) {
      if (job.sum) throw e;
      return { findings: crashFindings(job.work, e) };
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#pool.close();
  }
}

export const createWorkerPool = (size: number): WorkerPool => new WorkerPool(size);
