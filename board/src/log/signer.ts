/**
 * The checkpoint signer: signs c2sp.org/tlog-checkpoint notes with the
 * board's Ed25519 key, and never signs a checkpoint inconsistent with the
 * last one it signed (tlog-checkpoint "Signatures"), across restarts and
 * even if the log database is replaced by an older or different copy.
 *
 * Its memory of the last signed tree (size, root) lives OUTSIDE the log
 * database, in a small file per log, replaced atomically (write temp, fsync,
 * rename, fsync directory), or in the board's SharedSignerState (one
 * durable write for many logs), after the tree is durable in the database
 * and before its checkpoint is released to anyone. Before signing (size,
 * root) it requires either the same (size, root) again, or a consistency
 * proof from the last signed tree that verifies (verifyConsistencyFast,
 * which decides as the verifier's verifyConsistency). Any violation is fatal and sticky: SIGNER_ROLLBACK
 * (the tree is smaller than one already signed: the database went back in
 * time) or SIGNER_INCONSISTENT (the tree forks from the signed one); every
 * later sign() throws the same error, so the log refuses all writes.
 *
 * Crash windows: the file is written after the database commit, so a crash
 * in between leaves the file behind the database; on restart the database
 * tree is checked for consistency with the file and adopted. The checkpoint
 * of that last batch was signed but never released before the crash.
 */
import { createHash } from "node:crypto";
import { type FileHandle, open, readFile, rename } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import {
  bytesEqual,
  emptyRoot,
  formatCheckpoint,
  formatNote,
  fromBase64,
  fromUtf8,
  type NoteSigner,
  signNote,
  toBase64,
  utf8,
  verifyConsistency,
} from "@urna/verifier";
import { BoardLogError, isTransientResourceError } from "./errors.js";
import { verifyConsistencyFast } from "./fast-hash.js";
import { hasSignAsync } from "./node-signer.js";

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
  /**
   * Record the state in this board-wide file instead of `statePath`; `statePath` is then only
   * read, when the shared file has no state for this origin (a log from an earlier version).
   */
  shared?: SignerStateStore;
}

/**
 * Where a board records the last tree signed for each of its logs (origin -> size, root), outside
 * the log database or alongside it: SharedSignerState (a local file; the level store), or the
 * PostgreSQL store's record (the database row written with each commit plus the same local file).
 */
export interface SignerStateStore {
  /** Where the record lives, for messages (never a secret). */
  readonly path: string;
  /**
   * The recorded tree of `origin`, if any. May throw a BoardLogError (SIGNER_STATE_INVALID,
   * SIGNER_INCONSISTENT) when its copies disagree; the signer then refuses to sign.
   */
  get(origin: string): SignedTree | undefined;
  /** Records `tree` for `origin` (never moving it back); resolves once durable. */
  record(origin: string, tree: SignedTree): Promise<void>;
  close(): Promise<void>;
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

const SHARED_FORMAT = "urna-checkpoint-signers-v1";
const SLOT_MAGIC = utf8("urnaSS01");
const SLOT_HEAD = 24; // magic (8) || sequence number (8, BE) || body length (8, BE)

interface SharedStateBody {
  format: string;
  logs: Record<string, { size: number; root: string }>;
}

/** One slot file: magic || seq || len || body (JSON) || SHA-256 of all before; undefined if torn or absent. */
function parseSlot(bytes: Uint8Array): { seq: number; body: Uint8Array } | undefined {
  if (bytes.length < SLOT_HEAD + 32) return undefined;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < 8; i++) if (bytes[i] !== SLOT_MAGIC[i]) return undefined;
  const seq = Number(dv.getBigUint64(8));
  const len = Number(dv.getBigUint64(16));
  if (!Number.isSafeInteger(seq) || len > bytes.length - SLOT_HEAD - 32) return undefined;
  const end = SLOT_HEAD + len;
  const sum = createHash("sha256").update(bytes.subarray(0, end)).digest();
  if (!bytesEqual(new Uint8Array(sum), bytes.subarray(end, end + 32))) return undefined;
  return { seq, body: bytes.subarray(SLOT_HEAD, end) };
}

