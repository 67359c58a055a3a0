/** The record archive (`GET /elections/<id>/record`) of the latest checkpoint, kept in memory. */
import { type RecordSource, recordStream } from "../record.js";

/** Largest archive kept by the record cache, and all of them together. */
export const RECORD_CACHE_ENTRY_BYTES = 64 * 2 ** 20;
export const RECORD_CACHE_BYTES = 256 * 2 ** 20;

/**
 * `GET /elections/<id>/record` built once per published checkpoint (per election and `tiles`)
 * and kept in memory while it is the latest, for archives up to RECORD_CACHE_ENTRY_BYTES (larger
 * ones are streamed from the log on every request, as before); concurrent requests for the same
 * checkpoint share one build. At most RECORD_CACHE_BYTES in all (the oldest builds go first).
 */
export class RecordCache {
  readonly #m = new Map<string, { checkpoint: string; bytes: Promise<Buffer | undefined> }>();
  #total = 0;
  readonly #sizes = new Map<string, number>();

  get(e: RecordSource, tiles: boolean): Promise<Buffer | undefined> {
    const snap = e.published;
    // entries.jsonl alone is bytes + size; tiles add about 32 bytes per leaf and the bundles
    const estimate = (snap.bytes + snap.size) * (tiles ? 2.2 : 1) + 64 * 1024;
    if (estimate > RECORD_CACHE_ENTRY_BYTES) return Promise.resolve(undefined);
    const key = `${e.id}\n${tiles ? 1 : 0}`;
    const hit = this.#m.get(key);
    if (hit && hit.checkpoint === snap.checkpoint) return hit.bytes;
    this.#drop(key);
    const bytes = (async () => {
      const parts: Uint8Array[] = [];
      let n = 0;
      for await (const c of recordStream(e, { tiles })) {
        parts.push(c);
        n += c.length;
        if (n > RECORD_CACHE_ENTRY_BYTES) return undefined;
      }
      return Buffer.concat(parts, n);
    })();
    const entry = { checkpoint: snap.checkpoint, bytes };
    this.#m.set(key, entry);
    void bytes.then(
      (b) => {
        if (this.#m.get(key) !== entry) return;
        if (!b) return void this.#m.delete(key);
        this.#sizes.set(key, b.length);
        this.#total += b.length;
        for (const k of this.#m.keys()) {
          if (this.#total <= RECORD_CACHE_BYTES || k === key) break;
          this.#drop(k);
        }
      },
      () => {
        if (this.#m.get(key) === entry) this.#m.delete(key);
      },
    );
    return bytes;
  }

  /** Drops every archive (their builds in flight finish for their requests only). */
  clear(): void {
    for (const k of [...this.#m.keys()]) this.#drop(k);
  }

  #drop(key: string): void {
    this.#m.delete(key);
    this.#total -= this.#sizes.get(key) ?? 0;
    this.#sizes.delete(key);
  }
}
