/**
 * The live event stream of one election (spec/api.md §Event stream): `entry` events in log
 * order, each followed, per committed batch, by one `checkpoint` event. A subscriber that
 * resumes after index k first receives entries k+1 .. (published size - 1) from the log, then
 * live batches, without gaps or repeats: it subscribes before reading history, and drops live
 * entries it already sent.
 *
 * Cost and memory under many subscribers (issue 17):
 * - each commit's events are built once, as one Buffer, and the same bytes are written to every
 *   stream (a stream that already sent some of its entries gets a subarray of it); the board's
 *   feeds gather the commits of FEED_COALESCE_MS into one such Buffer (one write per stream);
 * - a stream holds at most `maxQueueBytes` unsent bytes (events queued while it replays history,
 *   plus what its socket has not taken): past that it is ended, and the client resumes with
 *   `Last-Event-ID` (the last whole event it received); one event is always accepted onto an
 *   empty queue, so a commit larger than the bound still reaches a client that keeps up;
 * - a stream lives at most `maxLifetimeMs`, then ends (the client resumes the same way);
 * - an idle stream gets a comment line every `heartbeatMs`;
 * - the feed, not each stream, listens to the board's shutdown signal and runs the heartbeat;
 * - what is left per subscriber is the bytes: the default view is the summary, and the full
 *   view (every entry again for every stream) is opt-in with its own cap (routes/stream.ts).
 */
import type { ServerResponse } from "node:http";
import { leafHash, toBase64, toHex } from "@urna/verifier";

/** One committed batch: leaves [first, first + leaves.length) and the checkpoint that covers them. */
export interface Commit {
  first: number;
  leaves: Uint8Array[];
  size: number;
  root: Uint8Array;
  checkpoint: string;
}

/** Limits of every event stream (README §Limits). */
export interface FeedLimits {
  /** Most unsent bytes a stream may hold before it is cut off (default 4 MiB). */
  maxQueueBytes: number;
  /** A stream ends after this long; the client resumes with Last-Event-ID (default 1 hour). */
  maxLifetimeMs: number;
  /** A comment line is sent after this long without an event (default 15 s). */
  heartbeatMs: number;
}

export const DEFAULT_FEED_LIMITS: Readonly<FeedLimits> = {
  maxQueueBytes: 4 * 2 ** 20,
  maxLifetimeMs: 60 * 60_000,
  heartbeatMs: 15_000,
};

/** One commit's events, built once and shared by every stream. */
export interface FeedEvent {
  /** Entries [first, end); end === first for a checkpoint re-announcement. */
  first: number;
  end: number;
  size: number;
  /** The entry events, then the checkpoint event. */
  bytes: Buffer;
  /** offsets[i]: where entry first + i's event starts in bytes; offsets[end - first]: the checkpoint's. */
  offsets: number[];
}

const dec = new TextDecoder();
/** Canonical JSON sorts keys: `type` is the last member of every entry. */
const TYPE_AT_END = /,"type":("(?:[^"\\]|\\.)*")\}$/;

/**
 * What an entry event carries: `summary` (the default) its index, type and tracking code only
 * (a live page of the log's progress needs no more, and for ballots the events are some 40
 * times smaller); `full` (`?view=full`, opt-in, with its own cap on concurrent streams) the
 * entry itself as well. Pushing every full entry to every subscriber costs the board bytes:
 * subscribers × entry size × entry rate (spec/api.md §Event stream).
 */
export type FeedView = "full" | "summary";

export const DEFAULT_FEED_VIEW: FeedView = "summary";

/** The `view` query parameter: undefined (absent) is the default view, null a value not allowed. */
export function parseFeedView(v: unknown): FeedView | null {
  if (v === undefined) return DEFAULT_FEED_VIEW;
  return v === "full" || v === "summary" ? v : null;
}

/** The `data` of an entry event, built around the leaf's own bytes (already JSON, one line). */
export function entryEventData(
  index: number,
  leaf: Uint8Array,
  hash?: Uint8Array,
  view: FeedView = DEFAULT_FEED_VIEW,
): string {
  const text = dec.decode(leaf);
  let type = TYPE_AT_END.exec(text)?.[1];
  if (type === undefined) {
    try {
      type = JSON.stringify((JSON.parse(text) as { type?: unknown }).type ?? "");
    } catch {
      type = '""'; // leaves are canonical JSON: unreachable
    }
  }
  const head = `{"index":${index},"type":${type},"trackingCode":"${toHex(hash ?? leafHash(leaf))}"`;
  return view === "summary" ? `${head}}` : `${head},"entry":${text}}`;
}