function encodeSlot(seq: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(SLOT_HEAD + body.length + 32);
  const dv = new DataView(out.buffer);
  out.set(SLOT_MAGIC, 0);
  dv.setBigUint64(8, BigInt(seq));
  dv.setBigUint64(16, BigInt(body.length));
  out.set(body, SLOT_HEAD);
  out.set(
    createHash("sha256")
      .update(out.subarray(0, SLOT_HEAD + body.length))
      .digest(),
    SLOT_HEAD + body.length,
  );
  return out;
}

/**
 * The signer state of many logs (one board) outside the log database, so that the trees signed
 * for every election are recorded with ONE durable write instead of one per log.
 * `record(origin, tree)` resolves once a write holding that tree is durable; records made while
 * a write is in flight, or in the same event-loop turn, share the next write (group commit, as
 * the database's).
 *
 * Storage: two slot files `<path>.0` and `<path>.1`, kept open, written alternately; each write
 * is one positional write of the whole state (JSON) with a sequence number and a SHA-256
 * checksum, then fdatasync: two I/O steps, against six for write-temp/fsync/rename/fsync-dir.
 * Reading takes the valid slot with the highest sequence number: a write torn by a crash fails
 * its checksum and the other slot (the previous state) is used, which is safe because nothing
 * that write covered was released (the same window as a crash between the database commit and
 * the signer record). Both slots present and neither valid: SIGNER_STATE_INVALID.
 * A log absent from the state may still have a per-log state file from an earlier version
 * (CheckpointSigner.open reads it then).
 */
export class SharedSignerState implements SignerStateStore {
  readonly path: string;
  readonly #trees = new Map<string, SignedTree>();
  readonly #files: [FileHandle, FileHandle];
  #seq: number;
  #waiting: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  #busy = false;
  /** Durable writes done (diagnostics and tests). */
  writes = 0;

  private constructor(path: string, files: [FileHandle, FileHandle], seq: number) {
    this.path = path;
    this.#files = files;
    this.#seq = seq;
  }

  /** Opens (creating if absent) the state at `path`.0/.1. Throws SIGNER_STATE_INVALID if unreadable. */
  static async open(path: string): Promise<SharedSignerState> {
    const invalid = (msg: string, cause?: unknown) =>
      new BoardLogError("SIGNER_STATE_INVALID", `signer state ${path}: ${msg}`, { cause });
    const files: FileHandle[] = [];
    let created = false;
    let best: { seq: number; body: Uint8Array } | undefined;
    let nonEmpty = 0;
    try {
      for (const i of [0, 1]) {
        const name = `${path}.${i}`;
        let fh: FileHandle;
        try {
          fh = await open(name, "r+");
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
          fh = await open(name, "w+", 0o600);
          created = true;
        }
        files.push(fh);
        const bytes = new Uint8Array(await fh.readFile());
        if (bytes.length > 0) nonEmpty++;
        const slot = parseSlot(bytes);
        if (slot && (!best || slot.seq > best.seq)) best = slot;
      }
      if (created) {
        const d = await open(dirname(path), "r");
        try {
          await d.sync();
        } finally {
          await d.close();
        }
      }
    } catch (e) {
      await Promise.all(files.map((f) => f.close().catch(() => undefined)));
      throw e instanceof BoardLogError ? e : invalid((e as Error).message, e);
    }
    const st = new SharedSignerState(path, files as [FileHandle, FileHandle], best?.seq ?? 0);
    try {
      if (!best) {
        if (nonEmpty > 0) throw invalid("no valid slot");
        return st;
      }
      let o: SharedStateBody;
      try {
        o = JSON.parse(fromUtf8(best.body)) as SharedStateBody;
      } catch (e) {
        throw invalid("not JSON", e);
      }
      if (o?.format !== SHARED_FORMAT || typeof o.logs !== "object" || o.logs === null)
        throw invalid("malformed");
      for (const [origin, t] of Object.entries(o.logs)) {
        let root: Uint8Array | undefined;
        try {
          root = typeof t?.root === "string" ? fromBase64(t.root) : undefined;
        } catch {
          root = undefined;
        }
        if (!Number.isSafeInteger(t?.size) || t.size < 0 || root?.length !== 32)
          throw invalid(`bad entry for ${JSON.stringify(origin)}`);
        st.#trees.set(origin, { size: t.size, root });
      }
      return st;
    } catch (e) {
      await st.close();
      throw e;
    }
  }

