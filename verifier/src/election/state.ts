/**
 * The election state machine of spec/protocol.md §6-§7, shared by the board (which refuses
 * every entry with a finding) and the auditor (which reports every finding and goes on).
 *
 * `precheck` is cheap and pure: schema, election, phase, signer, signature, eligibility,
 * revote policy, duplicates, and every rule that needs no group arithmetic. It returns the
 * expensive cryptographic checks as `CryptoWork` items (see ./work.ts and ./verify-work.ts).
 * `apply` records an accepted entry. State is O(credentials + custodians × options) plus, per
 * ballot entry, its leaf hash (duplicates, V4) and its selection alphas (reuse, V13; see
 * spec/record.md): ballots themselves are summed by the tally accumulator in a separate pass.
 */
import type {
  AttestationBody,
  BallotBody,
  ChallengedBallotBody,
  Contest,
  CredentialsBody,
  DecryptionShareBody,
  ElectionKeyBody,
  Entry,
  Manifest,
  ResultBody,
  ResultContest,
  ShareContest,
  TallyBody,
  TallyContest,
} from "@urna/schemas";
import { validateEntry } from "@urna/schemas";
import { toBase64, toHex } from "../bytes.js";
import { baseHash as computeBaseHash } from "../crypto/base-hash.js";
import { entryLeaf, verifyEntrySignature } from "../entry.js";
import { leafHash } from "../log/merkle-hash.js";
import { attestationReportFindings } from "./attestation-report.js";
import { reusedCiphertexts, SeenAlphas } from "./ciphertexts.js";
import { checkManifestRules } from "./manifest.js";
import { ADMISSION_CHECKS, finding, type CodeOf, type Finding, type Location } from "./findings.js";
import type { CryptoWork, ProofContext } from "./work.js";

export type Phase = "setup" | "voting" | "closed" | "tallying" | "done";

const ACCEPTS: Record<Phase, readonly string[]> = {
  setup: [
    "credentials",
    "ceremony.round1",
    "ceremony.certify",
    "ceremony.blame",
    "election.key",
    "voting.open",
  ],
  voting: ["ballot", "ballot.challenged", "voting.close"],
  closed: ["tally"],
  tallying: ["decryption.share", "result"],
  done: ["audit.attestation"],
};

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

/** Per ballot style: credentials registered and, of them, those that cast a ballot. */
export interface StyleTurnout {
  credentials: number;
  voters: number;
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

export interface Precheck {
  findings: Finding[];
  work: CryptoWork[];
  /**
   * Whether the entry may change the election state (spec/verification.md §Failing entries):
   * false iff a finding is one of the admission checks of its type. A board refuses any entry
   * with a finding; an auditor applies exactly the admitted ones and reports every finding.
   */
  admit: boolean;
  /** The entry, typed, when it passed the schema. */
  entry?: Entry;
  leafHash?: Uint8Array;
  /**
   * For an `audit.attestation` whose checkpoint size is in range: the (size, root) it names,
   * which the caller holds against its own log (the board its tree, the auditor the leaves it
   * read): a root that is not the log's at that size is `ATTESTATION_CHECKPOINT` (V18).
   */
  checkpointClaim?: { size: number; root: string };
}

interface CustodianBody {
  custodian: number;
}

const hasCustodian = (b: unknown): b is CustodianBody =>
  typeof b === "object" && b !== null && typeof (b as CustodianBody).custodian === "number";

/** The format tag of `ElectionState.toSnapshot()`. */
export const ELECTION_STATE_SNAPSHOT_FORMAT = "urna-election-state-v2";

/**
 * An `ElectionState` as plain JSON (`ElectionState.toSnapshot`): every field by name, Maps and
 * Sets as arrays in insertion order, so that `fromSnapshot` rebuilds an equal state. The
 * manifest and election id are stored whole; what derives from them (baseHash, contests,
 * styles, custodians) is recomputed, not stored.
 */
export interface ElectionStateSnapshot {
  format: typeof ELECTION_STATE_SNAPSHOT_FORMAT;
  electionId: string;
  manifest: Manifest;
  phase: Phase;
  /** The next index: the number of entries applied or skipped, the manifest included. */
  next: number;
  /** [credential key, ballot style] in publication order. */
  credentials: [string, string][];
  credentialBatches: number;
  /** [credential key, indices of its `ballot` entries] */
  ballotsOf: [string, number[]][];
  ballotCount: number;
  challengedCount: number;
  /** Indices of admitted ballots found invalid (`invalidateBallots`); absent when none. */
  invalidBallots?: number[];
  /** [credential key, hex leaf hashes of its ballot entries] */
  leavesOfCredential: [string, string[]][];
  otherLeaves: string[];
  /** [alpha, index of the entry where it first occurs] of every ballot selection (V13 reuse) */
  alphas: [string, number][];
  round1: [number, unknown][];
  certify: [number, unknown][];
  blames: { index: number; body: unknown }[];
  electionKey?: ElectionKeyBody;
  openIndex?: number;
  closeIndex?: number;
  /** The log size right after the last `result` entry (phase `done`). */
  doneSize?: number;
  tally: TallyContest[];
  tallyBallots?: number;
  computed?: TallyContest[];
  /** [custodian, its share contests] */
  shares: [number, ShareContest[]][];
  shareEntries: number;
  result: ResultContest[];
  /** The custodians of the first `result` entry (kept for older snapshots). */
  resultCustodians?: number[];
  /** [contest id, the custodians of the `result` entry that covers it] (protocol.md §6.10) */
  resultSets?: [string, number[]][];
}

export class StateSnapshotError extends Error {
  readonly code = "SNAPSHOT_INVALID" as const;
  constructor(message: string) {
    super(message);
    this.name = "StateSnapshotError";
  }
}

const PHASES: readonly Phase[] = ["setup", "voting", "closed", "tallying", "done"];

export class ElectionState {
  readonly electionId: string;
  readonly manifest: Manifest;
  readonly baseHash: Uint8Array;
  private phaseNow: Phase = "setup";
  private next = 1;
  private readonly contests = new Map<string, Contest>();
  private readonly styles = new Map<string, Contest[]>();
  private readonly custodianOfKey = new Map<string, number>();
  /** credential key -> ballot style id */
  private readonly credentials = new Map<string, string>();
  private credentialBatches = 0;
  /** credential key -> indices of its `ballot` entries, in log order */
  private readonly ballotsOf = new Map<string, number[]>();
  private ballotCount = 0;
  private challengedCount = 0;
  /** style -> credentials and voters (derived from `credentials` and `ballotsOf`). */
  private readonly turnoutOf = new Map<string, StyleTurnout>();
  /** Admitted `ballot` entries found invalid afterwards (`invalidateBallots`). */
  private readonly invalid = new Set<number>();
  /** Leaf hashes of entries whose signer is a credential, per credential (duplicate check). */
  private readonly leavesOfCredential = new Map<string, string[]>();
  /**
   * Leaf hashes of the entries an auditor skipped (not admitted, `skip`), for V4's duplicate
   * rule. Not in the snapshot: only the auditor skips, and it never snapshots (the monitor and
   * the board stop at, or refuse, an entry with a finding).
   */
  private readonly skippedLeaves = new Set<string>();
  /** Leaf hashes of every other entry: few (authority, registrar, custodians). */
  private readonly otherLeaves = new Set<string>();
  /** Every selection alpha of the applied ballot entries (protocol.md §6.11). */
  private readonly alphas = new SeenAlphas();
  readonly round1 = new Map<number, unknown>();
  readonly certify = new Map<number, unknown>();
  readonly blames: { index: number; body: unknown }[] = [];
  electionKey?: ElectionKeyBody;
  openIndex?: number;
  closeIndex?: number;
  /** The log size right after the last `result` entry (phase `done`). */
  doneSize?: number;
  /** contest id -> tally contest as posted */
  readonly tally = new Map<string, TallyContest>();
  tallyBallots?: number;
  /** The sum of counted ballots computed by whoever runs this state (board or auditor). */
  private computed?: Map<string, TallyContest>;
  /** custodian -> contest id -> share contest */
  readonly shares = new Map<number, Map<string, ShareContest>>();
  private shareEntries = 0;
  /** contest id -> result contest as posted */
  readonly result = new Map<string, ResultContest>();
  /** The custodians of the first `result` entry. */
  resultCustodians?: number[];
  /**
   * contest id -> the custodians of the `result` entry that covers it: each result entry names
   * its own set (protocol.md §6.10), so two entries may use two different sets.
   */
  readonly resultCustodiansOf = new Map<string, number[]>();

