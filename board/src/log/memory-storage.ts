/**
 * LogStorage in memory: for tests and throw-away logs. Not durable. Also a
 * second implementation of the interface, which keeps the interface honest.
 */
import { TILE_WIDTH, encodeEntryBundle } from "@urna/verifier";
import { BoardLogError } from "./errors.js";
import type { CommitBatch, LogStorage, TreeState } from "./storage.js";

export class MemoryLogStorage implements LogStorage {
  #state: TreeState | undefined;
  #checkpoint: string | undefined;
  readonly #tiles = new Map<string, Uint8Array>();
  readonly #entries: Uint8Array[] = [];
  readonly #meta = new Map<string, Uint8Array>();
  /** Number of commits so far (tests use it to count batches). */
  commits = 0;

  async readState(): Promise<TreeState | undefined> {
    return this.#state && { size: this.#state.size, root: this.#state.root.slice() };
  }

  async readCheckpoint(): Promise<string | undefined> {
    return this.#checkpoint;
  }

  async readTile(level: number, index: number): Promise<Uint8Array | undefined> {
    return this.#tiles.get(`${level}/${index}`)?.slice();
  }

  async readEntryBundle(index: number): Promise<{ bundle: Uint8Array; count: number } | undefined> {
    const e = this.#entries.slice(index * TILE_WIDTH, (index + 1) * TILE_WIDTH);
    return e.length === 0 ? undefined : { bundle: encodeEntryBundle(e), count: e.length };
  }

  async readEntries(start: number, end: number): Promise<Uint8Array[]> {
    return this.#entries.slice(start, end).map((e) => e.slice());
  }

  async getMeta(key: string): Promise<Uint8Array | undefined> {
    return this.#meta.get(key)?.slice();
  }

  async *iterateMeta(prefix: string): AsyncIterable<[string, Uint8Array]> {
    const keys = [...this.#meta.keys()].filter((k) => k.startsWith(prefix)).sort();
    for (const k of keys) yield [k, this.#meta.get(k)!.slice()];
  }

  async commit(batch: CommitBatch): Promise<void> {
    const size = this.#state?.size ?? 0;
    if (batch.previousSize !== size)
      throw new BoardLogError(
        "STORAGE_CONFLICT",
        `commit from size ${batch.previousSize}, stored size ${size}`,
      );
    if (batch.state.size !== size + batch.leaves.length)
      throw new BoardLogError("STORAGE_CONFLICT", "size does not match the leaves");
    for (const l of batch.leaves) this.#entries.push(l.slice());
    for (const t of batch.tiles) this.#tiles.set(`${t.level}/${t.index}`, t.hashes.slice());
    for (const [k, v] of batch.meta) this.#meta.set(k, v.slice());
    this.#state = { size: batch.state.size, root: batch.state.root.slice() };
    this.#checkpoint = batch.checkpoint;
    this.commits++;
  }

  async close(): Promise<void> {}
}
