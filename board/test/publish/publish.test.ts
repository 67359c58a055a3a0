/**
 * The publisher without S3 (spec/log.md §10): which tiles are new between two trees, the folder
 * target's create-only rule, the publish state's compare-and-swap on the test project's store
 * (level, or PostgreSQL in the postgres project), and a board publishing to a folder: the
 * folder holds the board's checkpoint and tiles; an object planted with other bytes stops
 * publishing with PUBLISH_CONFLICT (shown in the status) while the board keeps taking writes and
 * the published checkpoint stays.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  entryBundlePath,
  parseCheckpoint,
  parseNote,
  tilePath,
  tilesForSize,
} from "@urna/verifier";
import { createElection } from "../../src/actors/index.js";
import {
  FsPublishTarget,
  PublishError,
  newTiles,
  openPublishTarget,
} from "../../src/publish/index.js";
import {
  manifestFor,
  newActors,
  openElection,
  removeDir,
  startBoard,
  type TestBoard,
} from "../server/helpers.js";
import { TEST_STORE } from "../../../tests/fixtures/test-store.js";

const work = mkdtempSync(join(tmpdir(), "urna-publish-"));
afterAll(() => removeDir(work));

const key = (t: { level: number; index: number; width: number }) =>
  `${t.level}/${t.index}/${t.width}`;

describe("newTiles", () => {
  it("is exactly the tiles at the new size that the old size did not have with that width", () => {
    for (const [a, b] of [
      [0, 1],
      [1, 2],
      [255, 256],
      [256, 257],
      [100, 70_000],
      [65_535, 65_537],
      [300, 300],
    ]) {
      const before = new Set(tilesForSize(a).map(key));
      const want = tilesForSize(b)
        .filter((t) => !before.has(key(t)))
        .map(key)
        .sort();
      expect(newTiles(a, b).map(key).sort(), `${a} -> ${b}`).toEqual(want);
    }
  });
});

describe("the folder target", () => {
  it("creates immutable files once, keeps the same bytes, refuses other bytes without overwriting", async () => {
    const dir = join(work, "fs");
    const t = new FsPublishTarget(dir);
    expect(await t.putImmutable("a/tile/0/000", new Uint8Array([1, 2, 3]))).toBe("written");
    expect(await t.putImmutable("a/tile/0/000", new Uint8Array([1, 2, 3]))).toBe("kept");
    const e = await t
      .putImmutable("a/tile/0/000", new Uint8Array([1, 2, 4]))
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PublishError);
    expect((e as PublishError).code).toBe("PUBLISH_CONFLICT");
    expect([...readFileSync(join(dir, "a/tile/0/000"))]).toEqual([1, 2, 3]);
    await t.putCheckpoint("a/checkpoint", "one\n");
    await t.putCheckpoint("a/checkpoint", "two\n");
    expect(readFileSync(join(dir, "a/checkpoint"), "utf8")).toBe("two\n");
    await expect(t.putImmutable("../escape", new Uint8Array(1))).rejects.toMatchObject({
      code: "PUBLISH_TARGET_INVALID",
    });
  });

  it("--publish targets: a folder, s3://bucket/prefix; other schemes are refused", () => {
    expect(openPublishTarget(join(work, "x")).url).toBe(join(work, "x"));
    expect(openPublishTarget("s3://urna-record/2024/mx?path-style=1").url).toBe(
      "s3://urna-record/2024/mx?path-style=1",
    );
    for (const bad of [
      "https://example/x",
      "s3://UPPER/x",
      "s3://b/../x",
      "s3://bucket/x?region=1",
      "",
    ])
      expect(() => openPublishTarget(bad), bad).toThrow(
        expect.objectContaining({ code: "PUBLISH_TARGET_INVALID" }),
      );
  });
});

describe("a board publishing to a folder", () => {
  let tb: TestBoard;
  const dir = join(work, "board-pub");
  const id = "mx-2024-pubfs";
  beforeAll(async () => {
    tb = await startBoard({ publish: new FsPublishTarget(dir), publishRetryMs: 50 });
  }, 60_000);
  afterAll(async () => {
    await tb?.close();
    if (tb) removeDir(tb.dir);
  });

  it("the publish state is a compare-and-swap per election and target", async () => {
    const s = tb.board.store.publishState;
    const A = { size: 1, root: new Uint8Array(32).fill(1) };
    const B = { size: 5, root: new Uint8Array(32).fill(2) };
    expect(await s.read("e1", "t")).toBeUndefined();
    expect(await s.compareAndSwap("e1", "t", undefined, A)).toBe(true);
    expect(await s.compareAndSwap("e1", "t", undefined, B)).toBe(false);
    expect(await s.compareAndSwap("e1", "t", { size: 1, root: new Uint8Array(32) }, B)).toBe(false);
    expect(await s.compareAndSwap("e1", "t", A, B)).toBe(true);
    expect(await s.compareAndSwap("e1", "t", A, B)).toBe(false);
    expect(await s.read("e1", "t")).toEqual(B);
    expect(await s.read("e1", "other")).toBeUndefined();
  });

  it("publishes each checkpoint; a conflicting object stops publishing, not the board", async () => {
    const a = newActors(3);
    await createElection(tb.client, manifestFor(id, a, {}), a.authority.secretKey);
    await tb.board.publishSettled(id);
    const cpPath = join(dir, "elections", id, "checkpoint");
    const first = readFileSync(cpPath, "utf8");
    expect(first).toBe(await (await fetch(`${tb.url}/elections/${id}/checkpoint`)).text());
    expect(parseCheckpoint(parseNote(first).text).size).toBe(1);
    for (const p of [tilePath(0, 0, 1), entryBundlePath(0, 1)])
      expect(readFileSync(join(dir, "elections", id, p))).toEqual(
        Buffer.from(await (await fetch(`${tb.url}/elections/${id}/${p}`)).arrayBuffer()),
      );
    // Plant other bytes where every next entry bundle of the first tile would go.
    for (let w = 2; w < 256; w++) {
      const p = join(dir, "elections", id, entryBundlePath(0, w));
      mkdirSync(join(p, ".."), { recursive: true });
      writeFileSync(p, "planted");
    }
    await openElection(tb.client, id, a, 2); // the board still takes every write
    await tb.board.publishSettled(id);
    const status = (await (await fetch(`${tb.url}/elections/${id}/status`)).json()) as {
      size: number;
      published: { size: number; error?: { code: string } };
    };
    expect(status.size).toBeGreaterThan(1);
    expect(status.published.size).toBe(1);
    expect(status.published.error?.code).toBe("PUBLISH_CONFLICT");
    expect(readFileSync(cpPath, "utf8")).toBe(first);
  }, 60_000);

  it.runIf(TEST_STORE === "postgres")(
    "on PostgreSQL the swap is fenced by the sequencer lease: after a takeover it writes nothing",
    async () => {
      const s = tb.board.store.publishState;
      const before = await s.read(id, tb.board.publishStatus(id)!.target);
      const c = new pg.Client({ connectionString: tb.store });
      await c.connect();
      try {
        await c.query("UPDATE urna_lease SET token = token + 1"); // another board took the lease
      } finally {
        await c.end();
      }
      const next = { size: 99, root: new Uint8Array(32).fill(9) };
      await expect(
        s.compareAndSwap(id, tb.board.publishStatus(id)!.target, before, next),
      ).rejects.toMatchObject({
        code: "STORE_LEASE_LOST",
      });
      expect(await s.read(id, tb.board.publishStatus(id)!.target)).toEqual(before);
    },
  );
});
