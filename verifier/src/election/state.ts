/**
 * The election state machine of spec/protocol.md §6-§7, shared by the board (which refuses
 * every entry with a finding) and the auditor (which reports every finding and goes on).
 *
 * `precheck` is cheap and pure: schema, election, phase, signer, signature, eligibility,
 * revote policy, duplicates, and every rule that needs no group arithmetic. It returns the
 * expensive cryptographic checks as `CryptoWork` items (see ./work.ts and ./verify-work.ts).
 * `apply` records an accepted entry. This file keeps the order of the rules, the phase and the
 * indexes (./state-data.ts); each entry type's own rules are its module in ./entries/, found
 * through one table (./entries/registry.ts); the snapshot code is ./state-snapshot.ts.
 */
import type {
  Contest,
  ElectionKeyBody,
  Entry,
  EntryType,
  Manifest,
  ResultContest,
  ShareContest,
  TallyContest,
} from "@urna/schemas";
import { validateEntry } from "@urna/schemas";
import { toHex } from "../bytes.js";
import { entryLeaf, signingMessageFromLeaf, verifyEntrySignature } from "../entry.js";
import { leafHash } from "../log/merkle-hash.js";
import type { EntryOf, Precheck } from "./entries/entry-rule.js";
import { startingFindings } from "./entries/manifest.js";
import { ruleOf } from "./entries/registry.js";
import { ADMISSION_CHECKS, finding, type Finding, type Location } from "./findings.js";
import { StateData, type Phase, type StyleTurnout } from "./state-data.js";
import { restoreData, snapshotOf, type ElectionStateSnapshot } from "./state-snapshot.js";
import type { ProofContext } from "./work.js";

export type { Phase, StyleTurnout } from "./state-data.js";
export type { Precheck } from "./entries/entry-rule.js";
export { ballotStructure } from "./entries/ballot-rules.js";
export {
  ELECTION_STATE_SNAPSHOT_FORMAT,
  StateSnapshotError,
  type ElectionStateSnapshot,
} from "./state-snapshot.js";

export interface Counts {
  /** Voter credentials registered (admitted), not credential entries. */
  credentials: number;
  /** `ballot` entries cast (every one, superseded included). */
  ballots: number;
  /** Credentials with at least one ballot cast (the voters who voted). */
  voters: number;
  /** Ballots replaced by a later one of the same credential (ballots − voters). */
  superseded: number;
  challenged: number;
  certified: number;
  shares: number;
}

/** Options of `checkRules`. */
export interface RulesOptions {
  /**
   * Credential batches that passed their own checks and will be sequenced before this entry but
   * are not applied yet (the earlier `credentials` entries of the same bulk request, api.md): the
   * batch number this entry must carry is the applied count plus these. The authoritative check
   * is `recheck` at sequencing time, against the applied state alone.
   */
  pendingCredentialBatches?: number;
}

export class ElectionState {
  readonly #d: StateData;

  private constructor(d: StateData) {
    this.#d = d;
  }

  /**
   * Validate entry 0 and start the election (check V4-V6). `leafHash`: the hash of the leaf's
   * bytes, given when the caller knows them to be the entry's canonical form (the replay,
   * ./replay.ts), so that the entry is not serialised and hashed again.
   */
  static create(
    input: unknown,
    leafHashBytes?: Uint8Array,
  ): {
    state?: ElectionState;
    findings: Finding[];
    entry?: Entry;
    leafHash?: Uint8Array;
  } {
    const at: Location = { index: 0 };
    const v = validateEntry(input);
    if (!v.ok)
      return {
        findings: v.errors.map((e) =>
          finding("V4", "SCHEMA_INVALID", e.message, { ...at, path: e.path }),
        ),
      };
    const entry = v.value;
    if (entry.type !== "manifest")
      return {
        findings: [
          finding("V6", "WRONG_PHASE", `entry 0 must be a manifest, not ${entry.type}`, at),
        ],
      };
    const findings = startingFindings(entry as Entry<"manifest", Manifest>);
    if (findings.length) return { findings, entry };
    const d = new StateData(entry.body as Manifest, entry.election);
    const lh = leafHashBytes ?? leafHash(entryLeaf(entry));
    d.otherLeaves.add(toHex(lh));
    return { state: new ElectionState(d), findings, entry, leafHash: lh };
  }

