/**
 * The cosigning of one log's checkpoints, in order (spec/witness.md §2). A witness refuses (409)
 * a checkpoint smaller than one it already cosigned, so the checkpoints of a log are witnessed
 * one at a time: while one is out, only the newest later checkpoint waits, and every append it
 * supersedes gets that newer checkpoint (it includes them). Appends of the same checkpoint share
 * one request. When the witnesses do not answer (each has a timeout) or fall short of the
 * quorum, the answer is the best checkpoint there is (the board's own on a failure), the round
 * is recorded and logged, and `onShortfall` asks for a later retry.
 */
import type { Witnessing } from "./collect.js";
import type { WitnessingRecord } from "./state.js";

/** A checkpoint of the log: its size, root and signed note. */
export interface Head {
  size: number;
  root: Uint8Array;
  checkpoint: string;
}

export interface CosignQueueOptions {
  witnessing: Witnessing;
  /** The rounds' outcomes, per witness (the status route shows the last). */
  record: WitnessingRecord;
  /** The log's consistency proof from `oldSize` to `size`. */
  consistencyProof(oldSize: number, size: number): Promise<Uint8Array[]>;
  /** A round starts (a retry pending for an older checkpoint is moot). */
  onStart(): void;
  /** A round ended short of the quorum, or failed: witness again later. */
  onShortfall(): void;
  /** Messages name the log by this label (the election id). */
  label: string;
  log(msg: string): void;
}

export class CosignQueue {
  readonly #o: CosignQueueOptions;
  /** The witnessing of the newest checkpoint started, shared by every append it covers. */
  #cosigning?: { size: number; head: Promise<Head> };
  /** The checkpoint waiting for the one in flight (only the newest waits). */
  #next?: { head: Head; promise: Promise<Head>; resolve: (h: Head) => void };
  #busy = false;

  constructor(o: CosignQueueOptions) {
    this.#o = o;
  }

  /** Whether a checkpoint is being witnessed. */
  get busy(): boolean {
    return this.#busy;
  }

  /** The witnessed checkpoint covering `r`: `r` itself, or a later one it waited for. */
  cosigned(r: Head): Promise<Head> {
    if (this.#cosigning && this.#cosigning.size >= r.size) return this.#cosigning.head;
    const next = this.#next;
    if (next) {
      if (r.size > next.head.size) next.head = r;
      return next.promise;
    }
    if (!this.#busy) return this.start(r);
    let resolve!: (h: Head) => void;
    const promise = new Promise<Head>((res) => (resolve = res));
    this.#next = { head: r, promise, resolve };
    return promise;
  }

  /** Sends `r` to the witnesses now (the caller makes sure none is out: `busy`). */
  start(r: Head): Promise<Head> {
    const { witnessing: w, record, label } = this.#o;
    this.#busy = true;
    this.#o.onStart();
    const head = w
      .cosign(r.checkpoint, (old) => this.#o.consistencyProof(old, r.size))
      .then((c): Head => {
        record.done(r.size, c);
        if (!c.quorumMet) {
          this.#o.log(`${label}: checkpoint ${r.size} has ${c.count} of ${w.quorum} cosignatures`);
          this.#o.onShortfall();
        }
        return { size: r.size, root: r.root, checkpoint: c.checkpoint };
      })
      .catch((e: unknown): Head => {
        record.failed(r.size, String(e));
        this.#o.log(`${label}: witnessing checkpoint ${r.size} failed: ${String(e)}`);
        this.#o.onShortfall();
        return r;
      })
      .finally(() => {
        this.#busy = false;
        const next = this.#next;
        this.#next = undefined;
        if (next) void this.start(next.head).then(next.resolve);
      });
    this.#cosigning = { size: r.size, head };
    return head;
  }
}
