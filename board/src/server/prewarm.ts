/**
 * Prewarming: a standby keeps every election replayed from the database (the election state and
 * the tracking-code index, as a board rebuilds them when it opens: entries applied, no crypto),
 * following the committed log as it grows. When the standby takes the sequencer lease, the board
 * it opens adopts these replays (createBoard's `prewarmed`) and replays only the entries
 * committed since the last poll, instead of every entry from the first: the takeover bound is
 * the lease's time to live, plus the standby's poll, plus that tail (spec/api.md, Several boards
 * on one database).
 *
 * The same replay answers a standby's `GET .../status` and its receipt and credential lookups
 * (standby-lookups.ts).
 */
import {
  type ElectionState,
  Replay,
  ReplayError,
  bytesEqual,
  verifyConsistency,
} from "@urna/verifier";
import { leafHashFast } from "../log/index.js";
import type { LogReader } from "../log/reader.js";
import { TrackingIndex, trackingSink } from "./tracking-index.js";

/** An election replayed up to `size` entries of the committed log whose root there is `root`. */
export interface Prewarmed {
  readonly state: ElectionState;
  readonly tracking: TrackingIndex;
  readonly size: number;
  readonly root: Uint8Array;
  /** The bytes of the `size` leaves. */
  readonly bytes: number;
}

const CHUNK = 256;

/** One election's replay, caught up on demand (one catch-up at a time). */
export class ElectionReplay {
  #tracking = new TrackingIndex();
  /** The verifier's replay (verifier/src/election/replay.ts), trusted: as the board's start-up. */
  #replay = ElectionReplay.#fresh(this.#tracking);
  #next = 0;
  #bytes = 0;
  #root: Uint8Array | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #taken = false;

  static #fresh(tracking: TrackingIndex): Replay {
    return new Replay({ verify: false, hashLeaf: leafHashFast, sinks: [trackingSink(tracking)] });
  }

  #reset(): void {
    this.#tracking = new TrackingIndex();
    this.#replay = ElectionReplay.#fresh(this.#tracking);
    this.#next = 0;
    this.#bytes = 0;
    this.#root = undefined;
  }

  /**
   * The state and tracking-code index after at least the first `r.size` entries of `r` (a log at
   * its committed checkpoint). Both are shared and move on with later calls: bound every index
   * by `r.size` (the standby's lookups, standby-lookups.ts, do).
   */
  at(r: LogReader): Promise<{ state: ElectionState; tracking: TrackingIndex }> {
    const p = this.#chain.then(async () => {
      if (this.#taken) throw new Error("the replay was handed to the board");
      if (r.size < this.#next) this.#reset(); // the log is shorter (a restored backup): again
      try {
        for (let a = this.#next; a < r.size; a += CHUNK) {
          const leaves = await r.entries(a, Math.min(r.size, a + CHUNK));
          for (const leaf of leaves) {
            try {
              this.#replay.push(leaf);
            } catch (e) {
              throw e instanceof ReplayError ? new Error("the stored manifest is invalid") : e;
            }
            this.#bytes += leaf.length;
          }
          this.#next = a + leaves.length;
        }
        this.#root = r.head().root;
      } catch (e) {
        this.#reset(); // from entry 0 next time
        throw e;
      }
      const state = this.#replay.state;
      if (!state) throw new Error("empty log");
      return { state, tracking: this.#tracking };
    });
    this.#chain = p.catch(() => undefined);
    return p;
  }

  /**
   * The state as far as it is replayed now, without a catch-up (undefined: none yet, or handed
   * over). Entries are applied a chunk at a time, synchronously: it is always a prefix's state.
   */
  current(): ElectionState | undefined {
    return this.#taken ? undefined : this.#replay.state;
  }

  /** Hands the replay over (once; after the catch-up in flight). */
  take(): Promise<Prewarmed | undefined> {
    const p = this.#chain.then(() => {
      const state = this.#replay.state;
      if (this.#taken || !state || this.#root === undefined) return undefined;
      this.#taken = true;
      return {
        state,
        tracking: this.#tracking,
        size: this.#next,
        root: this.#root,
        bytes: this.#bytes,
      };
    });
    this.#chain = p.catch(() => undefined);
    return p;
  }
}

/**
 * Whether `pre` is a prefix of the log `r` (a consistency proof from its tree to r's): only
 * then may a board adopt it. A log restored from an older backup, or replaced, is replayed anew.
 */
export async function isPrefixOf(r: LogReader, pre: Prewarmed): Promise<boolean> {
  if (pre.size > r.size || pre.size === 0) return false;
  if (pre.size === r.size) return bytesEqual(pre.root, r.head().root);
  try {
    verifyConsistency(
      pre.size,
      r.size,
      await r.consistencyProof(pre.size),
      pre.root,
      r.head().root,
    );
    return true;
  } catch {
    return false;
  }
}
