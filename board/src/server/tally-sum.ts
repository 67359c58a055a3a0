/**
 * The encrypted tally a `tally` entry must equal (protocol.md §10.1). The board keeps it as a
 * running sum while ballots are sequenced (`RunningTally`, summed in a worker thread), so that
 * the `tally` check is O(contests). The fallback, and the reference, is `computeTally`: the
 * verifier's own code (the auditor's V14) over the board's log, reading the counted ballots
 * bundle by bundle and yielding to the event loop as it goes.
 */
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import { workerScript } from "@urna/verifier/node";
import type { BallotBody, Entry, Manifest, TallyBody, TallyContest } from "@urna/schemas";
import {
  type ElectionState,
  type EncodedBallot,
  TallyAccumulator,
  computeTally as verifierComputeTally,
  encodedBallotOf,
} from "@urna/verifier";

type ReadLeaves = (start: number, end: number) => Promise<Uint8Array[]>;

const dec = new TextDecoder();
const BUNDLE = 256;

/** Entries at the sorted `indices`, reading each 256-entry bundle that holds some once. */
export async function* entriesAt(
  indices: number[],
  read: ReadLeaves,
): AsyncGenerator<{ index: number; entry: Entry }> {
  let k = 0;
  while (k < indices.length) {
    const start = indices[k] - (indices[k] % BUNDLE);
    const end = start + BUNDLE;
    let last = k;
    while (last + 1 < indices.length && indices[last + 1] < end) last++;
    const leaves = await read(start, Math.min(end, indices[last] + 1));
    for (; k <= last; k++) {
      yield {
        index: indices[k],
        entry: JSON.parse(dec.decode(leaves[indices[k] - start])) as Entry,
      };
      if (k % 32 === 31) await yieldToLoop();
    }
  }
}

export function computeTally(state: ElectionState, read: ReadLeaves): Promise<TallyContest[]> {
  return verifierComputeTally(state, (indices) => entriesAt(indices, read));
}

/** Where a running tally's sums live: a worker thread (the board) or this thread (tests). */
export interface TallySink {
  init(manifest: Manifest): void;
  /** Adds the `add` ballots and subtracts the `sub` ballots; rejects if one does not decode. */
  apply(add: EncodedBallot[], sub: EncodedBallot[]): Promise<void>;
  /** The sums: ballots added minus subtracted, and one tally contest per manifest contest. */
  final(): Promise<TallyBody>;
  dispose(): void;
}

