/**
 * Record readers: lines split exactly at "\n" whatever the chunking, the folder reader streams and
 * re-reads from any line (remembered offsets), and the memory guard on absurd lines.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { folderSource, openFolderSource } from "../../src/record/folder-node.js";
import { RecordError, splitLines } from "../../src/record/source.js";
import { cleanupRecords, tempDir } from "../../../tests/fixtures/election.js";

afterAll(cleanupRecords);

async function* chunked(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const c of [...cuts.filter((x) => x > 0 && x < bytes.length)].sort((a, b) => a - b)) {
    yield bytes.subarray(at, c);
    at = c;
  }
  yield bytes.subarray(at);
}

const collect = async (it: AsyncIterable<Uint8Array>) => {
  const out: string[] = [];
  for await (const l of it) out.push(Buffer.from(l).toString("utf8"));
  return out;
};

describe("record readers", () => {
  it("splitLines yields exactly the lines, whatever the chunk boundaries", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ unit: "grapheme-ascii", maxLength: 20 }).map((s) => s.replace(/\n/g, "")),
          { maxLength: 12 },
        ),
        fc.array(fc.nat(300)),
        async (lines, cuts) => {
          const text = lines.map((l) => l + "\n").join("");
          const got = await collect(splitLines(chunked(new TextEncoder().encode(text), cuts)));
          expect(got).toEqual(lines);
        },
      ),
      { numRuns: 200 },
    );
    // A final line without its newline is still yielded (a record cut mid-write).
    expect(await collect(splitLines(chunked(new TextEncoder().encode("a\nbc"), [3])))).toEqual([
      "a",
      "bc",
    ]);
    await expect(
      collect(splitLines(chunked(new Uint8Array(100).fill(65), [10, 50]), 64)),
    ).rejects.toBeInstanceOf(RecordError);
  });

  it("the folder reader streams, re-reads from any line and reports a missing record", async () => {
    const dir = tempDir("urna-vrec-");
    const n = 5000; // several 1024-line strides
    writeFileSync(
      join(dir, "entries.jsonl"),
      Array.from({ length: n }, (_, i) => `{"i":${i}}\n`).join(""),
    );
    writeFileSync(join(dir, "checkpoint"), "x\n");
    const src = await openFolderSource(dir);
    expect(await src.checkpoint()).toBe("x\n");
    const all = await collect(src.leaves());
    expect(all.length).toBe(n);
    expect(all[4321]).toBe('{"i":4321}');
    // After a full read, offsets are remembered: ranges start at the right line.
    for (const [a, b] of [
      [0, 3],
      [1023, 1026],
      [2048, 2049],
      [4999, 6000],
      [3000, 3000],
    ]) {
      expect(await collect(src.leaves(a, b))).toEqual(all.slice(a, b));
    }
    // A fresh reader (no offsets yet) reading from the middle.
    expect(await collect(folderSource(dir).leaves(2500, 2502))).toEqual(all.slice(2500, 2502));
    await expect(openFolderSource(join(dir, "nope"))).rejects.toMatchObject({
      code: "RECORD_UNREADABLE",
    });
    await expect(collect(src.leaves(-1))).rejects.toMatchObject({ code: "BAD_RANGE" });
  });
});
