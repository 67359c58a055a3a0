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
import { LEASE, type LeaseWorkerData, attemptLease, renewLease } from "./lease-protocol.js";

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

/** One attempt at taking the lease: its token, or who holds it. */
async function attempt(): Promise<{ token: number } | { who: string }> {
  const c = await connect();
  const r = await attemptLease(c, {
    holder: data.holder,
    ttlMs: data.ttlMs,
    advertiseUrl: data.advertiseUrl,
    locked,
  });
  locked = r.locked;
  return r;
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
      const r = await renewLease(c, token, data.ttlMs, locked);
      locked = r.locked;
      if (!r.renewed) {
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