  get electionId(): string {
    return this.#d.electionId;
  }
  get manifest(): Manifest {
    return this.#d.manifest;
  }
  get baseHash(): Uint8Array {
    return this.#d.baseHash;
  }
  get phase(): Phase {
    return this.#d.phase;
  }
  /** Number of entries applied, the manifest included. */
  get size(): number {
    return this.#d.next;
  }
  get ctx(): ProofContext {
    return this.#d.ctx;
  }
  get round1(): ReadonlyMap<number, unknown> {
    return this.#d.round1;
  }
  get certify(): ReadonlyMap<number, unknown> {
    return this.#d.certify;
  }
  get blames(): readonly { index: number; body: unknown }[] {
    return this.#d.blames;
  }
  get electionKey(): ElectionKeyBody | undefined {
    return this.#d.electionKey;
  }
  get openIndex(): number | undefined {
    return this.#d.openIndex;
  }
  get closeIndex(): number | undefined {
    return this.#d.closeIndex;
  }
  /** The log size right after the last `result` entry (phase `done`). */
  get doneSize(): number | undefined {
    return this.#d.doneSize;
  }
  /** contest id -> tally contest as posted */
  get tally(): ReadonlyMap<string, TallyContest> {
    return this.#d.tally;
  }
  get tallyBallots(): number | undefined {
    return this.#d.tallyBallots;
  }
  /** custodian -> contest id -> share contest */
  get shares(): ReadonlyMap<number, ReadonlyMap<string, ShareContest>> {
    return this.#d.shares;
  }
  /** contest id -> result contest as posted */
  get result(): ReadonlyMap<string, ResultContest> {
    return this.#d.result;
  }
  /** The custodians of the first `result` entry. */
  get resultCustodians(): number[] | undefined {
    return this.#d.resultCustodians;
  }
  /**
   * contest id -> the custodians of the `result` entry that covers it: each result entry names
   * its own set (protocol.md §6.10), so two entries may use two different sets.
   */
  get resultCustodiansOf(): ReadonlyMap<string, number[]> {
    return this.#d.resultCustodiansOf;
  }

