/**
 * The PostgreSQL store's group commit is one statement and one round trip on the writer session
 * (board/src/store/postgres/group-commit.ts), with the guarantees of the transaction it replaced:
 * the fencing check and every log's compare-and-swap inside it, and a failure of either writes
 * nothing at all (not the other logs' entries, tiles, meta or signer rows, not even the lease's
 * renewal). Round trips are counted as the server's ReadyForQuery messages on the writer session.
 * PostgreSQL only (fresh databases of the postgres project's cluster).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, expect, test } from "vitest";
import type { CommitBatch } from "../../src/log/storage.js";
import { PostgresBoardStore } from "../../src/store/index.js";
import { CommitListener, type CommitNotice } from "../../src/store/postgres/notify.js";
import { removeDir } from "../server/helpers.js";
import { newTestStore } from "../../../tests/fixtures/test-store.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

async function open(url: string, holder?: string): Promise<PostgresBoardStore> {
  const dir = mkdtempSync(join(tmpdir(), "urna-pggc-"));
  dirs.push(dir);
  return PostgresBoardStore.open({
    url,
    boardName: "gc.test",
    signerStatePath: join(dir, "state"),
    // The lease thread renews on its own session (every second at most): the writer session,
    // whose round trips the tests count, carries only the commits.
    leaseTtlMs: 600_000,
    ...(holder ? { leaseHolder: holder } : {}),
  });
}

async function freshUrl(): Promise<string> {
  const url = await newTestStore();
  if (!url) throw new Error("this test runs in the postgres project only");
  return url;
}

/** `n` leaves after `prev`, a tile, a checkpoint and meta keys, all tagged with `tag`. */
const batch = (prev: number, n: number, tag: number): CommitBatch => ({
  previousSize: prev,
  state: { size: prev + n, root: new Uint8Array(32).fill(tag) },
  leaves: Array.from({ length: n }, (_, i) =>
    Uint8Array.of(tag, (prev + i) >> 8, (prev + i) & 255),
  ),
  tiles: [{ level: 0, index: 0, hashes: new Uint8Array(32 * Math.min(256, prev + n)).fill(tag) }],
  checkpoint: `cp ${tag}`,
  meta: [
    [`m/${tag}`, Uint8Array.of(tag)],
    ["m/last", Uint8Array.of(tag)],
  ],
});

/** Every row of the store's tables, as text, in a stable order. */
async function snapshot(url: string): Promise<Record<string, unknown[]>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const out: Record<string, unknown[]> = {};
    for (const [t, order] of [
      ["urna_logs", "id"],
      ["urna_entries", "log, idx"],
      ["urna_tiles", "log, level, idx"],
      ["urna_log_meta", "log, key"],
      ["urna_signer_state", "origin"],
      ["urna_lease", "name"],
    ])
      out[t] = (await c.query(`SELECT * FROM ${t} ORDER BY ${order}`)).rows.map((r) =>
        JSON.stringify(r),
      );
    return out;
  } finally {
    await c.end();
  }
}

async function sql(url: string, text: string): Promise<unknown[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows;
  } finally {
    await c.end();
  }
}

test("a group commit is one round trip, whatever the number of logs and entries in it", async () => {
  const url = await freshUrl();
  const store = await open(url);
  try {
    const [a, b, c] = [
      await store.openLog("a"),
      await store.openLog("b"),
      await store.openLog("c"),
    ];
    for (const l of [a, b, c]) await l.readState();
    const t0 = store.roundTrips;
    const w0 = store.writes;
    // Three logs in one group, then two, then one log with 300 entries, then two alone.
    await Promise.all([
      a.commit(batch(0, 2, 1)),
      b.commit(batch(0, 1, 2)),
      c.commit(batch(0, 3, 3)),
    ]);
    await Promise.all([a.commit(batch(2, 5, 4)), b.commit(batch(1, 1, 5))]);
    await c.commit(batch(3, 300, 6));
    await a.commit(batch(7, 1, 7));
    await b.commit(batch(2, 1, 8));
    expect(store.writes - w0).toBe(5);
    expect(store.roundTrips - t0).toBe(5);
    // Everything arrived, with its signer rows.
    expect((await a.readState())?.size).toBe(8);
    expect((await b.readState())?.size).toBe(3);
    expect((await c.readState())?.size).toBe(303);
    expect((await c.readEntries(300, 303)).map((e) => [...e])).toEqual([
      [6, 1, 44],
      [6, 1, 45],
      [6, 1, 46],
    ]);
    expect(await b.readCheckpoint()).toBe("cp 8");
    expect(await a.getMeta("m/last")).toEqual(Uint8Array.of(7));
    expect(await a.getMeta("m/4")).toEqual(Uint8Array.of(4));
    expect((await c.readTile(0, 0))?.length).toBe(256 * 32);
    expect(store.signerState.get("gc.test/elections/c")).toEqual({
      size: 303,
      root: new Uint8Array(32).fill(6),
    });
    const signer = await sql(url, "SELECT origin, size FROM urna_signer_state ORDER BY origin");
    expect(signer).toEqual([
      { origin: "gc.test/elections/a", size: "8" },
      { origin: "gc.test/elections/b", size: "3" },
      { origin: "gc.test/elections/c", size: "303" },
    ]);
  } finally {
    await store.close();
  }
});

