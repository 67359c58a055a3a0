/** Static tile export and entries.jsonl, read back with the verifier's TileReader. */
import { cp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  TileReader,
  entryBundlePath,
  leafHash,
  openCheckpoint,
  parseEntryBundle,
  tilePath,
  utf8,
  verifyConsistency,
  verifyInclusion,
} from "@urna/verifier";
import { TileCheck, type TileFailure } from "../../../verifier/src/record/tile-check.js";
import { folderSource } from "../../../verifier/src/record/folder-node.js";
import { entryLines, exportStaticTree, writeEntriesJsonl } from "../../src/log/index.js";
import { ORIGIN, type OpenedLog, boardKey, openLog, tempDir } from "./helpers.js";

const N = 70_000; // the tlog-tiles example size
const entry = (i: number) => utf8(`{"i":${i}}`);

let d: Awaited<ReturnType<typeof tempDir>>;
let log: OpenedLog;
beforeAll(async () => {
  d = await tempDir();
  log = await openLog(d.path, { maxBatchDelayMs: 1 });
  const ps: Promise<unknown>[] = [];
  for (let i = 0; i < N; i++) ps.push(log.seq.append(entry(i)));
  await Promise.all(ps);
}, 60_000);
afterAll(async () => {
  await log.close();
  await d.cleanup();
});

const readExported = (root: string) => ({
  fetchTile: (level: number, index: number, width: number) =>
    readFile(join(root, tilePath(level, index, width))).then((b) => new Uint8Array(b)),
  fetchEntryBundle: (index: number, width: number) =>
    readFile(join(root, entryBundlePath(index, width))).then((b) => new Uint8Array(b)),
});