  /** The whole state as plain JSON (see ElectionStateSnapshot); `fromSnapshot` inverts it. */
  toSnapshot(): ElectionStateSnapshot {
    return snapshotOf(this.#d);
  }

  /**
   * Rebuilds a state from `toSnapshot()` output (e.g. after JSON). Throws StateSnapshotError if
   * the snapshot is not well formed or not self-consistent (counts, phase, indices); it cannot
   * tell a consistent but false snapshot from a true one, so callers that need certainty
   * compare it with what they know (a monitor: its size and the log's root) or replay.
   */
  static fromSnapshot(input: unknown): ElectionState {
    return new ElectionState(restoreData(input));
  }

  counts(): Counts {
    const d = this.#d;
    return {
      credentials: d.credentials.size,
      ballots: d.ballotCount,
      voters: d.ballotsOf.size,
      superseded: d.ballotCount - d.ballotsOf.size,
      challenged: d.challengedCount,
      certified: d.certify.size,
      shares: d.shareEntries,
    };
  }

  /** Credentials registered and voters, per ballot style of the manifest (in its order). */
  turnout(): Record<string, StyleTurnout> {
    const out: Record<string, StyleTurnout> = {};
    for (const style of this.#d.styles.keys()) out[style] = { ...this.#d.styleTurnout(style) };
    return out;
  }

  styleOf(credential: string): string | undefined {
    return this.#d.credentials.get(credential);
  }
  contestsOfStyle(style: string): Contest[] | undefined {
    return this.#d.styles.get(style);
  }

  /**
   * Mark admitted `ballot` entries invalid: they failed V5, V10 or V12 after admission (the
   * auditor checks signatures and proofs in batches). An invalid ballot never counts, and is
   * not a credential's first or last ballot for V11 (spec/verification.md §Failing entries).
   */
  invalidateBallots(indices: Iterable<number>): void {
    for (const i of indices) if (i < this.#d.next) this.#d.invalid.add(i);
  }

  /** The ballots that count, in log order (protocol.md §10.1): one per credential. */
  countedBallots(): number[] {
    return this.#d.countedBallots();
  }
  /**
   * The valid ballots that do not count: under `last`, those a later valid ballot of the same
   * credential replaced; under `single`, every valid ballot after a credential's first (each
   * also a V11 failure, see `secondBallots`).
   */
  supersededBallots(): number[] {
    const d = this.#d;
    const out: number[] = [];
    for (const idx of d.ballotsOf.values()) {
      const c = d.countedOf(idx);
      for (const i of d.validBallots(idx)) if (i !== c) out.push(i);
    }
    return out.sort((a, b) => a - b);
  }
  /** Under `single`: every valid ballot after its credential's first, as [index, first]. */
  secondBallots(): [number, number][] {
    const d = this.#d;
    if (d.manifest.revotePolicy !== "single") return [];
    const out: [number, number][] = [];
    for (const idx of d.ballotsOf.values()) {
      const v = d.validBallots(idx);
      for (const i of v.slice(1)) out.push([i, v[0]]);
    }
    return out.sort((a, b) => a[0] - b[0]);
  }
  /** The indices of a credential's `ballot` entries, in log order (empty if it has none). */
  ballotsOfCredential(credential: string): readonly number[] {
    return this.#d.ballotsOf.get(credential) ?? [];
  }
  isCounted(index: number, credential: string): boolean {
    const idx = this.#d.ballotsOf.get(credential);
    return !!idx && this.#d.countedOf(idx) === index;
  }

  /**
   * contest id -> how many counted ballots hold it (ballots of styles that include it): the
   * bound of V16's sanity check on the result's totals.
   */
  countedPerContest(): Map<string, number> {
    return this.#d.countedPerContest();
  }

  /** Give the state the homomorphic sum of the counted ballots (board: before the first `tally`). */
  setComputedTally(contests: TallyContest[]): void {
    this.#d.computed = new Map(contests.map((c) => [c.contest, c]));
  }
  get hasComputedTally(): boolean {
    return this.#d.computed !== undefined;
  }

  /**
   * Cheap checks of one entry at the next index; no mutation. With `deferSignature`, the
   * entry signature is not checked here but returned as a `signature` work item, so that it
   * runs with the other cryptographic work (in worker threads).
   */
  precheck(
    input: unknown,
    index: number = this.#d.next,
    opts: {
      deferSignature?: boolean;
      /**
       * The auditor's mode: the `single` rule (V11) is not checked here, because which ballot
       * of a credential is its first *valid* one is known only after the signatures and proofs
       * (spec/verification.md §Failing entries); the auditor applies it when voting closes.
       */
      deferRevote?: boolean;
      /**
       * The hash of the leaf's bytes, which the caller has shown to be the entry's canonical
       * form (the replay, ./replay.ts): used instead of serialising and hashing the entry again.
       */
      leafHash?: Uint8Array;
      /** Those bytes, with `leafHash` (the entry's signing message is cut from them). */
      leaf?: Uint8Array;
    } = {},
  ): Precheck {
    const v = validateEntry(input);
    const informative = v.ok ? undefined : informativeBody(input);
    if (!v.ok && !informative)
      return {
        findings: v.errors.map((e) =>
          finding("V4", "SCHEMA_INVALID", e.message, { index, path: e.path }),
        ),
        work: [],
        admit: false,
      };
    const entry = v.ok ? v.value : (informative as Entry);
    const leaf = opts.leaf ?? (opts.leafHash === undefined ? entryLeaf(entry) : undefined);
    const lh = opts.leafHash ?? leafHash(leaf ?? entryLeaf(entry));
    const out = this.#check(entry, lh, index, !opts.deferSignature, 0, {
      deferRevote: opts.deferRevote === true,
    });
    if (!v.ok)
      // Only the informative body is malformed: a V4 failure that does not block admission.
      out.findings.unshift(
        ...v.errors.map((e) => finding("V4", "SCHEMA_INVALID", e.message, { index, path: e.path })),
      );
    // An entry of another election or a repeated leaf is V4 only (spec/verification.md §Failing
    // entries, 2d-2e): no signature check either.
    const v4Only = out.findings.some(
      (f) => f.code === "ELECTION_MISMATCH" || f.code === "DUPLICATE_ENTRY",
    );
    if (opts.deferSignature && !v4Only)
      out.work.unshift({
        kind: "signature",
        entry,
        ...(leaf ? { message: signingMessageFromLeaf(entry, leaf) } : {}),
        where: {
          index,
          ...(out.leafHash && ruleOf(entry.type)?.byCredential
            ? { trackingCode: toHex(out.leafHash) }
            : {}),
        },
      });
    return out;
  }

  /**
   * Every rule of `precheck` except the schema (the entry is already typed) and the entry
   * signature, which the caller checks elsewhere (the board, in a worker thread). Returns the
   * findings and the cryptographic work.
   */
  checkRules(
    entry: Entry,
    leafHashBytes: Uint8Array,
    index: number = this.#d.next,
    opts: RulesOptions = {},
  ): Precheck {
    return this.#check(entry, leafHashBytes, index, false, opts.pendingCredentialBatches ?? 0);
  }

  /**
   * The state-dependent rules again, for an entry that passed `precheck` earlier (the board
   * calls this at sequencing time, when other entries may have been appended meanwhile).
   */
  recheck(entry: Entry, leafHashBytes: Uint8Array, index: number = this.#d.next): Finding[] {
    return this.#check(entry, leafHashBytes, index, false).findings;
  }

  /**
   * The rules of spec/verification.md §Failing entries in their order: election, the entry
   * type's refusal (a second manifest), duplicate leaf, phase (V7), signer (V5/V10), signature
   * (V5), then the type's body rules. A credential's entry (a ballot) is checked by every rule
   * even when out of phase or ineligible; other entries' body rules depend on the state their
   * phase builds, so a wrong phase or signer ends their checks.
   */
  #check(
    entry: Entry,
    lh: Uint8Array,
    index: number,
    withSignature: boolean,
    pendingBatches = 0,
    opts: { deferRevote?: boolean } = {},
  ): Precheck {
    const d = this.#d;
    const rule = ruleOf(entry.type);
    const typed = entry as EntryOf<EntryType>; // the schema has checked its body for its type
    const hex = toHex(lh);
    const byCredential = rule?.byCredential === true;
    const where: Location = { index, ...(byCredential ? { trackingCode: hex } : {}) };
    const out: Precheck = { findings: [], work: [], entry, leafHash: lh, admit: true };
    const done = (): Precheck => {
      out.admit = !out.findings.some((f) => ADMISSION_CHECKS.has(f.check));
      return out;
    };
    const fail = (f: Finding): Precheck => {
      out.findings.push(f);
      return done();
    };
    if (entry.election !== d.electionId)
      return fail(
        finding(
          "V4",
          "ELECTION_MISMATCH",
          `entry is for election ${entry.election}, not ${d.electionId}`,
          where,
        ),
      );
    if (!rule)
      return fail(
        finding("V5", "UNAUTHORIZED_SIGNER", `${entry.type} must be signed by nobody`, where),
      );
    const refused = rule.refuse?.(typed, d, where);
    if (refused) return fail(refused);
    // A leaf already on the log (admitted or not) is V4 only: the same signed statement, judged
    // where it first occurs; not admitted, so no other check sees it (verification.md
    // §Failing entries, 2d).
    if (this.#isDuplicate(entry, byCredential, hex))
      return fail(finding("V4", "DUPLICATE_ENTRY", "this entry is already in the log", where));
    if (!rule.phases.includes(d.phase)) {
      out.findings.push(
        finding("V7", "WRONG_PHASE", `${entry.type} is not accepted in phase ${d.phase}`, where),
      );
      if (!byCredential) return done();
    }
    const signerFinding = rule.signer(typed, d, where);
    if (signerFinding) {
      out.findings.push(signerFinding);
      if (!byCredential) return done();
    }
    if (withSignature && !verifyEntrySignature(entry)) {
      out.findings.push(
        finding("V5", "BAD_SIGNATURE", "the entry's signature does not verify", where),
      );
      if (!byCredential) return done();
    }
    rule.check(typed, d, {
      where,
      out,
      pendingBatches,
      deferRevote: opts.deferRevote === true,
    });
    return done();
  }

  #isDuplicate(entry: Entry, byCredential: boolean, hex: string): boolean {
    const d = this.#d;
    if (d.skippedLeaves.has(hex)) return true;
    if (byCredential) return d.leavesOfCredential.get(entry.signer)?.includes(hex) ?? false;
    return d.otherLeaves.has(hex);
  }

