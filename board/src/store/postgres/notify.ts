/**
 * The PostgreSQL store's commit announcements (spec/log.md §4.1): the group commit function
 * (group-commit.ts) sends, for every log it commits, `NOTIFY urna_commit` with the payload
 * `{"log":"<id>","size":<new size>}`. It does so inside its transaction, so PostgreSQL delivers
 * the notification only after the commit, never for a group that failed: a notification never
 * announces anything that is not durable.
 *
 * CommitListener is the other end: one dedicated session that LISTENs on the channel (a
 * standby's event streams wake on it, standby-feed.ts). Notifications are not durable: those
 * sent while the session is down are lost. So when the session fails it is opened again (after
 * `retryMs`), and every (re)start of listening is reported (`onListening`), after which the caller
 * reads the current state once instead of trusting the notifications it may have missed.
 */
import pg from "pg";

/** The NOTIFY channel of committed log sizes. */
export const COMMIT_CHANNEL = "urna_commit";

/** The `application_name` of the listening session (how operators and tests find it). */
export const COMMIT_LISTENER_NAME = "urna-commit-listener";

/** One log's commit, as announced. */
export interface CommitNotice {
  log: string;
  size: number;
}

/** The notice in a notification's payload (undefined: not one of ours). */
export function parseCommitNotice(payload: string | undefined): CommitNotice | undefined {
  if (payload === undefined) return undefined;
  try {
    const v = JSON.parse(payload) as { log?: unknown; size?: unknown };
    if (typeof v.log !== "string" || !Number.isSafeInteger(v.size) || (v.size as number) < 0)
      return undefined;
    return { log: v.log, size: v.size as number };
  } catch {
    return undefined;
  }
}

export interface CommitListenerOptions {
  /** The PostgreSQL store's URL. */
  url: string;
  /** Called for every commit announced while listening. Must not throw. */
  onCommit(n: CommitNotice): void;
  /**
   * Called each time the session starts listening (the first time, and after every reconnect):
   * announcements sent before this may have been missed. Must not throw.
   */
  onListening(): void;
  /** Wait before opening a failed session again (default 500 ms). */
  retryMs?: number;
}

export class CommitListener {
  readonly #opts: CommitListenerOptions;
  #client: pg.Client | undefined;
  #closed = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #connecting: Promise<void> | undefined;

  constructor(opts: CommitListenerOptions) {
    this.#opts = opts;
    this.#connecting = this.#connect();
  }

  /** Whether the session is listening right now. */
  get listening(): boolean {
    return this.#client !== undefined;
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const c = new pg.Client({
      connectionString: this.#opts.url,
      application_name: COMMIT_LISTENER_NAME,
      keepAlive: true,
    });
    let dropped = false;
    const drop = (): void => {
      if (dropped) return;
      dropped = true;
      if (this.#client === c) this.#client = undefined;
      void c.end().catch(() => undefined);
      this.#again();
    };
    c.on("error", drop);
    c.on("end", drop);
    c.on("notification", (m) => {
      if (m.channel !== COMMIT_CHANNEL) return;
      const n = parseCommitNotice(m.payload);
      if (n) this.#opts.onCommit(n);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${COMMIT_CHANNEL}`);
    } catch {
      drop();
      return;
    }
    if (dropped) return;
    if (this.#closed) {
      await c.end().catch(() => undefined);
      return;
    }
    this.#client = c;
    this.#opts.onListening();
  }

  #again(): void {
    if (this.#closed || this.#retry) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#connecting = this.#connect();
    }, this.#opts.retryMs ?? 500);
    this.#retry.unref();
  }

  /** Stops listening and closes the session. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    await this.#connecting;
    const c = this.#client;
    this.#client = undefined;
    await c?.end().catch(() => undefined);
  }
}
