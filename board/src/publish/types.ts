/**
 * The published record (spec/log.md §10): the C2SP static layout of every election's log
 * (`elections/<id>/checkpoint`, `elections/<id>/tile/...`) written to a publish target, a
 * folder (fs.ts) or an S3-compatible bucket (s3.ts), that any static web server or CDN serves.
 *
 * A target writes two kinds of object:
 * - immutable ones (hash tiles, entry bundles), "create only": an object already at the path is
 *   accepted only if its bytes are the same (a publish repeated after a crash), otherwise
 *   PUBLISH_CONFLICT and nothing is overwritten;
 * - the checkpoint, replaced in one step, always written after every object it names.
 */

/** Cache-Control of immutable objects (tiles, entry bundles), as Tessera sets it. */
export const IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable";
/** Cache-Control of the checkpoint: always revalidated. */
export const CHECKPOINT_CACHE_CONTROL = "no-cache";
export const TILE_CONTENT_TYPE = "application/octet-stream";
export const CHECKPOINT_CONTENT_TYPE = "text/plain; charset=utf-8";

export type PublishErrorCode =
  /** `--publish` names no known target (not a folder path or `s3://bucket[/prefix]`). */
  | "PUBLISH_TARGET_INVALID"
  /** An immutable object already exists at the path with other bytes: nothing was overwritten. */
  | "PUBLISH_CONFLICT"
  /** The tree to publish is older than, or not consistent with, the last one published. */
  | "PUBLISH_INCONSISTENT"
  /** The last-published record changed under the publisher (another process published). */
  | "PUBLISH_CAS_FAILED"
  /** The target refused or lost a write (network, permissions, disk). */
  | "PUBLISH_FAILED";

export class PublishError extends Error {
  readonly code: PublishErrorCode;
  constructor(code: PublishErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PublishError";
    this.code = code;
  }
}

/** What a create-only write did. */
export type ImmutableOutcome = "written" | "kept";

export interface PublishTarget {
  /** The target as given (`/srv/record`, `s3://bucket/prefix`): the key of its published state. */
  readonly url: string;
  /**
   * Writes an immutable object at `path` (relative, `/`-separated) unless it exists: "kept" when
   * the existing object has exactly these bytes, PUBLISH_CONFLICT when it has others.
   */
  putImmutable(path: string, bytes: Uint8Array): Promise<ImmutableOutcome>;
  /** Replaces the checkpoint object at `path` in one step (readers see the old or the new one). */
  putCheckpoint(path: string, text: string): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** A tree as the publisher records it: its size and RFC 6962 root. */
export interface PublishedTree {
  readonly size: number;
  readonly root: Uint8Array;
}

/**
 * Where the publisher keeps the last tree it published per (election, target), updated by
 * compare-and-swap: in the level database, or in PostgreSQL (`urna_published`), where the swap is
 * also fenced by the sequencer lease, so only the lease holder publishes.
 */
export interface PublishStateStore {
  read(election: string, target: string): Promise<PublishedTree | undefined>;
  /**
   * Sets the record to `next` if it is still `prev` (undefined: no record yet); false if it was
   * not (someone else published meanwhile) and nothing was written.
   */
  compareAndSwap(
    election: string,
    target: string,
    prev: PublishedTree | undefined,
    next: PublishedTree,
  ): Promise<boolean>;
}
