/**
 * The PostgreSQL store: every election's log, the election registry and the signer state in one
 * PostgreSQL database (15 or later; tables in schema.ts).
 *
 * Writes. A writer store holds the database's sequencer lease and opens ONE dedicated session
 * (the writer) that
 * - holds the lease (table urna_lease, one row): holder, fencing token, expiry. Taking it bumps
 *   the token; it is taken only when it has expired, was held by the same holder (by default
 *   the same data folder on the same host: a restarted board takes its own lease back at once) or
 *   when its holder's lease session is gone.
 *   Every write transaction first renews it with `WHERE token = <ours>`: a board whose lease was
 *   taken over (it stalled past the expiry, its network was cut) has every later write refused
 *   (STORE_LEASE_LOST) and writes nothing, even if it does not know yet. The lease itself is
 *   taken, renewed (every fifth of its time to live, 3 s by default) and released on close by
 *   a worker thread with its own session (lease.ts, lease-worker.ts), so that a busy event loop
 *   cannot starve the renewals; a lease found lost there or by a write calls onLeaseLost. A
 *   second board on the same database is refused (STORE_LOCKED), or waits for the lease (a
 *   standby: leaseWaitMs) and takes over when the first one dies (at once: its session's
 *   advisory lock is gone), stops or stalls (once the lease expired);
 * - runs with `synchronous_commit = on`, whatever the server's or role's default: a commit
 *   returns only once its WAL record is flushed;
 * - runs the group commit: the commits of every election that arrive while a transaction is in
 *   flight, or in the same event-loop turn, share ONE transaction, ONE statement and one round
 *   trip (the server-side function of group-commit.ts, whatever the number of logs and entries
 *   in it), the fencing check inside it. Each log's update is a
 *   compare-and-swap on its committed size (`UPDATE ... WHERE size = previousSize`); if any
 *   member's swap fails, the transaction is rolled back and every member rejected
 *   (STORAGE_CONFLICT), as LevelDB's shared batch fails whole. Each commit resolves only after
 *   COMMIT returned.
 *
 * The signer state. The last signed tree of each log is written to `urna_signer_state` in the
 * same transaction as the tree, AND, after that commit and before the checkpoint is released,
 * to the local signer file (`<data>/signer/state.0|1`, SharedSignerState) as on level. On start
 * the signer takes the larger of the two. Restoring an older backup of the database brings the
 * row back together with the tree, so the row cannot catch that: the local file does
 * (SIGNER_ROLLBACK). The row makes the database self-contained (a board started on a new host
 * without the file starts from it instead of refusing with SIGNER_STATE_MISSING) and is the
 * compare-and-swap point of the sequencing transaction. spec/log.md §4.1.
 *
 * Reads use a small pool of other sessions: tiles and entries are append-only, and a reader
 * never asks beyond the size it was told is published.
 */
import { hostname } from "node:os";
import { resolve } from "node:path";
import { bytesEqual, encodeEntryBundle, TILE_WIDTH } from "@urna/verifier";
import pg from "pg";
import { BoardLogError, isTransientResourceError } from "../../log/errors.js";
import {
  type SignedTree,
  type SignerStateStore,
  SharedSignerState,
  checkpointOrigin,
} from "../../log/signer.js";
import {
  type CommitBatch,
  type LogStorage,
  type TreeState,
  checkCommitSizes,
} from "../../log/storage.js";
import type { PublishStateStore } from "../../publish/types.js";
import type { BoardStore, ElectionRegistration } from "../types.js";
import { groupCommit } from "./group-commit.js";
import { DEFAULT_LEASE_TTL_MS, LeaseKeeper } from "./lease.js";
import { CREATE_SCHEMA, MIGRATION_LOCK, SCHEMA_VERSION } from "./schema.js";