export function checkpointEventData(c: {
  size: number;
  root: Uint8Array;
  checkpoint: string;
}): string {
  return JSON.stringify({ size: c.size, root: toBase64(c.root), checkpoint: c.checkpoint });
}

const entryEvent = (index: number, leaf: Uint8Array, view: FeedView): string =>
  `event: entry\nid: ${index}\ndata: ${entryEventData(index, leaf, undefined, view)}\n\n`;
const checkpointEvent = (c: { size: number; root: Uint8Array; checkpoint: string }): string =>
  `event: checkpoint\ndata: ${checkpointEventData(c)}\n\n`;

/** A commit's events, once, for all streams. */
export function buildFeedEvent(c: Commit, view: FeedView = DEFAULT_FEED_VIEW): FeedEvent {
  return buildRun([c], view);
}

/**
 * Consecutive commits with entries (each starting where the previous one ends) as one event:
 * every entry event, each commit's checkpoint event after its entries; `offsets` has one start
 * per entry, then the last checkpoint's.
 */
function buildRun(run: Commit[], view: FeedView): FeedEvent {
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  let at = 0;
  for (const c of run) {
    c.leaves.forEach((leaf, i) => {
      const b = Buffer.from(entryEvent(c.first + i, leaf, view));
      offsets.push(at);
      at += b.length;
      parts.push(b);
    });
    const cp = Buffer.from(checkpointEvent(c));
    if (c === run[run.length - 1]) offsets.push(at);
    at += cp.length;
    parts.push(cp);
  }
  const last = run[run.length - 1];
  return {
    first: run[0].first,
    end: last.first + last.leaves.length,
    size: last.size,
    bytes: parts.length === 1 ? parts[0] : Buffer.concat(parts),
    offsets,
  };
}

/**
 * The events of commits published within one coalescing window, in order: consecutive commits
 * with entries become one event (one write per stream), a checkpoint re-announcement stays
 * its own event.
 */
export function buildFeedEvents(commits: Commit[], view: FeedView): FeedEvent[] {
  const out: FeedEvent[] = [];
  let run: Commit[] = [];
  const close = (): void => {
    if (run.length > 0) out.push(buildRun(run, view));
    run = [];
  };
  for (const c of commits) {
    const prev = run[run.length - 1];
    if (c.leaves.length === 0 || (prev && prev.first + prev.leaves.length !== c.first)) close();
    if (c.leaves.length === 0) out.push(buildRun([c], view));
    else run.push(c);
  }
  close();
  return out;
}

/**
 * How long a board's feed gathers commits before it writes them to the streams (Election): one
 * write per stream per window instead of one per commit, so 2,000 subscribers cost at most
 * 2,000 × 5 socket writes a second (and as many wake-ups of their readers), whatever the commit
 * rate. A live view is at most this much later.
 */
export const FEED_COALESCE_MS = 200;

/** What a live stream is sent; `push` must not throw. */
interface Subscriber {
  /** Default DEFAULT_FEED_VIEW. */
  readonly view?: FeedView;
  push(ev: FeedEvent): void;
  heartbeat(now: number): void;
  close(): void;
}

/** Counters of a feed's streams (tests, diagnostics). */
export interface FeedStats {
  streams: number;
  /** Largest number of unsent bytes any stream held when an event was written or queued. */
  maxHeldBytes: number;
  /** Streams ended because they fell behind. */
  cutOff: number;
}

export class Feed {
  readonly #subs = new Set<Subscriber>();
  /** Commits published and not yet written, while a coalescing window is open. */
  #window: Commit[] = [];
  #windowTimer: NodeJS.Timeout | undefined;

  /** `coalesceMs` (default 0: each commit at once): see FEED_COALESCE_MS. */
  constructor(readonly coalesceMs = 0) {}
  readonly #signals = new WeakSet<AbortSignal>();
  #heartbeat: NodeJS.Timeout | undefined;
  #heartbeatMs = DEFAULT_FEED_LIMITS.heartbeatMs;
  #maxHeld = 0;
  #cutOff = 0;

