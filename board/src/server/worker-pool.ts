/**
 * A pool of worker threads for the CPU-heavy checks of the write path (proof verification), so
 * that the HTTP loop stays responsive. Each task is an entry (whose signature the worker checks
 * first) and its structured-clone-able crypto jobs from the election state's precheck; a worker
 * answers with the findings of the verifier's `verifyEntrySignature` and `verifyCryptoWork`.
 *
 * Worker entry: in production the board runs from `dist/`, and the worker is the compiled
 * `crypto-worker.js` beside this file. When this module itself runs from TypeScript source
 * (vitest, `node --import tsx`), there is no `.js` beside it: the worker is then started from a
 * tiny bootstrap that registers tsx's ESM hooks in the worker and imports `crypto-worker.ts`.
 *
 * Why not the project's piscina-backed ThreadPool (@urna/verifier/node), which the auditor uses:
 * measured with `npm run bench -- pool` (README, Benchmarks), piscina's one message and one
 * wake-up per task cost about twice the CPU per small entry of this pool's one message per turn
 * and batch checks; and piscina stops replacing workers that fail before they are ready, which
 * is how a worker fails for lack of descriptors under a connection flood (see fail() below).
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { workerScript } from "@urna/verifier/node";
import { isTransientResourceError } from "../log/index.js";
import { verifySignedMessage, withEntryBody } from "./crypto-work.js";

const newSlot = (starved: number): Slot => ({
  worker: undefined,
  pending: new Map(),
  outbox: [],
  starved,
  failed: false,
});

export interface PoolFinding {
  check: string;
  code: string;
  message: string;
  path?: string;
}

/**
 * An entry's signature check in compact form: its `signature` and `signer` fields and its signing
 * message (crypto-work.ts signedMessage: cut from the canonical leaf the board already made).
 * Cheaper to post to a worker than the entry (one byte array instead of a cloned object tree),
 * and the worker does not canonicalise the entry again.
 */
export interface SignedMessage {
  signature: string;
  signer: string;
  message: Uint8Array;
}

interface Pending {
  task: Task;
  resolve: (f: PoolFinding[]) => void;
  reject: (e: Error) => void;
  /** Workers that failed while this task was on them, for reasons other than resources. */
  attempts: number;
}

interface Task {
  id: number;
  work: unknown[];
  entry?: unknown;
  signed?: SignedMessage;
}

interface Answer {
  id: number;
  findings?: PoolFinding[];
  error?: string;
}

interface Slot {
  /** Undefined while the worker waits to be (re)started. */
  worker: Worker | undefined;
  pending: Map<number, Pending>;
  /** Tasks of this event-loop turn, posted together at its end (one message, one wake-up). */
  outbox: Task[];
  /** Consecutive failures for lack of resources (the restart's backoff). */
  starved: number;
  /** The worker errored or exited: its tasks moved to the next slot. */
  failed: boolean;
}

export interface CryptoPoolOptions {
  /** Number of worker threads; defaults to os.availableParallelism(). 0 runs checks inline. */
  size?: number;
  /** The inline implementation used when size is 0 (and by tests). */
  inline?: (work: unknown[], entry?: unknown) => PoolFinding[] | Promise<PoolFinding[]>;
}

/** A task whose worker failed this often (not for lack of resources) is rejected. */
const MAX_ATTEMPTS = 3;
/** Restart backoff of a worker that failed for lack of resources: 50 ms doubling to 2 s. */
const restartDelay = (starved: number): number => Math.min(2_000, 50 * 2 ** (starved - 1));

/**
 * A worker that fails (it could not start, e.g. `Worker initialization failure: EMFILE` while a
 * connection flood holds the descriptors, or it exited) is replaced, and its tasks run again on
 * the replacement: they are pure checks. For lack of resources (EMFILE, ENFILE, ENOSPC)
 * the replacement starts after a backoff and the tasks wait as long as it takes, as the
 * sequencer's commit does (spec/api.md §Limits): a client's request never gets a 500 for the
 * board's own shortage. Any other failure is tried on MAX_ATTEMPTS workers, then rejected.
 */
const isResourceFailure = (e: Error): boolean => isTransientResourceError(e);

export class CryptoPool {
  private slots: Slot[] = [];
  private nextId = 1;
  private closed = false;
  private readonly inline?: CryptoPoolOptions["inline"];
  readonly size: number;

  constructor(opts: CryptoPoolOptions = {}) {
    this.size = opts.size ?? Math.max(1, availableParallelism());
    this.inline = opts.inline;
    this.slots = Array.from({ length: this.size }, () => newSlot(0));
    for (const slot of this.slots) this.start(slot);
  }

