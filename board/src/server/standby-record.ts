/**
 * The record archive as a standby serves it (spec/api.md, "Several boards on one database"):
 * `GET /elections/<id>/record[?tiles=1]` built from the log committed in PostgreSQL, as of its
 * signed checkpoint, with the sequencer's code (record.ts), so the same bytes as the sequencer's
 * for the same checkpoint, and the same per-checkpoint cache (routes/record-cache.ts).
 */
import type { ServerResponse } from "node:http";
import type { PostgresBoardStore } from "../store/index.js";
import { type RecordSource, serveRecord } from "./record.js";
import { RecordCache } from "./routes/record-cache.js";
import { readerAt } from "./standby-reader.js";

export class StandbyRecords {
  readonly #cache = new RecordCache();
  /** The leaves' total bytes per election at a size, so each request sums only the new ones. */
  readonly #bytes = new Map<string, { size: number; bytes: number }>();

  /** Election `id` as committed in the database (undefined: no such log, or no checkpoint). */
  async source(store: PostgresBoardStore, id: string): Promise<RecordSource | undefined> {
    const reader = await readerAt(store, id);
    if (!reader) return undefined;
    const size = reader.size;
    const bytes = await this.#leafBytes(store, id, size);
    return { id, published: { size, bytes, checkpoint: reader.checkpoint() }, reader };
  }

  /** Answers the request; false when the database has no such election (the caller forwards). */
  async serve(
    store: PostgresBoardStore,
    id: string,
    tiles: boolean,
    res: ServerResponse,
  ): Promise<boolean> {
    const src = await this.source(store, id);
    if (!src) return false;
    await serveRecord(res, src, tiles, await this.#cache.get(src, tiles));
    return true;
  }

  /** Drops the cached archives (this process's board is taking over: it serves the record now). */
  clear(): void {
    this.#cache.clear();
  }

  async #leafBytes(store: PostgresBoardStore, id: string, size: number): Promise<number> {
    const known = this.#bytes.get(id);
    const from = known && known.size <= size ? known : { size: 0, bytes: 0 };
    const r = await store.query<{ n: string }>(
      "SELECT coalesce(sum(octet_length(data)), 0)::int8 AS n FROM urna_entries WHERE log = $1 AND idx >= $2 AND idx < $3",
      [id, from.size, size],
    );
    const bytes = from.bytes + Number(r.rows[0].n);
    if (!known || known.size < size) this.#bytes.set(id, { size, bytes });
    return bytes;
  }
}
