/**
 * One election on the board: its transparency log (sequencer + reader), its state machine
 * (the verifier's ElectionState, so the board refuses exactly what an auditor rejects), the
 * tracking-code index and the live feed. The write path for an entry of this election is
 * `submit`: state precheck (cheap) -> crypto checks in the worker pool -> sequencer, whose
 * synchronous check re-runs the state rules at the entry's final index and applies it.
 */
import type { AnyEntry, Entry, TallyContest } from "@urna/schemas";
import { ElectionState, type Finding, type Precheck, formatTlogProof, toHex } from "@urna/verifier";
import { BoardLogError, type LevelLogStorage, type Sequencer, leafHashFast } from "../log/index.js";
import { verifyEntrySignatureFast } from "./crypto-work.js";
import { ApiError, findingToError } from "./errors.js";
import { type Commit, Feed } from "./feed.js";
import { computeTally } from "./tally-sum.js";
import { TrackingIndex } from "./tracking-index.js";
import type { CryptoPool } from "./worker-pool.js";
import type { Witnessing } from "../witnessing/index.js";

export interface Receipt {
  version: 1;
  election: string;
  origin: string;
  index: number;
  trackingCode: string;
  entryType: "ballot" | "ballot.challenged";
  proof: string;
}

export interface AppendResponse {
  index: number;
  trackingCode: string;
  checkpoint: string;
  receipt?: Receipt;
}

export interface Published {
  readonly size: number;
  readonly bytes: number;
  readonly checkpoint: string;
  readonly root: Uint8Array;
}

const isBallotType = (t: string): t is "ballot" | "ballot.challenged" =>
  t === "ballot" || t === "ballot.challenged";

/** Maps a log failure to the API: a dead log is 503 LOG_UNAVAILABLE, a closing one SHUTTING_DOWN. */
export function logErrorToApi(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof BoardLogError) {
    if (e.code === "LOG_CLOSED") return new ApiError("SHUTTING_DOWN", "the board is shutting down");
    if (e.code === "ENTRY_TOO_LARGE") return new ApiError("ENTRY_TOO_LARGE", e.message);
    return new ApiError("LOG_UNAVAILABLE", `the log refuses writes: ${e.message}`);
  }
  throw e;
}

export class Election {
  readonly id: string;
  readonly origin: string;
  readonly state: ElectionState;
  readonly seq: Sequencer;
  readonly storage: LevelLogStorage;
  readonly tracking = new TrackingIndex();
  readonly feed = new Feed();
  readonly #pool: CryptoPool;
  /** Leaves sequenced but not yet published, by index (for the feed). */
  readonly #unpublished = new Map<number, Uint8Array>();
  /** The published tree as this election has announced it: size, leaf bytes, checkpoint. */
  #published: Published;
  #tally?: Promise<void>;
  readonly #witnessing?: Witnessing;
  readonly #log: (msg: string) => void;
  /** The cosigning of the newest checkpoint, shared by every append of its batch. */
  #cosigning?: { size: number; note: Promise<string> };
  #inflight = 0;
  #drained: Array<() => void> = [];

