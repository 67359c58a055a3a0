/**
 * Publish target: a folder that any static web server serves (like Tessera's POSIX driver).
 *
 * Immutable objects are created only: the bytes go to a temporary file, which is fsynced and then
 * hard-linked to the final name (link(2) fails if the name exists, so an existing file is never
 * replaced, also by a concurrent publisher); an existing file is read back and compared. The
 * checkpoint is written to a temporary file, fsynced and renamed over the old one, and the
 * folder fsynced: a reader sees the old or the new checkpoint, never a partial one, and never
 * one whose tiles are not on disk yet.
 */
import { link, mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { bytesEqual } from "@urna/verifier";
import { type ImmutableOutcome, PublishError, type PublishTarget } from "./types.js";

let counter = 0;
const tmpName = (path: string) => `${path}.tmp-${process.pid}-${counter++}`;

async function writeSynced(path: string, bytes: Uint8Array | string): Promise<void> {
  const fh = await open(path, "wx", 0o644);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

const failed = (what: string, e: unknown) =>
  new PublishError("PUBLISH_FAILED", `${what}: ${(e as Error).message}`, { cause: e });

export class FsPublishTarget implements PublishTarget {
  readonly url: string;
  readonly #root: string;

  constructor(dir: string) {
    this.#root = resolve(dir);
    this.url = this.#root;
  }

  #path(rel: string): string {
    const p = resolve(this.#root, rel);
    if (!p.startsWith(this.#root + sep))
      throw new PublishError("PUBLISH_TARGET_INVALID", `path ${rel} leaves ${this.#root}`);
    return p;
  }

  async putImmutable(rel: string, bytes: Uint8Array): Promise<ImmutableOutcome> {
    const path = this.#path(rel);
    const tmp = tmpName(path);
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeSynced(tmp, bytes);
      try {
        await link(tmp, path);
        return "written";
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      } finally {
        await unlink(tmp).catch(() => undefined);
      }
    } catch (e) {
      throw failed(`writing ${path}`, e);
    }
    let existing: Uint8Array;
    try {
      existing = await readFile(path);
    } catch (e) {
      throw failed(`reading ${path}`, e);
    }
    if (bytesEqual(existing, bytes)) return "kept";
    throw new PublishError(
      "PUBLISH_CONFLICT",
      `${path} already exists with other bytes (${existing.length} bytes, expected ${bytes.length}): not overwritten`,
    );
  }

  async putCheckpoint(rel: string, text: string): Promise<void> {
    const path = this.#path(rel);
    const tmp = tmpName(path);
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeSynced(tmp, text);
      await rename(tmp, path);
      await syncDir(dirname(path));
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw failed(`writing ${path}`, e);
    }
  }

  async close(): Promise<void> {}
}

/** The folder's own path for a relative object path (tests, messages). */
export const fsObjectPath = (dir: string, rel: string): string => join(resolve(dir), rel);
