/**
 * Publishing while the board runs: one loop per election, started by every released checkpoint
 * (a commit, or more cosignatures on the same tree). Publishes coalesce: while one runs, only the
 * newest checkpoint waits. A target that refused or lost a write (PUBLISH_FAILED) or a lost
 * compare-and-swap (PUBLISH_CAS_FAILED) is retried after 1 s, doubling to 30 s; a conflicting
 * object (PUBLISH_CONFLICT) or an inconsistent tree (PUBLISH_INCONSISTENT) stops publishing that
 * election until the operator has looked (restart), and is shown in its status.
 */
import { type PublishHead, type PublishReader, Publisher } from "./publisher.js";
import { PublishError, type PublishErrorCode } from "./types.js";

export interface PublishStatus {
  /** The target (`s3://bucket/prefix` or a folder). */
  target: string;
  /** Size of the last checkpoint this process published (0: none yet). */
  size: number;
  /** The last failure, while it lasts. */
  error?: { code: PublishErrorCode; message: string };
}

interface Watched {
  reader: PublishReader;
  head: () => PublishHead;
  running: boolean;
  dirty: boolean;
  stopped: boolean;
  /** The checkpoint note last written. */
  last?: string;
  status: PublishStatus;
  retryMs: number;
  timer?: ReturnType<typeof setTimeout>;
  idle: Array<() => void>;
}

const FATAL: ReadonlySet<PublishErrorCode> = new Set(["PUBLISH_CONFLICT", "PUBLISH_INCONSISTENT"]);

export class LivePublisher {
  readonly publisher: Publisher;
  readonly #log: (msg: string) => void;
  readonly #watched = new Map<string, Watched>();
  readonly #maxRetryMs: number;
  readonly #firstRetryMs: number;
  #closed = false;

  constructor(
    publisher: Publisher,
    opts: { log?: (msg: string) => void; retryMs?: number; maxRetryMs?: number } = {},
  ) {
    this.publisher = publisher;
    this.#log = opts.log ?? (() => {});
    this.#firstRetryMs = opts.retryMs ?? 1_000;
    this.#maxRetryMs = opts.maxRetryMs ?? 30_000;
  }

  /** Starts publishing election `id`; `head` gives its current released checkpoint. */
  watch(id: string, reader: PublishReader, head: () => PublishHead): void {
    if (this.#watched.has(id)) return;
    this.#watched.set(id, {
      reader,
      head,
      running: false,
      dirty: false,
      stopped: false,
      status: { target: this.publisher.target.url, size: 0 },
      retryMs: this.#firstRetryMs,
      idle: [],
    });
    this.notify(id);
  }

  /** A new checkpoint of `id` was released: publish it (now, or after the publish in flight). */
  notify(id: string): void {
    const w = this.#watched.get(id);
    if (!w || w.stopped || this.#closed) return;
    w.dirty = true;
    if (!w.running && !w.timer) void this.#run(id, w);
  }

  status(id: string): PublishStatus | undefined {
    const s = this.#watched.get(id)?.status;
    return s ? { ...s } : undefined;
  }

  /** Resolves when `id` has nothing left to publish, or has stopped on an error. */
  settled(id: string): Promise<void> {
    const w = this.#watched.get(id);
    if (!w || (!w.running && !w.dirty) || w.stopped) return Promise.resolve();
    return new Promise((r) => w.idle.push(r));
  }

  async #run(id: string, w: Watched): Promise<void> {
    w.running = true;
    try {
      while (w.dirty && !w.stopped && !this.#closed) {
        w.dirty = false;
        const head = w.head();
        if (head.size === 0 || head.checkpoint === w.last) continue;
        try {
          const r = await this.publisher.publish(id, w.reader, head);
          w.last = head.checkpoint;
          w.status = { target: w.status.target, size: r.size };
          w.retryMs = this.#firstRetryMs;
        } catch (e) {
          const err =
            e instanceof PublishError
              ? e
              : new PublishError("PUBLISH_FAILED", String(e), { cause: e });
          w.status = { ...w.status, error: { code: err.code, message: err.message } };
          if (FATAL.has(err.code)) {
            w.stopped = true;
            this.#log(
              `election ${id}: PUBLISHING STOPPED (${err.code}): ${err.message}; the published checkpoint stays at ${w.status.size}`,
            );
          } else {
            this.#log(`election ${id}: publishing failed (${err.code}), retrying: ${err.message}`);
            w.dirty = true;
            w.timer = setTimeout(() => {
              w.timer = undefined;
              if (!w.running) void this.#run(id, w);
            }, w.retryMs);
            w.timer.unref();
            w.retryMs = Math.min(w.retryMs * 2, this.#maxRetryMs);
            return;
          }
        }
      }
    } finally {
      w.running = false;
      if ((!w.dirty || w.stopped || this.#closed) && !w.timer) {
        const idle = w.idle;
        w.idle = [];
        for (const r of idle) r();
      }
    }
  }

  /** Stops the loops (after the publishes in flight) and closes the target. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const waits: Promise<void>[] = [];
    for (const w of this.#watched.values()) {
      if (w.timer) clearTimeout(w.timer);
      w.timer = undefined;
      if (w.running) waits.push(new Promise((r) => w.idle.push(r)));
      else for (const r of w.idle.splice(0)) r();
    }
    await Promise.all(waits);
    await this.publisher.target.close();
  }
}