  private constructor(manifest: Manifest, electionId: string) {
    this.manifest = manifest;
    this.electionId = electionId;
    this.baseHash = computeBaseHash(electionId, manifest);
    for (const c of manifest.contests) this.contests.set(c.id, c);
    for (const s of manifest.ballotStyles)
      this.styles.set(
        s.id,
        s.contests.map((id) => this.contests.get(id)).filter((c): c is Contest => !!c),
      );
    for (const c of manifest.custodians) this.custodianOfKey.set(c.signingKey, c.index);
  }

  /** Validate entry 0 and start the election (check V4-V6). */
  static create(input: unknown): {
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
    const findings: Finding[] = [];
    if (!verifyEntrySignature(entry))
      findings.push(finding("V5", "BAD_SIGNATURE", "bad manifest signature", at));
    const manifest = entry.body as Manifest;
    findings.push(...checkManifestRules(manifest, entry.election, entry.signer));
    if (findings.length) return { findings, entry };
    const state = new ElectionState(manifest, entry.election);
    const lh = leafHash(entryLeaf(entry));
    state.otherLeaves.add(toHex(lh));
    return { state, findings, entry, leafHash: lh };
  }

  get phase(): Phase {
    return this.phaseNow;
  }
  /** Number of entries applied, the manifest included. */
  get size(): number {
    return this.next;
  }
  get ctx(): ProofContext {
    return { baseHash: toBase64(this.baseHash), publicKey: this.electionKey?.publicKey ?? "" };
  }

  /** The whole state as plain JSON (see ElectionStateSnapshot); `fromSnapshot` inverts it. */
  toSnapshot(): ElectionStateSnapshot {
    const copy = <T>(v: T): T => structuredClone(v);
    const snap: ElectionStateSnapshot = {
      format: ELECTION_STATE_SNAPSHOT_FORMAT,
      electionId: this.electionId,
      manifest: copy(this.manifest),
      phase: this.phaseNow,
      next: this.next,
      credentials: [...this.credentials],
      credentialBatches: this.credentialBatches,
      ballotsOf: [...this.ballotsOf].map(([k, v]) => [k, [...v]]),
      ballotCount: this.ballotCount,
      challengedCount: this.challengedCount,
      leavesOfCredential: [...this.leavesOfCredential].map(([k, v]) => [k, [...v]]),
      otherLeaves: [...this.otherLeaves],
      alphas: this.alphas.entries(),
      round1: copy([...this.round1]),
      certify: copy([...this.certify]),
      blames: copy(this.blames),
      tally: copy([...this.tally.values()]),
      shares: [...this.shares].map(([i, m]) => [i, copy([...m.values()])]),
      shareEntries: this.shareEntries,
      result: copy([...this.result.values()]),
    };
    if (this.electionKey) snap.electionKey = copy(this.electionKey);
    if (this.openIndex !== undefined) snap.openIndex = this.openIndex;
    if (this.closeIndex !== undefined) snap.closeIndex = this.closeIndex;
    if (this.doneSize !== undefined) snap.doneSize = this.doneSize;
    if (this.tallyBallots !== undefined) snap.tallyBallots = this.tallyBallots;
    if (this.computed) snap.computed = copy([...this.computed.values()]);
    if (this.resultCustodians) snap.resultCustodians = [...this.resultCustodians];
    if (this.resultCustodiansOf.size)
      snap.resultSets = [...this.resultCustodiansOf].map(([c, S]) => [c, [...S]]);
    if (this.invalid.size) snap.invalidBallots = [...this.invalid];
    return snap;
  }

  /**
   * Rebuilds a state from `toSnapshot()` output (e.g. after JSON). Throws StateSnapshotError if
   * the snapshot is not well formed or not self-consistent (counts, phase, indices); it cannot
   * tell a consistent but false snapshot from a true one, so callers that need certainty
   * compare it with what they know (a monitor: its size and the log's root) or replay.
   */
  static fromSnapshot(input: unknown): ElectionState {
    const snap = input as ElectionStateSnapshot;
    const bad = (what: string): never => {
      throw new StateSnapshotError(`election state snapshot: ${what}`);
    };
    const isObj = (v: unknown): v is Record<string, unknown> =>
      typeof v === "object" && v !== null && !Array.isArray(v);
    const isIndex = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
    const pairs = <K, V>(
      v: unknown,
      name: string,
      key: (k: unknown) => k is K,
      val: (x: unknown) => x is V,
    ): [K, V][] => {
      if (!Array.isArray(v)) return bad(`${name} is not a list`);
      for (const p of v as unknown[])
        if (!Array.isArray(p) || p.length !== 2 || !key(p[0]) || !val(p[1]))
          bad(`${name} has a malformed item`);
      return v as [K, V][];
    };
    const isStr = (v: unknown): v is string => typeof v === "string";
    const isAny = (v: unknown): v is unknown => v !== undefined;
    const strList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isStr);
    const idxList = (v: unknown): v is number[] => Array.isArray(v) && v.every(isIndex);
    const objList = (v: unknown): v is Record<string, unknown>[] =>
      Array.isArray(v) && v.every(isObj);
    const optIndex = (v: unknown, name: string) => {
      if (v !== undefined && !isIndex(v)) bad(`${name} is not an index`);
    };

