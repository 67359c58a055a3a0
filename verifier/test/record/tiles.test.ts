/**
 * A record folder's optional `tile/` (spec/record.md §Record folder, verification.md V1): the
 * auditor checks every hash tile and entry bundle of the checkpoint's size against the leaves.
 * The tiles here are written by a plain recursive MTH (log.md §2, §5), independently of the
 * verifier's streaming check; the board exporter's output is checked in
 * board/test/log/export.test.ts.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckReport, VerificationReport } from "@urna/schemas";
import { verifyElection } from "../../src/audit/verify-election.js";
import { folderSource } from "../../src/record/folder-node.js";
import { leafHash, nodeHash } from "../../src/log/merkle-hash.js";
import { entryBundlePath, tilePath } from "../../src/log/tiles.js";
import {
  cleanupRecords,
  copyRecord,
  generateElection,
  type GeneratedElection,
} from "../../../tests/fixtures/election.js";

let g: GeneratedElection;
afterAll(cleanupRecords);
beforeAll(async () => {
  g = await generateElection({ voters: 6, custodians: 3, threshold: 2, seed: 5 });
}, 120_000);

const check = (r: VerificationReport, id: string): CheckReport =>
  r.checks.find((c) => c.id === id) as CheckReport;

/** MTH of leaf hashes [lo, hi) (RFC 6962 §2.1), hi − lo a power of two here. */
function mth(h: Uint8Array[], lo: number, hi: number): Uint8Array {
  if (hi - lo === 1) return h[lo];
  const mid = lo + (hi - lo) / 2;
  return nodeHash(mth(h, lo, mid), mth(h, mid, hi));
}

/** Writes the tile/ tree of log.md §5 for the record's leaves; returns the paths written. */
function writeTiles(dir: string): string[] {
  const leaves = readFileSync(join(dir, "entries.jsonl"), "utf8")
    .split("\n")
    .slice(0, -1)
    .map((l) => new TextEncoder().encode(l));
  const hashes = leaves.map(leafHash);
  const n = leaves.length;
  const paths: string[] = [];
  const put = (path: string, bytes: Uint8Array) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), bytes);
    paths.push(path);
  };
  for (let level = 0; Math.floor(n / 256 ** level) > 0; level++) {
    const atLevel = Math.floor(n / 256 ** level);
    const span = 256 ** level;
    for (let t = 0; t * 256 < atLevel; t++) {
      const width = Math.min(256, atLevel - t * 256);
      const tile = new Uint8Array(32 * width);
      for (let j = 0; j < width; j++) {
        const k = t * 256 + j;
        tile.set(mth(hashes, k * span, (k + 1) * span), 32 * j);
      }
      put(tilePath(level, t, width), tile);
      if (level === 0) {
        const parts = leaves.slice(t * 256, t * 256 + width);
        const bundle = new Uint8Array(parts.reduce((s, p) => s + 2 + p.length, 0));
        let o = 0;
        for (const p of parts) {
          bundle[o] = p.length >> 8;
          bundle[o + 1] = p.length & 0xff;
          bundle.set(p, o + 2);
          o += 2 + p.length;
        }
        put(entryBundlePath(t, width), bundle);
      }
    }
  }
  return paths;
}

const verify = (dir: string) => verifyElection({ source: folderSource(dir), trust: g.trust });

describe("the record's tile/ folder (V1)", () => {
  it("a correct tile/ passes; one changed byte of a tile or bundle, or a missing file, fails V1 naming it", async () => {
    const dir = copyRecord(g.dir);
    const paths = writeTiles(dir);
    expect(paths.length).toBeGreaterThanOrEqual(2); // a partial level-0 tile and its bundle
    const ok = await verify(dir);
    expect(ok.ok).toBe(true);

    const tile = paths.find((p) => !p.startsWith("tile/entries/"))!;
    const bundle = paths.find((p) => p.startsWith("tile/entries/"))!;
    const flip = (p: string, at: number) => {
      const b = readFileSync(join(dir, p));
      b[at] ^= 0x20;
      writeFileSync(join(dir, p), b);
    };
    flip(tile, 40);
    const r1 = await verify(dir);
    expect(r1.checks.filter((c) => c.status === "fail").map((c) => c.id)).toEqual(["V1"]);
    expect(check(r1, "V1").failures).toEqual([
      expect.objectContaining({ message: expect.stringMatching(`TILE_MISMATCH.*${tile}`) }),
    ]);
    flip(tile, 40);

    flip(bundle, 100);
    const r2 = await verify(dir);
    expect(check(r2, "V1").failures).toEqual([
      expect.objectContaining({ message: expect.stringMatching(`TILE_MISMATCH.*${bundle}`) }),
    ]);
    flip(bundle, 100);

    rmSync(join(dir, tile));
    const r3 = await verify(dir);
    expect(r3.checks.filter((c) => c.status === "fail").map((c) => c.id)).toEqual(["V1"]);
    expect(check(r3, "V1").failures).toEqual([
      expect.objectContaining({ message: expect.stringMatching(`TILE_MISSING.*${tile}`) }),
    ]);
  });

  it("a record without tile/ is not affected", async () => {
    expect((await verify(g.dir)).ok).toBe(true);
  });
});
