/**
 * A standby's live event feeds (spec/api.md, "Several boards on one database"): one Feed per
 * election that has listeners, fed from the log committed in PostgreSQL. A feed reads the
 * database when the sequencer's commit announces the election's new size (NOTIFY urna_commit,
 * sent inside the commit's transaction and so delivered only once it is durable:
 * store/postgres/notify.ts), received on one listening session per standby; and, as the fallback
 * for announcements lost while that session was down, every `pollMs` (default 2 s) and once each
 * time the session starts listening again. A read publishes every entry committed since the
 * feed's last one, then the checkpoint (or the checkpoint alone when only its cosignatures
 * changed), as the sequencer's own feed does.
 */
import type { PostgresBoardStore } from "../store/index.js";
import { CommitListener, type CommitNotice } from "../store/postgres/notify.js";
import { Feed } from "./feed.js";
import { readerAt } from "./standby-reader.js";

/** How often a feed reads the database without an announcement (the fallback). */
export const STANDBY_FEED_POLL_MS = 2_000;

export interface StandbyFeedOptions {
  /** The fallback poll's interval (default STANDBY_FEED_POLL_MS). */
  pollMs?: number;
  /** Wake on the commit announcements (default true); false: the poll alone. */
  notify?: boolean;
}

/** Entries read per query when a feed catches up. */
const CATCH_UP = 1000;

/** An election's event feed fed from the database (while it has subscribers). */
export class DbFeed {
  readonly feed = new Feed();
  head: { size: number; root: Uint8Array; checkpoint: string } | undefined;
  readonly #store: PostgresBoardStore;
  readonly #id: string;
  #busy: Promise<void> | undefined;
  /** A read was asked for while one ran: it may have read before the commit that asked. */
  #again = false;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(store: PostgresBoardStore, id: string) {
    this.#store = store;
    this.#id = id;
  }

  /** Publishes what was committed since the last read; resolves after a read that began now. */
  poll(): Promise<void> {
    if (this.#busy) {
      this.#again = true;
      return this.#busy;
    }
    this.#busy = (async () => {
      do {
        this.#again = false;
        await this.#read().catch(() => undefined);
      } while (this.#again);
    })().finally(() => (this.#busy = undefined));
    return this.#busy;
  }

  async #read(): Promise<void> {
    const r = await readerAt(this.#store, this.#id);
    if (!r) return;
    const h = r.head();
    const head = { size: h.size, root: h.root, checkpoint: h.checkpoint };
    const before = this.head;
    if (!before) {
      this.head = head;
      return;
    }
    if (head.size > before.size) {
      const leaves: Uint8Array[] = [];
      for (let a = before.size; a < head.size; a += CATCH_UP)
        leaves.push(...(await r.entries(a, Math.min(head.size, a + CATCH_UP))));
      this.head = head;
      this.feed.publish({ first: before.size, leaves, ...head });
    } else if (head.size === before.size && head.checkpoint !== before.checkpoint) {
      this.head = head;
      this.feed.publish({ first: head.size, leaves: [], ...head });
    }
  }

  /** Reads every `pollMs` until nobody listens; then `stopped` runs. */
  run(pollMs: number, stopped: () => void): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      if (this.feed.subscribers === 0) {
        clearInterval(this.#timer);
        this.#timer = undefined;
        stopped();
      } else void this.poll();
    }, pollMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** The feeds of one standby, and its listening session. */
export class StandbyFeeds {
  readonly #feeds = new Map<string, DbFeed>();
  readonly #url: string;
  readonly #pollMs: number;
  readonly #notify: boolean;
  #listener: CommitListener | undefined;
  #closed = false;

  constructor(url: string, opts: StandbyFeedOptions = {}) {
    this.#url = url;
    this.#pollMs = opts.pollMs ?? STANDBY_FEED_POLL_MS;
    this.#notify = opts.notify ?? true;
  }

  /** Election `id`'s feed, at the committed head (undefined: the database has no such log). */
  async open(store: PostgresBoardStore, id: string): Promise<DbFeed | undefined> {
    const have = this.#feeds.get(id);
    if (have) return have;
    if (this.#notify && !this.#listener && !this.#closed)
      this.#listener = new CommitListener({
        url: this.#url,
        onCommit: (n) => this.#wake(n),
        // Announcements sent while the session was down are lost: read every feed once.
        onListening: () => {
          for (const f of this.#feeds.values()) void f.poll();
        },
      });
    const created = new DbFeed(store, id);
    await created.poll();
    if (!created.head) return undefined;
    const f = this.#feeds.get(id);
    if (f) return f; // another request created it meanwhile
    this.#feeds.set(id, created);
    created.run(this.#pollMs, () => this.#feeds.delete(id));
    return created;
  }

  #wake(n: CommitNotice): void {
    const f = this.#feeds.get(n.log);
    // Equal sizes: the checkpoint may have new cosignatures.
    if (f && (!f.head || n.size >= f.head.size)) void f.poll();
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const f of this.#feeds.values()) f.stop();
    this.#feeds.clear();
    await this.#listener?.close();
    this.#listener = undefined;
  }
}
