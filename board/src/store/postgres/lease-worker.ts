/**
 * The sequencer lease's keeper, in a worker thread with its own PostgreSQL session (lease.ts
 * starts it): it takes the lease, renews it every `renewMs` and reports when it is lost, so that
 * a board whose event loop is busy (replaying elections, signing, a burst of writes) never lets
 * its lease lapse for want of a turn of that loop. The fencing token that every write
 * transaction checks (index.ts #fence) stays the safety guarantee; this thread only keeps the
 * lease alive and notices its loss early.
 *
 * The session also holds a PostgreSQL advisory lock (LEASE_LOCK) while it holds or waits for the
 * lease. A session ends when its process dies (kill -9, a crash: the kernel closes the socket),
 * and the lock goes with it: a standby whose session then gets the lock takes the lease at once,
 * without waiting for the expiry. A holder that only stalls (SIGSTOP, a cut network) keeps its
 * session and its lock, and is replaced when the lease expires (spec/log.md §4.1).
 *
 * The main thread writes its clock into `heartbeat` every 250 ms; a main thread silent for
 * longer than `hangMs` is hung, not busy, and the lease is no longer renewed for it.
 *
 * Messages to the main thread: {type: "waiting", who}, {type: "taken", token},
 * {type: "locked", who} (not taken within waitMs), {type: "lost", message},
 * {type: "stalled", ms}, {type: "released"}. From it: {type: "release"}.
 */
import { parentPort, workerData } from "node:worker_threads";
import pg from "pg";
import { LEASE_LOCK, type LeaseWorkerData } from "./lease-protocol.js";

const LEASE = "sequencer";

const data = workerData as LeaseWorkerData;
const port = parentPort!;
const beat = new BigInt64Array(data.heartbeat);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let session: pg.Client | undefined;
/** Whether `session` holds LEASE_LOCK. */
let locked = false;
let token = 0;
let releasing = false;

async function connect(): Promise<pg.Client> {
  if (session) return session;
  const c = new pg.Client({ connectionString: data.url, connectionTimeoutMillis: 5000 });
  c.on("error", () => {
    if (session === c) drop();
  });
  await c.connect();
  // A statement that hangs (a lock held by a stalled transaction) must not hold the renewals up
  // past the lease's expiry unnoticed.
  await c.query(`SET statement_timeout TO ${Math.max(1000, data.ttlMs)}`);
  session = c;
  locked = false;
  return c;
}

function drop(): void {
  const c = session;
  session = undefined;
  locked = false;
  void c?.end().catch(() => undefined);
}

async function lock(c: pg.Client): Promise<void> {
  if (locked) return;
  const r = await c.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS ok", [
    ...LEASE_LOCK,
  ]);
  locked = r.rows[0]?.ok === true;
}

/** One attempt at taking the lease: its token, or who holds it. */
async function attempt(): Promise<{ token: number } | { who: string }> {
  const c = await connect();
  await lock(c);
  const r = await c.query<{ token: string }>(
    `INSERT INTO urna_lease AS l (name, holder, token, expires, url)
       VALUES ('${LEASE}', $1, 1, clock_timestamp() + $2 * interval '1 millisecond', $3)
     ON CONFLICT (name) DO UPDATE
       SET holder = excluded.holder, token = l.token + 1, expires = excluded.expires,
           url = excluded.url
       WHERE l.expires < clock_timestamp() OR l.holder = excluded.holder OR $4::boolean
     RETURNING token`,
    [data.holder, data.ttlMs, data.advertiseUrl, locked],
  );
  if (r.rows.length === 1) return { token: Number(r.rows[0].token) };
  const cur = await c.query<{ holder: string; expires: Date }>(
    `SELECT holder, expires FROM urna_lease WHERE name = '${LEASE}'`,
  );
  const row = cur.rows[0];
  return { who: row ? `${row.holder} (until ${row.expires.toISOString()})` : "another board" };
}

async function take(): Promise<boolean> {
  const deadline = Date.now() + data.waitMs;
  let told = false;
  for (;;) {
    if (releasing) return false;
    let who = "an unreachable database";
    try {
      const a = await attempt();
      if ("token" in a) {
        token = a.token;
        port.postMessage({ type: "taken", token });
        return true;
      }
      who = a.who;
    } catch (e) {
      drop();
      who = `(database: ${(e as Error).message})`;
    }
    if (Date.now() >= deadline) {
      port.postMessage({ type: "locked", who });
      return false;
    }
    if (!told) port.postMessage({ type: "waiting", who });
    told = true;
    await sleep(Math.min(data.pollMs, Math.max(0, deadline - Date.now())));
  }
}

async function keep(): Promise<void> {
  let stalledSince = 0;
  while (!releasing) {
    await sleep(data.renewMs);
    if (releasing) return;
    const silent = Date.now() - Number(Atomics.load(beat, 0));
    if (silent > data.hangMs) {
      // The main thread is hung: let the lease lapse so that a standby takes over.
      if (!stalledSince) port.postMessage({ type: "stalled", ms: silent });
      stalledSince ||= Date.now();
      continue;
    }
    stalledSince = 0;
    try {
      const c = await connect();
      await lock(c);
      const r = await c.query(
        `UPDATE urna_lease SET expires = clock_timestamp() + $2 * interval '1 millisecond'
          WHERE name = '${LEASE}' AND token = $1`,
        [token, data.ttlMs],
      );
      if (r.rowCount !== 1) {
        port.postMessage({
          type: "lost",
          message: `the sequencer lease (token ${token}) was taken over by another board`,
        });
        drop();
        return;
      }
    } catch {
      drop(); // the database is unreachable: try again next time (the fencing token decides)
    }
  }
}

async function release(): Promise<void> {
  const c = session;
  if (c && token > 0)
    await c
      .query(
        `UPDATE urna_lease SET expires = clock_timestamp() - interval '1 second'
          WHERE name = '${LEASE}' AND token = $1`,
        [token],
      )
      .catch(() => undefined);
  drop();
  port.postMessage({ type: "released" });
}

let done: Promise<void> | undefined;
port.on("message", (m: { type: string }) => {
  if (m.type !== "release") return;
  releasing = true;
  done ??= release();
});

void (async () => {
  if (await take()) await keep();
  if (!releasing) drop();
})();