    if (!isObj(snap) || snap.format !== ELECTION_STATE_SNAPSHOT_FORMAT) bad("unknown format");
    if (!isStr(snap.electionId) || !isObj(snap.manifest)) bad("no election or manifest");
    if (!PHASES.includes(snap.phase)) bad(`unknown phase ${String(snap.phase)}`);
    for (const k of [
      "next",
      "credentialBatches",
      "ballotCount",
      "challengedCount",
      "shareEntries",
    ] as const)
      if (!isIndex(snap[k])) bad(`${k} is not a count`);
    optIndex(snap.openIndex, "openIndex");
    optIndex(snap.closeIndex, "closeIndex");
    optIndex(snap.doneSize, "doneSize");
    optIndex(snap.tallyBallots, "tallyBallots");
    if (!strList(snap.otherLeaves)) bad("otherLeaves is not a list of strings");
    if (!objList(snap.tally) || !objList(snap.result)) bad("tally or result is not a list");
    if (snap.computed !== undefined && !objList(snap.computed)) bad("computed is not a list");
    if (!Array.isArray(snap.blames) || !snap.blames.every((b) => isObj(b) && isIndex(b.index)))
      bad("blames is malformed");
    if (snap.electionKey !== undefined && !isObj(snap.electionKey)) bad("electionKey");
    if (snap.resultCustodians !== undefined && !idxList(snap.resultCustodians))
      bad("resultCustodians");
    if (snap.resultSets !== undefined) pairs(snap.resultSets, "resultSets", isStr, idxList);

    let s: ElectionState;
    try {
      s = new ElectionState(structuredClone(snap.manifest), snap.electionId);
    } catch (e) {
      return bad(`the manifest does not load: ${e instanceof Error ? e.message : String(e)}`);
    }
    s.phaseNow = snap.phase;
    s.next = snap.next;
    for (const [k, v] of pairs(snap.credentials, "credentials", isStr, isStr))
      s.credentials.set(k, v);
    s.credentialBatches = snap.credentialBatches;
    for (const [k, v] of pairs(snap.ballotsOf, "ballotsOf", isStr, idxList))
      s.ballotsOf.set(k, [...v]);
    s.ballotCount = snap.ballotCount;
    s.challengedCount = snap.challengedCount;
    for (const style of s.credentials.values()) s.styleTurnout(style).credentials++;
    for (const k of s.ballotsOf.keys()) {
      const style = s.credentials.get(k);
      if (style !== undefined) s.styleTurnout(style).voters++;
    }
    if (snap.invalidBallots !== undefined) {
      if (!idxList(snap.invalidBallots)) bad("invalidBallots is not a list of indices");
      for (const i of snap.invalidBallots) s.invalid.add(i);
    }
    for (const [k, v] of pairs(snap.leavesOfCredential, "leavesOfCredential", isStr, strList))
      s.leavesOfCredential.set(k, [...v]);
    for (const h of snap.otherLeaves) s.otherLeaves.add(h);
    for (const [alpha, at] of pairs(snap.alphas, "alphas", isStr, isIndex))
      if (at >= s.next || !s.alphas.restore(alpha, at)) bad("alphas has a bad or repeated item");
    for (const [k, v] of pairs(snap.round1, "round1", isIndex, isAny))
      s.round1.set(k, structuredClone(v));
    for (const [k, v] of pairs(snap.certify, "certify", isIndex, isAny))
      s.certify.set(k, structuredClone(v));
    s.blames.push(...structuredClone(snap.blames));
    if (snap.electionKey) s.electionKey = structuredClone(snap.electionKey);
    s.openIndex = snap.openIndex;
    s.closeIndex = snap.closeIndex;
    s.doneSize = snap.doneSize;
    for (const c of structuredClone(snap.tally)) s.tally.set(c.contest, c);
    s.tallyBallots = snap.tallyBallots;
    if (snap.computed)
      s.computed = new Map(structuredClone(snap.computed).map((c) => [c.contest, c]));
    for (const [i, list] of pairs(snap.shares, "shares", isIndex, objList))
      s.shares.set(
        i,
        new Map(structuredClone(list as unknown as ShareContest[]).map((c) => [c.contest, c])),
      );
    s.shareEntries = snap.shareEntries;
    for (const c of structuredClone(snap.result)) s.result.set(c.contest, c);
    if (snap.resultCustodians) s.resultCustodians = [...snap.resultCustodians];
    // A snapshot without resultSets comes from a state that allowed one set only.
    for (const c of s.result.keys()) {
      const S = snap.resultSets?.find(([id]) => id === c)?.[1] ?? snap.resultCustodians;
      if (S) s.resultCustodiansOf.set(c, [...S]);
    }

    // Self-consistency: what the rules keep in step must be in step.
    let ballots = 0;
    for (const [k, idx] of s.ballotsOf) {
      ballots += idx.length;
      if (!s.credentials.has(k)) bad("a ballot's credential is not published");
      if (idx.some((i, j) => i >= s.next || (j > 0 && i <= idx[j - 1])))
        bad("a credential's ballot indices are out of order or beyond the state's size");
    }
    if (ballots !== s.ballotCount) bad("ballotCount does not match the ballots");
    let credentialLeaves = 0;
    for (const l of s.leavesOfCredential.values()) credentialLeaves += l.length;
    if (credentialLeaves !== s.ballotCount + s.challengedCount)
      bad("the credentials' leaves do not match the ballot counts");
    const voting = s.openIndex !== undefined;
    const closed = s.closeIndex !== undefined;
    const phaseOk =
      s.phaseNow === "setup"
        ? !voting && !closed
        : s.phaseNow === "voting"
          ? voting && !closed
          : voting && closed && (s.openIndex as number) < (s.closeIndex as number);
    if (!phaseOk) bad(`phase ${s.phaseNow} does not match voting.open/voting.close`);
    if (
      (s.openIndex !== undefined && s.openIndex >= s.next) ||
      (s.closeIndex !== undefined && s.closeIndex >= s.next)
    )
      bad("voting.open or voting.close is beyond the state's size");
    if (s.credentialBatches === 0 && s.credentials.size > 0) bad("credentials without a batch");
    return s;
  }

