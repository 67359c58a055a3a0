/**
 * One election on the board: its transparency log (sequencer + reader), its state machine
 * (the verifier's ElectionState, so the board refuses exactly what an auditor rejects), the
 * tracking-code index and the live feed. The write path for an entry of this election is
 * `submit`: state precheck (cheap) -> crypto checks in the worker pool -> sequencer, whose
 * synchronous check re-runs the state rules at the entry's final index and applies it.
 */
import type { AnyEntry, TallyContest } from "@urna/schemas";
import {
  ElectionState,
  type Finding,
  type Precheck,
  type ReplaySink,
  toBase64,
  toHex,
} from "@urna/verifier";
import { BoardLogError, type LogStorage, type Sequencer, leafHashFast } from "../log/index.js";
import { entryWork, signedMessage, verifyEntrySignatureFast } from "./crypto-work.js";
import { ApiError, findingToError, logUnavailableMessage } from "./errors.js";
import { type Commit, FEED_COALESCE_MS, Feed } from "./feed.js";
import { RunningTally } from "./tally-sum.js";
import { receiptOf } from "./receipt-lookup.js";
import { TrackingIndex, isBallotType, trackingSink } from "./tracking-index.js";
import type { CryptoPool, PoolFinding } from "./worker-pool.js";
import {
  type Head,
  LogWitness,
  type Witnessing,
  type WitnessingRecord,
} from "../witnessing/index.js";

export interface Receipt {
  version: 1;
  election: string;
  origin: string;
  index: number;
  trackingCode: string;
  /** The human tracking code (spec/log.md §8), the form shown to voters. */
  humanCode: string;
  entryType: "ballot" | "ballot.challenged";
  proof: string;
}

/** One item of a bulk request: a parsed entry and its canonical leaf, or why it was refused. */
export type BulkItem = { entry: AnyEntry; leaf: Uint8Array } | ApiError;

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

/** Maps a log failure to the API: a dead log is 503 LOG_UNAVAILABLE, a closing one SHUTTING_DOWN. */
export function logErrorToApi(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof BoardLogError) {
    if (e.code === "LOG_CLOSED") return new ApiError("SHUTTING_DOWN", "the board is shutting down");
    if (e.code === "ENTRY_TOO_LARGE") return new ApiError("ENTRY_TOO_LARGE", e.message);
    return new ApiError("LOG_UNAVAILABLE", logUnavailableMessage(e.code, true));
  }
  throw e;
}

export class Election {
  readonly id: string;
  readonly origin: string;
  readonly state: ElectionState;
  readonly seq: Sequencer;
  readonly storage: LogStorage;
  readonly tracking: TrackingIndex;
  readonly feed = new Feed(FEED_COALESCE_MS);
  readonly #pool: CryptoPool;
  /** Leaves sequenced but not yet published, by index (for the feed). */
  readonly #unpublished = new Map<number, Uint8Array>();
  /** The published tree as this election has announced it: size, leaf bytes, checkpoint. */
  #published: Published;
  #tally?: Promise<void>;
  /** The homomorphic sum of the counted ballots, kept as ballots are applied (tally-sum.ts). */
  readonly #running: RunningTally;
  /** The witnessing of this election's checkpoints (none without witnesses). */
  readonly #witness?: LogWitness;
  readonly #log: (msg: string) => void;
  /** Called whenever the published checkpoint changes (the publisher, board/src/publish). */
  readonly #onPublished: () => void;
  #inflight = 0;
  #drained: Array<() => void> = [];

