/**
 * Static export of a log: the full c2sp.org/tlog-tiles tree in a folder that
 * any static web server or CDN can serve (`checkpoint`, `tile/<L>/<N>[.p/<W>]`,
 * `tile/entries/<N>[.p/<W>]`), and the entries as JSON lines (line i = leaf i
 * followed by "\n").
 *
 * Every file is written to a temporary name and renamed, so a server never
 * sees a half-written file; tiles and bundles are immutable at their path, so
 * files already present are kept (re-exporting a grown log only writes what
 * is new); `checkpoint` is replaced last, after everything it covers exists.
 */
import { createWriteStream } from "node:fs";
import { access, mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { finished } from "node:stream/promises";
import { TILE_WIDTH, entryBundlePath, tilePath, tilesForSize, tileWidth } from "@urna/verifier";
import { BoardLogError } from "./errors.js";
import type { LogReader } from "./reader.js";

export interface StaticExportResult {
  /** Tree size of the exported checkpoint. */
  size: number;
  /** Files written by this call (tiles, bundles, checkpoint). */
  written: number;
  /** Tile and bundle files already present and kept. */
  kept: number;
}

const exists = (p: string): Promise<boolean> =>
  access(p).then(
    () => true,
    () => false,
  );

let tmpCounter = 0;
async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${tmpCounter++}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Writes the tiled tree of the reader's published checkpoint to `dir`.
 * Partial tiles and bundles are those of that checkpoint's size.
 */
export async function exportStaticTree(
  reader: LogReader,
  dir: string,
  opts: { concurrency?: number } = {},
): Promise<StaticExportResult> {
  const head = reader.head();
  const checkpoint = reader.checkpoint();
  const size = head.size;
  let written = 0;
  let kept = 0;
  type Job = { path: string; get: () => Promise<Uint8Array> };
  const jobs: Job[] = [];
  for (const t of tilesForSize(size))
    jobs.push({
      path: tilePath(t.level, t.index, t.width),
      get: () => reader.tile(t.level, t.index, t.width),
    });
  for (let n = 0; n * TILE_WIDTH < size; n++) {
    const w = tileWidth(0, n, size);
    jobs.push({ path: entryBundlePath(n, w), get: () => reader.entryBundle(n, w) });
  }
  await pool(jobs, opts.concurrency ?? 16, async (j) => {
    const p = join(dir, j.path);
    if (await exists(p)) {
      kept++;
      return;
    }
    await writeAtomic(p, await j.get());
    written++;
  });
  await writeAtomic(join(dir, "checkpoint"), checkpoint);
  written++;
  return { size, written, kept };
}

const NL = 0x0a;

/**
 * Streams entries [start, end) (default: the published tree) as JSON lines:
 * each yielded chunk is leaf i followed by "\n". An entry containing a
 * newline byte cannot be a JSON line: ENTRY_CONTAINS_NEWLINE.
 */
export async function* entryLines(
  reader: LogReader,
  start = 0,
  end = reader.size,
): AsyncGenerator<Uint8Array> {
  let i = start;
  for await (const leaf of reader.iterateEntries(start, end)) {
    if (leaf.indexOf(NL) >= 0)
      throw new BoardLogError("ENTRY_CONTAINS_NEWLINE", `entry ${i} contains a newline byte`);
    const line = new Uint8Array(leaf.length + 1);
    line.set(leaf);
    line[leaf.length] = NL;
    yield line;
    i++;
  }
}

/** Writes entries.jsonl for the published tree (or [0, end)); returns the entry count and bytes written. */
export async function writeEntriesJsonl(
  reader: LogReader,
  path: string,
  opts: { end?: number } = {},
): Promise<{ size: number; bytes: number }> {
  const end = opts.end ?? reader.size;
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${tmpCounter++}`;
  const out = createWriteStream(tmp);
  let bytes = 0;
  try {
    for await (const line of entryLines(reader, 0, end)) {
      bytes += line.length;
      if (!out.write(line)) await new Promise<void>((r) => out.once("drain", r));
    }
    out.end();
    await finished(out);
  } catch (e) {
    out.destroy();
    throw e;
  }
  await rename(tmp, path);
  return { size: end, bytes };
}
