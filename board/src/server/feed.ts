/**
 * The live event stream of one election (spec/api.md §Event stream): `entry` events in log
 * order, each followed, per committed batch, by one `checkpoint` event. A subscriber that
 * resumes after index k first receives entries k+1 .. (published size - 1) from the log, then
 * live batches, without gaps or repeats: it subscribes before reading history, and drops live
 * entries it already sent.
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

type Listener = (c: Commit) => void;

export class Feed {
  readonly #listeners = new Set<Listener>();

  subscribe(l: Listener): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  publish(c: Commit): void {
    for (const l of this.#listeners) l(c);
  }

  get subscribers(): number {
    return this.#listeners.size;
  }
}

const dec = new TextDecoder();

/** The `data` of an entry event, built around the leaf's own bytes (already JSON, one line). */
export function entryEventData(index: number, leaf: Uint8Array): string {
  const text = dec.decode(leaf);
  let type = "";
  try {
    type = (JSON.parse(text) as { type?: unknown }).type as string;
  } catch {
    // leaves are canonical JSON: unreachable
  }
  return `{"index":${index},"type":${JSON.stringify(type)},"trackingCode":"${toHex(leafHash(leaf))}","entry":${text}}`;
}

export function checkpointEventData(c: {
  size: number;
  root: Uint8Array;
  checkpoint: string;
}): string {
  return JSON.stringify({ size: c.size, root: toBase64(c.root), checkpoint: c.checkpoint });
}

export interface FeedSource {
  feed: Feed;
  /** Published head at this instant. */
  head(): { size: number; root: Uint8Array; checkpoint: string };
  readEntries(start: number, end: number): Promise<Uint8Array[]>;
}

const HISTORY_CHUNK = 1000;
const HEARTBEAT_MS = 15_000;

/**
 * Serves the event stream on `res` for entries after `after` (-1 for the whole log) until the
 * client disconnects or `signal` aborts (board shutdown).
 */
export async function serveEvents(
  src: FeedSource,
  res: ServerResponse,
  after: number,
  signal: AbortSignal,
): Promise<void> {
  res.statusCode = 200;
  res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
  res.setHeader("Cache-Control", "no-cache, no-transform");
  res.setHeader("Connection", "keep-alive");
  res.setHeader("X-Accel-Buffering", "no");
  res.flushHeaders();

  let closed = false;
  const queue: Commit[] = [];
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const unsubscribe = src.feed.subscribe((c) => {
    queue.push(c);
    notify();
  });
  const onClose = (): void => {
    closed = true;
    notify();
  };
  res.on("close", onClose);
  signal.addEventListener("abort", onClose, { once: true });
  const heartbeat = setInterval(() => {
    if (!closed) res.write(": keep-alive\n\n");
  }, HEARTBEAT_MS);
  heartbeat.unref();

  const write = async (s: string): Promise<void> => {
    if (closed) return;
    if (!res.write(s))
      await new Promise<void>((r) => {
        const done = (): void => {
          res.off("drain", done);
          res.off("close", done);
          r();
        };
        res.on("drain", done);
        res.on("close", done);
      });
  };

  let next = after + 1; // first index not yet sent
  try {
    // History: everything published up to now (the subscription above buffers what follows).
    const head = src.head();
    res.write("retry: 2000\n\n");
    while (!closed && next < head.size) {
      const end = Math.min(head.size, next + HISTORY_CHUNK);
      const leaves = await src.readEntries(next, end);
      let out = "";
      for (const leaf of leaves)
        out += `event: entry\nid: ${next}\ndata: ${entryEventData(next++, leaf)}\n\n`;
      await write(out);
      if (leaves.length === 0) break;
    }
    if (!closed && after < head.size && head.size > 0)
      await write(`event: checkpoint\ndata: ${checkpointEventData(head)}\n\n`);
    // Live batches.
    while (!closed) {
      const c = queue.shift();
      if (!c) {
        await new Promise<void>((r) => (wake = r));
        continue;
      }
      // Already sent with the history; a commit without leaves re-announces the current
      // checkpoint (more witness cosignatures), sent once every entry up to it was.
      if (c.leaves.length > 0 ? c.first + c.leaves.length <= next : c.size !== next) continue;
      let out = "";
      for (let i = 0; i < c.leaves.length; i++) {
        const index = c.first + i;
        if (index < next) continue;
        if (index > next) {
          // A gap cannot happen (commits are published in order), but never skip silently.
          const missing = await src.readEntries(next, index);
          for (const leaf of missing)
            out += `event: entry\nid: ${next}\ndata: ${entryEventData(next++, leaf)}\n\n`;
        }
        out += `event: entry\nid: ${index}\ndata: ${entryEventData(index, c.leaves[i])}\n\n`;
        next = index + 1;
      }
      out += `event: checkpoint\ndata: ${checkpointEventData(c)}\n\n`;
      await write(out);
    }
  } finally {
    clearInterval(heartbeat);
    unsubscribe();
    res.off("close", onClose);
    signal.removeEventListener("abort", onClose);
    if (!res.writableEnded) res.end();
  }
}