  constructor(args: {
    id: string;
    origin: string;
    state: ElectionState;
    seq: Sequencer;
    storage: LogStorage;
    pool: CryptoPool;
    bytes: number;
    witnessing?: Witnessing | undefined;
    /** Delay before asking the witnesses again for a checkpoint short of the quorum (10 s). */
    witnessRetryMs?: number;
    log?: (msg: string) => void;
    /** Called whenever the published checkpoint changes (a new tree, or more cosignatures). */
    onPublished?: () => void;
    /**
     * A state replayed elsewhere (a standby's prewarm, prewarm.ts): its tracking-code index, and
     * that the running tally has seen none of its ballots (it reads them back from the log).
     */
    prewarmed?: { tracking: TrackingIndex };
  }) {
    this.tracking = args.prewarmed?.tracking ?? new TrackingIndex();
    this.#onPublished = args.onPublished ?? (() => {});
    this.#log = args.log ?? (() => {});
    if (args.witnessing)
      this.#witness = new LogWitness({
        witnessing: args.witnessing,
        ...(args.witnessRetryMs !== undefined ? { retryMs: args.witnessRetryMs } : {}),
        label: args.id,
        log: this.#log,
        consistencyProof: (old, size) => this.reader.consistencyProof(old, size),
        published: () => this.#published,
        latest: () => ({ size: this.seq.size, checkpoint: this.seq.checkpoint() }),
        republish: (checkpoint) => this.#republish(checkpoint),
      });
    this.id = args.id;
    this.origin = args.origin;
    this.state = args.state;
    this.seq = args.seq;
    this.storage = args.storage;
    this.#pool = args.pool;
    this.#running = new RunningTally({
      state: args.state,
      read: (a, b) => this.reader.entries(a, b),
      published: () => this.reader.size,
      log: this.#log,
      ...(args.prewarmed ? { unobservedFrom: 1 } : {}),
    });
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

  /** The last witnessing round's outcome per witness (status route); none without witnesses. */
  get witnessingRecord(): WitnessingRecord | undefined {
    return this.#witness?.record;
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
    this.#onPublished();
    // After a restart (or at creation) the published checkpoint carries only the board's
    // signature: have it witnessed without waiting for the next entry (spec/witness.md §2).
    this.#witness?.witnessPublished();
  }

  /** Stops re-witnessing (board shutdown). */
  stop(): void {
    this.#witness?.stop();
  }

  get inflight(): number {
    return this.#inflight;
  }

  /** Resolves when no write of this election is in flight. */
  drained(): Promise<void> {
    if (this.#inflight === 0) return Promise.resolve();
    return new Promise((r) => this.#drained.push(r));
  }

  /**
   * What follows the stored entries the board's start-up replays into `state` (the replay,
   * verifier/src/election/replay.ts; no crypto): the tracking-code index and the running tally.
   */
  replaySinks(): ReplaySink[] {
    return [
      trackingSink(this.tracking),
      { applied: (a) => void this.#running.observe(a.entry, a.index) },
    ];
  }

  /**
   * Appends a validated entry (schema-valid, canonical leaf) to this election. `checked`: a
   * standby checked its signature and proofs (a valid tag, admission.ts): every rule still runs.
   */
  async submit(entry: AnyEntry, leaf: Uint8Array, checked = false): Promise<AppendResponse> {
    if (this.seq.failure) throw logErrorToApi(this.seq.failure);
    this.#inflight++;
    try {
      return await this.#submit(entry, leaf, checked);
    } finally {
      this.#settled();
    }
  }

  /**
   * Appends the entries of a bulk request (api.md, `POST /elections/<id>/bulk`) as if each had
   * been posted alone, in order, right after the ones before it: one outcome per item, in
   * order. Entries are taken in rounds. A round is the longest run of entries whose rules pass
   * against the current state (a `credentials` entry counting the round's earlier credential
   * batches as applied); their crypto checks run together in the worker pool and the accepted
   * ones are sequenced in request order, in one turn (so nothing interleaves). An entry whose
   * rules fail after an earlier entry of its round passed may depend on that entry: it starts
   * the next round, judged once the round is sequenced. Items already refused (parse, schema)
   * keep their error.
   */
  async submitBulk(
    items: ReadonlyArray<BulkItem>,
    checked = false,
  ): Promise<Array<AppendResponse | ApiError>> {
    if (this.seq.failure) throw logErrorToApi(this.seq.failure);
    this.#inflight++;
    try {
      const out: Array<AppendResponse | ApiError> = new Array<AppendResponse | ApiError>(
        items.length,
      );
      let i = 0;
      while (i < items.length) {
        const round: Array<{ at: number; entry: AnyEntry; leaf: Uint8Array; pre: Precheck }> = [];
        let pendingCredentialBatches = 0;
        for (; i < items.length; i++) {
          const item = items[i];
          if (item instanceof ApiError) {
            out[i] = item;
            continue;
          }
          const { entry, leaf } = item;
          if (entry.type === "tally" && this.state.phase === "closed") await this.#ensureTally();
          const pre = this.state.checkRules(entry, leafHashFast(leaf), undefined, {
            pendingCredentialBatches,
          });
          if (pre.findings.length > 0) {
            if (round.length > 0) break; // may depend on this round: it opens the next one
            out[i] = this.#refusal(entry, pre, checked);
            continue;
          }
          // An attestation may name the checkpoint of the entries before it: they go first.
          if (pre.checkpointClaim && round.length > 0) break;
          const unsigned = await this.#checkpointClaim(pre);
          if (unsigned) {
            out[i] = unsigned;
            continue;
          }
          round.push({ at: i, entry, leaf, pre });
          if (entry.type === "credentials") pendingCredentialBatches++;
        }
        if (round.length === 0) continue;
        const verdicts = await Promise.allSettled(
          round.map((r) => this.#crypto(r.entry, r.leaf, r.pre, checked)),
        );
        // Sequenced in request order, all in this turn: `#sequence` queues synchronously.
        const appended = round.map((r, n) => {
          const v = verdicts[n];
          if (v.status === "rejected") return Promise.reject(v.reason as Error);
          if (v.value.length > 0) return Promise.reject(findingToError(v.value[0]));
          return this.#sequence(r.entry, r.leaf, r.pre.leafHash ?? leafHashFast(r.leaf));
        });
        const settled = await Promise.allSettled(appended);
        settled.forEach((s, n) => {
          out[round[n].at] = s.status === "fulfilled" ? s.value : this.#itemError(s.reason);
        });
      }
      return out;
    } finally {
      this.#settled();
    }
  }

  /**
   * A bulk item's failure as its own error: the other items' outcomes (some of them durable)
   * must still reach the client, so even an unexpected failure (a crashed worker) is reported
   * on its item, as INTERNAL, rather than failing the whole response.
   */
  #itemError(e: unknown): ApiError {
    if (e instanceof ApiError) return e;
    if (e instanceof BoardLogError) return logErrorToApi(e);
    this.#log(
      `${this.id}: internal error on a bulk entry: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
    );
    return new ApiError("INTERNAL", "internal error");
  }

  #settled(): void {
    if (--this.#inflight === 0) {
      const d = this.#drained;
      this.#drained = [];
      for (const r of d) r();
    }
  }

  async #submit(entry: AnyEntry, leaf: Uint8Array, checked: boolean): Promise<AppendResponse> {
    if (entry.type === "tally" && this.state.phase === "closed") await this.#ensureTally();
    const lh = leafHashFast(leaf);
    const fast = this.state.checkRules(entry, lh);
    if (fast.findings.length > 0) throw this.#refusal(entry, fast, checked);
    const unsigned = await this.#checkpointClaim(fast);
    if (unsigned) throw unsigned;
    const findings = await this.#crypto(entry, leaf, fast, checked);
    if (findings.length > 0) throw findingToError(findings[0]);
    return this.#sequence(entry, leaf, lh);
  }

  /** The signature and crypto checks in the worker pool; none for an entry a standby checked. */
  #crypto(
    entry: AnyEntry,
    leaf: Uint8Array,
    pre: Precheck,
    checked: boolean,
  ): Promise<PoolFinding[]> {
    return checked
      ? Promise.resolve([])
      : this.#pool.runSigned(entryWork(pre.work, entry), signedMessage(entry, leaf));
  }

  /**
   * An `audit.attestation` names a checkpoint (size, root) this board must have signed: its
   * size at most the published one, and its root this log's root at that size (protocol.md
   * §6.12). The root at a published size never changes, so checking it before sequencing holds.
   */
  async #checkpointClaim(pre: Precheck): Promise<ApiError | undefined> {
    const claim = pre.checkpointClaim;
    if (!claim) return undefined;
    if (claim.size > this.reader.size)
      return new ApiError(
        "ATTESTATION_CHECKPOINT",
        `this board never signed a checkpoint of size ${claim.size} (its log has ${this.reader.size} entries)`,
        "/body/checkpoint/size",
      );
    const root = toBase64(await this.reader.rootAt(claim.size));
    if (root !== claim.root)
      return new ApiError(
        "ATTESTATION_CHECKPOINT",
        `the root at size ${claim.size} is ${root}, not ${claim.root}: this board never signed that checkpoint`,
        "/body/checkpoint/root",
      );
    return undefined;
  }

  /**
   * The error for an entry whose rules failed. With a good signature the rules without it give
   * the same first finding; with a bad one, the full precheck decides which comes first (an
   * earlier rule or the signature).
   */
  #refusal(entry: AnyEntry, fast: Precheck, checked: boolean): ApiError {
    if (checked || verifyEntrySignatureFast(entry)) return findingToError(fast.findings[0]);
    const pre = this.state.precheck(entry);
    return findingToError(pre.findings[0] ?? fast.findings[0]);
  }

  /**
   * Queues a checked entry in the sequencer (synchronously: entries queued in one turn keep their
   * order), whose check re-runs the rules at the entry's final index and applies it; then waits
   * for durability and the witnesses, and answers.
   */
  async #sequence(entry: AnyEntry, leaf: Uint8Array, lh: Uint8Array): Promise<AppendResponse> {
    const hex = toHex(lh);
    let result;
    try {
      result = await this.seq.append(leaf, undefined, {
        leafHash: lh,
        check: (index) => {
          const f: Finding[] = this.state.recheck(entry, lh, index);
          if (f.length > 0) throw findingToError(f[0]);
          this.state.apply(entry, index, hex);
          this.#running.observe(entry, index);
          if (isBallotType(entry.type)) this.tracking.add(lh, index);
          this.#unpublished.set(index, leaf);
        },
      });
    } catch (e) {
      throw logErrorToApi(e);
    }
    // The witnessed checkpoint may be a later one than the entry's batch (see #cosigned); it
    // includes the entry either way, and the receipt is made against it.
    const head = await this.#cosigned(result);
    this.#publishUpTo(head);
    const out: AppendResponse = {
      index: result.index,
      trackingCode: hex,
      checkpoint: head.checkpoint,
    };
    if (isBallotType(entry.type))
      out.receipt = await receiptOf(
        this,
        result.index,
        hex,
        entry.type,
        head.size,
        head.checkpoint,
      );
    return out;
  }

  /**
   * The board's checkpoint with the witnesses' cosignatures (board/src/witnessing/log-witness.ts),
   * or the board's own without witnesses.
   */
  #cosigned(r: Head): Promise<Head> {
    return this.#witness ? this.#witness.cosigned(r) : Promise.resolve(r);
  }

  /** The published checkpoint re-witnessed with more signatures replaces it (same tree). */
  #republish(checkpoint: string): void {
    const now = this.#published;
    this.#published = { ...now, checkpoint };
    this.#onPublished();
    this.feed.publish({ first: now.size, leaves: [], size: now.size, root: now.root, checkpoint });
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
    this.#onPublished();
    this.feed.publish(c);
  }

  /**
   * The homomorphic sum of the counted ballots, taken from the running tally once the first
   * `tally` arrives (phase `closed`: no ballot can be added any more, so the sum is final).
   */
  #ensureTally(): Promise<void> {
    if (this.state.hasComputedTally) return Promise.resolve();
    this.#tally ??= (async () => {
      const contests: TallyContest[] = await this.#running.final();
      this.state.setComputedTally(contests);
    })().catch((e: unknown) => {
      this.#tally = undefined;
      throw e;
    });
    return this.#tally;
  }
}
