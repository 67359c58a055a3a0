/**
 * What the sequencer lease's keeper thread (lease-worker.ts) and the board (lease.ts) share: the
 * worker's start data and the advisory lock its session holds (spec/log.md §4.1).
 */
export interface LeaseWorkerData {
  url: string;
  holder: string;
  ttlMs: number;
  renewMs: number;
  pollMs: number;
  /** How long to wait for a lease held by another board (Infinity: for ever). */
  waitMs: number;
  advertiseUrl: string | null;
  hangMs: number;
  /** BigInt64Array(1) over a SharedArrayBuffer: the main thread's Date.now(). */
  heartbeat: SharedArrayBuffer;
}

/** The advisory lock of the lease's session: 'urna' and 1. */
export const LEASE_LOCK = [0x75726e61, 1] as const;

/** The lease row's name (one row: one sequencer per database). */
export const LEASE = "sequencer";

/** What the lease statements need of a PostgreSQL session (a pg.Client). */
export interface LeaseSession {
  query<R extends Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** Takes LEASE_LOCK for `c`'s session if it is free; whether the session holds it. */
export async function tryLeaseLock(c: LeaseSession): Promise<boolean> {
  const r = await c.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS ok", [
    ...LEASE_LOCK,
  ]);
  return r.rows[0]?.ok === true;
}

export interface LeaseAttempt {
  holder: string;
  ttlMs: number;
  advertiseUrl: string | null;
  /** Whether the session already holds LEASE_LOCK. */
  locked: boolean;
}

/**
 * One attempt at taking the lease (spec/log.md §4.1): the session takes LEASE_LOCK if it is
 * free, then the row is taken (token + 1) if it expired, is this holder's, or if the session
 * holds the lock and the row says its holder held the lock too: only then does holding the lock
 * prove the holder's lease session ended. A holder that took the lease on expiry while its
 * stalled predecessor's session still held the lock has `locked = false` until a renewal of its
 * own gets the lock. A session that got the lock but not the lease gives the lock up at once, so
 * that the holder's next renewal can take it. Returns the token, or who holds the lease.
 */
export async function attemptLease(
  c: LeaseSession,
  a: LeaseAttempt,
): Promise<{ token: number; locked: boolean } | { who: string; locked: boolean }> {
  const locked = a.locked || (await tryLeaseLock(c));
  const r = await c.query<{ token: string }>(
    `INSERT INTO urna_lease AS l (name, holder, token, expires, url, locked)
       VALUES ('${LEASE}', $1, 1, clock_timestamp() + $2 * interval '1 millisecond', $3, $4)
     ON CONFLICT (name) DO UPDATE
       SET holder = excluded.holder, token = l.token + 1, expires = excluded.expires,
           url = excluded.url, locked = excluded.locked
       WHERE l.expires < clock_timestamp() OR l.holder = excluded.holder
          OR (excluded.locked AND l.locked)
     RETURNING token`,
    [a.holder, a.ttlMs, a.advertiseUrl, locked],
  );
  if (r.rows.length === 1) return { token: Number(r.rows[0].token), locked };
  let still = locked;
  if (locked) {
    await c.query("SELECT pg_advisory_unlock($1, $2)", [...LEASE_LOCK]);
    still = false;
  }
  const cur = await c.query<{ holder: string; expires: Date }>(
    `SELECT holder, expires FROM urna_lease WHERE name = '${LEASE}'`,
  );
  const row = cur.rows[0];
  return {
    who: row ? `${row.holder} (until ${row.expires.toISOString()})` : "another board",
    locked: still,
  };
}

/**
 * The holder's renewal: takes LEASE_LOCK if it can (and records whether it holds it), and pushes
 * the expiry forward under its own token. `renewed` is false once the lease was taken over.
 */
export async function renewLease(
  c: LeaseSession,
  token: number,
  ttlMs: number,
  locked: boolean,
): Promise<{ renewed: boolean; locked: boolean }> {
  const now = locked || (await tryLeaseLock(c));
  const r = await c.query(
    `UPDATE urna_lease SET expires = clock_timestamp() + $2 * interval '1 millisecond', locked = $3
      WHERE name = '${LEASE}' AND token = $1`,
    [token, ttlMs, now],
  );
  return { renewed: r.rowCount === 1, locked: now };
}