export interface PostgresStoreOptions {
  /** `postgres://user[:password]@host[:port]/database[?...]` (node-postgres connection string). */
  url: string;
  /** Board name: checkpoint origins `<name>/elections/<id>` key the signer state. Required to write. */
  boardName?: string;
  /** The local signer-state file (SharedSignerState path, `<data>/signer/state`). Required to write. */
  signerStatePath?: string;
  /** Open for reading only (exports, a running board's data): no lock, no writes, no schema change. */
  readOnly?: boolean;
  /** Read sessions (default 8). */
  poolSize?: number;
  /** The sequencer lease's time to live (default 10,000 ms); renewed every third of it. */
  leaseTtlMs?: number;
  /**
   * The URL this board serves its API on, written to the lease row while it holds the lease:
   * standbys forward writes there (spec/api.md, Several boards on one database).
   */
  advertiseUrl?: string;
  /** How long to wait for a lease held by another board (default 0: STORE_LOCKED at once). */
  leaseWaitMs?: number;
  /** Who holds the lease (default: this host and the signer-state path, i.e. this board's data folder). */
  leaseHolder?: string;
  /** Progress messages (waiting for the lease). */
  log?: (msg: string) => void;
  /**
   * Called once when this writer's sequencer lease is lost (taken over by another board, found
   * so by a fenced write, or its keeper thread died): every later write fails with
   * STORE_LEASE_LOST. A board turns into a standby on it (cli.ts).
   */
  onLeaseLost?: (e: BoardLogError) => void;
}

/** Log ids as the level store accepts them (the same ids on every engine). */
const LOG_ID = /^[A-Za-z0-9._~-]{1,128}$/;

const LEASE = "sequencer";

/** The lease holder of a board: its host and data folder. */
function defaultHolder(signerStatePath: string): string {
  return `${hostname()}:${resolve(signerStatePath)}`;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres://(unparsable url)";
  }
}

const num = (v: unknown): number => {
  const n = typeof v === "number" ? v : Number(v);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new BoardLogError("STORAGE_CORRUPT", `bad integer from the database: ${String(v)}`);
  return n;
};
/** A plain Uint8Array copy of a bytea value (node-postgres returns Buffers). */
const bytes = (v: unknown): Uint8Array => {
  if (!(v instanceof Uint8Array))
    throw new BoardLogError("STORAGE_CORRUPT", "expected bytes from the database");
  return new Uint8Array(v);
};

/** SQLSTATEs of a server that went away or is not accepting sessions yet (class 08, 57P01-03). */
const GONE_STATES = /^(08...|57P0[123])$/;
const GONE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH"]);
const GONE_TEXT =
  /Connection terminated|is not queryable|Connection ended|server closed the connection/i;

/**
 * Whether `e` (or a cause) says the database connection was lost or cannot be made right now (a
 * restart, a failover, a network cut): the write may succeed on a new session.
 */
export function isConnectionError(e: unknown): boolean {
  let x: unknown = e;
  for (let depth = 0; x !== null && typeof x === "object" && depth < 8; depth++) {
    const { code, message, cause } = x as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === "string" && (GONE_STATES.test(code) || GONE_CODES.has(code))) return true;
    if (typeof message === "string" && GONE_TEXT.test(message)) return true;
    x = cause;
  }
  return false;
}

/**
 * A BoardLogError for a failed database operation. A lost connection is marked transient
 * (isTransientResourceError): the sequencer retries the write after recover() (a new writer
 * session) and acknowledges nothing meanwhile; reads fail with it until the pool reconnects.
 */
const failed = (what: string, e: unknown): BoardLogError => {
  if (e instanceof BoardLogError) return e;
  const err = new BoardLogError(
    "STORAGE_FAILED",
    `postgres ${what} failed: ${(e as Error).message}`,
    { cause: e },
  );
  return isConnectionError(e) ? Object.assign(err, { transient: true }) : err;
};

