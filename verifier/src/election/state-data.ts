/**
 * What the election state machine (./state.ts) holds: the phase, the next index, and the indexes
 * the entry types' rules read and change (./entries/). Plain fields, so that each entry type's
 * module and the snapshot code (./state-snapshot.ts) reach them; outside this folder the state is
 * seen only through `ElectionState`. State is O(credentials + custodians × options) plus, per
 * ballot entry, its leaf hash (duplicates, V4) and its selection alphas (reuse, V13; see
 * spec/record.md): ballots themselves are summed by the tally accumulator in a separate pass.
 */
import type {
  Contest,
  ElectionKeyBody,
  Manifest,
  ResultContest,
  ShareContest,
  TallyContest,
} from "@urna/schemas";
import { toBase64 } from "../bytes.js";
import { baseHash as computeBaseHash } from "../crypto/base-hash.js";
import { SeenAlphas } from "./ciphertexts.js";
import type { ProofContext } from "./work.js";

export type Phase = "setup" | "voting" | "closed" | "tallying" | "done";

export const PHASES: readonly Phase[] = ["setup", "voting", "closed", "tallying", "done"];

/** Per ballot style: credentials registered and, of them, those that cast a ballot. */
export interface StyleTurnout {
  credentials: number;
  voters: number;
}

export class StateData {
  readonly electionId: string;
  readonly manifest: Manifest;
  readonly baseHash: Uint8Array;
  phase: Phase = "setup";
  /** The next index: the number of entries applied or skipped, the manifest included. */
  next = 1;
  readonly contests = new Map<string, Contest>();
  readonly styles = new Map<string, Contest[]>();
  /** credential key -> ballot style id */
  readonly credentials = new Map<string, string>();
  credentialBatches = 0;
  /** credential key -> indices of its `ballot` entries, in log order */
  readonly ballotsOf = new Map<string, number[]>();
  ballotCount = 0;
  challengedCount = 0;
  /** style -> credentials and voters (derived from `credentials` and `ballotsOf`). */
  readonly turnoutOf = new Map<string, StyleTurnout>();
  /** Admitted `ballot` entries found invalid afterwards (`invalidateBallots`). */
  readonly invalid = new Set<number>();
  /** Leaf hashes of entries whose signer is a credential, per credential (duplicate check). */
  readonly leavesOfCredential = new Map<string, string[]>();
  /**
   * Leaf hashes of the entries an auditor skipped (not admitted, `skip`), for V4's duplicate
   * rule. Not in the snapshot: only the auditor skips, and it never snapshots (the monitor and
   * the board stop at, or refuse, an entry with a finding).
   */
  readonly skippedLeaves = new Set<string>();
  /** Leaf hashes of every other entry: few (authority, registrar, custodians). */
  readonly otherLeaves = new Set<string>();
  /** Every selection alpha of the applied ballot entries (protocol.md §6.11). */
  readonly alphas = new SeenAlphas();
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
  computed?: Map<string, TallyContest>;
  /** custodian -> contest id -> share contest */
  readonly shares = new Map<number, Map<string, ShareContest>>();
  shareEntries = 0;
  /** contest id -> result contest as posted */
  readonly result = new Map<string, ResultContest>();
  /** The custodians of the first `result` entry. */
  resultCustodians?: number[];
  /**
   * contest id -> the custodians of the `result` entry that covers it: each result entry names
   * its own set (protocol.md §6.10), so two entries may use two different sets.
   */
  readonly resultCustodiansOf = new Map<string, number[]>();

  constructor(manifest: Manifest, electionId: string) {
    this.manifest = manifest;
    this.electionId = electionId;
    this.baseHash = computeBaseHash(electionId, manifest);
    for (const c of manifest.contests) this.contests.set(c.id, c);
    for (const s of manifest.ballotStyles)
      this.styles.set(
        s.id,
        s.contests.map((id) => this.contests.get(id)).filter((c): c is Contest => !!c),
      );
  }

  get ctx(): ProofContext {
    return { baseHash: toBase64(this.baseHash), publicKey: this.electionKey?.publicKey ?? "" };
  }

  /** The keys of the manifest's roles (authority, registrar, custodians): never a credential. */
  roleKeys(): Set<string> {
    const m = this.manifest;
    return new Set([m.authority, m.registrar, ...m.custodians.map((c) => c.signingKey)]);
  }

  styleTurnout(style: string): StyleTurnout {
    let t = this.turnoutOf.get(style);
    if (!t) this.turnoutOf.set(style, (t = { credentials: 0, voters: 0 }));
    return t;
  }

  /** A credential's valid `ballot` entries, in log order. */
  validBallots(idx: readonly number[]): readonly number[] {
    return this.invalid.size === 0 ? idx : idx.filter((i) => !this.invalid.has(i));
  }
  /** The ballot of a credential that counts under the revote policy, if any is valid. */
  countedOf(idx: readonly number[]): number | undefined {
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
}