  /** Adds a stream; the returned function removes it. */
  subscribe(s: Subscriber, heartbeatMs = DEFAULT_FEED_LIMITS.heartbeatMs): () => void {
    this.#subs.add(s);
    if (!this.#heartbeat || heartbeatMs < this.#heartbeatMs) {
      if (this.#heartbeat) clearInterval(this.#heartbeat);
      this.#heartbeatMs = heartbeatMs;
      this.#heartbeat = setInterval(
        () => {
          const now = performance.now();
          for (const x of this.#subs) x.heartbeat(now);
        },
        Math.max(10, Math.floor(heartbeatMs / 2)),
      );
      this.#heartbeat.unref();
    }
    return () => {
      this.#subs.delete(s);
      if (this.#subs.size === 0 && this.#heartbeat) {
        clearInterval(this.#heartbeat);
        this.#heartbeat = undefined;
      }
    };
  }

  /** Ends every stream when `signal` aborts: one listener per feed and signal, not per stream. */
  closeOn(signal: AbortSignal): void {
    if (this.#signals.has(signal)) return;
    this.#signals.add(signal);
    const end = (): void => {
      for (const s of [...this.#subs]) s.close();
    };
    if (signal.aborted) end();
    else signal.addEventListener("abort", end, { once: true });
  }

  publish(c: Commit): void {
    if (this.coalesceMs <= 0) return this.#write([c]);
    this.#window.push(c);
    if (this.#windowTimer) return;
    this.#windowTimer = setTimeout(() => {
      this.#windowTimer = undefined;
      this.#write(this.#window.splice(0));
    }, this.coalesceMs);
    this.#windowTimer.unref();
  }

  #write(commits: Commit[]): void {
    // Built once per view that has a subscriber, the same bytes for every stream of that view.
    let full: FeedEvent[] | undefined;
    let summary: FeedEvent[] | undefined;
    for (const s of this.#subs) {
      const evs =
        (s.view ?? DEFAULT_FEED_VIEW) === "full"
          ? (full ??= buildFeedEvents(commits, "full"))
          : (summary ??= buildFeedEvents(commits, "summary"));
      for (const ev of evs) s.push(ev);
    }
  }

  get subscribers(): number {
    return this.#subs.size;
  }

  /** @internal streams report here */
  noteHeld(bytes: number): void {
    if (bytes > this.#maxHeld) this.#maxHeld = bytes;
  }

  /** @internal */
  noteCutOff(): void {
    this.#cutOff++;
  }

  stats(): FeedStats {
    return { streams: this.#subs.size, maxHeldBytes: this.#maxHeld, cutOff: this.#cutOff };
  }
}

export interface FeedSource {
  feed: Feed;
  /** Published head at this instant. */
  head(): { size: number; root: Uint8Array; checkpoint: string };
  readEntries(start: number, end: number): Promise<Uint8Array[]>;
}

/** Entries read from the log per history step (each step waits for the socket to drain). */
const HISTORY_CHUNK = 64;
/** A cut-off stream whose socket has not flushed by then is destroyed. */
const CUTOFF_GRACE_MS = 5_000;

/**
 * Serves the event stream on `res` for entries after `after` (-1 for the whole log) until the
 * client disconnects, the stream is cut off or ends its lifetime, or `signal` aborts (board
 * shutdown).
 */
export async function serveEvents(
  src: FeedSource,
  res: ServerResponse,
  after: number,
  signal: AbortSignal,
  limits: Readonly<FeedLimits> = DEFAULT_FEED_LIMITS,
  view: FeedView = DEFAULT_FEED_VIEW,
): Promise<void> {
  res.statusCode = 200;
  res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
  res.setHeader("Cache-Control", "no-cache, no-transform");
  // The connection closes with the stream (cut off, lifetime, shutdown): its descriptor is freed.
  res.setHeader("Connection", "close");
  res.setHeader("X-Accel-Buffering", "no");
  res.flushHeaders();

  const feed = src.feed;
  let closed = false;
  let live = false;
  let next = after + 1; // first index not yet sent
  let lastWrite = performance.now();
  const pending: FeedEvent[] = [];
  let pendingBytes = 0;
  let finished: (() => void) | undefined;
  const done = new Promise<void>((r) => (finished = r));

  const end = (): void => {
    if (closed) return;
    closed = true;
    if (!res.writableEnded) res.end();
    finished?.();
  };
  const cutOff = (): void => {
    if (closed) return;
    feed.noteCutOff();
    end();
    // A client that reads nothing never lets the socket flush: drop it after a grace period.
    setTimeout(() => {
      if (!res.writableFinished) res.destroy();
    }, CUTOFF_GRACE_MS).unref();
  };
  const emit = (b: Buffer): void => {
    res.write(b);
    lastWrite = performance.now();
    feed.noteHeld(res.writableLength);
  };
  /** Whether `bytes` more keep the stream's unsent bytes within the bound (an empty queue always
   * takes one event: an event is never split). */
  const fits = (bytes: number): boolean => {
    const held = res.writableLength;
    return held === 0 || held + bytes <= limits.maxQueueBytes;
  };
  /** Writes the part of `ev` this stream has not sent yet. */
  const send = (ev: FeedEvent): void => {
    if (ev.end === ev.first) {
      // A checkpoint re-announcement (more cosignatures): once every entry up to it was sent.
      if (ev.size !== next) return;
      return fits(ev.bytes.length) ? emit(ev.bytes) : cutOff();
    }
    if (ev.end <= next) return; // already sent with the history
    if (ev.first > next) return cutOff(); // a gap cannot happen; never skip silently
    const from = ev.offsets[next - ev.first];
    if (res.writableLength + (ev.bytes.length - from) <= limits.maxQueueBytes) {
      emit(from === 0 ? ev.bytes : ev.bytes.subarray(from)); // the usual case: one write
      next = ev.end;
      return;
    }
    // More than the bound at once (a stalled reader, or a commit window larger than the bound):
    // whole entry events while they fit, then the stream is cut off at the last one sent.
    const n = ev.end - ev.first;
    for (let k = next - ev.first; k < n; k++) {
      const seg = ev.bytes.subarray(ev.offsets[k], k + 1 < n ? ev.offsets[k + 1] : undefined);
      if (!fits(seg.length)) return cutOff();
      emit(seg);
      next = ev.first + k + 1;
    }
  };

  const unsubscribe = feed.subscribe(
    {
      view,
      push(ev) {
        if (closed) return;
        if (live) return send(ev);
        pending.push(ev);
        pendingBytes += ev.bytes.length;
        const held = pendingBytes + res.writableLength;
        if (held > limits.maxQueueBytes) cutOff();
        else feed.noteHeld(held);
      },
      heartbeat(now) {
        if (!closed && live && now - lastWrite >= limits.heartbeatMs && res.writableLength === 0) {
          res.write(": keep-alive\n\n");
          lastWrite = now;
        }
      },
      close: end,
    },
    limits.heartbeatMs,
  );
  feed.closeOn(signal);
  res.on("close", end);
  const lifetime = setTimeout(end, limits.maxLifetimeMs);
  lifetime.unref();

  /** After a write that returned false. */
  const drained = (): Promise<void> =>
    closed
      ? Promise.resolve()
      : new Promise<void>((r) => {
          const ok = (): void => {
            res.off("drain", ok);
            res.off("close", ok);
            r();
          };
          res.on("drain", ok);
          res.on("close", ok);
        });

  try {
    // History: everything published up to now (the subscription above queues what follows).
    const head = src.head();
    res.write("retry: 2000\n\n");
    while (!closed && next < head.size) {
      const end = Math.min(head.size, next + HISTORY_CHUNK);
      const leaves = await src.readEntries(next, end);
      if (closed || leaves.length === 0) break;
      let out = "";
      for (const leaf of leaves) out += entryEvent(next++, leaf, view);
      const more = res.write(out);
      lastWrite = performance.now();
      if (!more) await drained();
    }
    if (!closed && after < head.size && head.size > 0) res.write(checkpointEvent(head));
    if (!closed) {
      live = true;
      for (const ev of pending.splice(0)) if (!closed) send(ev);
      pendingBytes = 0;
    }
    await done;
  } finally {
    closed = true;
    clearTimeout(lifetime);
    unsubscribe();
    res.off("close", end);
    if (!res.writableEnded) res.end();
  }
}