  /** The recorded tree of `origin`, if any. */
  get(origin: string): SignedTree | undefined {
    return this.#trees.get(origin);
  }

  /** Records `tree` for `origin` (never moving it back); resolves once durable. */
  record(origin: string, tree: SignedTree): Promise<void> {
    const cur = this.#trees.get(origin);
    if (!cur || tree.size >= cur.size)
      this.#trees.set(origin, { size: tree.size, root: tree.root.slice() });
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      if (!this.#busy) {
        this.#busy = true;
        setImmediate(() => void this.#run());
      }
    });
  }

  async #run(): Promise<void> {
    while (this.#waiting.length > 0) {
      const waiting = this.#waiting;
      this.#waiting = [];
      const logs: SharedStateBody["logs"] = {};
      for (const [origin, t] of this.#trees)
        logs[origin] = { size: t.size, root: toBase64(t.root) };
      const seq = this.#seq + 1;
      const bytes = encodeSlot(seq, utf8(JSON.stringify({ format: SHARED_FORMAT, logs })));
      const fh = this.#files[seq % 2];
      try {
        let done = 0;
        while (done < bytes.length) {
          const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, done);
          if (bytesWritten <= 0) throw new Error("short write");
          done += bytesWritten;
        }
        await fh.datasync();
      } catch (e) {
        for (const w of waiting) w.reject(e);
        continue;
      }
      this.#seq = seq;
      this.writes++;
      for (const w of waiting) w.resolve();
    }
    this.#busy = false;
  }

  /** Closes the slot files (after the logs using it are closed). */
  async close(): Promise<void> {
    await Promise.all(this.#files.map((f) => f.close().catch(() => undefined)));
  }
}

export class CheckpointSigner {
  readonly origin: string;
  readonly statePath: string;
  readonly #key: NoteSigner;
  readonly #adopt: boolean;
  readonly #shared: SignerStateStore | undefined;
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
    this.#shared = opts.shared;
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
      const state = opts.shared?.get(opts.origin) ?? (await readState(opts.statePath, opts.origin));
      return new CheckpointSigner(opts, state, undefined);
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
        // The verifier's verifyConsistency decides alike (fast-hash.test.ts); on failure it
        // gives the reason.
        if (!verifyConsistencyFast(last.size, size, proof, last.root, root))
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
    const text = formatCheckpoint({ origin: this.origin, size, root, extensions: [] });
    const key = this.#key;
    if (!hasSignAsync(key)) {
      const note = signNote(text, [key]);
      this.#last = { size, root: root.slice() };
      return note;
    }
    // Off the main thread (libuv pool): the same bytes as signNote (Ed25519 is deterministic).
    this.#last = { size, root: root.slice() };
    const signature = await key.signAsync(utf8(text));
    return formatNote(text, [{ name: key.name, keyId: key.keyId, signature }]);
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
        if (this.#shared) await this.#shared.record(this.origin, w);
        else await writeFileDurable(this.statePath, JSON.stringify(body) + "\n");
      } catch (e) {
        // Out of descriptors or disk space: not recorded, and the caller may retry.
        if (isTransientResourceError(e)) throw e;
        this.#fail(
          new BoardLogError(
            "SIGNER_STATE_WRITE_FAILED",
            `cannot write signer state ${this.#shared?.path ?? this.statePath}: ${(e as Error).message}`,
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
