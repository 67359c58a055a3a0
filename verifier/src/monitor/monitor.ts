/**
 * The monitor (spec/witness.md §3), isomorphic: follows one election's board, and for every new
 * checkpoint checks
 *   - the board's signature and origin (trust file), and that it is append-only consistent with
 *     the last checkpoint it verified (a consistency proof from the board; the same size with
 *     another root is an equivocation);
 *   - the witness quorum of the trust file (a checkpoint without it is reported and waited on:
 *     the monitor does not move to it, but still checks its consistency);
 *   - every new entry, as the auditor does (EntryChecker), and that the entries' leaf hashes
 *     give the checkpoint's root.
 * Any inconsistency or equivocation, or any invalid entry, is an alert: the monitor saves the
 * evidence and stops with exit code 3 or 4. Transport failures are only reported and retried.
 *
 * State (MonitorStore): the head (last verified checkpoint, its StreamingRoot frontier, recent
 * sizes and roots), written at every verified checkpoint; and a snapshot of the election
 * replay (ElectionState, tally sums, frontier at its size) written at most every
 * `snapshotEveryMs` and when the monitor stops. On restart it restores both and replays, without
 * the cryptography, only the entries between the snapshot and the head (none after a clean stop).
 */
import type { CiphertextJson, TrustFile } from "@urna/schemas";
import { bytesEqual, fromBase64, toBase64 } from "../bytes.js";
import { asTrust, type Trust } from "../audit/trust.js";
import type { Finding } from "../election/findings.js";
import { openCheckpoint, type Checkpoint } from "../log/checkpoint.js";
import { verifyWitnessQuorum } from "../log/cosignature.js";
import { emptyRoot, leafHash } from "../log/merkle-hash.js";
import { StreamingRoot, verifyAppendOnly, verifyInclusion } from "../log/merkle.js";
import { BoardClient, BoardReadError, type MonitorFetch } from "./board-client.js";
import { EntryChecker, type CheckedEntry } from "./checker.js";
import {
  SnapshotError,
  restoreState,
  restoreSums,
  snapshotState,
  snapshotSums,
  type StateSnapshot,
} from "./snapshot.js";

/** Exit codes of `urna-verify watch` (spec/witness.md §3). */
export const WATCH_EXIT = {
  /** Stopped, or `--once` verified the latest checkpoint. */
  OK: 0,
  /** `--once` could not verify the latest checkpoint (board unreachable, bad signature, not witnessed). */
  INCOMPLETE: 1,
  /** Bad usage or input (flags, trust file, a state folder of another log). */
  USAGE: 2,
  /** Inconsistency or equivocation: two board-signed checkpoints that are not append-only. */
  INCONSISTENT: 3,
  /** An entry the board should have refused. */
  INVALID_ENTRY: 4,
} as const;

export type AlertKind = "equivocation" | "inconsistency" | "rollback" | "invalid-entry";

export type MonitorEvent =
  | { type: "start"; board: string; origin: string; size: number; resumed: boolean; replay: number }
  | {
      type: "checkpoint";
      size: number;
      root: string;
      previous: number;
      entries: number;
      witnesses: string[];
    }
  | { type: "entry"; index: number; entryType: string; trackingCode: string }
  | { type: "unchanged"; size: number }
  /** Entries read and checked so far towards the checkpoint of `size` (a long catch-up). */
  | { type: "progress"; done: number; size: number }
  | { type: "unwitnessed"; size: number; count: number; quorum: number; invalid: string[] }
  | { type: "stale"; size: number; latest: number }
  | { type: "error"; code: string; message: string }
  | {
      type: "alert";
      kind: AlertKind;
      code: string;
      message: string;
      exitCode: number;
      findings?: Finding[];
      /** Where the evidence was saved (a path with a state folder). */
      evidence?: string;
      /** The evidence itself: the board's signed checkpoints (full notes), proofs, findings. */
      record: Record<string, unknown>;
    }
  | { type: "snapshot"; size: number }
  | { type: "stop"; size: number; exitCode: number };

