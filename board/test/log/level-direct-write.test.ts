/**
 * The group commit writes a commit's operations straight to classic-level's `_batch` (skipping
 * abstract-level's per-operation cloning and re-encoding) only when nothing could observe or
 * alter them; otherwise through `db.batch`. Both paths must store exactly the same records.
 */
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import { utf8 } from "@urna/verifier";
import { type CommitBatch, LevelLogStorage, openLevelDb } from "../../src/log/index.js";
import { tempDir } from "./helpers.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const hashes = (n: number, seed: number): Uint8Array =>
  Uint8Array.from({ length: n * 32 }, (_, i) => (i * 7 + seed) & 0xff);

/** Two commits of one log: 3 leaves, then 2 more, with a tile, meta, state and checkpoint. */
const batches = (): CommitBatch[] => [
  {
    previousSize: 0,
    state: { size: 3, root: hashes(1, 1) },
    leaves: [utf8("a"), utf8("bb"), utf8("ccc")],
    tiles: [{ level: 0, index: 0, hashes: hashes(3, 2) }],
    checkpoint: "origin\n3\nroot\n\n— sig\n",
    meta: [["k1", utf8("v1")]],
  },
  {
    previousSize: 3,
    state: { size: 5, root: hashes(1, 3) },
    leaves: [utf8("dddd"), utf8("eeeee")],
    tiles: [{ level: 0, index: 0, hashes: hashes(5, 4) }],
    checkpoint: "origin\n5\nroot\n\n— sig\n",
    meta: [["k2", utf8("v2")]],
  },
];

/** Commits the batches on a fresh database; returns every stored record and the batch() calls. */
async function run(withWriteListener: boolean): Promise<{
  records: Array<[string, string]>;
  publicCalls: number;
  privateCalls: number;
  events: number;
}> {
  const d = await tempDir();
  cleanups.push(d.cleanup);
  const db = await openLevelDb(join(d.path, "db"));
  let publicCalls = 0;
  let privateCalls = 0;
  let events = 0;
  const pub = db.batch.bind(db) as (...a: unknown[]) => unknown;
  (db as unknown as { batch: unknown }).batch = (...a: unknown[]) => {
    publicCalls++;
    return pub(...a);
  };
  const impl = db as unknown as { _batch: (...a: unknown[]) => unknown };
  const priv = impl._batch.bind(db);
  impl._batch = (...a: unknown[]) => {
    privateCalls++;
    return priv(...a);
  };
  if (withWriteListener) db.on("write", () => void events++);
  const s = new LevelLogStorage(db, "log-1");
  for (const b of batches()) await s.commit(b);
  expect(await s.readState()).toEqual({ size: 5, root: hashes(1, 3) });
  expect(await s.readCheckpoint()).toBe("origin\n5\nroot\n\n— sig\n");
  expect(await s.readTile(0, 0)).toEqual(hashes(5, 4));
  expect((await s.readEntries(0, 5)).map((e) => Buffer.from(e).toString())).toEqual([
    "a",
    "bb",
    "ccc",
    "dddd",
    "eeeee",
  ]);
  expect(await s.getMeta("k2")).toEqual(utf8("v2"));
  const records: Array<[string, string]> = [];
  for await (const [k, v] of db.iterator()) records.push([k, Buffer.from(v).toString("base64")]);
  await s.close();
  await db.close();
  return { records, publicCalls, privateCalls, events };
}

test("commits skip db.batch when nothing observes it, and store what db.batch stores", async () => {
  const direct = await run(false);
  expect(direct.publicCalls).toBe(0);
  expect(direct.privateCalls).toBe(2);
  const viaPublic = await run(true);
  expect(viaPublic.publicCalls).toBe(2);
  expect(viaPublic.privateCalls).toBe(2);
  expect(viaPublic.events).toBe(2); // the listener saw both writes
  expect(direct.records.length).toBeGreaterThan(5);
  expect(direct.records).toEqual(viaPublic.records);
});
