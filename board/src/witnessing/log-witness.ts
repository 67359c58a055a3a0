/**
 * The witnessing of one log on the board (spec/witness.md §2): every appended checkpoint goes
 * through the cosigning queue (cosign-queue.ts), and the published checkpoint is witnessed again,
 * without waiting for a new entry, after a restart or creation (it carries only the board's
 * signature) and while it lacks the quorum (every `retryMs`, default 10 s). A re-witnessed
 * checkpoint of the published size replaces the published one only when it carries more
 * signatures.
 */
import { parseNote } from "@urna/verifier";
import type { Witnessing } from "./collect.js";
import { CosignQueue, type Head } from "./cosign-queue.js";
import { RetryTimer } from "./retry-timer.js";
import { WitnessingRecord } from "./state.js";

export interface LogWitnessOptions {
  witnessing: Witnessing;
  /** Delay before asking the witnesses again for a checkpoint short of the quorum (10,000 ms). */
  retryMs?: number;
  /** Messages name the log by this label (the election id). */
  label: string;
  log(msg: string): void;
  /** The log's consistency proof from `oldSize` to `size`. */
  consistencyProof(oldSize: number, size: number): Promise<Uint8Array[]>;
  /** The checkpoint the log has published (what readers get). */
  published(): Head;
  /** The log's newest checkpoint, as the board signed it: its size and note. */
  latest(): { size: number; checkpoint: string };
  /** A note of the published size with more signatures: it becomes the published checkpoint. */
  republish(checkpoint: string): void;
}

export class LogWitness {
  /** The last round's outcome per witness (status route). */
  readonly record: WitnessingRecord;
  readonly #o: LogWitnessOptions;
  readonly #queue: CosignQueue;
  readonly #retry: RetryTimer;
  readonly #retryMs: number;

  constructor(o: LogWitnessOptions) {
    this.#o = o;
    this.#retryMs = o.retryMs ?? 10_000;
    this.record = new WitnessingRecord(
      o.witnessing.clients.map((c) => c.name),
      o.witnessing.quorum,
    );
    this.#retry = new RetryTimer(() => void this.#rewitness());
    this.#queue = new CosignQueue({
      witnessing: o.witnessing,
      record: this.record,
      consistencyProof: o.consistencyProof,
      onStart: () => this.#retry.cancel(),
      onShortfall: () => this.#retry.schedule(this.#retryMs),
      label: o.label,
      log: o.log,
    });
  }

  /** The board's checkpoint `r` with the witnesses' cosignatures (or a later one covering it). */
  cosigned(r: Head): Promise<Head> {
    return this.#queue.cosigned(r);
  }

  /** Has the published checkpoint witnessed now (after a restart, or at creation). */
  witnessPublished(): void {
    if (this.#o.published().size > 0) this.#retry.schedule(0);
  }

  /** No more re-witnessing (board shutdown). */
  stop(): void {
    this.#retry.stop();
  }

  async #rewitness(): Promise<void> {
    if (this.#retry.stopped) return;
    if (this.#queue.busy) return; // a checkpoint is being witnessed; it reschedules on a shortfall
    const pub = this.#o.published();
    const latest = this.#o.latest();
    if (pub.size === 0 || pub.size !== latest.size) return; // writes in flight will witness
    const head = await this.#queue.start({
      size: pub.size,
      root: pub.root,
      checkpoint: latest.checkpoint,
    });
    const now = this.#o.published();
    if (now.size !== head.size || head.checkpoint === now.checkpoint) return;
    // Only a checkpoint with more signatures (the board's and the witnesses') replaces it.
    if (parseNote(head.checkpoint).signatures.length <= parseNote(now.checkpoint).signatures.length)
      return;
    this.#o.republish(head.checkpoint);
  }
}