export type AlertEvent = Extract<MonitorEvent, { type: "alert" }>;

export interface MonitorHead {
  format: "urna-monitor-head-v1";
  origin: string;
  /** The verified checkpoint note, verbatim (with its cosignatures). */
  checkpoint: string;
  size: number;
  root: string;
  /** StreamingRoot frontier at `size` (base64). */
  frontier: string[];
  /**
   * Recently verified (size, root, checkpoint note) triples, to recognise an equivocation on an
   * older size and keep both signed checkpoints as its evidence (states written before the note
   * was kept hold pairs).
   */
  recent: [number, string, string?][];
}

export interface MonitorSnapshot {
  format: "urna-monitor-snapshot-v1";
  origin: string;
  size: number;
  frontier: string[];
  state?: StateSnapshot;
  sums?: Record<string, CiphertextJson[]>;
  /** The ballots in `sums` (added minus subtracted); absent in snapshots of earlier versions. */
  sumsBallots?: number;
}

/** Where the monitor keeps its state. `save*` must be atomic. */
export interface MonitorStore {
  loadHead(): Promise<MonitorHead | undefined>;
  saveHead(h: MonitorHead): Promise<void>;
  loadSnapshot(): Promise<MonitorSnapshot | undefined>;
  saveSnapshot(s: MonitorSnapshot): Promise<void>;
  /** Keeps the evidence of an alert; returns where (a path or a name). */
  saveEvidence(name: string, evidence: unknown): Promise<string>;
}

export class MemoryMonitorStore implements MonitorStore {
  head?: MonitorHead;
  snapshot?: MonitorSnapshot;
  readonly evidence = new Map<string, unknown>();
  async loadHead() {
    return this.head && (JSON.parse(JSON.stringify(this.head)) as MonitorHead);
  }
  async saveHead(h: MonitorHead) {
    this.head = JSON.parse(JSON.stringify(h)) as MonitorHead;
  }
  async loadSnapshot() {
    return this.snapshot && (JSON.parse(JSON.stringify(this.snapshot)) as MonitorSnapshot);
  }
  async saveSnapshot(s: MonitorSnapshot) {
    this.snapshot = JSON.parse(JSON.stringify(s)) as MonitorSnapshot;
  }
  async saveEvidence(name: string, evidence: unknown) {
    this.evidence.set(name, evidence);
    return name;
  }
}

export class MonitorError extends Error {
  readonly code: "STATE_MISMATCH" | "BAD_TRUST";
  constructor(code: "STATE_MISMATCH" | "BAD_TRUST", message: string) {
    super(message);
    this.name = "MonitorError";
    this.code = code;
  }
}

export interface MonitorOptions {
  /** The board's base URL. */
  board: string;
  election: string;
  /** Trust file (parsed JSON) or loaded Trust. */
  trust: Trust | TrustFile | unknown;
  store?: MonitorStore;
  fetch?: MonitorFetch;
  onEvent?: (e: MonitorEvent) => void;
  /** Entries per request (default 1,000; the board serves at most 10,000). */
  pageSize?: number;
  /** Least time between snapshots of the election replay (default 60 s). */
  snapshotEveryMs?: number;
  timeoutMs?: number;
}

export type StepResult =
  | { kind: "verified" | "unchanged" | "unwitnessed" | "stale" | "error" }
  | { kind: "alert"; alert: AlertEvent };