describe("static export", () => {
  test("size 70,000: the files of the tlog-tiles example, at their paths", async () => {
    const out = join(d.path, "static");
    const res = await exportStaticTree(log.seq.reader, out);
    expect(res.size).toBe(N);
    expect(await readFile(join(out, "checkpoint"), "utf8")).toBe(log.seq.checkpoint());
    // 273 full level-0 tiles, a level-0 partial of 112, one full level-1 tile, a level-1 partial of 17, a level-2 partial of 1.
    const level0 = await readdir(join(out, "tile/0"), { recursive: true });
    const files0 = level0.filter((f) => /^(x\d{3}\/)*\d{3}$/.test(f));
    expect(files0.length).toBe(273);
    expect((await stat(join(out, "tile/0/272"))).size).toBe(8192);
    expect((await stat(join(out, "tile/0/273.p/112"))).size).toBe(112 * 32);
    expect((await stat(join(out, "tile/1/000"))).size).toBe(8192);
    expect((await stat(join(out, "tile/1/001.p/17"))).size).toBe(17 * 32);
    expect((await stat(join(out, "tile/2/000.p/1"))).size).toBe(32);
    await expect(stat(join(out, "tile/3"))).rejects.toThrow();
    expect(parseEntryBundle(new Uint8Array(await readFile(join(out, "tile/entries/272"))))).toEqual(
      Array.from({ length: 256 }, (_, j) => entry(272 * 256 + j)),
    );
    expect(
      parseEntryBundle(new Uint8Array(await readFile(join(out, "tile/entries/273.p/112")))),
    ).toEqual(Array.from({ length: 112 }, (_, j) => entry(273 * 256 + j)));
    expect(res.written).toBe(273 + 1 + 1 + 1 + 1 + 273 + 1 + 1); // tiles, bundles, checkpoint
  });

  test("the verifier's TileReader recomputes the checkpoint root, proofs and entries from the folder", async () => {
    const out = join(d.path, "static");
    const { checkpoint } = openCheckpoint(
      await readFile(join(out, "checkpoint"), "utf8"),
      boardKey().verifier,
      { origin: ORIGIN },
    );
    const { fetchTile, fetchEntryBundle } = readExported(out);
    const tr = new TileReader(checkpoint.size, fetchTile, { fetchEntryBundle });
    await tr.verifyRoot(checkpoint.root);
    for (const i of [0, 255, 256, 65_535, 65_536, 69_999]) {
      const proof = await tr.inclusionProof(i);
      expect(proof).toEqual(await log.seq.reader.inclusionProof(i));
      verifyInclusion(leafHash(entry(i)), i, N, proof, checkpoint.root);
    }
    expect(await tr.entries(69_880, 70_000)).toEqual(
      Array.from({ length: 120 }, (_, j) => entry(69_880 + j)),
    );
  });

  test("re-export after growth keeps existing files and stays consistent", async () => {
    const out = join(d.path, "static");
    await Promise.all(Array.from({ length: 300 }, (_, j) => log.seq.append(entry(N + j))));
    const res = await exportStaticTree(log.seq.reader, out);
    expect(res.size).toBe(N + 300);
    expect(res.kept).toBeGreaterThan(540);
    expect(res.written).toBeLessThan(10);
    const { checkpoint } = openCheckpoint(
      await readFile(join(out, "checkpoint"), "utf8"),
      boardKey().verifier,
    );
    const { fetchTile, fetchEntryBundle } = readExported(out);
    const tr = new TileReader(checkpoint.size, fetchTile, { fetchEntryBundle });
    await tr.verifyRoot(checkpoint.root);
    verifyConsistency(
      N,
      N + 300,
      await tr.consistencyProof(N, N + 300),
      await log.seq.reader.rootAt(N),
      checkpoint.root,
    );
  });

  test("the auditor's tile check (V1, spec/record.md) passes on the export, and names a changed or missing file", async () => {
    const out = join(d.path, "static-record");
    await cp(join(d.path, "static"), out, { recursive: true });
    await writeEntriesJsonl(log.seq.reader, join(out, "entries.jsonl"));
    const run = async () => {
      const src = folderSource(out);
      const read = await src.tiles?.();
      expect(read).toBeTypeOf("function");
      const failures: TileFailure[] = [];
      const tc = new TileCheck(read!, (f) => failures.push(f));
      for await (const leaf of src.leaves()) await tc.push(leaf, leafHash(leaf));
      await tc.finish();
      return { failures, checked: tc.checked };
    };
    const ok = await run();
    expect(ok.failures).toEqual([]);
    // every tile and bundle of the size (N + 300 = 70,300): 274 + 1 full level 0, 1 + 1 level 1,
    // 1 level 2, and 274 + 1 bundles
    expect(ok.checked).toBe(275 + 2 + 1 + 275);
    const flip = async (path: string, at: number) => {
      const b = new Uint8Array(await readFile(join(out, path)));
      b[at] ^= 1;
      await writeFile(join(out, path), b);
    };
    await flip("tile/0/255", 5);
    await flip("tile/entries/274.p/156", 9);
    await flip("tile/1/001.p/18", 32 * 17);
    await rm(join(out, "tile/2/000.p/1"));
    const bad = await run();
    expect(bad.failures.map((f) => [f.code, f.path])).toEqual([
      ["TILE_MISMATCH", "tile/0/255"],
      ["TILE_MISMATCH", "tile/entries/274.p/156"],
      ["TILE_MISMATCH", "tile/1/001.p/18"],
      ["TILE_MISSING", "tile/2/000.p/1"],
    ]);
  });
});

describe("entries.jsonl", () => {
  test("line i is leaf i followed by a newline", async () => {
    const path = join(d.path, "record", "entries.jsonl");
    const res = await writeEntriesJsonl(log.seq.reader, path, { end: 1000 });
    expect(res.size).toBe(1000);
    const text = await readFile(path, "utf8");
    const lines = text.split("\n");
    expect(lines.length).toBe(1001);
    expect(lines[1000]).toBe("");
    lines.slice(0, 1000).forEach((l, i) => expect(l).toBe(`{"i":${i}}`));
    expect(res.bytes).toBe(Buffer.byteLength(text));
  });

  test("an entry with a newline byte cannot be exported as a line", async () => {
    const other = await openLog(undefined);
    await other.seq.append(utf8("ok"));
    await other.seq.append(utf8("bad\nline"));
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const l of entryLines(other.seq.reader)) got.push(Buffer.from(l).toString());
      })(),
    ).rejects.toMatchObject({ code: "ENTRY_CONTAINS_NEWLINE" });
    expect(got).toEqual(["ok\n"]);
    await other.close();
  });
});