  counts(): Counts {
    return {
      credentials: this.credentials.size,
      ballots: this.ballotCount,
      voters: this.ballotsOf.size,
      superseded: this.ballotCount - this.ballotsOf.size,
      challenged: this.challengedCount,
      certified: this.certify.size,
      shares: this.shareEntries,
    };
  }

  /** Credentials registered and voters, per ballot style of the manifest (in its order). */
  turnout(): Record<string, StyleTurnout> {
    const out: Record<string, StyleTurnout> = {};
    for (const style of this.styles.keys()) out[style] = { ...this.styleTurnout(style) };
    return out;
  }
  private styleTurnout(style: string): StyleTurnout {
    let t = this.turnoutOf.get(style);
    if (!t) this.turnoutOf.set(style, (t = { credentials: 0, voters: 0 }));
    return t;
  }

  styleOf(credential: string): string | undefined {
    return this.credentials.get(credential);
  }
  contestsOfStyle(style: string): Contest[] | undefined {
    return this.styles.get(style);
  }

  /**
   * Mark admitted `ballot` entries invalid: they failed V5, V10 or V12 after admission (the
   * auditor checks signatures and proofs in batches). An invalid ballot never counts, and is
   * not a credential's first or last ballot for V11 (spec/verification.md §Failing entries).
   */
  invalidateBallots(indices: Iterable<number>): void {
    for (const i of indices) if (i < this.next) this.invalid.add(i);
  }
  /** A credential's valid `ballot` entries, in log order. */
  private validBallots(idx: readonly number[]): readonly number[] {
    return this.invalid.size === 0 ? idx : idx.filter((i) => !this.invalid.has(i));
  }
  private countedOf(idx: readonly number[]): number | undefined {
    const v = this.validBallots(idx);
    if (v.length === 0) return undefined;
    return this.manifest.revotePolicy === "last" ? v[v.length - 1] : v[0];
  }

  /** The ballots that count, in log order (protocol.md §10.1): one per credential. */
  countedBallots(): number[] {
    const out: number[] = [];
    for (const idx of this.ballotsOf.values()) {
      const c = this.countedOf(idx);
      if (c !== undefined) out.push(c);
    }
    return out.sort((a, b) => a - b);
  }
  /**
   * The valid ballots that do not count: under `last`, those a later valid ballot of the same
   * credential replaced; under `single`, every valid ballot after a credential's first (each
   * also a V11 failure, see `secondBallots`).
   */
  supersededBallots(): number[] {
    const out: number[] = [];
    for (const idx of this.ballotsOf.values()) {
      const c = this.countedOf(idx);
      for (const i of this.validBallots(idx)) if (i !== c) out.push(i);
    }
    return out.sort((a, b) => a - b);
  }
  /** Under `single`: every valid ballot after its credential's first, as [index, first]. */
  secondBallots(): [number, number][] {
    if (this.manifest.revotePolicy !== "single") return [];
    const out: [number, number][] = [];
    for (const idx of this.ballotsOf.values()) {
      const v = this.validBallots(idx);
      for (const i of v.slice(1)) out.push([i, v[0]]);
    }
    return out.sort((a, b) => a[0] - b[0]);
  }
  /** The indices of a credential's `ballot` entries, in log order (empty if it has none). */
  ballotsOfCredential(credential: string): readonly number[] {
    return this.ballotsOf.get(credential) ?? [];
  }
  isCounted(index: number, credential: string): boolean {
    const idx = this.ballotsOf.get(credential);
    return !!idx && this.countedOf(idx) === index;
  }

