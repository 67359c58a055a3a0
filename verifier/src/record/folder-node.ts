/**
 * The record folder of spec/record.md, read from disk (Node only): `checkpoint` and
 * `entries.jsonl`, read as a stream of lines, never whole in memory. Re-reading from a later
 * line seeks to the nearest remembered offset (one every 1,024 lines), so memory stays
 * O(lines / 1024) and a second pass does not rescan the whole file.
 */
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { RecordError, type RecordSource, checkRange, splitLines } from "./source.js";

const STRIDE = 1024;

export interface FolderSource extends RecordSource {
  readonly dir: string;
}

export async function openFolderSource(dir: string): Promise<FolderSource> {
  const entriesPath = join(dir, "entries.jsonl");
  const checkpointPath = join(dir, "checkpoint");
  for (const p of [checkpointPath, entriesPath]) {
    try {
      const s = await stat(p);
      if (!s.isFile()) throw new Error("not a file");
    } catch (e) {
      throw new RecordError("RECORD_UNREADABLE", `${p} is not a readable file`, { cause: e });
    }
  }
  return folderSource(dir);
}

/** A folder source; use openFolderSource to fail early when files are missing. */
export function folderSource(dir: string): FolderSource {
  const entriesPath = join(dir, "entries.jsonl");
  const checkpointPath = join(dir, "checkpoint");
  let checkpoint: Promise<string> | undefined;
  /** offsets[k] = byte offset of line k·STRIDE (as far as read). */
  const offsets: number[] = [0];

  async function* leaves(start = 0, end = Infinity): AsyncGenerator<Uint8Array> {
    checkRange(start, end);
    if (start >= end) return;
    const k = Math.min(Math.floor(start / STRIDE), offsets.length - 1);
    let line = k * STRIDE;
    let offset = offsets[k];
    let stream;
    try {
      stream = createReadStream(entriesPath, { start: offset, highWaterMark: 1 << 20 });
    } catch (e) {
      throw new RecordError("RECORD_UNREADABLE", `cannot read ${entriesPath}`, { cause: e });
    }
    try {
      for await (const l of splitLines(stream as AsyncIterable<Uint8Array>)) {
        if (line % STRIDE === 0 && line / STRIDE === offsets.length) offsets.push(offset);
        offset += l.length + 1;
        if (line >= start) yield l;
        line++;
        if (line >= end) break;
      }
    } catch (e) {
      if (e instanceof RecordError) throw e;
      throw new RecordError(
        "RECORD_UNREADABLE",
        `cannot read ${entriesPath}: ${(e as Error).message}`,
        { cause: e },
      );
    } finally {
      stream.destroy();
    }
  }

  return {
    dir,
    description: `folder ${dir}`,
    checkpoint() {
      checkpoint ??= readFile(checkpointPath, "utf8").catch((e: unknown) => {
        checkpoint = undefined;
        throw new RecordError("RECORD_UNREADABLE", `cannot read ${checkpointPath}`, { cause: e });
      });
      return checkpoint;
    },
    leaves,
    async tiles() {
      const tileDir = join(dir, "tile");
      try {
        if (!(await stat(tileDir)).isDirectory()) return undefined;
      } catch {
        return undefined;
      }
      return async (path: string) => {
        try {
          return new Uint8Array(await readFile(join(dir, path)));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
          throw e;
        }
      };
    },
  };
}