  constructor(args: {
    id: string;
    origin: string;
    state: ElectionState;
    seq: Sequencer;
    storage: LevelLogStorage;
    pool: CryptoPool;
    bytes: number;
    witnessing?: Witnessing | undefined;
    log?: (msg: string) => void;
  }) {
    this.#witnessing = args.witnessing;
    this.#log = args.log ?? (() => {});
    this.id = args.id;
    this.origin = args.origin;
    this.state = args.state;
    this.seq = args.seq;
    this.storage = args.storage;
    this.#pool = args.pool;
    this.#published = {
      size: args.seq.size,
      bytes: args.bytes,
      checkpoint: args.seq.checkpoint(),
      root: args.seq.head().root,
    };
  }

  get reader(): Sequencer["reader"] {
    return this.seq.reader;
  }

  /** Published size, the bytes of its leaves (entries.jsonl is bytes + size newlines), checkpoint. */
  get published(): Published {
    return this.#published;
  }

  /** Sets the byte count of the published leaves (after startup replay or creation). */
  setPublishedBytes(bytes: number): void {
    this.#published = {
      size: this.seq.size,
      bytes,
      checkpoint: this.seq.checkpoint(),
      root: this.seq.head().root,
    };
  }

  get inflight(): number {
    return this.#inflight;
  }

  /** Resolves when no write of this election is in flight. */
  drained(): Promise<void> {
    if (this.#inflight === 0) return Promise.resolve();
    return new Promise((r) => this.#drained.push(r));
  }

  /** Replays a stored entry at startup (no crypto). */
  replay(entry: Entry, index: number, leafHash: Uint8Array): void {
    this.state.apply(entry, index, toHex(leafHash));
    if (isBallotType(entry.type)) this.tracking.add(leafHash, index);
  }

  /** Appends a validated entry (schema-valid, canonical leaf) to this election. */
  async submit(entry: AnyEntry, leaf: Uint8Array): Promise<AppendResponse> {
    if (this.seq.failure) throw logErrorToApi(this.seq.failure);
    this.#inflight++;
    try {
      return await this.#submit(entry, leaf);
    } finally {
      if (--this.#inflight === 0) {
        const d = this.#drained;
        this.#drained = [];
        for (const r of d) r();
      }
    }
  }

  async #submit(entry: AnyEntry, leaf: Uint8Array): Promise<AppendResponse> {
    if (entry.type === "tally" && this.state.phase === "closed") await this.#ensureTally();
    const lh = leafHashFast(leaf);
    const fast = this.state.checkRules(entry, lh);
    if (fast.findings.length > 0) {
      // Refused. With a good signature the rules without it give the same first finding; with a
      // bad one, the full precheck decides which comes first (an earlier rule or the signature).
      if (verifyEntrySignatureFast(entry)) throw findingToError(fast.findings[0]);
      const pre = this.state.precheck(entry);
      throw findingToError(pre.findings[0] ?? fast.findings[0]);
    } else {
      const findings = await this.#pool.run(fast.work, entry);
      if (findings.length > 0) throw findingToError(findings[0]);
    }
    const hex = toHex(lh);
    let result;
    try {
      result = await this.seq.append(leaf, undefined, {
        check: (index) => {
          const f: Finding[] = this.state.recheck(entry, lh, index);
          if (f.length > 0) throw findingToError(f[0]);
          this.state.apply(entry, index, hex);
          if (isBallotType(entry.type)) this.tracking.add(lh, index);
          this.#unpublished.set(index, leaf);
        },
      });
    } catch (e) {
      throw logErrorToApi(e);
    }
    const checkpoint = await this.#cosigned(result);
    this.#publishUpTo({ ...result, checkpoint });
    const out: AppendResponse = {
      index: result.index,
      trackingCode: hex,
      checkpoint,
    };
    if (isBallotType(entry.type))
      out.receipt = await this.receipt(result.index, hex, entry.type, result.size, checkpoint);
    return out;
  }

  /**
   * The board's checkpoint with the witnesses' cosignatures (spec/witness.md §2): asked once per
   * checkpoint, every append of the batch waits for the same answer. Without witnesses, or when
   * they do not answer (each has a timeout), the board's own checkpoint; the quorum shortfall is
   * logged and the next checkpoint asks again.
   */
  #cosigned(r: { size: number; checkpoint: string }): Promise<string> {
    const w = this.#witnessing;
    if (!w) return Promise.resolve(r.checkpoint);
    if (this.#cosigning?.size === r.size) return this.#cosigning.note;
    const note = w
      .cosign(r.checkpoint, (old) => this.reader.consistencyProof(old, r.size))
      .then((c) => {
        if (!c.quorumMet)
          this.#log(`${this.id}: checkpoint ${r.size} has ${c.count} of ${w.quorum} cosignatures`);
        return c.checkpoint;
      })
      .catch((e: unknown) => {
        this.#log(`${this.id}: witnessing checkpoint ${r.size} failed: ${String(e)}`);
        return r.checkpoint;
      });
    this.#cosigning = { size: r.size, note };
    return note;
  }

  /** Publishes to the feed every sequenced leaf below `size` (called as appends resolve, in order). */
  #publishUpTo(r: { size: number; root: Uint8Array; checkpoint: string }): void {
    const from = this.#published.size;
    if (r.size <= from) return;
    const leaves: Uint8Array[] = [];
    let bytes = 0;
    for (let i = from; i < r.size; i++) {
      const leaf = this.#unpublished.get(i);
      if (!leaf) throw new Error(`leaf ${i} was sequenced but not recorded`);
      this.#unpublished.delete(i);
      leaves.push(leaf);
      bytes += leaf.length;
    }
    this.#published = {
      size: r.size,
      bytes: this.#published.bytes + bytes,
      checkpoint: r.checkpoint,
      root: r.root,
    };
    const c: Commit = { first: from, leaves, size: r.size, root: r.root, checkpoint: r.checkpoint };
    this.feed.publish(c);
  }

  /** A receipt (record.md §Receipt) for entry `index` against the checkpoint of `size`. */
  async receipt(
    index: number,
    hex: string,
    entryType: "ballot" | "ballot.challenged",
    size: number,
    checkpoint: string,
  ): Promise<Receipt> {
    const proof = await this.reader.inclusionProof(index, size);
    return {
      version: 1,
      election: this.id,
      origin: this.origin,
      index,
      trackingCode: hex,
      entryType,
      proof: formatTlogProof({ index, proof, checkpoint }),
    };
  }

  /**
   * The homomorphic sum of the counted ballots, computed once when the first `tally` arrives
   * (phase `closed`: no ballot can be added any more, so the sum is final).
   */
  #ensureTally(): Promise<void> {
    if (this.state.hasComputedTally) return Promise.resolve();
    this.#tally ??= (async () => {
      const contests: TallyContest[] = await computeTally(this.state, (a, b) =>
        this.reader.entries(a, b),
      );
      this.state.setComputedTally(contests);
    })().catch((e: unknown) => {
      this.#tally = undefined;
      throw e;
    });
    return this.#tally;
  }
}