const RECENT = 64;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class Monitor {
  readonly origin: string;
  readonly trust: Trust;
  readonly board: BoardClient;
  readonly #store: MonitorStore;
  readonly #emit: (e: MonitorEvent) => void;
  readonly #pageSize: number;
  readonly #snapshotEveryMs: number;
  #head: MonitorHead | undefined;
  #checker: EntryChecker;
  #lastSnapshot = 0;
  #snapshotSize = -1;

  private constructor(opts: MonitorOptions, trust: Trust, origin: string) {
    this.trust = trust;
    this.origin = origin;
    this.board = new BoardClient({
      url: opts.board,
      election: opts.election,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    });
    this.#store = opts.store ?? new MemoryMonitorStore();
    this.#emit = opts.onEvent ?? (() => {});
    this.#pageSize = Math.max(1, Math.min(opts.pageSize ?? 1000, 10_000));
    this.#snapshotEveryMs = opts.snapshotEveryMs ?? 60_000;
    this.#checker = new EntryChecker(trust);
  }

  /** Opens a monitor, restoring its state from the store. Throws MonitorError (bad input). */
  static async open(opts: MonitorOptions): Promise<Monitor> {
    let trust: Trust;
    try {
      trust = asTrust(opts.trust);
    } catch (e) {
      throw new MonitorError("BAD_TRUST", message(e));
    }
    if (opts.election !== trust.election)
      throw new MonitorError(
        "BAD_TRUST",
        `election ${opts.election} is not the trust file's ${trust.election}`,
      );
    // The board key's name is the log's origin (spec/log.md §3).
    const origin = trust.board.name;
    if (!origin.endsWith(`/elections/${trust.election}`))
      throw new MonitorError(
        "BAD_TRUST",
        `the board vkey's name ${origin} is not <board name>/elections/${trust.election}`,
      );
    const m = new Monitor(opts, trust, origin);
    await m.#restore();
    return m;
  }

  get size(): number {
    return this.#head?.size ?? 0;
  }
  get head(): MonitorHead | undefined {
    return this.#head;
  }

  async #restore(): Promise<void> {
    const head = await this.#store.loadHead();
    let replay = 0;
    if (head) {
      if (head.format !== "urna-monitor-head-v1" || head.origin !== this.origin)
        throw new MonitorError(
          "STATE_MISMATCH",
          `the state folder is for ${head.origin}, not ${this.origin}`,
        );
      let cp: Checkpoint;
      try {
        cp = openCheckpoint(head.checkpoint, this.trust.board, { origin: this.origin }).checkpoint;
        StreamingRoot.fromFrontier(head.size, head.frontier.map(fromBase64));
      } catch (e) {
        throw new MonitorError(
          "STATE_MISMATCH",
          `the saved checkpoint does not verify with this trust file: ${message(e)}`,
        );
      }
      if (cp.size !== head.size || toBase64(cp.root) !== head.root)
        throw new MonitorError("STATE_MISMATCH", "the saved state does not match its checkpoint");
      this.#head = head;
      const snap = await this.#store.loadSnapshot().catch(() => undefined);
      if (
        snap &&
        snap.format === "urna-monitor-snapshot-v1" &&
        snap.origin === this.origin &&
        snap.size <= head.size
      )
        try {
          const root = StreamingRoot.fromFrontier(snap.size, snap.frontier.map(fromBase64));
          const state = snap.state ? restoreState(snap.state) : undefined;
          const acc =
            state && snap.sums
              ? restoreSums(state.manifest, snap.sums, snap.sumsBallots)
              : undefined;
          if (snap.size > 0 && !state) throw new SnapshotError("no election state");
          if (state && state.size !== snap.size)
            throw new SnapshotError("the election state is not at the snapshot's size");
          if (snap.size === head.size && snap.frontier.join() !== head.frontier.join())
            throw new SnapshotError("the snapshot's tree is not the head's");
          this.#checker = new EntryChecker(this.trust, {
            root,
            ...(state ? { state } : {}),
            ...(acc ? { acc } : {}),
          });
          this.#snapshotSize = snap.size;
        } catch {
          this.#checker = new EntryChecker(this.trust);
        }
      replay = head.size - this.#checker.size;
    }
    this.#emit({
      type: "start",
      board: this.board.base,
      origin: this.origin,
      size: this.size,
      resumed: head !== undefined,
      replay,
    });
  }

  /** One round: fetch the board's checkpoint and verify everything new. Never throws for board data. */
  async step(): Promise<StepResult> {
    try {
      return await this.#step();
    } catch (e) {
      if (e instanceof BoardReadError) {
        this.#emit({ type: "error", code: e.code, message: e.message });
        return { kind: "error" };
      }
      throw e;
    }
  }

  async #step(): Promise<StepResult> {
    const head = this.#head;
    if (head && this.#checker.size < head.size) {
      const a = await this.#replay(head);
      if (a) return a;
    }
    const text = await this.board.checkpoint();
    let cp: Checkpoint;
    try {
      cp = openCheckpoint(text, this.trust.board, { origin: this.origin }).checkpoint;
    } catch (e) {
      const code = (e as { code?: string }).code ?? "BAD_CHECKPOINT";
      this.#emit({
        type: "error",
        code,
        message: `the board's checkpoint does not verify: ${message(e)}`,
      });
      return { kind: "error" };
    }
    const lastSize = head?.size ?? 0;
    const lastRoot = head ? fromBase64(head.root) : emptyRoot();

    if (cp.size === lastSize) {
      if (!bytesEqual(cp.root, lastRoot))
        return this.#alert(
          "equivocation",
          "EQUIVOCATION",
          `two checkpoints of size ${cp.size} with different roots`,
          {
            previous: head?.checkpoint,
            checkpoint: text,
          },
        );
      this.#emit({ type: "unchanged", size: cp.size });
      return { kind: "unchanged" };
    }

    if (cp.size < lastSize) {
      const seen = head?.recent.find(([s]) => s === cp.size);
      if (seen && seen[1] !== toBase64(cp.root))
        return this.#alert(
          "equivocation",
          "EQUIVOCATION",
          `two checkpoints of size ${cp.size} with different roots`,
          {
            ...(seen[2] ? { previous: seen[2] } : { previousRoot: seen[1] }),
            head: head?.checkpoint,
            checkpoint: text,
          },
        );
      let proof: Uint8Array[];
      try {
        proof = cp.size === 0 ? [] : await this.board.consistency(cp.size, lastSize);
      } catch (e) {
        if (!(e instanceof BoardReadError && e.refused)) throw e;
        // The board signed size lastSize before; now its newest checkpoint is smaller and it
        // says it has no tree of that size: entries it acknowledged are gone (a rollback, or a
        // fork that has not yet grown to the verified size).
        return this.#alert(
          "rollback",
          "ROLLBACK",
          `the board's checkpoint of size ${cp.size} is smaller than the one of size ${lastSize} it signed before, and it refuses to prove it a prefix (HTTP ${e.status})`,
          {
            previous: head?.checkpoint,
            checkpoint: text,
            refusal: {
              request: `proof/consistency?from=${cp.size}&to=${lastSize}`,
              status: e.status,
              body: e.body ?? "",
            },
          },
        );
      }
      try {
        verifyAppendOnly(cp.size, lastSize, proof, cp.root, lastRoot);
      } catch (e) {
        return this.#alert(
          "inconsistency",
          "INCONSISTENT",
          `the checkpoint of size ${cp.size} is not a prefix of the verified one of size ${lastSize}: ${message(e)}`,
          {
            previous: head?.checkpoint,
            checkpoint: text,
            proof: proof.map(toBase64),
          },
        );
      }
      this.#emit({ type: "stale", size: cp.size, latest: lastSize });
      return { kind: "stale" };
    }

    // cp.size > lastSize: append-only from the last verified checkpoint
    let proof: Uint8Array[];
    try {
      proof = lastSize === 0 ? [] : await this.board.consistency(lastSize, cp.size);
    } catch (e) {
      if (!(e instanceof BoardReadError && e.refused)) throw e;
      // Both sizes are the board's own signed checkpoints: a board that refuses the proof
      // between them cannot give one (its tree of size cp.size does not extend the verified one).
      return this.#alert(
        "inconsistency",
        "INCONSISTENT",
        `the board refuses the consistency proof from its checkpoint of size ${lastSize} to its checkpoint of size ${cp.size} (HTTP ${e.status})`,
        {
          previous: head?.checkpoint,
          checkpoint: text,
          refusal: {
            request: `proof/consistency?from=${lastSize}&to=${cp.size}`,
            status: e.status,
            body: e.body ?? "",
          },
        },
      );
    }
    try {
      verifyAppendOnly(lastSize, cp.size, proof, lastRoot, cp.root);
    } catch (e) {
      return this.#alert(
        "inconsistency",
        "INCONSISTENT",
        `the checkpoint of size ${cp.size} is not consistent with the verified one of size ${lastSize}: ${message(e)}`,
        {
          previous: head?.checkpoint,
          checkpoint: text,
          proof: proof.map(toBase64),
        },
      );
    }
    const q = verifyWitnessQuorum(text, this.trust.witnesses, this.trust.quorum);
    if (!q.ok) {
      this.#emit({
        type: "unwitnessed",
        size: cp.size,
        count: q.count,
        quorum: this.trust.quorum,
        invalid: q.invalid,
      });
      return { kind: "unwitnessed" };
    }
    if (this.#checker.size > cp.size) {
      // Entries beyond this checkpoint were read for a larger one that was seen before: wait.
      this.#emit({ type: "stale", size: cp.size, latest: this.#checker.size });
      return { kind: "stale" };
    }

    // The new entries
    const readLeaf = this.#leafReader(cp);
    const first = this.#checker.size;
    for (let start = this.#checker.size; start < cp.size;) {
      const end = Math.min(cp.size, start + this.#pageSize);
      const leaves = await this.board.entries(start, end);
      for (const leaf of leaves) {
        const r = await this.#checker.add(leaf, {
          verify: true,
          readLeaf,
          proveRoot: (size, root) => this.#provesRoot(size, root, cp),
        });
        if (r.findings.length) return this.#invalidIfBound(r.findings, text, cp);
        if (r.entry) this.#emitEntry(r.entry);
      }
      const f = this.#checker.flush();
      if (f.length) return this.#invalidIfBound(f, text, cp);
      start = end;
      if (start < cp.size) this.#emit({ type: "progress", done: start, size: cp.size });
    }
    const f = this.#checker.flush();
    if (f.length) return this.#invalidIfBound(f, text, cp);
    const got = this.#checker.root.root();
    if (!bytesEqual(got, cp.root))
      return this.#alert(
        "inconsistency",
        "ENTRIES_MISMATCH",
        `the board's entries 0..${cp.size - 1} have root ${toBase64(got)}, its signed checkpoint says ${toBase64(cp.root)}`,
        {
          checkpoint: text,
        },
      );

    const recent = [
      ...(head?.recent ?? []),
      [cp.size, toBase64(cp.root), text] as [number, string, string],
    ].slice(-RECENT);
    const next: MonitorHead = {
      format: "urna-monitor-head-v1",
      origin: this.origin,
      checkpoint: text,
      size: cp.size,
      root: toBase64(cp.root),
      frontier: this.#checker.root.frontier().map(toBase64),
      recent,
    };
    await this.#store.saveHead(next);
    this.#head = next;
    this.#emit({
      type: "checkpoint",
      size: cp.size,
      root: next.root,
      previous: lastSize,
      entries: cp.size - first,
      witnesses: q.valid,
    });
    if (Date.now() - this.#lastSnapshot >= this.#snapshotEveryMs) await this.snapshot();
    return { kind: "verified" };
  }

  /** Re-applies (no cryptography) the entries between the snapshot and the head; the root must match. */
  async #replay(head: MonitorHead): Promise<StepResult | undefined> {
    const cp = { size: head.size, root: fromBase64(head.root) };
    const readLeaf = this.#leafReader(cp);
    for (let start = this.#checker.size; start < head.size;) {
      const end = Math.min(head.size, start + this.#pageSize);
      for (const leaf of await this.board.entries(start, end))
        await this.#checker.add(leaf, { verify: false, readLeaf });
      start = end;
    }
    if (!bytesEqual(this.#checker.root.root(), cp.root)) {
      this.#checker = new EntryChecker(this.trust);
      return this.#alert(
        "inconsistency",
        "ENTRIES_CHANGED",
        `the board's entries up to ${head.size} no longer match the checkpoint verified before`,
        {
          checkpoint: head.checkpoint,
        },
      );
    }
    return undefined;
  }

  /** A reader of single leaves of the tree `cp`, each checked by an inclusion proof. */
  #leafReader(cp: { size: number; root: Uint8Array }) {
    return async (index: number): Promise<Uint8Array> => {
      const [leaf, proof] = await Promise.all([
        this.board.entry(index),
        this.board.inclusion(index, cp.size),
      ]);
      try {
        verifyInclusion(leafHash(leaf), index, cp.size, proof, cp.root);
      } catch (e) {
        throw new BoardReadError(
          "BOARD_MALFORMED",
          `entry ${index} does not verify against the checkpoint: ${message(e)}`,
        );
      }
      return leaf;
    };
  }

  /**
   * Whether `root` is the log's root at `size`: a consistency proof from it to the checkpoint
   * being verified (an attestation's checkpoint whose root the checker did not see). Undefined
   * when proved, else why not. A board that will not prove it leaves the attestation failed.
   */
  async #provesRoot(
    size: number,
    root: string,
    cp: { size: number; root: Uint8Array },
  ): Promise<string | undefined> {
    try {
      const proof = await this.board.consistency(size, cp.size);
      verifyAppendOnly(size, cp.size, proof, fromBase64(root), cp.root);
      return undefined;
    } catch (e) {
      return `the attested checkpoint (size ${size}, root ${root}) is not consistent with the verified one of size ${cp.size}: ${message(e)}`;
    }
  }

  #emitEntry(e: CheckedEntry) {
    this.#emit({ type: "entry", index: e.index, entryType: e.type, trackingCode: e.trackingCode });
  }

  /**
   * An invalid entry is alerted only once the leaves it was judged on are bound to the verified
   * checkpoint `cp` (spec/verification.md §Reading from a board): the checker's root over the
   * leaves read so far must be a prefix of `cp` (a consistency proof), else the board served
   * entries that are not its checkpoint's and the alert is ENTRIES_MISMATCH.
   */
  async #invalidIfBound(
    findings: Finding[],
    checkpoint: string,
    cp: { size: number; root: Uint8Array },
  ): Promise<StepResult> {
    const n = this.#checker.size;
    const got = this.#checker.root.root();
    let bound = false;
    let why = "";
    if (n === cp.size) bound = bytesEqual(got, cp.root);
    else {
      let proof: Uint8Array[];
      try {
        proof = await this.board.consistency(n, cp.size);
      } catch (e) {
        // Not decided: start the replay again (from the head), so that the next poll reads and
        // judges these entries again instead of going on past them.
        this.#checker = new EntryChecker(this.trust);
        throw e;
      }
      try {
        verifyAppendOnly(n, cp.size, proof, got, cp.root);
        bound = true;
      } catch (e) {
        why = `: ${message(e)}`;
      }
    }
    if (bound) return this.#invalid(findings, checkpoint);
    return this.#alert(
      "inconsistency",
      "ENTRIES_MISMATCH",
      `the board's entries 0..${n - 1} (root ${toBase64(got)}) are not a prefix of its signed checkpoint of size ${cp.size}${why}`,
      { checkpoint },
    );
  }

  #invalid(findings: Finding[], checkpoint: string): Promise<StepResult> {
    const f = findings[0];
    return this.#alert(
      "invalid-entry",
      f.code,
      `entry ${f.index ?? "?"}: ${f.check} ${f.code}: ${f.message}` +
        (findings.length > 1 ? ` (and ${findings.length - 1} more)` : ""),
      { checkpoint, findings },
      findings,
    );
  }

  async #alert(
    kind: AlertKind,
    code: string,
    msg: string,
    evidence: Record<string, unknown>,
    findings?: Finding[],
  ): Promise<StepResult> {
    const exitCode = kind === "invalid-entry" ? WATCH_EXIT.INVALID_ENTRY : WATCH_EXIT.INCONSISTENT;
    let where: string | undefined;
    const record = {
      kind,
      code,
      message: msg,
      board: this.board.base,
      origin: this.origin,
      at: new Date().toISOString(),
      ...evidence,
    };
    try {
      where = await this.#store.saveEvidence(
        `alert-${record.at.replace(/[:.]/g, "-")}-${code}`,
        record,
      );
    } catch {
      where = undefined;
    }
    const alert: AlertEvent = {
      type: "alert",
      kind,
      code,
      message: msg,
      exitCode,
      ...(findings ? { findings } : {}),
      ...(where ? { evidence: where } : {}),
      record,
    };
    this.#emit(alert);
    return { kind: "alert", alert };
  }

  /** Saves a snapshot of the election replay, if it is exactly at the head and has changed. */
  async snapshot(): Promise<void> {
    const head = this.#head;
    if (!head || this.#checker.size !== head.size || this.#checker.pending > 0) return;
    if (this.#snapshotSize === head.size) return;
    const c = this.#checker;
    let state: StateSnapshot | undefined;
    try {
      state = c.state ? snapshotState(c.state) : undefined;
    } catch (e) {
      if (e instanceof SnapshotError) return; // resume will replay instead
      throw e;
    }
    await this.#store.saveSnapshot({
      format: "urna-monitor-snapshot-v1",
      origin: this.origin,
      size: c.size,
      frontier: c.root.frontier().map(toBase64),
      ...(state ? { state } : {}),
      ...(c.acc ? { sums: snapshotSums(c.acc), sumsBallots: c.acc.ballots } : {}),
    });
    this.#lastSnapshot = Date.now();
    this.#snapshotSize = head.size;
    this.#emit({ type: "snapshot", size: head.size });
  }
}

