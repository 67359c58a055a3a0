/**
 * The project's one pool of worker threads (Node only), backed by `piscina`: the auditor's
 * proof batches (audit/pool-node.ts) run on it. A pool runs one worker module, whose default
 * export handles a task and returns (or resolves to) its answer; tasks wait in the pool's queue
 * and go to a free thread. A thread that crashes or exits rejects the task it was running and is
 * replaced by a new one; retrying is the caller's decision. (piscina stops replacing threads that
 * fail before they are ready, e.g. for lack of file descriptors: a pool for a server that must
 * outlive such a shortage needs its own restarts, see board/src/server/worker-pool.ts.)
 */
import { createRequire } from "node:module";
import type { ResourceLimits, Worker } from "node:worker_threads";
import type { Piscina } from "piscina";
import { workerModule } from "./worker-script-node.js";

/** piscina is loaded by the first pool, not by every importer of @urna/verifier/node (~0.1 s). */
const loadPiscina = (): typeof Piscina =>
  (createRequire(import.meta.url)("piscina") as { Piscina: typeof Piscina }).Piscina;

export interface ThreadPoolOptions {
  /** The calling module's `import.meta.url` and the worker module's base name beside it. */
  from: string;
  name: string;
  /** Number of threads, started at once and kept. */
  size: number;
  resourceLimits?: ResourceLimits;
  /** Tasks one thread takes at once (for an async handler that batches them); default 1. */
  concurrentTasksPerWorker?: number;
}

export class ThreadPool<Task, Answer> {
  readonly #pool: Piscina<Task, Answer>;
  readonly size: number;

  constructor(opts: ThreadPoolOptions) {
    if (!Number.isSafeInteger(opts.size) || opts.size < 1)
      throw new RangeError("a thread pool needs at least one thread");
    this.size = opts.size;
    const m = workerModule(opts.from, opts.name);
    const Pool = loadPiscina();
    this.#pool = new Pool<Task, Answer>({
      filename: m.filename,
      workerData: m.workerData,
      minThreads: opts.size,
      maxThreads: opts.size,
      idleTimeout: Infinity,
      concurrentTasksPerWorker: opts.concurrentTasksPerWorker ?? 1,
      resourceLimits: opts.resourceLimits,
    });
    // piscina reports a thread that fails with no task on it as an 'error' event of the pool
    // (which would end the process unheard); the thread is replaced all the same.
    this.#pool.on("error", (e: unknown) => {
      this.lastError = e instanceof Error ? e : new Error(String(e));
    });
  }

  /** The last failure of a thread that had no task (kept for diagnostics). */
  lastError?: Error;

  /** Runs one task on the next free thread. */
  run(task: Task): Promise<Answer> {
    return this.#pool.run(task);
  }

  /** The live worker threads (tests play failures on them). */
  get threads(): readonly Worker[] {
    return this.#pool.threads;
  }

  /** Tasks waiting for a thread. */
  get queued(): number {
    return this.#pool.queueSize;
  }

  /** Stops every thread; tasks not yet answered are rejected. */
  close(): Promise<void> {
    return this.#pool.destroy();
  }
}
