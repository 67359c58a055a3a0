/**
 * The PostgreSQL store on a real PostgreSQL (its own throw-away cluster, which these tests stop,
 * crash and restart): the election registry and the writer lock; acknowledged entries survive a
 * crash of the board process and of PostgreSQL; a board refuses to sign after its database is
 * restored from an older backup (the local signer file remembers the newer tree), and starts
 * from the database's signer row on a host without the file; `urna board export --store`.
 * The board's HTTP write and read tests also run on this store (vitest project "postgres").
 */
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import {
  leafHash,
  parseCheckpoint,
  rootFromLeafHashes,
  utf8,
  verifyConsistency,
} from "@urna/verifier";
import { BoardClient, createElection, generateCredentials } from "../../src/actors/index.js";
import { main } from "../../src/cli.js";
import { signEntry } from "../../src/entry-sign.js";
import { createBoard } from "../../src/server/index.js";
import { PostgresBoardStore } from "../../src/store/index.js";
import { attemptLease, renewLease, tryLeaseLock } from "../../src/store/postgres/lease-protocol.js";
import { CREATE_SCHEMA } from "../../src/store/postgres/schema.js";
import { type Actors, manifestFor, newActors, removeDir, startBoard } from "../server/helpers.js";
import {
  PG_MISSING_WARNING,
  type PgCluster,
  pgAvailable,
  pgRequired,
  startPgCluster,
} from "../../../tests/fixtures/pg-cluster.js";

const available = pgAvailable();
if (!available) console.warn(PG_MISSING_WARNING);

if (!available && pgRequired())
  test("PostgreSQL is installed (CI runs the postgres store tests)", () => {
    expect.fail(PG_MISSING_WARNING);
  });

const root = fileURLToPath(new URL("../../..", import.meta.url));
const body = (note: string): string => note.slice(0, note.indexOf("\n\n") + 1);

/** Posts `n` one-credential batches from batch number `from`, one by one; returns the acknowledgements. */
async function credentials(
  client: BoardClient,
  id: string,
  a: Actors,
  from: number,
  n: number,
): Promise<Array<{ index: number; trackingCode: string; checkpoint: string }>> {
  const creds = generateCredentials(id, n, ["ent-09", "ent-14"]);
  const acks = [];
  for (const [i, c] of creds.entries())
    acks.push(
      await client.post(
        signEntry(
          "credentials",
          id,
          { batch: from + i, credentials: [c.public] },
          a.registrar.secretKey,
        ),
      ),
    );
  return acks;
}

const batch0 = () => ({
  previousSize: 0,
  state: { size: 0, root: new Uint8Array(32) },
  leaves: [],
  tiles: [],
  checkpoint: "",
  meta: [],
});

async function sql<R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(text)).rows;
  } finally {
    await c.end();
  }
}

/** `urna board serve` as a child process; resolves with its URL. */
async function serve(dataDir: string, store: string): Promise<{ p: ChildProcess; url: string }> {
  const p = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(root, "board/src/cli.ts"),
      "board",
      "serve",
      "--port",
      "0",
      "--json",
      "--workers",
      "1",
      "--name",
      "pg.test",
      "--data",
      dataDir,
    ],
    {
      cwd: root,
      env: { ...process.env, URNA_STORE: store },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  let err = "";
  p.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    p.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      try {
        resolve((JSON.parse(out) as { url: string }).url);
      } catch {
        /* not complete yet */
      }
    });
    p.on("exit", (code) => reject(new Error(`board exited with ${code}: ${err}`)));
  });
  return { p, url };
}

