/**
 * The election record (spec/record.md) as a POSIX ustar stream: `checkpoint`, `entries.jsonl`
 * (leaf i + "\n" for every i below the checkpoint's size) and, on request, `tile/` (every hash
 * tile and entry bundle of the tree at that size). Everything comes from one snapshot of the
 * published tree, so the archive is self-consistent while the log keeps growing.
 */
import { entryBundlePath, tilePath, tilesForSize } from "@urna/verifier";
import { entryLines } from "../log/index.js";
import type { Election } from "./election.js";
import { type TarSource, ustarStream } from "./ustar.js";

const enc = new TextEncoder();

export function recordStream(
  e: Election,
  opts: { tiles?: boolean } = {},
): AsyncGenerator<Uint8Array> {
  const snap = e.published; // { size, bytes, checkpoint }
  const mtime = Math.floor(Date.now() / 1000);
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