  private start(slot: Slot): void {
    const entry = workerScript(import.meta.url, "crypto-worker");
    let worker: Worker;
    try {
      worker =
        entry.eval !== undefined ? new Worker(entry.eval, { eval: true }) : new Worker(entry.url);
    } catch (e) {
      return this.fail(slot, e instanceof Error ? e : new Error(String(e)));
    }
    slot.worker = worker;
    const settle = (m: Answer): void => {
      slot.starved = 0;
      const p = slot.pending.get(m.id);
      if (!p) return;
      slot.pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.findings ?? []);
    };
    // The worker answers a batch of tasks with one message { answers }.
    worker.on("message", (m: Answer | { answers: Answer[] }) => {
      if ("answers" in m) for (const a of m.answers) settle(a);
      else settle(m);
    });
    worker.on("error", (e) => this.fail(slot, e));
    worker.on("exit", (code) =>
      this.fail(slot, new Error(`crypto worker exited with code ${code}`)),
    );
    worker.unref();
    this.flush(slot);
  }

  /** Replaces a failed worker; its tasks move to the replacement (see isResourceFailure). */
  private fail(slot: Slot, e: Error): void {
    if (slot.failed) return; // "error", then "exit"
    slot.failed = true;
    const tasks = [...slot.pending.values()];
    slot.pending.clear();
    slot.outbox = [];
    const i = this.slots.indexOf(slot);
    if (this.closed || i < 0) {
      for (const p of tasks) p.reject(e);
      return;
    }
    const starved = isResourceFailure(e);
    const next = newSlot(starved ? slot.starved + 1 : 0);
    for (const p of tasks) {
      if (!starved && ++p.attempts >= MAX_ATTEMPTS) {
        p.reject(e);
        continue;
      }
      next.pending.set(p.task.id, p);
      next.outbox.push(p.task);
    }
    this.slots[i] = next;
    if (!starved) return this.start(next);
    setTimeout(() => {
      if (!this.closed && this.slots.includes(next)) this.start(next);
    }, restartDelay(next.starved)).unref();
  }

  /** Posts the slot's outbox to its worker, if it has one. */
  private flush(slot: Slot): void {
    if (!slot.worker || slot.failed || slot.outbox.length === 0) return;
    if (!this.slots.includes(slot)) return;
    const tasks = slot.outbox;
    slot.outbox = [];
    slot.worker.postMessage({ tasks });
  }

  /**
   * Verifies one entry's crypto jobs (and, when `entry` is given, first its signature);
   * resolves with the findings (empty when all pass).
   */
  run(work: unknown[], entry?: unknown): Promise<PoolFinding[]> {
    return this.post(work, entry, undefined);
  }

  /**
   * As run(work, entry) with the entry's signature check given as `signed` (see SignedMessage):
   * the worker checks it first, then the crypto jobs.
   */
  runSigned(work: unknown[], signed: SignedMessage): Promise<PoolFinding[]> {
    return this.post(work, undefined, signed);
  }

  private post(work: unknown[], entry?: unknown, signed?: SignedMessage): Promise<PoolFinding[]> {
    if (this.closed) return Promise.reject(new Error("crypto pool is closed"));
    if (work.length === 0 && entry === undefined && signed === undefined)
      return Promise.resolve([]);
    if (this.slots.length === 0) {
      if (!this.inline)
        return Promise.reject(new Error("no crypto workers and no inline verifier"));
      try {
        if (signed !== undefined) {
          const bad = verifySignedMessage(signed);
          if (bad.length > 0) return Promise.resolve(bad);
          return Promise.resolve(work.length === 0 ? [] : this.inline(withEntryBody(work, signed)));
        }
        return Promise.resolve(this.inline(work, entry));
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
    }
    let slot = this.slots[0];
    for (const s of this.slots) if (s.pending.size < slot.pending.size) slot = s;
    const id = this.nextId++;
    return new Promise<PoolFinding[]>((resolve, reject) => {
      const task: Task = signed !== undefined ? { id, work, signed } : { id, work, entry };
      slot.pending.set(id, { task, resolve, reject, attempts: 0 });
      // Small entries arrive by the hundred per turn: one message per worker and turn, not per
      // task (each message wakes the worker thread, which costs more than checking a signature).
      if (slot.outbox.push(task) === 1) setImmediate(() => this.flush(slot));
    });
  }

  /** Tasks queued or running. */
  get busy(): number {
    return this.slots.reduce((n, s) => n + s.pending.size, 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots;
    this.slots = [];
    for (const s of slots)
      for (const p of s.pending.values()) p.reject(new Error("crypto pool is closed"));
    await Promise.all(slots.map((s) => s.worker?.terminate()));
  }
}
