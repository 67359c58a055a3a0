/**
 * A board survives a PostgreSQL restart (README "Storage engines", spec/log.md §4.1): its
 * PostgreSQL server is stopped (`pg_ctl stop -m fast`: every session terminated) and started
 * again while clients write to several elections. Writes in flight are held, never acknowledged
 * before their transaction committed; the sequencer retries on a new writer session once the
 * server is back, the elections become writable again by themselves, and reads work again.
 * Afterwards every acknowledged entry is in the log at its index with identical bytes, and the
 * final checkpoint covers them.
 *
 * Runs in the vitest project "postgres-serial" only (vitest.config.ts POSTGRES_SERIAL): it has its own
 * throw-away cluster, which it restarts.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { canonicalJson } from "@urna/schemas";
import { parseCheckpoint } from "@urna/verifier";
import { BoardClient, createElection, generateCredentials } from "../../src/actors/index.js";
import { signEntry } from "../../src/entry-sign.js";
import { type Board, createBoard } from "../../src/server/index.js";
import { manifestFor, newActors, removeDir } from "../server/helpers.js";
import { type PgCluster, startPgCluster } from "../../../tests/fixtures/pg-cluster.js";

const ELECTIONS = ["r-1", "r-2", "r-3"];
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Ack {
  election: string;
  index: number;
  bytes: string;
  ms: number;
  /** When the acknowledgement arrived (performance.now()). */
  at: number;
}

describe("the board on PostgreSQL survives a PostgreSQL restart", () => {
  let cluster: PgCluster;
  let store: string;
  let board: Board;
  let client: BoardClient;
  const dir = mkdtempSync(join(tmpdir(), "urna-pg-restart-"));
  const logs: string[] = [];
  const acks: Ack[] = [];
  const refused: string[] = [];
  let down = { from: 0, to: 0 };

  beforeAll(async () => {
    cluster = await startPgCluster();
    store = await cluster.createDatabase("restart");
    board = await createBoard({
      dataDir: dir,
      name: "restart.test",
      store,
      workers: 1,
      log: (m) => logs.push(m),
    });
    client = new BoardClient((await board.listen(0)).url);
    const a = newActors(1);
    for (const id of ELECTIONS)
      await createElection(client, manifestFor(id, a), a.authority.secretKey);

    // One sequential writer per election (credentials batches go in order), until told to stop.
    let stop = false;
    const writer = async (id: string) => {
      for (let batch = 0; !stop; batch++) {
        const [c] = generateCredentials(id, 1, ["ent-09"]);
        const entry = signEntry(
          "credentials",
          id,
          { batch, credentials: [c.public] },
          a.registrar.secretKey,
        );
        const t = performance.now();
        try {
          const r = await client.post(entry);
          acks.push({
            election: id,
            index: r.index,
            bytes: canonicalJson(entry),
            ms: performance.now() - t,
            at: performance.now(),
          });
        } catch (e) {
          // Not acknowledged (its outcome may be unknown): this writer stops here.
          refused.push(`${id} batch ${batch}: ${String(e)}`);
          return;
        }
      }
    };
    const writers = ELECTIONS.map(writer);
    const written = (pred: (x: Ack) => boolean, n: number) =>
      ELECTIONS.every((id) => acks.filter((x) => x.election === id && pred(x)).length >= n);
    for (let t = Date.now(); !written(() => true, 5) && Date.now() - t < 30_000;) await sleep(50);
    down.from = performance.now();
    await cluster.stop("fast");
    await sleep(2000);
    await cluster.start();
    down.to = performance.now();
    // Writable again by itself: every writer gets 10 more acknowledgements after the restart.
    for (let t = Date.now(); !written((x) => x.at > down.to, 10) && Date.now() - t < 30_000;)
      await sleep(100);
    stop = true;
    await Promise.all(writers);
  }, 90_000);

  afterAll(async () => {
    await board?.close();
    await cluster?.destroy();
    removeDir(dir);
  });

  test("writes held during the outage were acknowledged after it, and writing resumed by itself", () => {
    expect(refused).toEqual([]);
    expect(acks.filter((x) => x.at < down.from).length).toBeGreaterThanOrEqual(3 * 5);
    for (const id of ELECTIONS)
      expect(acks.filter((x) => x.election === id && x.at > down.to).length).toBeGreaterThanOrEqual(
        10,
      );
    // Some write was in flight across the outage (held, acknowledged only after the restart).
    expect(Math.max(...acks.map((x) => x.ms))).toBeGreaterThan(1500);
    expect(logs.some((m) => /retrying/.test(m))).toBe(true);
    expect(logs.some((m) => /writable again/.test(m))).toBe(true);
  });

  test("every acknowledged entry is in the log at its index with identical bytes", async () => {
    const c = new pg.Client({ connectionString: store });
    await c.connect();
    try {
      for (const id of ELECTIONS) {
        const mine = acks.filter((x) => x.election === id);
        const rows = await c.query<{ idx: string; data: Buffer }>(
          "SELECT idx, data FROM urna_entries WHERE log = $1 ORDER BY idx",
          [id],
        );
        const stored = new Map(rows.rows.map((r) => [Number(r.idx), r.data.toString("utf8")]));
        for (const x of mine) expect(stored.get(x.index)).toBe(x.bytes);
        // Nothing else was written: the manifest and the acknowledged batches, contiguous.
        expect(rows.rows.map((r) => Number(r.idx))).toEqual(rows.rows.map((_, i) => i));
        expect(rows.rows.length).toBe(mine.length + 1);
      }
    } finally {
      await c.end();
    }
  });

  test("reads work again: entries and the checkpoint over HTTP cover every acknowledged entry", async () => {
    for (const id of ELECTIONS) {
      const mine = acks.filter((x) => x.election === id);
      const note = await client.checkpoint(id);
      const cp = parseCheckpoint(note.slice(0, note.indexOf("\n\n") + 1));
      expect(cp.size).toBe(mine.length + 1);
      const leaves = await client.leaves(id, 0, cp.size);
      for (const x of mine) expect(leaves[x.index]).toBe(x.bytes);
      const st = await client.status(id);
      expect(st.size).toBe(cp.size);
      expect(st).not.toHaveProperty("retrying");
    }
  });
});