  /**
   * Move past an entry that is on the log but must not change the state (an auditor's entry
   * with a blocking finding): later entries keep their true indices.
   */
  skip(index: number, entry?: Entry, leafHashHex?: string): void {
    const d = this.#d;
    if (index !== d.next) throw new Error(`skip: expected index ${d.next}, got ${index}`);
    d.next++;
    // A ballot entry's alphas join the reuse set even when it is not admitted (§6.11).
    if (entry) ruleOf(entry.type)?.skip?.(entry as EntryOf<EntryType>, d, index);
    // …and its leaf the duplicate set (V4: no leaf twice, admitted or not).
    if (leafHashHex !== undefined) d.skippedLeaves.add(leafHashHex);
  }

  /** Record an entry that passed `precheck` at `index` (which must be the next index). */
  apply(entry: Entry, index: number, leafHashHex?: string): void {
    const d = this.#d;
    if (index !== d.next) throw new Error(`apply: expected index ${d.next}, got ${index}`);
    const hex = leafHashHex ?? toHex(leafHash(entryLeaf(entry)));
    d.next++;
    const rule = ruleOf(entry.type);
    rule?.apply(entry as EntryOf<EntryType>, d, index);
    if (rule?.byCredential) {
      const l = d.leavesOfCredential.get(entry.signer);
      if (l) l.push(hex);
      else d.leavesOfCredential.set(entry.signer, [hex]);
    } else d.otherLeaves.add(hex);
  }
}

/**
 * An entry whose envelope is valid but whose informative body is not (e.g. a `voting.open` whose
 * `at` is not RFC 3339), typed as is: V4 fails, and the entry is still admitted
 * (spec/verification.md §Failing entries). Undefined for any other schema failure.
 */
function informativeBody(input: unknown): Entry | undefined {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return undefined;
  const type = (input as { type?: unknown }).type;
  const placeholder = typeof type === "string" ? ruleOf(type)?.informativeBody : undefined;
  if (placeholder === undefined) return undefined;
  const probe = { ...(input as object), body: placeholder };
  return validateEntry(probe).ok ? (input as Entry) : undefined;
}
