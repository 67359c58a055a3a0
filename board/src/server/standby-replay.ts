/**
 * An election as a standby replays it from PostgreSQL (standby.ts): its state (phases, counts,
 * which ballots each credential signed) and its tracking-code index, rebuilt from the committed
 * entries without any crypto (the sequencer checked them before they were committed). Used for
 * the status and the receipt and credential lookups a standby answers itself.
 */
import type { Entry } from "@urna/schemas";
import { ElectionState, fromUtf8, leafHash, toHex } from "@urna/verifier";
import type { LogReader } from "../log/reader.js";
import { TrackingIndex } from "./tracking-index.js";

/** Replayed entries are read this many at a time. */
const CHUNK = 256;

export class Replayed {
  #state: ElectionState | undefined;
  #tracking = new TrackingIndex();
  #next = 0;
  #chain: Promise<unknown> = Promise.resolve();

  /**
   * The state and tracking index after at least the first `r.size` entries of `r` (one replay at
   * a time). Both are shared and move on with later calls: bound every index by `r.size`.
   */
  at(r: LogReader): Promise<{ state: ElectionState; tracking: TrackingIndex }> {
    const p = this.#chain.then(async () => {
      if (r.size < this.#next) {
        // The database's log is shorter than what was replayed (restored from a backup): again.
        this.#reset();
      }
      try {
        for (let a = this.#next; a < r.size; a += CHUNK) {
          const leaves = await r.entries(a, Math.min(r.size, a + CHUNK));
          leaves.forEach((leaf, i) => {
            const entry = JSON.parse(fromUtf8(leaf)) as Entry;
            const h = leafHash(leaf);
            if (a + i === 0) {
              const created = ElectionState.create(entry);
              if (!created.state) throw new Error("the stored manifest is invalid");
              this.#state = created.state;
            } else this.#state!.apply(entry, a + i, toHex(h));
            if (entry.type === "ballot" || entry.type === "ballot.challenged")
              this.#tracking.add(h, a + i);
          });
          this.#next = a + leaves.length;
        }
      } catch (e) {
        this.#reset(); // start again from entry 0 next time
        throw e;
      }
      if (!this.#state) throw new Error("empty log");
      return { state: this.#state, tracking: this.#tracking };
    });
    this.#chain = p.catch(() => undefined);
    return p;
  }

  #reset(): void {
    this.#state = undefined;
    this.#tracking = new TrackingIndex();
    this.#next = 0;
  }
}