async function urna(...args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = "";
  const o = vi
    .spyOn(process.stdout, "write")
    .mockImplementation((s: string | Uint8Array) => ((stdout += String(s)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    return { code: await main(args), stdout };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe.skipIf(!available)("the postgres store", () => {
  let cluster: PgCluster;
  const dirs: string[] = [];
  const tmp = (): string => {
    const d = mkdtempSync(join(tmpdir(), "urna-pgstore-"));
    dirs.push(d);
    return d;
  };
  beforeAll(async () => {
    cluster = await startPgCluster();
  });
  afterAll(async () => {
    await cluster?.destroy();
    for (const d of dirs) removeDir(d);
  });

  test("log storage: one transaction per group of logs, compare-and-swap on the size, bundles, meta in byte order", async () => {
    const url = await cluster.createDatabase();
    const dir = tmp();
    const store = await PostgresBoardStore.open({
      url,
      boardName: "s.test",
      signerStatePath: join(dir, "state"),
    });
    try {
      const [a, b] = [await store.openLog("a"), await store.openLog("b")];
      await expect(store.openLog("a")).rejects.toMatchObject({ code: "STORAGE_CONFLICT" });
      await expect(store.openLog("no good")).rejects.toMatchObject({ code: "BAD_LOG_ID" });
      const leaves = (n: number, tag: number) =>
        Array.from({ length: n }, (_, i) => Uint8Array.of(tag, i >> 8, i & 255));
      const batch = (prev: number, n: number, tag: number) => ({
        previousSize: prev,
        state: { size: prev + n, root: new Uint8Array(32).fill(tag) },
        leaves: leaves(n, tag).map((l, i) => Uint8Array.of(...l, prev + i)),
        tiles: [{ level: 0, index: 0, hashes: new Uint8Array(64).fill(tag) }],
        checkpoint: `cp ${tag}`,
        meta: [
          ["k/b", Uint8Array.of(1)],
          ["k/a", Uint8Array.of(2)],
          ["k/b", Uint8Array.of(3)],
          ["k0", Uint8Array.of(4)],
          ["k/\u00e9", Uint8Array.of(5)],
        ] as Array<[string, Uint8Array]>,
      });
      expect(await a.readState()).toBeUndefined(); // as a sequencer opens its log
      expect(await b.readState()).toBeUndefined();
      const w0 = store.writes;
      // Two logs committed in the same turn share one transaction.
      await Promise.all([a.commit(batch(0, 300, 1)), b.commit(batch(0, 2, 2))]);
      expect(store.writes - w0).toBe(1);
      expect((await a.readState())?.size).toBe(300);
      expect(await a.readCheckpoint()).toBe("cp 1");
      const e = await a.readEntries(250, 260);
      expect(e.map((x) => x[2] + (x[1] << 8))).toEqual([...Array(10).keys()].map((i) => 250 + i));
      expect((await a.readEntryBundle(1))?.count).toBe(44);
      expect((await a.readEntryBundle(0))?.count).toBe(256);
      expect(await a.readEntryBundle(2)).toBeUndefined();
      expect(await a.readTile(0, 0)).toEqual(new Uint8Array(64).fill(1));
      expect(await a.readTile(0, 1)).toBeUndefined();
      const meta: Array<[string, number]> = [];
      for await (const [k, v] of a.iterateMeta("k/")) meta.push([k, v[0]]);
      expect(meta).toEqual([
        ["k/a", 2],
        ["k/b", 3],
        ["k/\u00e9", 5],
      ]);
      expect(await b.getMeta("k0")).toEqual(Uint8Array.of(4));
      // A commit from a stale size is refused and writes nothing.
      await expect(a.commit(batch(299, 1, 9))).rejects.toMatchObject({ code: "STORAGE_CONFLICT" });
      // Another writer changed the database behind this one's back: the compare-and-swap catches
      // it, and the whole group transaction (both logs) is rolled back.
      await sql(url, "UPDATE urna_logs SET size = 301 WHERE id = 'a'");
      const both = await Promise.allSettled([a.commit(batch(300, 1, 3)), b.commit(batch(2, 1, 4))]);
      expect(both.map((r) => r.status)).toEqual(["rejected", "rejected"]);
      expect(both[0]).toMatchObject({ reason: { code: "STORAGE_CONFLICT" } });
      expect((await b.readState())?.size).toBe(2);
      expect(await b.readEntries(0, 5)).toHaveLength(2);
      expect(store.signerState.get("s.test/elections/b")?.size).toBe(2);
      await a.close();
      await b.close();
    } finally {
      await store.close();
    }
    // Read-only: no lock (the writer may run), no writes.
    const ro = await PostgresBoardStore.open({ url, readOnly: true });
    const ra = await ro.openLog("b");
    expect((await ra.readState())?.size).toBe(2);
    await expect(ra.commit(batch0())).rejects.toMatchObject({ code: "STORE_READ_ONLY" });
    expect(() => ro.signerState).toThrow(/STORE_READ_ONLY/);
    await ro.close();
    await expect(
      PostgresBoardStore.open({ url: await cluster.createDatabase(), readOnly: true }),
    ).rejects.toMatchObject({ code: "STORE_SCHEMA" });
  });

  test("the election registry survives a restart; a second board on the database is refused; export works while it runs", async () => {
    const url = await cluster.createDatabase();
    const dir = tmp();
    let tb = await startBoard({ store: url }, dir);
    expect(tb.board.store.engine).toBe("postgres");
    expect(tb.board.store.location).toBe(url);
    const a = newActors(1);
    for (const id of ["e-uno", "e-dos"])
      await createElection(tb.client, manifestFor(id, a, { threshold: 1 }), a.authority.secretKey);
    await credentials(tb.client, "e-uno", a, 0, 30);
    expect((await tb.board.store.listElections()).map((e) => e.id)).toEqual(["e-dos", "e-uno"]);

    // One writer per database (the advisory lock); another database on the cluster is independent.
    await expect(
      createBoard({ dataDir: tmp(), name: "board.test", store: url, log: () => undefined }),
    ).rejects.toMatchObject({ code: "STORE_LOCKED" });
    const other = await startBoard({ store: await cluster.createDatabase() }, tmp());
    expect(other.board.elections.size).toBe(0);
    await other.close();

    // Export from the running board's database equals what the board serves.
    const out = join(tmp(), "record");
    const r = await urna(
      "board",
      "export",
      "--store",
      url,
      "--election",
      "e-uno",
      "--out",
      out,
      "--tiles",
      "--json",
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ election: "e-uno", size: 31 });
    const lines = readFileSync(join(out, "entries.jsonl"), "utf8").slice(0, -1).split("\n");
    expect(lines).toEqual(await tb.client.leaves("e-uno", 0, 31));
    const cp = readFileSync(join(out, "checkpoint"), "utf8");
    expect(cp).toBe(await tb.client.checkpoint("e-uno"));
    expect(parseCheckpoint(body(cp)).root).toEqual(
      rootFromLeafHashes(lines.map((l) => leafHash(utf8(l)))),
    );
    expect(readdirSync(join(out, "tile"))).toContain("entries");
    expect((await urna("board", "export", "--election", "e-uno", "--out", out)).code).toBe(2);
    expect((await urna("board", "serve", "--data", dir, "--store", "mysql://x")).code).toBe(2);
    const unknown = await urna(
      "board",
      "export",
      "--store",
      url,
      "--election",
      "nada",
      "--out",
      out,
    );
    expect(unknown.code).toBe(1);

    tb = await tb.restart();
    expect([...tb.board.elections.keys()].sort()).toEqual(["e-dos", "e-uno"]);
    expect((await tb.client.status("e-uno")).size).toBe(31);
    await credentials(tb.client, "e-uno", a, 30, 3);
    expect((await tb.client.status("e-uno")).size).toBe(34);
    await tb.close();

    const rows = await sql<{ id: string; size: string }>(
      url,
      "SELECT id, size FROM urna_logs ORDER BY id",
    );
    expect(rows).toEqual([
      { id: "e-dos", size: "1" },
      { id: "e-uno", size: "34" },
    ]);
    const signed = await sql<{ origin: string; size: string }>(
      url,
      "SELECT origin, size FROM urna_signer_state ORDER BY origin",
    );
    expect(signed).toEqual([
      { origin: "board.test/elections/e-dos", size: "1" },
      { origin: "board.test/elections/e-uno", size: "34" },
    ]);
  });

  test("two boards share one database, one sequencing at a time: the lease's fencing token refuses the stalled one; a standby takes over", async () => {
    const url = await cluster.createDatabase();
    const dirA = tmp();
    const a = newActors(1);
    const id = "compartida";
    const A = await startBoard({ store: url }, dirA);
    await createElection(A.client, manifestFor(id, a, { threshold: 1 }), a.authority.secretKey);
    await credentials(A.client, id, a, 0, 3);
    const withKey = () => {
      const d = tmp();
      copyFileSync(join(dirA, "board.key"), join(d, "board.key"));
      return d;
    };
    // While A holds the lease, B (the same board key, another folder) is refused...
    const dirB = withKey();
    await expect(
      createBoard({ dataDir: dirB, name: "board.test", store: url, log: () => undefined }),
    ).rejects.toMatchObject({ code: "STORE_LOCKED" });
    // ...until A's lease is gone: as if A had stalled past it and another board had taken it
    // (token + 1, expired at once; A's lease keeper renews every 600 ms, so a lease only made
    // to expire would be renewed before B's attempt). B takes it with the next token.
    const [before] = await sql<{ token: string }>(url, "SELECT token FROM urna_lease");
    await sql(
      url,
      "UPDATE urna_lease SET token = token + 1, holder = 'stalled', expires = now() - interval '1 second'",
    );
    const B = await startBoard({ store: url }, dirB);
    expect((B.board.store as PostgresBoardStore).leaseToken).toBe(Number(before.token) + 2);
    expect((await B.client.status(id)).size).toBe(4);
    // A's next write is fenced off (by its lease keeper's finding or the write's own check) and
    // writes nothing.
    await expect(credentials(A.client, id, a, 3, 1)).rejects.toMatchObject({
      code: "LOG_UNAVAILABLE",
      message: expect.stringContaining("STORE_LEASE_LOST"),
    });
    const [{ size }] = await sql<{ size: string }>(
      url,
      `SELECT size FROM urna_logs WHERE id = '${id}'`,
    );
    expect(size).toBe("4");
    expect((A.board.store as PostgresBoardStore).leaseLost?.code).toBe("STORE_LEASE_LOST");
    await credentials(B.client, id, a, 3, 2);
    expect((await B.client.status(id)).size).toBe(6);
    await A.close(); // releases nothing of B's lease
    await credentials(B.client, id, a, 5, 1);

    // A standby waits for the lease and takes over as soon as B stops.
    const dirC = withKey();
    const standby = startBoard({ store: url, leaseWaitMs: 30_000 }, dirC);
    let started = false;
    void standby.then(() => (started = true));
    await new Promise((r) => setTimeout(r, 500));
    expect(started).toBe(false);
    await B.close();
    const C = await standby;
    expect((await C.client.status(id)).size).toBe(7);
    expect(await C.client.checkpoint(id)).toContain("\n7\n");
    await credentials(C.client, id, a, 6, 1);
    expect((await C.client.status(id)).size).toBe(8);
    await C.close();
  });

  test("the advisory lock hands the lease over at once only from a holder whose session held it: a stalled holder's successor is not overridden", async () => {
    const url = await cluster.createDatabase();
    const session = async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    };
    const [old, b, c] = [await session(), await session(), await session()];
    try {
      await old.query(CREATE_SCHEMA);
      const take = (s: pg.Client, holder: string, locked = false) =>
        attemptLease(s, { holder, ttlMs: 60_000, advertiseUrl: `http://${holder}`, locked });
      // The first holder's session takes the lock with the lease.
      expect(await take(old, "old")).toEqual({ token: 1, locked: true });
      expect(await sql(url, "SELECT holder, locked FROM urna_lease")).toEqual([
        { holder: "old", locked: true },
      ]);
      // It stalls; its lease expires and B takes it without the lock (the stalled session has it).
      await sql(url, "UPDATE urna_lease SET expires = clock_timestamp() - interval '1 second'");
      expect(await take(b, "b")).toEqual({ token: 2, locked: false });
      // The stalled holder resumes, finds its lease gone and ends its session: the lock is free.
      await old.end();
      // C (the old holder waiting again as a standby, say) gets the lock, but B never held it:
      // the unexpired lease stays B's, and C gives the lock up at once.
      const refused = await take(c, "c");
      expect(refused).toMatchObject({ locked: false, who: expect.stringContaining("b (until") });
      expect(await sql(url, "SELECT holder, token, locked FROM urna_lease")).toEqual([
        { holder: "b", token: "2", locked: false },
      ]);
      // B's next renewal gets the lock and records it...
      expect(await renewLease(b, 2, 60_000, false)).toEqual({ renewed: true, locked: true });
      expect(await tryLeaseLock(c)).toBe(false);
      // ...so that when B's session ends, C takes the unexpired lease at once.
      await b.end();
      expect(await take(c, "c")).toEqual({ token: 3, locked: true });
      expect(await renewLease(c, 2, 60_000, true)).toEqual({ renewed: false, locked: true });
    } finally {
      for (const s of [old, b, c]) await s.end().catch(() => undefined);
    }
  });

  test("the lease is renewed while the board's event loop is busy (its keeper thread): a 1 s lease never lapses during a 2.5 s block", async () => {
    const url = await cluster.createDatabase();
    const dir = tmp();
    mkdirSync(join(dir, "signer"));
    const store = await PostgresBoardStore.open({
      url,
      boardName: "board.test",
      signerStatePath: join(dir, "signer", "state"),
      leaseTtlMs: 1000,
    });
    try {
      // Another process watches the lease row every 50 ms while this one blocks its own loop.
      const probe = spawn(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `import pg from "pg";
           const c = new pg.Client({ connectionString: process.argv[1] });
           await c.connect();
           process.stdout.write("ready\\n");
           for (let n = 1; ; n++) {
             const r = await c.query("SELECT expires < clock_timestamp() AS expired FROM urna_lease");
             process.stdout.write(r.rows[0].expired ? "expired\\n" : "live\\n");
             await new Promise((r) => setTimeout(r, 50));
           }`,
          url,
        ],
        { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
      );
      let out = "";
      const exited = new Promise((r) => probe.once("exit", r));
      await new Promise<void>((resolve, reject) => {
        probe.stdout!.on("data", (d: Buffer) => {
          out += d.toString();
          if (out.includes("live")) resolve();
        });
        void exited.then(() => reject(new Error("the probe exited")));
      });
      const t0 = Date.now();
      while (Date.now() - t0 < 2500); // the event loop is busy: no timer of this thread runs
      await new Promise((r) => setTimeout(r, 200)); // the probe's last lines
      probe.kill();
      await exited;
      const lines = out.split("\n").filter((l) => l === "live" || l === "expired");
      expect(lines.length).toBeGreaterThan(10);
      expect(lines.filter((l) => l === "expired")).toEqual([]);
      expect(store.leaseLost).toBeUndefined();
      const [row] = await sql<{ token: string }>(url, "SELECT token FROM urna_lease");
      expect(Number(row.token)).toBe(store.leaseToken);
    } finally {
      await store.close();
    }
  });

  test("acknowledged entries survive a crash of the board process and of PostgreSQL", async () => {
    const url = await cluster.createDatabase();
    const dir = tmp();
    let b = await serve(dir, url);
    const client = new BoardClient(b.url);
    const a = newActors(1);
    const id = "duradera";
    await createElection(client, manifestFor(id, a, { threshold: 1 }), a.authority.secretKey);
    const acks = await credentials(client, id, a, 0, 40);
    const last = acks.reduce((x, y) => (x.index > y.index ? x : y));
    const lastCp = parseCheckpoint(body(last.checkpoint));

    // Crash both: SIGKILL the board, then stop PostgreSQL without a checkpoint (WAL recovery).
    b.p.kill("SIGKILL");
    await new Promise((r) => b.p.once("exit", r));
    await cluster.stop("immediate");
    await cluster.start();

    b = await serve(dir, url);
    try {
      const c2 = new BoardClient(b.url);
      const leaves = await c2.leaves(id, 0, (await c2.status(id)).size);
      expect(leaves.length).toBeGreaterThanOrEqual(41);
      for (const ack of acks)
        expect(Buffer.from(leafHash(utf8(leaves[ack.index]))).toString("hex")).toBe(
          ack.trackingCode,
        );
      // The checkpoint now served is consistent with every one acknowledged before the crash.
      const res = await fetch(
        `${b.url}/elections/${id}/proof/consistency?from=${lastCp.size}&to=${leaves.length}`,
      );
      const proof = ((await res.json()) as { proof: string[] }).proof.map((h) =>
        Uint8Array.from(Buffer.from(h, "base64")),
      );
      const now = parseCheckpoint(body(await c2.checkpoint(id)));
      expect(() =>
        verifyConsistency(lastCp.size, now.size, proof, lastCp.root, now.root),
      ).not.toThrow();
      // And it keeps accepting writes.
      await credentials(c2, id, a, 40, 2);
      expect((await c2.status(id)).size).toBe(43);
    } finally {
      b.p.kill("SIGTERM");
      await new Promise((r) => b.p.once("exit", r));
    }
  });

  test("after a restore of an older database backup the board refuses to sign (SIGNER_ROLLBACK); without its local file it starts from the database's signer row", async () => {
    const url = await cluster.createDatabase();
    const dir = tmp();
    let tb = await startBoard({ store: url }, dir);
    const a = newActors(1);
    const id = "restaurada";
    await createElection(tb.client, manifestFor(id, a, { threshold: 1 }), a.authority.secretKey);
    await credentials(tb.client, id, a, 0, 5);
    const backup = join(cluster.dir, `backup-${Date.now()}.dump`);
    await cluster.exec("pg_dump", ["-Fc", "-f", backup, url]);
    await credentials(tb.client, id, a, 5, 5);
    const before = await tb.client.checkpoint(id);
    await tb.close();

    // The operator restores the backup (into a fresh database) and starts the board on it.
    const restored = await cluster.createDatabase();
    await cluster.exec("pg_restore", ["-d", restored, backup]);
    tb = await startBoard({ store: restored }, dir);
    const e = tb.board.elections.get(id)!;
    expect(e.seq.failure?.code).toBe("SIGNER_ROLLBACK");
    expect(parseCheckpoint(body(await tb.client.checkpoint(id))).size).toBe(6);
    await expect(credentials(tb.client, id, a, 6, 1)).rejects.toMatchObject({
      code: "LOG_UNAVAILABLE",
      message: expect.stringContaining("SIGNER_ROLLBACK"),
    });
    await tb.close();

    // The current database on a new host (the board key, no signer file): the row is the record.
    const fresh = tmp();
    copyFileSync(join(dir, "board.key"), join(fresh, "board.key"));
    mkdirSync(join(fresh, "signer"));
    tb = await startBoard({ store: url }, fresh);
    expect(tb.board.elections.get(id)!.seq.failure).toBeUndefined();
    expect(await tb.client.checkpoint(id)).toBe(before);
    await credentials(tb.client, id, a, 10, 1);
    expect((await tb.client.status(id)).size).toBe(12);
    await tb.close();
    // That host now has the file: the restored backup is refused there too.
    tb = await startBoard({ store: restored }, fresh);
    expect(tb.board.elections.get(id)!.seq.failure?.code).toBe("SIGNER_ROLLBACK");
    await tb.close();
  });
});
