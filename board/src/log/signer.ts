/**
 * The checkpoint signer: signs c2sp.org/tlog-checkpoint notes with the
 * board's Ed25519 key, and never signs a checkpoint inconsistent with the
 * last one it signed (tlog-checkpoint "Signatures"), across restarts and
 * even if the log database is replaced by an older or different copy.
 *
 * Its memory of the last signed tree (size, root) lives OUTSIDE the log
 * database, in a small file per log, replaced atomically (write temp, fsync,
 * rename, fsync directory) after the tree is durable in the database and
 * before its checkpoint is released to anyone. Before signing (size, root)
 * it requires either the same (size, root) again, or a consistency proof
 * from the last signed tree that verifies with the verifier's
 * verifyConsistency. Any violation is fatal and sticky: SIGNER_ROLLBACK
 * (the tree is smaller than one already signed: the database went back in
 * time) or SIGNER_INCONSISTENT (the tree forks from the signed one); every
 * later sign() throws the same error, so the log refuses all writes.
 *
 * Crash windows: the file is written after the database commit, so a crash
 * in between leaves the file behind the database; on restart the database
 * tree is checked for consistency with the file and adopted. The checkpoint
 * of that last batch was signed but never released before the crash.
 */
import { open, readFile, rename } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import {
  bytesEqual,
  emptyRoot,
  formatCheckpoint,
  fromBase64,
  type NoteSigner,
  signNote,
  toBase64,
  verifyConsistency,
} from "@urna/verifier";
import { BoardLogError } from "./errors.js";

/** The tree a checkpoint commits to. */
export interface SignedTree {
  readonly size: number;
  readonly root: Uint8Array;
}

/** Produces the consistency proof from size1 to size2 of the tree about to be signed. */
export type ConsistencyProver = (size1: number, size2: number) => Promise<Uint8Array[]>;

export interface CheckpointSignerOptions {
  /** Checkpoint origin, `<board name>/elections/<election id>` (see checkpointOrigin). */
  origin: string;
  /** The board's note signer; its key name must equal the origin (tlog-checkpoint). */
  key: NoteSigner;
  /** The signer-state file for this log, outside the log database. */
  statePath: string;
  /**
   * Accept a missing state file for a log that already has entries (first
   * start after a migration). Otherwise a missing file with a non-empty log
   * is SIGNER_STATE_MISSING.
   */
  adoptExisting?: boolean;
}

const FORMAT = "urna-checkpoint-signer-v1";

/** `<board name>/elections/<election id>` */
export function checkpointOrigin(boardName: string, electionId: string): string {
  return `${boardName}/elections/${electionId}`;
}

interface StateFile {
  format: string;
  origin: string;
  size: number;
  root: string;
}

async function readState(path: string, origin: string): Promise<SignedTree | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new BoardLogError(
      "SIGNER_STATE_INVALID",
      `cannot read signer state ${path}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  let o: StateFile;
  try {
    o = JSON.parse(text) as StateFile;
  } catch (e) {
    throw new BoardLogError("SIGNER_STATE_INVALID", `signer state ${path} is not JSON`, {
      cause: e,
    });
  }
  if (
    o.format !== FORMAT ||
    typeof o.origin !== "string" ||
    !Number.isSafeInteger(o.size) ||
    o.size < 0 ||
    typeof o.root !== "string"
  )
    throw new BoardLogError("SIGNER_STATE_INVALID", `signer state ${path} is malformed`);
  if (o.origin !== origin)
    throw new BoardLogError(
      "SIGNER_STATE_INVALID",
      `signer state ${path} belongs to ${JSON.stringify(o.origin)}, not ${JSON.stringify(origin)}`,
    );
  let root: Uint8Array;
  try {
    root = fromBase64(o.root);
  } catch (e) {
    throw new BoardLogError("SIGNER_STATE_INVALID", `signer state ${path} has a bad root`, {
      cause: e,
    });
  }
  if (root.length !== 32)
    throw new BoardLogError("SIGNER_STATE_INVALID", `signer state ${path} has a bad root`);
  return { size: o.size, root };
}

/** Replaces `path` atomically and durably with `data`. */
export async function writeFileDurable(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp`);
  const f = await open(tmp, "w");
  try {
    await f.writeFile(data);
    await f.sync();
  } finally {
    await f.close();
  }
  await rename(tmp, path);
  const d = await open(dirname(path), "r");
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

export class CheckpointSigner {
  readonly origin: string;
  readonly statePath: string;
  readonly #key: NoteSigner;
  readonly #adopt: boolean;
  /** Last tree signed in this process, or loaded from the state file. */
  #last: SignedTree | undefined;
  /** Last tree recorded in the state file. */
  #persisted: SignedTree | undefined;
  #want: SignedTree | undefined;
  #failure: BoardLogError | undefined;
  #chain: Promise<void> = Promise.resolve();

