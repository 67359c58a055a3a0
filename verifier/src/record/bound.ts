/**
 * Binding every leaf a reader uses to the tree it verified (spec/verification.md §Reading from
 * a board). A `BoundLeaves` wraps a record source: the first read of leaf i (in order from 0)
 * records its RFC 6962 leaf hash, 32 bytes per leaf; every later read of leaf i must hash to the
 * recorded value, else it throws `RecordError("LEAF_CHANGED")`. The recorded hashes are the
 * level 0 of the tree whose root V1 compares with the checkpoint, so a re-read leaf is exactly
 * the leaf V1 verified: no code path can consume a byte that the root does not bind.
 */
import { toHex } from "../bytes.js";
import { leafHash } from "../log/merkle-hash.js";
import { RecordError, type RecordSource, checkRange } from "./source.js";

const HASH = 32;

export class BoundLeaves {
  readonly source: RecordSource;
  #hashes = new Uint8Array(HASH * 1024);
  #count = 0;

  constructor(source: RecordSource) {
    this.source = source;
  }

  /** Leaves whose hash is recorded: 0..count-1. */
  get count(): number {
    return this.#count;
  }

  /** The recorded leaf hash of leaf `index` (a view; do not modify). */
  hash(index: number): Uint8Array {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.#count)
      throw new RecordError("BAD_RANGE", `leaf ${index} has not been read`);
    return this.#hashes.subarray(index * HASH, (index + 1) * HASH);
  }

  /**
   * Leaves `start..end-1` with their hashes. A leaf read before must hash to its recorded hash
   * (`LEAF_CHANGED` otherwise); the next unread leaf is recorded; a leaf past that (a gap) is
   * `BAD_RANGE`: it could not be bound.
   */
  async *leaves(
    start = 0,
    end = Infinity,
  ): AsyncGenerator<{ index: number; leaf: Uint8Array; hash: Uint8Array }> {
    checkRange(start, end);
    if (start > this.#count)
      throw new RecordError(
        "BAD_RANGE",
        `leaf ${start} cannot be read before leaves ${this.#count}..${start - 1}`,
      );
    let i = start;
    for await (const leaf of this.source.leaves(start, end)) {
      const h = leafHash(leaf);
      if (i < this.#count) {
        const had = this.#hashes.subarray(i * HASH, (i + 1) * HASH);
        if (!equal(had, h))
          throw new RecordError(
            "LEAF_CHANGED",
            `${this.source.description} served leaf ${i} with hash ${toHex(h)} on a second read, ${toHex(had)} on the first`,
          );
      } else this.#record(h);
      yield { index: i, leaf, hash: h };
      i++;
    }
  }

  #record(h: Uint8Array): void {
    if ((this.#count + 1) * HASH > this.#hashes.length) {
      const grown = new Uint8Array(this.#hashes.length * 2);
      grown.set(this.#hashes);
      this.#hashes = grown;
    }
    this.#hashes.set(h, this.#count * HASH);
    this.#count++;
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}
