/**
 * The publisher (spec/log.md §10): copies each election's log, as of its published checkpoint, to
 * a publish target in the C2SP static layout, one publish at a time per election:
 *
 *   1. the tree to publish must extend the last one published to this target (read from the
 *      store's publish state): a larger size with a consistency proof that verifies, or the same
 *      size and root (the checkpoint again, e.g. with more cosignatures); else
 *      PUBLISH_INCONSISTENT and nothing is written;
 *   2. the hash tiles and entry bundles that are new since that tree, create-only (types.ts);
 *   3. the publish state's compare-and-swap from the last tree to this one (PUBLISH_CAS_FAILED if
 *      another process published meanwhile; on PostgreSQL fenced by the sequencer lease);
 *   4. the checkpoint object, last.
 *
 * A failure leaves the published checkpoint where it was; the next publish (the next commit, or
 * the retry timer) starts again from step 1, and objects already written are "kept".
 */
import {
  TILE_WIDTH,
  bytesEqual,
  entryBundlePath,
  tilePath,
  tileWidth,
  verifyConsistency,
} from "@urna/verifier";
import {
  PublishError,
  type PublishStateStore,
  type PublishTarget,
  type PublishedTree,
} from "./types.js";

/** What the publisher reads from a log (the board's LogReader has it). */
export interface PublishReader {
  tile(level: number, index: number, width?: number): Promise<Uint8Array>;
  entryBundle(index: number, width?: number): Promise<Uint8Array>;
  consistencyProof(size1: number, size2: number): Promise<Uint8Array[]>;
}

/** A tree to publish: size, root and its checkpoint note (with cosignatures). */
export interface PublishHead {
  readonly size: number;
  readonly root: Uint8Array;
  readonly checkpoint: string;
}

export interface PublishResult {
  size: number;
  /** Tiles and bundles written, and found already present with the same bytes. */
  written: number;
  kept: number;
}

/** A log's objects under the target: `elections/<id>/`. */
export const electionPrefix = (id: string): string => `elections/${encodeURIComponent(id)}/`;

/** Tiles (level, index, width) present at `size` but not, with that width, at `from`. */
export function newTiles(
  from: number,
  size: number,
): Array<{ level: number; index: number; width: number }> {
  const out: Array<{ level: number; index: number; width: number }> = [];
  for (let level = 0; Math.floor(size / TILE_WIDTH ** level) > 0; level++) {
    const atLevel = Math.floor(size / TILE_WIDTH ** level);
    const first = Math.floor(Math.floor(from / TILE_WIDTH ** level) / TILE_WIDTH);
    for (let index = first; index * TILE_WIDTH < atLevel; index++) {
      const width = tileWidth(level, index, size);
      if (width !== tileWidth(level, index, from)) out.push({ level, index, width });
    }
  }
  return out;
}

const part = (w: number) => (w === TILE_WIDTH ? undefined : w);

/**
 * Runs `fn` over `items`, at most `limit` at a time. After a failure no further item starts; it
 * waits for the ones in flight and then throws the first failure (no write outlives the call).
 */
async function pool<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { e: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      try {
        await fn(items[next++]);
      } catch (e) {
        failure ??= { e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.e;
}

export interface PublisherOptions {
  target: PublishTarget;
  state: PublishStateStore;
  /** Objects written at once (default 8). */
  concurrency?: number;
}

/** Publishes logs to one target; see the file comment for the order of writes. */
export class Publisher {
  readonly target: PublishTarget;
  readonly #state: PublishStateStore;
  readonly #concurrency: number;

  constructor(opts: PublisherOptions) {
    this.target = opts.target;
    this.#state = opts.state;
    this.#concurrency = opts.concurrency ?? 8;
  }

  /** The last tree published for election `id` to this target, if any. */
  lastPublished(id: string): Promise<PublishedTree | undefined> {
    return this.#state.read(id, this.target.url);
  }

  /** Publishes `head` of election `id` (steps 1-4 above). */
  async publish(id: string, reader: PublishReader, head: PublishHead): Promise<PublishResult> {
    const prev = await this.lastPublished(id);
    const from = prev?.size ?? 0;
    if (prev) {
      if (head.size < prev.size)
        throw new PublishError(
          "PUBLISH_INCONSISTENT",
          `election ${id}: tree ${head.size} is older than the published ${prev.size}`,
        );
      if (head.size === prev.size && !bytesEqual(head.root, prev.root))
        throw new PublishError(
          "PUBLISH_INCONSISTENT",
          `election ${id}: tree ${head.size} has another root than the one published`,
        );
      if (head.size > prev.size && prev.size > 0) {
        try {
          verifyConsistency(
            prev.size,
            head.size,
            await reader.consistencyProof(prev.size, head.size),
            prev.root,
            head.root,
          );
        } catch (e) {
          throw new PublishError(
            "PUBLISH_INCONSISTENT",
            `election ${id}: tree ${head.size} is not consistent with the published ${prev.size}: ${(e as Error).message}`,
            { cause: e },
          );
        }
      }
    }
    const dir = electionPrefix(id);
    type Job = { path: string; get: () => Promise<Uint8Array> };
    const jobs: Job[] = [];
    for (const t of newTiles(from, head.size)) {
      jobs.push({
        path: dir + tilePath(t.level, t.index, part(t.width)),
        get: () => reader.tile(t.level, t.index, t.width),
      });
      if (t.level === 0)
        jobs.push({
          path: dir + entryBundlePath(t.index, part(t.width)),
          get: () => reader.entryBundle(t.index, t.width),
        });
    }
    let written = 0;
    let kept = 0;
    await pool(jobs, this.#concurrency, async (j) => {
      if ((await this.target.putImmutable(j.path, await j.get())) === "written") written++;
      else kept++;
    });
    const next: PublishedTree = { size: head.size, root: head.root };
    if (!(await this.#state.compareAndSwap(id, this.target.url, prev, next)))
      throw new PublishError(
        "PUBLISH_CAS_FAILED",
        `election ${id}: the published tree changed while publishing ${head.size} to ${this.target.url}`,
      );
    await this.target.putCheckpoint(dir + "checkpoint", head.checkpoint);
    return { size: head.size, written, kept };
  }
}
