/**
 * The election record (spec/record.md) as a POSIX ustar stream: `checkpoint`, `entries.jsonl`
 * (leaf i + "\n" for every i below the checkpoint's size) and, on request, `tile/` (every hash
 * tile and entry bundle of the tree at that size). Everything comes from one snapshot of the
 * published tree, so the archive is self-consistent while the log keeps growing.
 *
 * The archive's bytes are a function of the checkpoint (and `tiles`) alone: every header's mtime
 * is RECORD_MTIME, not the time of the build, so the sequencer, a standby serving the record from
 * the database, and any rebuild of the same checkpoint give the same bytes (spec/record.md).
 */
import type { ServerResponse } from "node:http";
import { entryBundlePath, tilePath, tilesForSize } from "@urna/verifier";
import { entryLines } from "../log/index.js";
import type { LogReader } from "../log/reader.js";
import type { Published } from "./election.js";
import { type TarSource, ustarStream } from "./ustar.js";

const enc = new TextEncoder();

/** Every header's mtime: the epoch (as reproducible archives fix theirs). */
export const RECORD_MTIME = 0;

/**
 * What an archive is built from: an election's published tree (size, leaf bytes, checkpoint) and
 * a reader of its log. A board's Election is one; a standby builds one from the database.
 */
export interface RecordSource {
  readonly id: string;
  readonly published: Pick<Published, "size" | "bytes" | "checkpoint">;
  readonly reader: LogReader;
}

export function recordStream(
  e: RecordSource,
  opts: { tiles?: boolean } = {},
): AsyncGenerator<Uint8Array> {
  const snap = e.published; // { size, bytes, checkpoint }
  const mtime = RECORD_MTIME;
  const reader = e.reader;
  const checkpoint = enc.encode(snap.checkpoint);

  async function* files(): AsyncGenerator<TarSource> {
    yield { name: "checkpoint", size: checkpoint.length, mtime, data: () => [checkpoint] };
    yield {
      name: "entries.jsonl",
      size: snap.bytes + snap.size,
      mtime,
      data: () => entryLines(reader, 0, snap.size),
    };
    if (!opts.tiles) return;
    for (const t of tilesForSize(snap.size)) {
      const bytes = await reader.tile(t.level, t.index, t.width);
      yield {
        name: tilePath(t.level, t.index, t.width),
        size: bytes.length,
        mtime,
        data: () => [bytes],
      };
      if (t.level === 0) {
        const bundle = await reader.entryBundle(t.index, t.width);
        yield {
          name: entryBundlePath(t.index, t.width),
          size: bundle.length,
          mtime,
          data: () => [bundle],
        };
      }
    }
  }
  return ustarStream(files());
}

/**
 * Answers `GET /elections/<id>/record[?tiles=1]` (spec/api.md §Reads) on `res`: the archive
 * `cached` holds (whole, with Content-Length), or else streamed from the log with back-pressure.
 * Rejects before anything was sent when the first chunk fails; a later failure destroys `res`.
 */
export async function serveRecord(
  res: ServerResponse,
  e: RecordSource,
  tiles: boolean,
  cached: Buffer | undefined,
): Promise<void> {
  res.setHeader("Content-Type", "application/x-tar");
  res.setHeader("Content-Disposition", `attachment; filename="${e.id}-record.tar"`);
  res.setHeader("Cache-Control", "no-cache");
  if (cached) {
    res.setHeader("Content-Length", cached.length);
    res.end(cached);
    return;
  }
  try {
    for await (const chunk of recordStream(e, { tiles })) {
      if (res.destroyed) return;
      if (!res.write(chunk)) await new Promise((ok) => res.once("drain", ok));
    }
    res.end();
  } catch (err) {
    if (!res.headersSent) throw err;
    res.destroy(err as Error);
  }
}