  /**
   * contest id -> how many counted ballots hold it (ballots of styles that include it): the
   * bound of V16's sanity check on the result's totals.
   */
  countedPerContest(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [credential, idx] of this.ballotsOf) {
      if (this.countedOf(idx) === undefined) continue;
      const style = this.credentials.get(credential);
      for (const c of (style !== undefined && this.styles.get(style)) || [])
        out.set(c.id, (out.get(c.id) ?? 0) + 1);
    }
    return out;
  }

  /** Give the state the homomorphic sum of the counted ballots (board: before the first `tally`). */
  setComputedTally(contests: TallyContest[]): void {
    this.computed = new Map(contests.map((c) => [c.contest, c]));
  }
  get hasComputedTally(): boolean {
    return this.computed !== undefined;
  }

  /**
   * Cheap checks of one entry at the next index; no mutation. With `deferSignature`, the
   * entry signature is not checked here but returned as a `signature` work item, so that it
   * runs with the other cryptographic work (in worker threads).
   */
  precheck(
    input: unknown,
    index: number = this.next,
    opts: {
      deferSignature?: boolean;
      /**
       * The auditor's mode: the `single` rule (V11) is not checked here, because which ballot
       * of a credential is its first *valid* one is known only after the signatures and proofs
       * (spec/verification.md §Failing entries); the auditor applies it when voting closes.
       */
      deferRevote?: boolean;
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
    const out = this.check(entry, leafHash(entryLeaf(entry)), index, !opts.deferSignature, 0, {
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
        where: {
          index,
          ...(out.leafHash && entry.type.startsWith("ballot")
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
    index: number = this.next,
    opts: RulesOptions = {},
  ): Precheck {
    return this.check(entry, leafHashBytes, index, false, opts.pendingCredentialBatches ?? 0);
  }

  /**
   * The state-dependent rules again, for an entry that passed `precheck` earlier (the board
   * calls this at sequencing time, when other entries may have been appended meanwhile).
   */
  recheck(entry: Entry, leafHashBytes: Uint8Array, index: number = this.next): Finding[] {
    return this.check(entry, leafHashBytes, index, false).findings;
  }

  private check(
    entry: Entry,
    lh: Uint8Array,
    index: number,
    withSignature: boolean,
    pendingBatches = 0,
    opts: { deferRevote?: boolean } = {},
  ): Precheck {
    const hex = toHex(lh);
    const where: Location = {
      index,
      ...(entry.type.startsWith("ballot") ? { trackingCode: hex } : {}),
    };
    const out: Precheck = { findings: [], work: [], entry, leafHash: lh, admit: true };
    const done = (): Precheck => {
      out.admit = !out.findings.some((f) => ADMISSION_CHECKS.has(f.check));
      return out;
    };
    const fail = (f: Finding): Precheck => {
      out.findings.push(f);
      return done();
    };
    if (entry.election !== this.electionId)
      return fail(
        finding(
          "V4",
          "ELECTION_MISMATCH",
          `entry is for election ${entry.election}, not ${this.electionId}`,
          where,
        ),
      );
    if (entry.type === "manifest")
      return fail(
        finding("V6", "DUPLICATE_MANIFEST", "an election has one manifest, at index 0", where),
      );
    // A leaf already on the log (admitted or not) is V4 only: the same signed statement, judged
    // where it first occurs; not admitted, so no other check sees it (verification.md
    // §Failing entries, 2d).
    if (this.isDuplicate(entry, hex))
      return fail(finding("V4", "DUPLICATE_ENTRY", "this entry is already in the log", where));
    // A ballot is checked by every ballot check even when it is out of phase or ineligible
    // (spec/verification.md §Failing entries); other entries' content rules depend on the
    // state their phase builds, so a wrong phase or signer ends their checks here.
    const ballot = entry.type === "ballot" || entry.type === "ballot.challenged";
    if (!ACCEPTS[this.phaseNow].includes(entry.type)) {
      out.findings.push(
        finding(
          "V7",
          "WRONG_PHASE",
          `${entry.type} is not accepted in phase ${this.phaseNow}`,
          where,
        ),
      );
      if (!ballot) return done();
    }
    const signerFinding = this.checkSigner(entry, where);
    if (signerFinding) {
      out.findings.push(signerFinding);
      if (!ballot) return done();
    }
    if (withSignature && !verifyEntrySignature(entry)) {
      out.findings.push(
        finding("V5", "BAD_SIGNATURE", "the entry's signature does not verify", where),
      );
      if (!ballot) return done();
    }
    this.checkBody(entry, where, out, pendingBatches, opts.deferRevote === true);
    return done();
  }

  private checkSigner(entry: Entry, where: Location): Finding | undefined {
    const m = this.manifest;
    const unauthorised = (who: string) =>
      finding("V5", "UNAUTHORIZED_SIGNER", `${entry.type} must be signed by ${who}`, where);
    switch (entry.type) {
      case "credentials":
        return entry.signer === m.registrar ? undefined : unauthorised("the registrar");
      case "election.key":
      case "voting.open":
      case "voting.close":
      case "tally":
      case "result":
        return entry.signer === m.authority ? undefined : unauthorised("the authority");
      case "ceremony.round1":
      case "ceremony.certify":
      case "ceremony.blame":
      case "decryption.share": {
        const i = hasCustodian(entry.body) ? entry.body.custodian : -1;
        const c = m.custodians[i - 1];
        return c && c.signingKey === entry.signer
          ? undefined
          : unauthorised(`custodian ${i}'s signing key`);
      }
      case "audit.attestation":
        return m.auditors?.some((a) => a.key === entry.signer)
          ? undefined
          : unauthorised("an auditing firm the manifest lists");
      case "ballot":
      case "ballot.challenged":
        return this.credentials.has(entry.signer)
          ? undefined
          : finding("V10", "NOT_ELIGIBLE", "the signer is not a published credential", where);
      default:
        return unauthorised("nobody");
    }
  }

  /** protocol.md §6.12: the firm's name is the manifest's for its key; the checkpoint in range. */
  private checkAttestation(b: AttestationBody, signer: string, where: Location, out: Precheck) {
    const firm = this.manifest.auditors?.find((a) => a.key === signer);
    if (firm && firm.name !== b.firm)
      out.findings.push(
        finding(
          "V18",
          "UNKNOWN_FIRM",
          `the attestation names firm ${b.firm}, the manifest lists its key as ${firm.name}`,
          { ...where, path: "/body/firm" },
        ),
      );
    out.findings.push(...attestationReportFindings(b, where));
    const index = where.index ?? this.next;
    const from = this.doneSize ?? index;
    const { size } = b.checkpoint;
    if (size < from || size > index)
      out.findings.push(
        finding(
          "V18",
          "ATTESTATION_CHECKPOINT",
          `the attested checkpoint's size ${size} is not between ${from} (the result complete) and ${index} (this entry)`,
          { ...where, path: "/body/checkpoint/size" },
        ),
      );
    else out.checkpointClaim = { size, root: b.checkpoint.root };
  }

  private isDuplicate(entry: Entry, hex: string): boolean {
    if (this.skippedLeaves.has(hex)) return true;
    if (entry.type === "ballot" || entry.type === "ballot.challenged")
      return this.leavesOfCredential.get(entry.signer)?.includes(hex) ?? false;
    return this.otherLeaves.has(hex);
  }

  private checkBody(
    entry: Entry,
    where: Location,
    out: Precheck,
    pendingBatches: number,
    deferRevote: boolean,
  ): void {
    const push = (f: Finding): void => void out.findings.push(f);
    const m = this.manifest;
    switch (entry.type) {
      case "credentials": {
        const b = entry.body as CredentialsBody;
        const bad = (msg: string, path: string) =>
          push(finding("V9", "INVALID_CREDENTIALS", msg, { ...where, path }));
        const expected = this.credentialBatches + pendingBatches;
        if (b.batch !== expected)
          bad(`credential batch ${b.batch} out of order, expected ${expected}`, "/body/batch");
        const inBatch = new Set<string>();
        const roles = new Set([m.authority, m.registrar, ...m.custodians.map((c) => c.signingKey)]);
        b.credentials.forEach((c, i) => {
          const p = `/body/credentials/${i}`;
          if (this.credentials.has(c.key) || inBatch.has(c.key))
            bad(`credential ${c.key} published twice`, `${p}/key`);
          if (roles.has(c.key)) bad(`credential ${c.key} is another role's key`, `${p}/key`);
          if (!this.styles.has(c.style)) bad(`unknown ballot style ${c.style}`, `${p}/style`);
          inBatch.add(c.key);
        });
        return;
      }
      case "ceremony.round1":
      case "ceremony.certify":
      case "ceremony.blame": {
        const i = (entry.body as CustodianBody).custodian;
        const step =
          entry.type === "ceremony.round1"
            ? "round1"
            : entry.type === "ceremony.certify"
              ? "certify"
              : undefined;
        const bad = (msg: string) =>
          push(finding("V8", "INVALID_CEREMONY", msg, { ...where, custodian: i }));
        if (this.electionKey) return bad("the joint key is already published");
        if (step === "round1" && this.round1.has(i))
          return bad(`custodian ${i} already posted round 1`);
        if (step === "certify") {
          if (this.certify.has(i)) return bad(`custodian ${i} already certified`);
          if (this.round1.size !== m.custodians.length)
            return bad("certification needs every custodian's round 1");
          // ceremony.md §3.3, §6: a blame aborts the session; the signature is still checked.
          if (this.blames.length)
            bad(`certification after the ceremony.blame at entry ${this.blames[0].index}`);
        }
        if (!step) {
          // ceremony.md §3.4: after the accused's round 1, once per (accuser, accused). Its
          // verdict (check B) is the auditor's to report: the board accepts it whatever it is.
          const j = (entry.body as { accused: number }).accused;
          if (!this.round1.has(j)) return bad(`custodian ${j} has no round 1 to blame`);
          const twice = this.blames.find(
            (x) =>
              (x.body as CustodianBody).custodian === i &&
              (x.body as { accused: number }).accused === j,
          );
          if (twice)
            return bad(`custodian ${i} already blamed custodian ${j} (entry ${twice.index})`);
          return;
        }
        out.work.push({
          kind: "ceremony",
          step,
          manifest: m,
          baseHash: toBase64(this.baseHash),
          round1: Object.fromEntries(this.round1),
          certify: Object.fromEntries(this.certify),
          body: entry.body,
          where: { ...where, custodian: i },
        });
        return;
      }
      case "election.key": {
        const bad = (msg: string) => push(finding("V8", "INVALID_KEY", msg, where));
        if (this.electionKey) return bad("the joint key is already published");
        // Every failing item is reported (ceremony.md §5): the abort, then the key itself.
        if (this.blames.length)
          bad(
            `the ceremony was aborted by the ceremony.blame at entry ${this.blames[0].index}: it must be run again under a new manifest`,
          );
        if (this.certify.size !== m.custodians.length)
          return bad("the joint key needs every custodian's certification");
        out.work.push({
          kind: "ceremony",
          step: "key",
          manifest: m,
          baseHash: toBase64(this.baseHash),
          round1: Object.fromEntries(this.round1),
          certify: Object.fromEntries(this.certify),
          body: entry.body,
          where,
        });
        return;
      }
      case "voting.open":
        if (!this.electionKey)
          push(finding("V7", "WRONG_PHASE", "voting cannot open before the joint key", where));
        if (this.credentialBatches === 0)
          push(finding("V7", "WRONG_PHASE", "voting cannot open without credentials", where));
        return;
      case "voting.close":
        return;
      case "ballot":
      case "ballot.challenged": {
        const credentialStyle = this.credentials.get(entry.signer);
        const body =
          entry.type === "ballot"
            ? (entry.body as BallotBody)
            : (entry.body as ChallengedBallotBody).ballot;
        if (credentialStyle !== undefined && body.style !== credentialStyle)
          push(
            finding(
              "V10",
              "NOT_ELIGIBLE",
              `the credential's style is ${credentialStyle}, not ${body.style}`,
              { ...where, path: "/body/style" },
            ),
          );
        // The proofs are checked against the style the ballot names (V12 covers every ballot).
        const contests = this.styles.get(body.style);
        // Reuse (V13) is judged on every ballot entry that passes the schema, whatever its other
        // failures, against every earlier one (protocol.md §6.11): it needs no style or key.
        out.findings.push(
          ...reusedCiphertexts(
            body,
            contests ?? [],
            this.alphas,
            where,
            entry.type === "ballot" ? "/body" : "/body/ballot",
          ),
        );
        if (!contests)
          return push(
            finding("V10", "INVALID_BALLOT", `unknown ballot style ${body.style}`, {
              ...where,
              path: "/body/style",
            }),
          );
        const structure = ballotStructure(body, contests, where);
        if (structure.length) return void out.findings.push(...structure);
        if (!this.electionKey) return; // no joint key to check proofs against (V7 has failed)
        if (entry.type === "ballot") {
          if (
            !deferRevote &&
            m.revotePolicy === "single" &&
            (this.ballotsOf.get(entry.signer)?.length ?? 0) > 0
          )
            return push(
              finding(
                "V11",
                "ALREADY_VOTED",
                `this credential has already voted (entry ${this.ballotsOf.get(entry.signer)?.[0]})`,
                where,
              ),
            );
          out.work.push({
            kind: "ballot",
            ctx: this.ctx,
            signer: entry.signer,
            contests,
            body,
            where,
          });
        } else {
          const cb = entry.body as ChallengedBallotBody;
          const rev = revealedStructure(cb, contests, where);
          if (rev.length) return void out.findings.push(...rev);
          out.work.push({
            kind: "ballot.challenged",
            ctx: this.ctx,
            signer: entry.signer,
            contests,
            body: cb,
            where,
          });
        }
        return;
      }
      case "tally": {
        const b = entry.body as TallyBody;
        const bad = (msg: string, w: Location = {}) =>
          push(finding("V14", "TALLY_MISMATCH", msg, { ...where, ...w }));
        const counted = this.countedBallots().length;
        if (b.ballots !== counted)
          bad(`the tally counts ${b.ballots} ballots, the log has ${counted}`);
        if (this.tallyBallots !== undefined && b.ballots !== this.tallyBallots)
          bad("tally entries disagree on the ballot count");
        const seen = new Set<string>();
        for (const tc of b.contests) {
          const c = this.contests.get(tc.contest);
          if (!c || this.tally.has(tc.contest) || seen.has(tc.contest)) {
            bad(`contest ${tc.contest} is unknown or already tallied`, { contest: tc.contest });
            continue;
          }
          seen.add(tc.contest);
          if (tc.options.map((o) => o.option).join() !== c.options.map((o) => o.id).join()) {
            bad(`contest ${tc.contest} must list its options in manifest order`, {
              contest: tc.contest,
            });
            continue;
          }
          const want = this.computed?.get(tc.contest);
          if (!want) {
            bad(`no computed tally for contest ${tc.contest}`, { contest: tc.contest });
            continue;
          }
          tc.options.forEach((o, i) => {
            const w = want.options[i];
            if (
              !w ||
              w.ciphertext.alpha !== o.ciphertext.alpha ||
              w.ciphertext.beta !== o.ciphertext.beta
            )
              bad("the tally ciphertext is not the sum of the counted ballots", {
                contest: tc.contest,
                option: o.option,
              });
          });
        }
        return;
      }
      case "decryption.share": {
        const b = entry.body as DecryptionShareBody;
        const i = b.custodian;
        const bad = (msg: string, w: Location = {}) =>
          push(finding("V15", "INVALID_PROOF", msg, { ...where, custodian: i, ...w }));
        const mine = this.shares.get(i);
        const tally: TallyContest[] = [];
        const seen = new Set<string>();
        for (const sc of b.contests) {
          const tc = this.tally.get(sc.contest);
          if (tc && (mine?.has(sc.contest) || seen.has(sc.contest))) {
            push(
              finding(
                "V15",
                "SHARE_ALREADY_POSTED",
                `custodian ${i} already posted a share for contest ${sc.contest}`,
                { ...where, custodian: i, contest: sc.contest },
              ),
            );
            continue;
          }
          if (!tc) {
            bad(`contest ${sc.contest} is not tallied`, { contest: sc.contest });
            continue;
          }
          seen.add(sc.contest);
          if (sc.options.map((o) => o.option).join() !== tc.options.map((o) => o.option).join()) {
            bad(`shares for ${sc.contest} must list the tally's options in order`, {
              contest: sc.contest,
            });
            continue;
          }
          tally.push(tc);
        }
        if (out.findings.length) return;
        out.work.push({
          kind: "decryption.share",
          ctx: this.ctx,
          verificationShare: this.electionKey?.verificationShares[i - 1] ?? "",
          tally,
          body: b,
          where: { ...where, custodian: i },
        });
        return;
      }
      case "audit.attestation":
        this.checkAttestation(entry.body as AttestationBody, entry.signer, where, out);
        return;
      case "result": {
        const b = entry.body as ResultBody;
        const bad = (
          check: "V16" | "V17",
          msg: string,
          w: Location = {},
          code: CodeOf<"V16" | "V17"> = "RESULT_MISMATCH",
        ) => push(finding(check, code, msg, { ...where, ...w }));
        // Each result entry names its own `threshold` custodians (protocol.md §6.10): V16 judges
        // every contest of the entry against that set, and a set differing from another entry's
        // is no fault.
        const S = b.custodians;
        const repeated = [...new Set(S.filter((i, k) => S.indexOf(i) !== k))];
        const unknown = [...new Set(S.filter((i) => !m.custodians[i - 1]))];
        const distinct = new Set(S).size;
        const validSet = repeated.length === 0 && unknown.length === 0 && S.length === m.threshold;
        const perContest = this.countedPerContest();
        const seen = new Set<string>();
        for (const rc of b.contests) {
          const c = this.contests.get(rc.contest);
          const tc = this.tally.get(rc.contest);
          if (!c || !tc || this.result.has(rc.contest) || seen.has(rc.contest)) {
            bad("V17", `contest ${rc.contest} is unknown, not tallied, or already has a result`, {
              contest: rc.contest,
            });
            continue;
          }
          seen.add(rc.contest);
          const at = { contest: rc.contest, path: "/body/custodians" };
          for (const i of repeated)
            bad("V16", `custodians: custodian ${i} is named more than once`, {
              ...at,
              custodian: i,
            });
          for (const i of unknown)
            bad("V16", `custodians: ${i} is not a manifest custodian`, { ...at, custodian: i });
          if (distinct !== m.threshold)
            bad(
              "V16",
              `custodians: the result must name ${m.threshold} distinct custodians, not ${distinct}`,
              at,
            );
          if (rc.title !== c.title)
            bad("V17", `contest title must be "${c.title}"`, { contest: rc.contest });
          if (rc.options.length !== c.options.length)
            bad("V17", `contest ${rc.contest} must list every option in manifest order`, {
              contest: rc.contest,
            });
          else
            rc.options.forEach((o, k) => {
              const mo = c.options[k];
              if (o.option !== mo.id || o.label !== mo.label)
                bad("V17", `option ${k} must be ${mo.id} "${mo.label}"`, {
                  contest: rc.contest,
                  option: o.option,
                });
            });
          // The sanity bound (verification.md V16): no option has more votes than the counted
          // ballots holding the contest, and the contest no more than maxSelections per ballot.
          const ballots = perContest.get(rc.contest) ?? 0;
          let total = 0;
          for (const o of rc.options) {
            total += o.votes;
            if (o.votes > ballots)
              bad(
                "V16",
                `${o.votes} votes for ${o.option}, but only ${ballots} counted ballot(s) hold ${rc.contest}`,
                { contest: rc.contest, option: o.option },
                "RESULT_EXCEEDS_BALLOTS",
              );
          }
          if (total > c.maxSelections * ballots)
            bad(
              "V16",
              `${total} votes in ${rc.contest}, more than maxSelections ${c.maxSelections} × ${ballots} counted ballot(s)`,
              { contest: rc.contest },
              "RESULT_EXCEEDS_BALLOTS",
            );
          // V16 pairs each result option with the tally's and the shares' by option id, not
          // by position: the order of the result's options is V17's concern alone.
          const tallied = new Map(tc.options.map((o) => [o.option, o]));
          const tallyOptions = rc.options.map((o) => tallied.get(o.option));
          let complete = true;
          rc.options.forEach((o, k) => {
            if (tallyOptions[k]) return;
            complete = false;
            bad("V16", `option ${o.option} is not in the tally`, {
              contest: rc.contest,
              option: o.option,
            });
          });
          const shares: { custodian: number; shares: string[] }[] = [];
          for (const i of new Set(S)) {
            if (!m.custodians[i - 1]) continue;
            const sc = this.shares.get(i)?.get(rc.contest);
            const byOption = new Map(sc?.options.map((o) => [o.option, o.share]));
            const own = rc.options.map((o) => byOption.get(o.option));
            if (!sc || own.some((d) => d === undefined))
              bad("V16", `custodian ${i} has no share for every option of ${rc.contest}`, {
                contest: rc.contest,
                custodian: i,
              });
            else shares.push({ custodian: i, shares: own as string[] });
          }
          if (complete && validSet && shares.length === S.length)
            out.work.push({
              kind: "result",
              threshold: m.threshold,
              shares,
              tally: { ...tc, options: tallyOptions as TallyContest["options"] },
              result: rc,
              where: { ...where, contest: rc.contest },
            });
        }
        return;
      }
    }
  }

  /**
   * Move past an entry that is on the log but must not change the state (an auditor's entry
   * with a blocking finding): later entries keep their true indices.
   */
  skip(index: number, entry?: Entry, leafHashHex?: string): void {
    if (index !== this.next) throw new Error(`skip: expected index ${this.next}, got ${index}`);
    this.next++;
    // A ballot entry's alphas join the reuse set even when it is not admitted (§6.11).
    if (entry) this.noteAlphas(entry, index);
    // …and its leaf the duplicate set (V4: no leaf twice, admitted or not).
    if (leafHashHex !== undefined) this.skippedLeaves.add(leafHashHex);
  }

  /** Records the selection alphas of a `ballot` or `ballot.challenged` (V13 reuse set). */
  private noteAlphas(entry: Entry, index: number): void {
    if (entry.type === "ballot") this.alphas.addBallot(entry.body as BallotBody, index);
    else if (entry.type === "ballot.challenged")
      this.alphas.addBallot((entry.body as ChallengedBallotBody).ballot, index);
  }

  /** Record an entry that passed `precheck` at `index` (which must be the next index). */
  apply(entry: Entry, index: number, leafHashHex?: string): void {
    if (index !== this.next) throw new Error(`apply: expected index ${this.next}, got ${index}`);
    const hex = leafHashHex ?? toHex(leafHash(entryLeaf(entry)));
    this.next++;
    switch (entry.type) {
      case "credentials": {
        const b = entry.body as CredentialsBody;
        this.credentialBatches++;
        // Each credential is admitted on its own (spec/verification.md §Failing entries): one
        // that fails V9 (published before, another role's key, unknown style) is left out.
        const m = this.manifest;
        const roles = new Set([m.authority, m.registrar, ...m.custodians.map((c) => c.signingKey)]);
        for (const c of b.credentials)
          if (!this.credentials.has(c.key) && !roles.has(c.key) && this.styles.has(c.style)) {
            this.credentials.set(c.key, c.style);
            this.styleTurnout(c.style).credentials++;
          }
        break;
      }
      case "ceremony.round1":
        this.round1.set((entry.body as CustodianBody).custodian, entry.body);
        break;
      case "ceremony.certify":
        this.certify.set((entry.body as CustodianBody).custodian, entry.body);
        break;
      case "ceremony.blame":
        this.blames.push({ index, body: entry.body });
        break;
      case "election.key":
        this.electionKey = entry.body as ElectionKeyBody;
        break;
      case "voting.open":
        this.openIndex = index;
        this.phaseNow = "voting";
        break;
      case "voting.close":
        this.closeIndex = index;
        this.phaseNow = "closed";
        break;
      case "ballot": {
        const list = this.ballotsOf.get(entry.signer);
        if (list) list.push(index);
        else {
          this.ballotsOf.set(entry.signer, [index]);
          const style = this.credentials.get(entry.signer);
          if (style !== undefined) this.styleTurnout(style).voters++;
        }
        this.ballotCount++;
        this.noteAlphas(entry, index);
        break;
      }
      case "ballot.challenged":
        this.challengedCount++;
        this.noteAlphas(entry, index);
        break;
      case "tally": {
        const b = entry.body as TallyBody;
        this.tallyBallots = b.ballots;
        for (const c of b.contests) this.tally.set(c.contest, c);
        if (this.tally.size === this.manifest.contests.length) this.phaseNow = "tallying";
        break;
      }
      case "decryption.share": {
        const b = entry.body as DecryptionShareBody;
        let mine = this.shares.get(b.custodian);
        if (!mine) this.shares.set(b.custodian, (mine = new Map()));
        for (const c of b.contests) mine.set(c.contest, c);
        this.shareEntries++;
        break;
      }
      case "result": {
        const b = entry.body as ResultBody;
        this.resultCustodians ??= b.custodians;
        for (const c of b.contests) {
          this.result.set(c.contest, c);
          this.resultCustodiansOf.set(c.contest, b.custodians);
        }
        if (this.result.size === this.manifest.contests.length) {
          this.phaseNow = "done";
          this.doneSize = index + 1;
        }
        break;
      }
    }
    if (entry.type === "ballot" || entry.type === "ballot.challenged") {
      const l = this.leavesOfCredential.get(entry.signer);
      if (l) l.push(hex);
      else this.leavesOfCredential.set(entry.signer, [hex]);
    } else this.otherLeaves.add(hex);
  }
}

/** Entry types whose body is informative only (protocol.md §6): it never changes the state. */
const INFORMATIVE_BODY = new Set(["voting.open", "voting.close"]);

/**
 * An entry whose envelope is valid but whose informative body is not (e.g. a `voting.open` whose
 * `at` is not RFC 3339), typed as is: V4 fails, and the entry is still admitted
 * (spec/verification.md §Failing entries). Undefined for any other schema failure.
 */
function informativeBody(input: unknown): Entry | undefined {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return undefined;
  const type = (input as { type?: unknown }).type;
  if (typeof type !== "string" || !INFORMATIVE_BODY.has(type)) return undefined;
  const probe = { ...(input as object), body: { at: "1970-01-01T00:00:00Z" } };
  return validateEntry(probe).ok ? (input as Entry) : undefined;
}

/** A ballot holds exactly its style's contests, one selection per option (protocol.md §6.6). */
export function ballotStructure(body: BallotBody, contests: Contest[], where: Location): Finding[] {
  const out: Finding[] = [];
  const bad = (msg: string, w: Location) =>
    out.push(finding("V10", "INVALID_BALLOT", msg, { ...where, ...w }));
  if (
    body.contests.length !== contests.length ||
    body.contests.some((c, i) => c.contest !== contests[i].id)
  ) {
    bad(
      `the ballot must hold exactly the contests ${contests.map((c) => c.id).join(", ")}, in order`,
      { path: "/body/contests" },
    );
    return out;
  }
  body.contests.forEach((bc, i) => {
    const c = contests[i];
    const d = c.maxSelections - c.minSelections + 1;
    if (bc.selections.length !== c.options.length)
      bad(`contest ${c.id} needs ${c.options.length} selections`, {
        contest: c.id,
        path: `/body/contests/${i}/selections`,
      });
    bc.selections.forEach((s, j) => {
      if (
        s.proof.a.length !== 2 ||
        s.proof.b.length !== 2 ||
        s.proof.c.length !== 2 ||
        s.proof.v.length !== 2
      )
        bad("a selection proof has 2 branches", {
          contest: c.id,
          option: c.options[j]?.id,
          path: `/body/contests/${i}/selections/${j}/proof`,
        });
    });
    const p = bc.proof;
    if (p.a.length !== d || p.b.length !== d || p.c.length !== d || p.v.length !== d)
      bad(`the contest proof of ${c.id} has ${d} branches`, {
        contest: c.id,
        path: `/body/contests/${i}/proof`,
      });
  });
  return out;
}

function revealedStructure(
  b: ChallengedBallotBody,
  contests: Contest[],
  where: Location,
): Finding[] {
  const out: Finding[] = [];
  const bad = (msg: string, w: Location) =>
    out.push(finding("V13", "INVALID_CHALLENGE", msg, { ...where, ...w }));
  if (
    b.revealed.length !== contests.length ||
    b.revealed.some((r, i) => r.contest !== contests[i].id)
  ) {
    bad("the revealed contests must match the ballot's", { path: "/body/revealed" });
    return out;
  }
  b.revealed.forEach((r, i) => {
    const n = contests[i].options.length;
    if (r.choices.length !== n || r.nonces.length !== n)
      bad(`contest ${r.contest} needs ${n} choices and nonces`, {
        contest: r.contest,
        path: `/body/revealed/${i}`,
      });
  });
  return out;
}
