/**
 * A pool of worker threads for the auditor (Node only): batches of CryptoWork and slices of the
 * tally sum go to the least busy worker. In production the verifier runs from `dist/` and the
 * worker is the compiled `worker-node.js` beside this file; when this module runs from
 * TypeScript source (vitest, `node --import tsx`), the worker is a small bootstrap that
 * registers tsx's ESM hooks and imports `worker-node.ts`.
 */
import { Worker } from "node:worker_threads";
import { workerScript } from "../worker-script-node.js";
import type { RunnerJob, RunnerResult, CryptoRunner } from "./runner.js";
import { crashFindings } from "./runner.js";

/** Old-generation limit of each worker thread, in MB. */
export const WORKER_HEAP_MB = 160;

interface Pending {
  resolve: (x: unknown) => void;
  reject: (e: Error) => void;
}
interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

export class WorkerPool implements CryptoRunner {
  private slots: Slot[] = [];
  private nextId = 1;
  private closed = false;
  readonly parallelism: number;

  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size < 1)
      throw new RangeError("a worker pool needs at least one worker");
    this.parallelism = size;
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const entry = workerScript(import.meta.url, "worker-node");
    // A worker's live data is one batch: a modest old generation makes V8 collect early,
    // keeping the process RSS flat (bench/verify.ts) instead of letting each isolate grow.
    const resourceLimits = { maxOldGenerationSizeMb: WORKER_HEAP_MB };
    const worker =
      entry.eval !== undefined
        ? new Worker(entry.eval, { eval: true, resourceLimits })
        : new Worker(entry.url, { resourceLimits });
    const slot: Slot = { worker, pending: new Map() };
    worker.on("message", (m: { id?: number; out?: unknown; error?: string }) => {
      if (m.id === undefined) return;
      const p = slot.pending.get(m.id);
      if (!p) return;
      slot.pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.out);
    });
    const fail = (e: Error): void => {
      for (const p of slot.pending.values()) p.reject(e);
      slot.pending.clear();
      const i = this.slots.indexOf(slot);
      if (i >= 0 && !this.closed) this.slots[i] = this.spawn();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (!this.closed) fail(new Error(`verifier worker exited with code ${code}`));
    });
    return slot;
  }

  private call<T>(job: RunnerJob): Promise<T> {
    if (this.closed) return Promise.reject(new Error("worker pool is closed"));
    let slot = this.slots[0];
    for (const s of this.slots) if (s.pending.size < slot.pending.size) slot = s;
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      slot.pending.set(id, { resolve: resolve as (x: unknown) => void, reject });
      slot.worker.postMessage({ id, job });
    });
  }

  /** A crash of the proofs' part becomes findings; a crash of the sum rejects. */
  async run(job: RunnerJob): Promise<RunnerResult> {
    try {
      return await this.call<RunnerResult>(job);
    } catch (e) {
      if (job.sum) throw e;
      return { findings: crashFindings(job.work, e) };
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots;
    this.slots = [];
    for (const s of slots)
      for (const p of s.pending.values()) p.reject(new Error("worker pool is closed"));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

export const createWorkerPool = (size: number): WorkerPool => new WorkerPool(size);