interface Member {
  log: string;
  origin: string;
  batch: CommitBatch;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class PostgresBoardStore implements BoardStore {
  readonly engine = "postgres" as const;
  readonly location: string;
  readonly readOnly: boolean;
  readonly #pool: pg.Pool;
  #writer: pg.Client | undefined;
  readonly #url: string;
  /** The writer session was lost (transient): writes fail with it until reconnect() replaces it. */
  #writerLost: BoardLogError | undefined;
  #reconnecting: Promise<void> | undefined;
  readonly #boardName: string | undefined;
  /** The fencing token of our lease (0: read-only). */
  #token = 0;
  readonly #ttl: number;
  /** The lease's keeper thread (lease.ts; writers only). */
  #keeper: LeaseKeeper | undefined;
  /** While idle, replaces a lost writer session (#reconnectIdle). */
  #reconnectTimer: ReturnType<typeof setInterval> | undefined;
  #signer: PostgresSignerState | undefined;
  /** The writer session failed (connection lost, ...): every later write fails with it. */
  #writerFailure: BoardLogError | undefined;
  #writerChain: Promise<unknown> = Promise.resolve();
  #queue: Member[] = [];
  #busy = false;
  readonly #openLogs = new Set<string>();
  #closed: Promise<void> | undefined;
  /** Group-commit transactions done and members committed (diagnostics and tests). */
  writes = 0;
  members = 0;
  /**
   * Round trips completed on the writer session since it became the writer (one per
   * ReadyForQuery the server sent: diagnostics and tests).
   */
  roundTrips = 0;

  private constructor(opts: PostgresStoreOptions, pool: pg.Pool, writer: pg.Client | undefined) {
    this.location = redactUrl(opts.url);
    this.readOnly = opts.readOnly ?? false;
    this.#pool = pool;
    this.#writer = writer;
    this.#url = opts.url;
    this.#boardName = opts.boardName;
    this.#ttl = opts.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  }

  /** The fencing token of this store's sequencer lease (0 when read-only). */
  get leaseToken(): number {
    return this.#token;
  }

  static async open(opts: PostgresStoreOptions): Promise<PostgresBoardStore> {
    const readOnly = opts.readOnly ?? false;
    if (!readOnly && (!opts.boardName || !opts.signerStatePath))
      throw new TypeError("a writable postgres store needs boardName and signerStatePath");
    const location = redactUrl(opts.url);
    const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 8 });
    // An idle session that dies (server restart) must not crash the process; the next query
    // opens a new one.
    pool.on("error", () => undefined);
    let writer: pg.Client | undefined;
    let signerFile: SharedSignerState | undefined;
    let token = 0;
    let keeper: LeaseKeeper | undefined;
    try {
      if (readOnly) {
        const r = await pool.query<{ t: string | null }>(
          "SELECT to_regclass('urna_logs')::text AS t",
        );
        if (r.rows[0]?.t == null)
          throw new BoardLogError("STORE_SCHEMA", `no urna board in the database ${location}`);
        await checkVersion(pool, location);
      } else {
        writer = new pg.Client({ connectionString: opts.url });
        await writer.connect();
        await writer.query("SET synchronous_commit TO on");
        await writer.query("BEGIN");
        try {
          await writer.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
          await writer.query(CREATE_SCHEMA);
          const v = await writer.query<{ version: number }>("SELECT version FROM urna_schema");
          if (v.rows.length === 0)
            await writer.query("INSERT INTO urna_schema (version) VALUES ($1)", [SCHEMA_VERSION]);
          await writer.query("COMMIT");
        } catch (e) {
          await writer.query("ROLLBACK").catch(() => undefined);
          throw e;
        }
        await checkVersion(writer, location);
        keeper = await LeaseKeeper.acquire({
          url: opts.url,
          holder: opts.leaseHolder ?? defaultHolder(opts.signerStatePath!),
          location,
          ...(opts.leaseTtlMs !== undefined ? { ttlMs: opts.leaseTtlMs } : {}),
          ...(opts.leaseWaitMs !== undefined ? { waitMs: opts.leaseWaitMs } : {}),
          ...(opts.advertiseUrl !== undefined ? { advertiseUrl: opts.advertiseUrl } : {}),
          ...(opts.log ? { log: opts.log } : {}),
        });
        token = keeper.token;
        signerFile = await SharedSignerState.open(opts.signerStatePath!);
      }
    } catch (e) {
      await keeper?.release();
      await writer?.end().catch(() => undefined);
      await pool.end().catch(() => undefined);
      if (e instanceof BoardLogError) throw e;
      throw new BoardLogError(
        "STORAGE_FAILED",
        `cannot open the postgres store ${location}: ${(e as Error).message}`,
        { cause: e },
      );
    }
    const store = new PostgresBoardStore(opts, pool, writer);
    store.#token = token;
    if (keeper) {
      store.#keeper = keeper;
      keeper.onLost((e) => {
        store.#writerFailure ??= e;
        opts.onLeaseLost?.(e);
      });
    }
    if (writer) {
      store.#watch(writer);
      store.#reconnectTimer = setInterval(
        () => void store.#reconnectIdle(),
        Math.max(50, store.#ttl / 3),
      );
      store.#reconnectTimer.unref();
      try {
        const rows = await writer.query<{ origin: string; size: string; root: Buffer }>(
          "SELECT origin, size, root FROM urna_signer_state",
        );
        const map = new Map<string, SignedTree>();
        for (const r of rows.rows) map.set(r.origin, { size: num(r.size), root: bytes(r.root) });
        store.#signer = new PostgresSignerState(store, signerFile!, map);
      } catch (e) {
        await signerFile!.close();
        await store.close();
        throw failed("reading the signer state", e);
      }
    }
    return store;
  }

