/**
 * Download an election's record from a board over its public HTTP API into a record folder
 * (spec/record.md): `checkpoint`, `entries.jsonl` and the tlog-tiles `tile/` tree.
 */
import { mkdirSync, writeFileSync, createWriteStream } from "node:fs";
import { dirname, join } from "node:path";
import { once } from "node:events";
import { parseCheckpoint, tilePath, entryBundlePath, tilesForSize } from "@urna/verifier";

async function get(url: string): Promise<Response> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url}: ${r.status} ${await r.text()}`);
  return r;
}

/** Returns the checkpoint's size. */
export async function exportRecord(board: string, election: string, dir: string): Promise<number> {
  const base = `${board}/elections/${election}`;
  mkdirSync(dir, { recursive: true });
  const checkpoint = await (await get(`${base}/checkpoint`)).text();
  const body = checkpoint.slice(0, checkpoint.indexOf("\n\n") + 1);
  const { size } = parseCheckpoint(body);
  writeFileSync(join(dir, "checkpoint"), checkpoint);

  const lines = createWriteStream(join(dir, "entries.jsonl"));
  for (let start = 0; start < size; start += 1000) {
    const text = await (
      await get(`${base}/entries?start=${start}&end=${Math.min(size, start + 1000)}`)
    ).text();
    if (!lines.write(text)) await once(lines, "drain");
  }
  lines.end();
  await once(lines, "finish");

  for (const t of tilesForSize(size)) {
    const write = async (path: string) => {
      const bytes = new Uint8Array(await (await get(`${base}/${path}`)).arrayBuffer());
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), bytes);
    };
    const width = t.width === 256 ? undefined : t.width;
    await write(tilePath(t.level, t.index, width));
    if (t.level === 0) await write(entryBundlePath(t.index, width));
  }
  return size;
}
