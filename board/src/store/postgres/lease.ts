/**
 * The sequencer lease, held by a worker thread (lease-worker.ts) with its own PostgreSQL session,
 * so that its renewals never wait for the board's event loop. LeaseKeeper.acquire resolves with
 * the fencing token once the lease is taken (or rejects with STORE_LOCKED after `waitMs`); the
 * keeper then renews it every `renewMs` and calls `onLost` once if it is taken over (or its
 * thread dies: nothing renews it any more). release() gives it up at once.
 */
import { Worker } from "node:worker_threads";
import { workerScript } from "@urna/verifier/node";
import { BoardLogError } from "../../log/errors.js";
import type { LeaseWorkerData } from "./lease-protocol.js";

/** The lease's default time to live (spec/log.md §4.1). */
export const DEFAULT_LEASE_TTL_MS = 3000;

export interface LeaseOptions {
  url: string;
  holder: string;
  /** Where the store is, for messages (no password). */
  location: string;
  ttlMs?: number;
  /** How long to wait for a lease another board holds (default 0; Infinity: a standby). */
  waitMs?: number;
  advertiseUrl?: string;
  /** A main thread silent this long is hung: the lease lapses (default max(30 s, 10 × ttl)). */
  hangMs?: number;
  log?: (msg: string) => void;
}

/** How often the holder renews, and how often a waiting board asks, for a time to live. */
export const leaseTimings = (ttlMs: number): { renewMs: number; pollMs: number } => ({
  renewMs: Math.max(50, Math.min(1000, Math.floor(ttlMs / 5))),
  pollMs: Math.max(50, Math.min(250, Math.floor(ttlMs / 4))),
});

type FromWorker =
  | { type: "waiting"; who: string }
  | { type: "taken"; token: number }
  | { type: "locked"; who: string }
  | { type: "lost"; message: string }
  | { type: "stalled"; ms: number }
  | { type: "released" };

export class LeaseKeeper {
  readonly token: number;
  readonly #worker: Worker;
  readonly #beat: ReturnType<typeof setInterval>;
  readonly #location: string;
  #lost: BoardLogError | undefined;
  #onLost: Array<(e: BoardLogError) => void> = [];
  #released: Promise<void> | undefined;
  #releasing = false;

  private constructor(
    worker: Worker,
    beat: ReturnType<typeof setInterval>,
    token: number,
    location: string,
  ) {
    this.#worker = worker;
    this.#beat = beat;
    this.token = token;
    this.#location = location;
  }

  /** Set once the lease was taken over (or its keeper died). */
  get lost(): BoardLogError | undefined {
    return this.#lost;
  }

  /** Calls `fn` once when the lease is lost (at once if it already is). */
  onLost(fn: (e: BoardLogError) => void): void {
    if (this.#lost) fn(this.#lost);
    else this.#onLost.push(fn);
  }

  /** Marks the lease lost (also when a fenced write found it so). */
  markLost(message: string): BoardLogError {
    if (!this.#lost) {
      this.#lost = new BoardLogError(
        "STORE_LEASE_LOST",
        `${message} on ${this.#location}: this board writes nothing more`,
      );
      for (const fn of this.#onLost.splice(0)) fn(this.#lost);
    }
    return this.#lost;
  }

  static async acquire(opts: LeaseOptions): Promise<LeaseKeeper> {
    const ttlMs = opts.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    const heartbeat = new SharedArrayBuffer(8);
    const beatView = new BigInt64Array(heartbeat);
    const tick = () => Atomics.store(beatView, 0, BigInt(Date.now()));
    tick();
    const beat = setInterval(tick, 250);
    beat.unref();
    const wd: LeaseWorkerData = {
      url: opts.url,
      holder: opts.holder,
      ttlMs,
      ...leaseTimings(ttlMs),
      waitMs: opts.waitMs ?? 0,
      advertiseUrl: opts.advertiseUrl ?? null,
      hangMs: opts.hangMs ?? Math.max(30_000, 10 * ttlMs),
      heartbeat,
    };
    const entry = workerScript(import.meta.url, "lease-worker");
    const worker =
      entry.eval !== undefined
        ? new Worker(entry.eval, { eval: true, workerData: wd })
        : new Worker(entry.url, { workerData: wd });
    let keeper: LeaseKeeper | undefined;
    const token = await new Promise<number>((resolve, reject) => {
      worker.on("message", (m: FromWorker) => {
        switch (m.type) {
          case "waiting":
            opts.log?.(`waiting for the sequencer lease of ${opts.location}, held by ${m.who}`);
            break;
          case "taken":
            resolve(m.token);
            break;
          case "locked":
            reject(
              new BoardLogError(
                "STORE_LOCKED",
                `the sequencer lease of ${opts.location} is held by ${m.who}`,
              ),
            );
            break;
          case "lost":
            keeper?.markLost(m.message);
            break;
          case "stalled":
            opts.log?.(
              `the event loop has not run for ${m.ms} ms: the sequencer lease is no longer renewed`,
            );
            break;
          case "released":
            break;
        }
      });
      worker.on("error", (e) => {
        reject(e);
        keeper?.markLost(`the sequencer lease's keeper failed (${e.message})`);
      });
      worker.on("exit", () => {
        reject(new BoardLogError("STORE_LOCKED", "the sequencer lease's keeper stopped"));
        if (keeper && !keeper.#releasing) keeper.markLost("the sequencer lease's keeper stopped");
      });
    }).catch(async (e: unknown) => {
      clearInterval(beat);
      await worker.terminate();
      throw e;
    });
    keeper = new LeaseKeeper(worker, beat, token, opts.location);
    return keeper;
  }

  /** Gives the lease up (a standby may take it at once) and stops the keeper. Idempotent. */
  release(): Promise<void> {
    this.#released ??= (async () => {
      this.#releasing = true;
      clearInterval(this.#beat);
      const w = this.#worker;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2000);
        w.on("message", (m: FromWorker) => {
          if (m.type === "released") {
            clearTimeout(t);
            resolve();
          }
        });
        w.once("exit", () => {
          clearTimeout(t);
          resolve();
        });
        w.postMessage({ type: "release" });
      });
      await w.terminate();
    })();
    return this.#released;
  }
}