export interface RunMonitorOptions extends MonitorOptions {
  /** One round, then stop (exit 0 if the latest checkpoint verified, else 1). */
  once?: boolean;
  /** Time between polls of the checkpoint (default 5,000 ms). */
  pollMs?: number;
  signal?: AbortSignal;
}

export interface WatchResult {
  exitCode: number;
  size: number;
  alert?: AlertEvent;
}

/** Runs a monitor until an alert, the signal, or (with `once`) one round. */
export async function runMonitor(opts: RunMonitorOptions): Promise<WatchResult> {
  const emit = opts.onEvent ?? (() => {});
  let m: Monitor;
  try {
    m = await Monitor.open(opts);
  } catch (e) {
    if (e instanceof MonitorError) {
      emit({ type: "error", code: e.code, message: e.message });
      return { exitCode: WATCH_EXIT.USAGE, size: 0 };
    }
    throw e;
  }
  const done = async (exitCode: number, alert?: AlertEvent): Promise<WatchResult> => {
    if (!alert) await m.snapshot();
    emit({ type: "stop", size: m.size, exitCode });
    return { exitCode, size: m.size, ...(alert ? { alert } : {}) };
  };
  const pollMs = opts.pollMs ?? 5_000;
  for (;;) {
    if (opts.signal?.aborted) return done(WATCH_EXIT.OK);
    const r = await m.step();
    if (r.kind === "alert") return done(r.alert.exitCode, r.alert);
    if (opts.once)
      return done(
        r.kind === "verified" || r.kind === "unchanged" ? WATCH_EXIT.OK : WATCH_EXIT.INCOMPLETE,
      );
    await sleep(pollMs, opts.signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
