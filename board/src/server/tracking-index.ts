/**
 * Index from tracking code to log index (spec/record.md §Receipt). Keys are the first 15 bytes
 * of the leaf hash (the human code's bytes), so both forms of a tracking code resolve; the
 * caller confirms the full hash against the stored leaf. Held in memory and rebuilt on startup
 * from the log, so it costs nothing at write time beyond one Map insertion.
 */
import { HUMAN_CODE_BYTES, type ReplaySink, toHex } from "@urna/verifier";

/** The entry types a tracking code is kept for (ballots, cast or challenged). */
export const isBallotType = (t: string): t is "ballot" | "ballot.challenged" =>
  t === "ballot" || t === "ballot.challenged";

export class TrackingIndex {
  /** hex of the first 15 bytes -> index, or several indices on a (120-bit) collision */
  readonly #map = new Map<string, number | number[]>();

  add(leafHash: Uint8Array, index: number): void {
    const k = toHex(leafHash.subarray(0, HUMAN_CODE_BYTES));
    const v = this.#map.get(k);
    if (v === undefined) this.#map.set(k, index);
    else if (typeof v === "number") this.#map.set(k, [v, index]);
    else v.push(index);
  }

  /** Candidate indices whose leaf hash starts with `prefix` (15 bytes). */
  lookup(prefix: Uint8Array): number[] {
    const v = this.#map.get(toHex(prefix.subarray(0, HUMAN_CODE_BYTES)));
    return v === undefined ? [] : typeof v === "number" ? [v] : v.slice();
  }

  get size(): number {
    return this.#map.size;
  }
}

/** The replay's sink that keeps `tracking` (verifier/src/election/replay.ts): every ballot applied. */
export const trackingSink = (tracking: TrackingIndex): ReplaySink => ({
  applied(a) {
    if (isBallotType(a.entry.type)) tracking.add(a.leafHash, a.index);
  },
});