  get signerState(): SignerStateStore {
    if (!this.#signer)
      throw new BoardLogError("STORE_READ_ONLY", "the store was opened for reading only");
    return this.#signer;
  }

  /**
   * A writer session's errors: an error event means the session is gone (the server restarted
   * or was cut off): transient, reconnect() replaces it.
   */
  #watch(c: pg.Client): void {
    c.connection.on("readyForQuery", () => this.roundTrips++);
    c.on("error", (e) => {
      if (c === this.#writer)
        this.#writerLost ??= Object.assign(failed("writer session", e), { transient: true });
    });
  }

  /** Runs `fn` alone on the writer session (transactions must not interleave). */
  exclusive<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    if (!this.#writer)
      return Promise.reject(
        new BoardLogError("STORE_READ_ONLY", "the store was opened for reading only"),
      );
    const p = this.#writerChain.then(async () => {
      if (this.#writerFailure) throw this.#writerFailure;
      if (this.#writerLost) throw this.#writerLost;
      const w = this.#writer!;
      try {
        return await fn(w);
      } catch (e) {
        if (w === this.#writer && !(e instanceof BoardLogError) && isConnectionError(e))
          this.#writerLost ??= failed("writer session", e);
        throw e;
      }
    });
    this.#writerChain = p.catch(() => undefined);
    return p;
  }

  /**
   * After the writer session was lost (a PostgreSQL restart, a network cut): opens a new one
   * and checks that our lease still holds (its token unchanged: no other board took over
   * meanwhile; STORE_LEASE_LOST otherwise, for good). Fails transiently while the database
   * cannot be reached. Concurrent calls share one attempt; a no-op when the session is fine.
   */
  reconnect(): Promise<void> {
    if (this.#writerFailure) return Promise.reject(this.#writerFailure);
    if (!this.#writerLost || this.#closed) return Promise.resolve();
    this.#reconnecting ??= (async () => {
      const c = new pg.Client({ connectionString: this.#url });
      c.on("error", () => undefined); // until it is the writer (#watch)
      try {
        await c.connect();
        await c.query("SET synchronous_commit TO on");
        await this.#fence(c);
      } catch (e) {
        await c.end().catch(() => undefined);
        throw failed("reconnecting the writer session", e);
      }
      const old = this.#writer;
      this.#writer = c;
      this.#watch(c);
      this.#writerLost = undefined;
      void old?.end().catch(() => undefined);
    })().finally(() => (this.#reconnecting = undefined));
    return this.#reconnecting;
  }

  /**
   * While idle, replaces a lost writer session. (The lease itself is renewed by its keeper
   * thread, lease.ts, and by every write transaction.)
   */
  async #reconnectIdle(): Promise<void> {
    if (this.#writerLost) await this.reconnect().catch(() => undefined);
  }

  /** Whether this writer's lease was lost (STORE_LEASE_LOST): it writes nothing more. */
  get leaseLost(): BoardLogError | undefined {
    return this.#keeper?.lost;
  }

  #leaseLost(): never {
    const message = `the sequencer lease (token ${this.#token}) was taken over by another board`;
    this.#writerFailure ??=
      this.#keeper?.markLost(message) ??
      new BoardLogError("STORE_LEASE_LOST", `${message} on ${this.location}`);
    throw this.#writerFailure;
  }

  /** Inside a transaction: renews our lease, or throws STORE_LEASE_LOST (the fencing check). */
  async #fence(c: pg.Client): Promise<void> {
    const r = await c.query(
      `UPDATE urna_lease SET expires = clock_timestamp() + $2 * interval '1 millisecond'
        WHERE name = '${LEASE}' AND token = $1`,
      [this.#token, this.#ttl],
    );
    if (r.rowCount !== 1) this.#leaseLost();
  }

  /** Runs `fn` in a transaction on the writer session, after the fencing check. */
  #fenced<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    return this.exclusive(async (c) => {
      await c.query("BEGIN");
      try {
        await this.#fence(c);
        const out = await fn(c);
        await c.query("COMMIT");
        return out;
      } catch (e) {
        await c.query("ROLLBACK").catch(() => undefined);
        throw e;
      }
    });
  }

  /** A read query on the pool. */
  query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    return this.#pool.query<R>(text, values).catch((e: unknown) => {
      throw failed("read", e);
    });
  }

  /**
   * The publish state in urna_published: the swap is one fenced transaction (only the lease
   * holder publishes), an UPDATE matching the previous size and root, or an INSERT when there was
   * no record.
   */
  readonly publishState: PublishStateStore = {
    read: async (election, target) => {
      const r = await this.query<{ size: string; root: Buffer }>(
        "SELECT size, root FROM urna_published WHERE election = $1 AND target = $2",
        [election, target],
      );
      const row = r.rows[0];
      return row ? { size: Number(row.size), root: new Uint8Array(row.root) } : undefined;
    },
    compareAndSwap: (election, target, prev, next) => {
      if (this.readOnly)
        throw new BoardLogError("STORE_READ_ONLY", "the store was opened for reading only");
      return this.#fenced(async (c) => {
        const r = prev
          ? await c.query(
              `UPDATE urna_published SET size = $3, root = $4, updated = now()
                WHERE election = $1 AND target = $2 AND size = $5 AND root = $6`,
              [election, target, next.size, next.root, prev.size, prev.root],
            )
          : await c.query(
              `INSERT INTO urna_published (election, target, size, root) VALUES ($1, $2, $3, $4)
                ON CONFLICT (election, target) DO NOTHING`,
              [election, target, next.size, next.root],
            );
        return r.rowCount === 1;
      });
    },
  };

  async listElections(): Promise<ElectionRegistration[]> {
    const r = await this.query<{ id: string; created: string }>(
      'SELECT id, created FROM urna_elections ORDER BY id COLLATE "C"',
      [],
    );
    return r.rows.map((x) => ({ id: x.id, created: x.created }));
  }

  async registerElection(reg: ElectionRegistration): Promise<void> {
    await this.#fenced((c) =>
      c.query(
        "INSERT INTO urna_elections (id, created) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET created = excluded.created",
        [reg.id, reg.created],
      ),
    ).catch((e: unknown) => {
      throw failed("registry write", e);
    });
  }

  async unregisterElection(id: string): Promise<void> {
    await this.#fenced((c) => c.query("DELETE FROM urna_elections WHERE id = $1", [id])).catch(
      (e: unknown) => {
        throw failed("registry write", e);
      },
    );
  }

  async openLog(id: string): Promise<LogStorage> {
    if (!LOG_ID.test(id))
      throw new BoardLogError("BAD_LOG_ID", `log id must match ${LOG_ID}: ${JSON.stringify(id)}`);
    if (this.readOnly) return new PostgresLogStorage(this, id, undefined);
    if (this.#openLogs.has(id))
      throw new BoardLogError("STORAGE_CONFLICT", `log ${id} is already open on this store`);
    await this.#fenced((c) =>
      c.query("INSERT INTO urna_logs (id) VALUES ($1) ON CONFLICT (id) DO NOTHING", [id]),
    ).catch((e: unknown) => {
      throw failed("log creation", e);
    });
    this.#openLogs.add(id);
    return new PostgresLogStorage(this, id, checkpointOrigin(this.#boardName!, id));
  }

  /** @internal a log storage closed. */
  released(id: string): void {
    this.#openLogs.delete(id);
  }

  /** @internal queues a log's commit into the next group transaction; resolves once committed. */
  commit(log: string, origin: string, batch: CommitBatch): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ log, origin, batch, resolve, reject });
      if (!this.#busy) {
        this.#busy = true;
        setImmediate(() => void this.#run());
      }
    });
  }

  async #run(): Promise<void> {
    while (this.#queue.length > 0) {
      const members = this.#queue;
      this.#queue = [];
      try {
        await this.exclusive((c) => this.#transaction(c, members));
      } catch (e) {
        const err = failed("commit", e);
        for (const m of members) m.reject(err);
        continue;
      }
      this.writes++;
      this.members += members.length;
      for (const m of members) {
        this.#signer?.committed(m.origin, m.batch.state);
        m.resolve();
      }
    }
    this.#busy = false;
  }

  /** The group's transaction: one statement, one round trip (group-commit.ts). */
  #transaction(c: pg.Client, members: Member[]): Promise<void> {
    return groupCommit(c, { name: LEASE, token: this.#token, ttlMs: this.#ttl }, members, () =>
      this.#leaseLost(),
    );
  }

  /** @internal a retried commit found its batch already committed (the first COMMIT's answer was lost). */
  alreadyCommitted(origin: string, state: TreeState): void {
    this.#signer?.committed(origin, state);
  }

  /** @internal records a signed tree in urna_signer_state outside a commit (see PostgresSignerState.record). */
  async recordSigned(origin: string, tree: SignedTree): Promise<void> {
    await this.#fenced((c) =>
      c.query(
        `INSERT INTO urna_signer_state (origin, size, root) VALUES ($1, $2, $3)
         ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, updated = now()
           WHERE urna_signer_state.size <= excluded.size`,
        [origin, tree.size, tree.root],
      ),
    );
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      clearInterval(this.#reconnectTimer);
      await this.#writerChain;
      // Release the lease (only ours: a standby takes it at once).
      await this.#keeper?.release();
      await this.#signer?.close();
      await this.#writer?.end().catch(() => undefined);
      await this.#pool.end().catch(() => undefined);
    })();
    return this.#closed;
  }
}