  private constructor(
    opts: CheckpointSignerOptions,
    state: SignedTree | undefined,
    failure: BoardLogError | undefined,
  ) {
    this.origin = opts.origin;
    this.statePath = opts.statePath;
    this.#key = opts.key;
    this.#adopt = opts.adoptExisting ?? false;
    this.#last = state;
    this.#persisted = state;
    this.#failure = failure;
  }

  /**
   * Loads the signer state. Problems with the state file do not throw here:
   * they make the signer fail (every sign() throws), so the log can still
   * open for reads and report the error.
   */
  static async open(opts: CheckpointSignerOptions): Promise<CheckpointSigner> {
    // formatCheckpoint validates the origin line.
    formatCheckpoint({ origin: opts.origin, size: 0, root: emptyRoot(), extensions: [] });
    if (opts.key.name !== opts.origin)
      throw new BoardLogError(
        "SIGNER_KEY_NAME",
        `key name ${JSON.stringify(opts.key.name)} must equal the origin ${JSON.stringify(opts.origin)}`,
      );
    try {
      return new CheckpointSigner(opts, await readState(opts.statePath, opts.origin), undefined);
    } catch (e) {
      if (e instanceof BoardLogError) return new CheckpointSigner(opts, undefined, e);
      throw e;
    }
  }

  /** The last tree this signer signed (or recorded before a restart). */
  get lastSigned(): SignedTree | undefined {
    return this.#last;
  }

  /** The tree recorded in the state file. */
  get persisted(): SignedTree | undefined {
    return this.#persisted;
  }

  /** Set once the signer refused to sign or failed to record its state; it never signs again. */
  get failure(): BoardLogError | undefined {
    return this.#failure;
  }

  #fail(e: BoardLogError): never {
    this.#failure ??= e;
    throw this.#failure;
  }

  /**
   * Signs the checkpoint for (size, root) after checking it is consistent
   * with the last signed tree, using a proof from `prove` checked with
   * verifyConsistency. Returns the signed note.
   */
  async sign(size: number, root: Uint8Array, prove: ConsistencyProver): Promise<string> {
    if (this.#failure) throw this.#failure;
    const last = this.#last;
    if (last === undefined) {
      if (size > 0 && !this.#adopt)
        this.#fail(
          new BoardLogError(
            "SIGNER_STATE_MISSING",
            `no signer state at ${this.statePath} for a log of size ${size}; refusing to sign (set adoptExisting to adopt it)`,
          ),
        );
    } else if (size < last.size) {
      this.#fail(
        new BoardLogError(
          "SIGNER_ROLLBACK",
          `the log has size ${size} but a checkpoint of size ${last.size} was already signed: the log database was rolled back or replaced`,
        ),
      );
    } else if (size === last.size) {
      if (!bytesEqual(root, last.root))
        this.#fail(
          new BoardLogError(
            "SIGNER_INCONSISTENT",
            `root at size ${size} differs from the root already signed at that size`,
          ),
        );
    } else if (last.size === 0) {
      if (!bytesEqual(last.root, emptyRoot()))
        this.#fail(
          new BoardLogError("SIGNER_INCONSISTENT", "signed empty tree with a non-empty root"),
        );
    } else {
      let proof: Uint8Array[];
      try {
        proof = await prove(last.size, size);
        verifyConsistency(last.size, size, proof, last.root, root);
      } catch (e) {
        this.#fail(
          new BoardLogError(
            "SIGNER_INCONSISTENT",
            `the tree of size ${size} is not consistent with the checkpoint of size ${last.size} already signed: ${(e as Error).message}`,
            { cause: e },
          ),
        );
      }
      if (this.#failure) throw this.#failure; // failed concurrently (persist)
    }
    const note = signNote(formatCheckpoint({ origin: this.origin, size, root, extensions: [] }), [
      this.#key,
    ]);
    this.#last = { size, root: root.slice() };
    return note;
  }

  /**
   * Records `tree` (already durable in the log database) in the state file.
   * Calls are serialised; a call resolves once a write covering its tree is
   * durable (concurrent calls coalesce into one write of the newest tree).
   */
  persist(tree: SignedTree): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (!this.#want || tree.size >= this.#want.size)
      this.#want = { size: tree.size, root: tree.root.slice() };
    const p = this.#chain.then(async () => {
      if (this.#failure) throw this.#failure;
      if (this.#persisted && this.#persisted.size >= tree.size) return;
      const w = this.#want!;
      const body: StateFile = {
        format: FORMAT,
        origin: this.origin,
        size: w.size,
        root: toBase64(w.root),
      };
      try {
        await writeFileDurable(this.statePath, JSON.stringify(body) + "\n");
      } catch (e) {
        this.#fail(
          new BoardLogError(
            "SIGNER_STATE_WRITE_FAILED",
            `cannot write signer state ${this.statePath}: ${(e as Error).message}`,
            { cause: e },
          ),
        );
      }
      this.#persisted = w;
    });
    this.#chain = p.catch(() => undefined);
    return p;
  }
}