test("a lost lease inside the group commit writes nothing, and every later write is refused", async () => {
  const url = await freshUrl();
  const store = await open(url);
  try {
    const [a, b] = [await store.openLog("a"), await store.openLog("b")];
    await Promise.all([a.commit(batch(0, 2, 1)), b.commit(batch(0, 1, 2))]);
    // Another board takes the lease over (its token bumped) while this one does not know yet.
    await sql(url, "UPDATE urna_lease SET token = token + 1, holder = 'other'");
    const before = await snapshot(url);
    const t0 = store.roundTrips;
    const both = await Promise.allSettled([a.commit(batch(2, 3, 3)), b.commit(batch(1, 2, 4))]);
    expect(both).toMatchObject([
      { status: "rejected", reason: { code: "STORE_LEASE_LOST" } },
      { status: "rejected", reason: { code: "STORE_LEASE_LOST" } },
    ]);
    // One round trip: the function's fencing check failed. None when the lease thread (its own
    // session, renewing every second) saw the other token first: refused before any statement.
    expect(store.roundTrips - t0).toBeLessThanOrEqual(1);
    expect(await snapshot(url)).toEqual(before);
    await expect(b.commit(batch(1, 1, 5))).rejects.toMatchObject({ code: "STORE_LEASE_LOST" });
    expect(await snapshot(url)).toEqual(before);
  } finally {
    await store.close();
  }
});

test("a failed compare-and-swap of one log rolls back the whole group, the lease's renewal included; the session stays usable", async () => {
  const url = await freshUrl();
  const store = await open(url);
  try {
    const [a, b] = [await store.openLog("a"), await store.openLog("b")];
    await Promise.all([a.commit(batch(0, 2, 1)), b.commit(batch(0, 1, 2))]);
    // Another writer moved log a behind this board's back.
    await sql(url, "UPDATE urna_logs SET size = 5 WHERE id = 'a'");
    const before = await snapshot(url);
    const both = await Promise.allSettled([a.commit(batch(2, 3, 3)), b.commit(batch(1, 2, 4))]);
    expect(both).toMatchObject([
      { status: "rejected", reason: { code: "STORAGE_CONFLICT" } },
      { status: "rejected", reason: { code: "STORAGE_CONFLICT" } },
    ]);
    // The message names the log whose swap failed, only it.
    expect(String((both[0] as PromiseRejectedResult).reason.message)).toMatch(
      /stored size of log a is not/,
    );
    // Nothing of b's entries, tile, meta or signer row; the lease's expiry not renewed either.
    expect(await snapshot(url)).toEqual(before);
    expect(store.signerState.get("gc.test/elections/b")?.size).toBe(1);
    // Not in an aborted transaction block: b commits on the same session.
    await b.commit(batch(1, 2, 4));
    expect((await b.readState())?.size).toBe(3);
    expect(await b.readEntries(0, 3)).toHaveLength(3);
  } finally {
    await store.close();
  }
});

test("a commit announces each log's new size on urna_commit once committed; a failed group announces nothing", async () => {
  const url = await freshUrl();
  const store = await open(url);
  const got: CommitNotice[] = [];
  let listening!: () => void;
  const ready = new Promise<void>((r) => (listening = r));
  const listener = new CommitListener({
    url,
    onCommit: (n) => got.push(n),
    onListening: () => listening(),
  });
  const seen = async (n: number): Promise<void> => {
    for (let i = 0; i < 200 && got.length < n; i++) await new Promise((r) => setTimeout(r, 10));
  };
  try {
    await ready;
    const [a, b] = [await store.openLog("a"), await store.openLog("b")];
    for (const l of [a, b]) await l.readState();
    const t0 = store.roundTrips;
    await Promise.all([a.commit(batch(0, 2, 1)), b.commit(batch(0, 1, 2))]);
    expect(store.roundTrips - t0).toBe(1); // the announcements cost no round trip
    await seen(2);
    expect([...got].sort((x, y) => x.log.localeCompare(y.log))).toEqual([
      { log: "a", size: 2 },
      { log: "b", size: 1 },
    ]);
    // A group whose compare-and-swap fails is rolled back: its announcements are never delivered.
    await sql(url, "UPDATE urna_logs SET size = 5 WHERE id = 'a'");
    const both = await Promise.allSettled([a.commit(batch(2, 3, 3)), b.commit(batch(1, 2, 4))]);
    expect(both.map((x) => x.status)).toEqual(["rejected", "rejected"]);
    await b.commit(batch(1, 2, 4));
    // One session's notifications arrive in commit order: had the failed group announced
    // anything, it would come before this one.
    await seen(3);
    expect(got.slice(2)).toEqual([{ log: "b", size: 3 }]);
  } finally {
    await listener.close();
    await store.close();
  }
});

test("two writers opening a new database at once: the migration is serialised, one gets the lease", async () => {
  const url = await freshUrl();
  const opened = await Promise.allSettled([open(url, "one"), open(url, "two")]);
  const ok = opened.filter((r) => r.status === "fulfilled");
  expect(ok).toHaveLength(1);
  expect(opened.find((r) => r.status === "rejected")).toMatchObject({
    reason: { code: "STORE_LOCKED" },
  });
  await (ok[0] as PromiseFulfilledResult<PostgresBoardStore>).value.close();
});