/** The sequencer lease as a standby sees it. */
export interface LeaseInfo {
  readonly holder: string;
  readonly token: number;
  /** The holder's advertised URL (undefined: none). */
  readonly url: string | undefined;
  /** Whether the lease has not expired (by the database's clock). */
  readonly live: boolean;
}

/** Reads the sequencer lease row (undefined: no board ever held it). */
export async function readLease(q: pg.Pool | pg.Client): Promise<LeaseInfo | undefined> {
  const r = await q.query<{ holder: string; token: string; url: string | null; live: boolean }>(
    `SELECT holder, token, url, expires > clock_timestamp() AS live
       FROM urna_lease WHERE name = '${LEASE}'`,
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return { holder: row.holder, token: num(row.token), url: row.url ?? undefined, live: row.live };
}

async function checkVersion(q: pg.Pool | pg.Client, location: string): Promise<void> {
  const v = await q.query<{ version: number }>("SELECT version FROM urna_schema");
  const got = v.rows.map((r) => r.version);
  if (got.length !== 1 || got[0] !== SCHEMA_VERSION)
    throw new BoardLogError(
      "STORE_SCHEMA",
      `the database ${location} has schema version ${got.join(",") || "none"}, this board needs ${SCHEMA_VERSION}`,
    );
}

/**
 * The PostgreSQL store's signer state: the database rows (written with each commit) and the
 * local file. get() takes the larger of the two; equal sizes with different roots are
 * SIGNER_INCONSISTENT. record() writes the local file, and the row too if the commit did not.
 */
export class PostgresSignerState implements SignerStateStore {
  readonly path: string;
  readonly #store: PostgresBoardStore;
  readonly #file: SharedSignerState;
  readonly #rows: Map<string, SignedTree>;

  constructor(store: PostgresBoardStore, file: SharedSignerState, rows: Map<string, SignedTree>) {
    this.#store = store;
    this.#file = file;
    this.#rows = rows;
    this.path = `${file.path} and urna_signer_state in ${store.location}`;
  }

  /** The database's copy of `origin` (as loaded at open and updated by commits). */
  database(origin: string): SignedTree | undefined {
    return this.#rows.get(origin);
  }

  /** The local file's copy of `origin`. */
  local(origin: string): SignedTree | undefined {
    return this.#file.get(origin);
  }

  get(origin: string): SignedTree | undefined {
    const f = this.#file.get(origin);
    const d = this.#rows.get(origin);
    if (!f) return d;
    if (!d) return f;
    if (f.size === d.size && !bytesEqual(f.root, d.root))
      throw new BoardLogError(
        "SIGNER_INCONSISTENT",
        `the signer state of ${origin} in ${this.#file.path} and in the database differ at size ${f.size}`,
      );
    return f.size >= d.size ? f : d;
  }

  /** @internal a commit wrote `tree` to the database's row. */
  committed(origin: string, tree: SignedTree): void {
    const d = this.#rows.get(origin);
    if (!d || tree.size >= d.size) this.#rows.set(origin, { size: tree.size, root: tree.root });
  }

  async record(origin: string, tree: SignedTree): Promise<void> {
    const d = this.#rows.get(origin);
    const inDb = d !== undefined && d.size >= tree.size;
    await Promise.all([
      this.#file.record(origin, tree),
      inDb
        ? undefined
        : this.#store.recordSigned(origin, tree).then(() => this.committed(origin, tree)),
    ]);
  }

  close(): Promise<void> {
    return this.#file.close();
  }
}

/** One election's log in the PostgreSQL store. */
export class PostgresLogStorage implements LogStorage {
  readonly logId: string;
  readonly #store: PostgresBoardStore;
  /** The checkpoint origin (undefined: opened for reading only). */
  readonly #origin: string | undefined;
  #size: number | undefined;
  /**
   * A commit failed on a lost connection: whether its COMMIT took effect is unknown until the
   * stored tree is read again (the retry does that first).
   */
  #uncertain = false;
  #commitInFlight = false;
  #closed = false;

  constructor(store: PostgresBoardStore, logId: string, origin: string | undefined) {
    this.#store = store;
    this.logId = logId;
    this.#origin = origin;
  }

  async readState(): Promise<TreeState | undefined> {
    const r = await this.#store.query<{ size: string; root: Buffer | null }>(
      "SELECT size, root FROM urna_logs WHERE id = $1",
      [this.logId],
    );
    const row = r.rows[0];
    if (!row || row.root === null) {
      this.#size ??= 0;
      return undefined;
    }
    const root = bytes(row.root);
    if (root.length !== 32) throw new BoardLogError("STORAGE_CORRUPT", "unreadable tree state");
    const s = { size: num(row.size), root };
    this.#size = s.size;
    return s;
  }

  async readCheckpoint(): Promise<string | undefined> {
    const r = await this.#store.query<{ checkpoint: string | null }>(
      "SELECT checkpoint FROM urna_logs WHERE id = $1",
      [this.logId],
    );
    return r.rows[0]?.checkpoint ?? undefined;
  }

  async readTile(level: number, index: number): Promise<Uint8Array | undefined> {
    const r = await this.#store.query<{ hashes: Buffer }>(
      "SELECT hashes FROM urna_tiles WHERE log = $1 AND level = $2 AND idx = $3",
      [this.logId, level, index],
    );
    if (r.rows.length === 0) return undefined;
    const v = bytes(r.rows[0].hashes);
    if (v.length === 0 || v.length % 32 !== 0 || v.length > TILE_WIDTH * 32)
      throw new BoardLogError("STORAGE_CORRUPT", `tile ${level}/${index} has ${v.length} bytes`);
    return v;
  }

  async #range(start: number, end: number): Promise<Uint8Array[]> {
    const r = await this.#store.query<{ idx: string; data: Buffer }>(
      "SELECT idx, data FROM urna_entries WHERE log = $1 AND idx >= $2 AND idx < $3 ORDER BY idx",
      [this.logId, start, end],
    );
    const out: Uint8Array[] = [];
    for (const row of r.rows) {
      const at = num(row.idx);
      if (at !== start + out.length)
        throw new BoardLogError(
          "STORAGE_CORRUPT",
          `entry ${at} found where entry ${start + out.length} was expected`,
        );
      out.push(bytes(row.data));
    }
    return out;
  }

  async readEntryBundle(index: number): Promise<{ bundle: Uint8Array; count: number } | undefined> {
    const e = await this.#range(index * TILE_WIDTH, (index + 1) * TILE_WIDTH);
    return e.length === 0 ? undefined : { bundle: encodeEntryBundle(e), count: e.length };
  }

  async readEntries(start: number, end: number): Promise<Uint8Array[]> {
    if (end <= start) return [];
    return this.#range(start, end);
  }

  async getMeta(key: string): Promise<Uint8Array | undefined> {
    const r = await this.#store.query<{ value: Buffer }>(
      "SELECT value FROM urna_log_meta WHERE log = $1 AND key = $2",
      [this.logId, key],
    );
    return r.rows.length === 0 ? undefined : bytes(r.rows[0].value);
  }

  async *iterateMeta(prefix: string): AsyncIterable<[string, Uint8Array]> {
    const PAGE = 1000;
    let after: string | undefined;
    for (;;) {
      const r = await this.#store.query<{ key: string; value: Buffer }>(
        after === undefined
          ? `SELECT key, value FROM urna_log_meta WHERE log = $1 AND key >= $2
               AND starts_with(key, $2) ORDER BY key LIMIT ${PAGE}`
          : `SELECT key, value FROM urna_log_meta WHERE log = $1 AND key > $3
               AND starts_with(key, $2) ORDER BY key LIMIT ${PAGE}`,
        after === undefined ? [this.logId, prefix] : [this.logId, prefix, after],
      );
      for (const row of r.rows) yield [row.key, bytes(row.value)];
      if (r.rows.length < PAGE) return;
      after = r.rows[r.rows.length - 1].key;
    }
  }

  async commit(batch: CommitBatch): Promise<void> {
    if (this.#origin === undefined)
      throw new BoardLogError("STORE_READ_ONLY", "the store was opened for reading only");
    if (this.#closed) throw new BoardLogError("LOG_CLOSED", `log ${this.logId} is closed`);
    if (this.#commitInFlight)
      throw new BoardLogError("STORAGE_CONFLICT", "concurrent commits on one log");
    this.#commitInFlight = true;
    try {
      if (this.#size === undefined || this.#uncertain) {
        const stored = await this.readState();
        this.#uncertain = false;
        // The lost commit did take effect: this very batch is the stored tree.
        if (
          stored !== undefined &&
          stored.size === batch.state.size &&
          stored.size > batch.previousSize &&
          bytesEqual(stored.root, batch.state.root)
        ) {
          this.#store.alreadyCommitted(this.#origin, batch.state);
          return;
        }
      }
      checkCommitSizes(batch, this.#size);
      const { previousSize, state, leaves } = batch;
      for (const t of batch.tiles)
        if (
          t.hashes.length === 0 ||
          t.hashes.length % 32 !== 0 ||
          t.hashes.length > TILE_WIDTH * 32
        )
          throw new BoardLogError(
            "STORAGE_CONFLICT",
            `tile ${t.level}/${t.index} with ${t.hashes.length} bytes`,
          );
      try {
        await this.#store.commit(this.logId, this.#origin, batch);
      } catch (e) {
        if (isTransientResourceError(e)) this.#uncertain = true;
        throw e;
      }
      this.#size = state.size;
    } finally {
      this.#commitInFlight = false;
    }
  }

  /** Before the sequencer retries a commit that failed on a lost connection: a new writer session. */
  recover(): Promise<void> {
    return this.#store.reconnect();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#origin !== undefined) this.#store.released(this.logId);
  }
}
