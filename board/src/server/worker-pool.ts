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
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { workerScript } from "@urna/verifier/node";
import { verifySignedMessage } from "./crypto-work.js";

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
  resolve: (f: PoolFinding[]) => void;
  reject: (e: Error) => void;
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
  worker: Worker;
  pending: Map<number, Pending>;
  /** Tasks of this event-loop turn, posted together at its end (one message, one wake-up). */
  outbox: Task[];
}

export interface CryptoPoolOptions {
  /** Number of worker threads; defaults to os.availableParallelism(). 0 runs checks inline. */
  size?: number;
  /** The inline implementation used when size is 0 (and by tests). */
  inline?: (work: unknown[], entry?: unknown) => PoolFinding[] | Promise<PoolFinding[]>;
}

export class CryptoPool {
  private slots: Slot[] = [];
  private nextId = 1;
  private closed = false;
  private readonly inline?: CryptoPoolOptions["inline"];
  readonly size: number;

  constructor(opts: CryptoPoolOptions = {}) {
    this.size = opts.size ?? Math.max(1, availableParallelism());
    this.inline = opts.inline;
    for (let i = 0; i < this.size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const entry = workerScript(import.meta.url, "crypto-worker");
    const worker =
      entry.eval !== undefined ? new Worker(entry.eval, { eval: true }) : new Worker(entry.url);
    const slot: Slot = { worker, pending: new Map(), outbox: [] };
    const settle = (m: Answer): void => {
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
    const fail = (e: Error): void => {
      for (const p of slot.pending.values()) p.reject(e);
      slot.pending.clear();
      const i = this.slots.indexOf(slot);
      if (i >= 0 && !this.closed) this.slots[i] = this.spawn();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (!this.closed) fail(new Error(`crypto worker exited with code ${code}`));
    });
    worker.unref();
    return slot;
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
          return Promise.resolve(work.length === 0 ? [] : this.inline(work));
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
      slot.pending.set(id, { resolve, reject });
      // Small entries arrive by the hundred per turn: one message per worker and turn, not per
      // task (each message wakes the worker thread, which costs more than checking a signature).
      const task: Task = signed !== undefined ? { id, work, signed } : { id, work, entry };
      if (slot.outbox.push(task) === 1)
        setImmediate(() => {
          const tasks = slot.outbox;
          slot.outbox = [];
          if (this.slots.includes(slot)) slot.worker.postMessage({ tasks });
        });
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
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