/** The sums in this thread (tests, and boards that run without worker threads). */
export class InlineTallySink implements TallySink {
  #acc?: TallyAccumulator;
  init(manifest: Manifest): void {
    this.#acc = new TallyAccumulator(manifest);
  }
  apply(add: EncodedBallot[], sub: EncodedBallot[]): Promise<void> {
    try {
      const acc = this.#acc as TallyAccumulator;
      for (const b of add) acc.addEncoded(b);
      for (const b of sub) acc.subtractEncoded(b);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }
  final(): Promise<TallyBody> {
    return Promise.resolve((this.#acc as TallyAccumulator).toBody());
  }
  dispose(): void {
    this.#acc = undefined;
  }
}

type WorkerAnswer = {
  id: number;
  ok: boolean;
  error?: string;
  ballots?: number;
  contests?: TallyContest[];
};

/**
 * The one tally worker thread of this process, shared by every running tally (each has a key).
 * It holds the event loop open only while an answer is awaited.
 */
class TallyWorker {
  static #shared?: TallyWorker;
  static shared(): TallyWorker {
    if (!TallyWorker.#shared || TallyWorker.#shared.#dead) TallyWorker.#shared = new TallyWorker();
    return TallyWorker.#shared;
  }
  readonly #worker: Worker;
  readonly #pending = new Map<
    number,
    { resolve: (a: WorkerAnswer) => void; reject: (e: Error) => void }
  >();
  #nextId = 1;
  #nextKey = 1;
  #dead = false;

  private constructor() {
    const entry = workerScript(import.meta.url, "tally-worker");
    this.#worker =
      entry.eval !== undefined ? new Worker(entry.eval, { eval: true }) : new Worker(entry.url);
    const fail = (e: Error): void => {
      this.#dead = true;
      for (const p of this.#pending.values()) p.reject(e);
      this.#pending.clear();
    };
    this.#worker.on("message", (a: WorkerAnswer) => {
      const p = this.#pending.get(a.id);
      if (!p) return;
      this.#pending.delete(a.id);
      if (this.#pending.size === 0) this.#worker.unref();
      if (a.ok) p.resolve(a);
      else p.reject(new Error(a.error ?? "tally worker error"));
    });
    this.#worker.on("error", fail);
    this.#worker.on("exit", (code) => fail(new Error(`tally worker exited with code ${code}`)));
    this.#worker.unref();
  }

  newKey(): number {
    return this.#nextKey++;
  }
  post(msg: object): void {
    if (!this.#dead) this.#worker.postMessage(msg);
  }
  ask(msg: object): Promise<WorkerAnswer> {
    if (this.#dead) return Promise.reject(new Error("the tally worker is gone"));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.ref();
      this.#worker.postMessage({ ...msg, id });
    });
  }
}

/** The sums in the process's tally worker thread. */
export class WorkerTallySink implements TallySink {
  readonly #w = TallyWorker.shared();
  readonly #key = this.#w.newKey();
  init(manifest: Manifest): void {
    this.#w.post({ t: "init", key: this.#key, manifest });
  }
  async apply(add: EncodedBallot[], sub: EncodedBallot[]): Promise<void> {
    await this.#w.ask({ t: "ops", key: this.#key, add, sub });
  }
  async final(): Promise<TallyBody> {
    const a = await this.#w.ask({ t: "final", key: this.#key });
    return { ballots: a.ballots ?? -1, contests: a.contests ?? [] };
  }
  dispose(): void {
    this.#w.post({ t: "drop", key: this.#key });
  }
}

/**
 * The homomorphic sum of the counted ballots, kept up to date as the board sequences ballots
 * (protocol.md §10.1), so that checking a `tally` entry costs O(contests), not O(ballots).
 *
 * `observe` is called for every entry the election state applies, in log order (live appends
 * and the replay at startup). Every `ballot` is added once; under the `last` revote policy a
 * ballot that a later ballot of the same credential replaces is subtracted again when the sum
 * is asked for (its entry is read back from the log then: replacements are few). While the
 * sink is behind (many unacknowledged batches, e.g. replaying a large log at startup), the
 * ballots are not queued in memory: a pump reads them back from the log, bundle by bundle,
 * and hands over to live observation once it has caught up.
 *
 * `final` (phase closed) returns the sums; if the sink failed, or its ballot count differs from
 * the election state's, it recomputes the sum from the log with `computeTally` instead.
 */
export class RunningTally {
  readonly #state: ElectionState;
  readonly #read: ReadLeaves;
  readonly #published: () => number;
  readonly #sink: TallySink;
  readonly #log: (msg: string) => void;
  readonly #maxBatch: number;
  readonly #maxUnacked: number;
  /** Entries [0, fed) are accounted for: their ballots are in the sink or in #batch. */
  #fed: number;
  #live = true;
  #pump?: Promise<void>;
  #batch: EncodedBallot[] = [];
  #flushing = false;
  #unacked = 0;
  #acked: Array<() => void> = [];
  #failure?: unknown;
  /** Under `last`: credential -> index of its latest ballot; indices of replaced ballots. */
  readonly #latest?: Map<string, number>;
  readonly #replaced: number[] = [];
  /** Entries below this index were applied to the state without being observed (prewarm). */
  readonly #unobservedEnd: number;

  constructor(args: {
    state: ElectionState;
    read: ReadLeaves;
    published: () => number;
    sink?: TallySink;
    log?: (msg: string) => void;
    /** Ballots per batch handed to the sink (default 64). */
    maxBatch?: number;
    /** Unacknowledged batches before falling back to reading the log (default 8). */
    maxUnacked?: number;
    /**
     * The state was replayed without this tally (a standby's prewarm): the ballots of entries
     * [unobservedFrom, state.size) are read back from the log by the pump (default: none).
     */
    unobservedFrom?: number;
  }) {
    this.#maxBatch = args.maxBatch ?? 64;
    this.#maxUnacked = args.maxUnacked ?? 8;
    this.#state = args.state;
    this.#read = args.read;
    this.#published = args.published;
    this.#sink = args.sink ?? new WorkerTallySink();
    this.#log = args.log ?? (() => {});
    this.#fed = Math.min(args.unobservedFrom ?? args.state.size, args.state.size);
    this.#unobservedEnd = args.state.size;
    // Entries already applied but not observed: the pump reads them back (on the next observe or
    // when the sum is asked for).
    if (this.#fed < this.#unobservedEnd) this.#live = false;
    if (args.state.manifest.revotePolicy === "last") this.#latest = new Map();
    this.#sink.init(args.state.manifest);
  }

  #pumped = 0;
  /** Ballots read back from the log by the catch-up pump (not handed over live). */
  get pumped(): number {
    return this.#pumped;
  }

  /** Ballots replaced under `last` so far (their indices). */
  get replaced(): readonly number[] {
    return this.#replaced;
  }

  /**
   * Record an entry just applied to the election state at `index`. Never throws (it runs inside
   * the sequencer's check, after the state changed): a failure makes `final` re-sum the log.
   */
  observe(entry: Entry, index: number): void {
    try {
      this.#observe(entry, index);
    } catch (e) {
      this.#failure ??= e;
    }
  }

  #observe(entry: Entry, index: number): void {
    if (this.#failure) return; // `final` will re-sum the log
    if (entry.type === "ballot" && this.#latest) {
      const prev = this.#latest.get(entry.signer);
      if (prev !== undefined) this.#replaced.push(prev);
      this.#latest.set(entry.signer, index);
    }
    if (!this.#live || index !== this.#fed) {
      this.#startPump();
      return;
    }
    if (entry.type === "ballot") {
      if (this.#unacked >= this.#maxUnacked) {
        this.#live = false;
        this.#startPump();
        return;
      }
      this.#batch.push(encodedBallotOf(entry.body as BallotBody));
      if (this.#batch.length >= this.#maxBatch) this.#flush();
      else if (this.#batch.length === 1) setImmediate(() => this.#flush());
    }
    this.#fed = index + 1;
  }

  /** Under `last`, for a ballot not observed live (read back in any order with later ones). */
  #latestOf(e: Entry, index: number): void {
    const prev = this.#latest!.get(e.signer);
    if (prev === undefined) this.#latest!.set(e.signer, index);
    else if (prev > index) this.#replaced.push(index);
    else if (prev < index) {
      this.#replaced.push(prev);
      this.#latest!.set(e.signer, index);
    }
  }

  #flush(): void {
    if (this.#batch.length === 0) return;
    const add = this.#batch;
    this.#batch = [];
    this.#unacked++;
    this.#sink
      .apply(add, [])
      .catch((e: unknown) => {
        this.#failure ??= e;
      })
      .finally(() => {
        this.#unacked--;
        const w = this.#acked;
        this.#acked = [];
        for (const r of w) r();
      });
  }

  #whenUnackedBelow(n: number): Promise<void> {
    if (this.#unacked < n) return Promise.resolve();
    return new Promise<void>((r) => this.#acked.push(r)).then(() => this.#whenUnackedBelow(n));
  }

  #startPump(): void {
    this.#live = false;
    if (this.#failure) return;
    this.#pump ??= this.#runPump()
      .catch((e: unknown) => {
        this.#failure ??= e;
      })
      .finally(() => {
        this.#pump = undefined;
      });
  }

  /** Reads ballots [fed, state.size) back from the log until caught up, then goes live. */
  async #runPump(): Promise<void> {
    for (;;) {
      await this.#whenUnackedBelow(Math.max(1, this.#maxUnacked / 2));
      if (this.#fed >= this.#state.size) {
        this.#live = true; // synchronously with the check: the next observe() is index fed
        return;
      }
      const end = Math.min(
        this.#state.size,
        this.#published(),
        this.#fed + BUNDLE - (this.#fed % BUNDLE),
      );
      if (end <= this.#fed) {
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      const leaves = await this.#read(this.#fed, end);
      for (const [i, leaf] of leaves.entries()) {
        const e = JSON.parse(dec.decode(leaf)) as Entry;
        if (e.type !== "ballot") continue;
        if (this.#latest && this.#fed + i < this.#unobservedEnd) this.#latestOf(e, this.#fed + i);
        this.#batch.push(encodedBallotOf(e.body as BallotBody));
        this.#pumped++;
      }
      this.#fed = end;
      this.#flush();
      await yieldToLoop();
    }
  }

  /** Resolves once every applied entry is accounted for and every batch acknowledged. */
  async #settled(): Promise<void> {
    for (;;) {
      if (this.#failure) throw this.#failure;
      if (this.#pump) await this.#pump;
      else if (!this.#live) this.#startPump();
      else break;
    }
    this.#flush();
    await this.#whenUnackedBelow(1);
  }

  #final?: Promise<TallyContest[]>;

  /** The sum of the counted ballots (call once no ballot can be added: phase closed). */
  final(): Promise<TallyContest[]> {
    this.#final ??= this.#computeFinal().catch((e: unknown) => {
      this.#final = undefined;
      throw e;
    });
    return this.#final;
  }

  async #computeFinal(): Promise<TallyContest[]> {
    const counted = this.#state.countedBallots().length;
    try {
      if (this.#failure) throw this.#failure;
      await this.#settled();
      if (this.#failure) throw this.#failure;
      const sub: EncodedBallot[] = [];
      const replaced = [...this.#replaced].sort((a, b) => a - b);
      for await (const { entry } of entriesAt(replaced, this.#read))
        sub.push(encodedBallotOf(entry.body as BallotBody));
      if (sub.length > 0) await this.#sink.apply([], sub);
      this.#replaced.length = 0;
      const got = await this.#sink.final();
      if (got.ballots !== counted)
        throw new Error(`the running tally has ${got.ballots} ballots, the log counts ${counted}`);
      this.#sink.dispose();
      return got.contests;
    } catch (e) {
      this.#log(`running tally unusable (${String(e)}): summing the counted ballots from the log`);
      this.#sink.dispose();
      return computeTally(this.#state, this.#read);
    }
  }
}
