/**
 * The monitor's replay of the election (isomorphic): every new leaf is checked as the auditor
 * checks it (spec/verification.md V4-V17: size, JSON, canonical form, then
 * `ElectionState.precheck`, the cryptographic work with `verifyCryptoWork`, then `apply`), and
 * its leaf hash is pushed onto a `StreamingRoot` that must end on the checkpoint's root.
 * A board refuses every entry with a finding, so for a monitor any finding is an invalid entry.
 *
 * The encrypted tally (V14) needs the homomorphic sum of the counted ballots: every applied
 * ballot is added as it passes; after `voting.close`, before the next entry, the superseded ones
 * (revote policy `last`) are read again (each checked by an inclusion proof) and subtracted, and
 * the sum is handed to the state before any `tally` entry.
 */
import { MAX_ENTRY_BYTES } from "@urna/schemas";
import { AttestedRoots, attestedRootFindings } from "../audit/attested-checkpoint.js";
import { entryZeroTrustFindings } from "../audit/trust-pins.js";
import type { TrustPins } from "../audit/trust.js";
import { toBase64, toHex } from "../bytes.js";
import { TallyAccumulator } from "../crypto/tally.js";
import { finding, type Finding } from "../election/findings.js";
import { Replay, type ReplayedLeaf } from "../election/replay.js";
import { ReplayTally } from "../election/replay-tally.js";
import type { ElectionState } from "../election/state.js";
import { verifyCryptoWork } from "../election/verify-work.js";
import type { CryptoWork } from "../election/work.js";
import { leafHash } from "../log/merkle-hash.js";
import { StreamingRoot } from "../log/merkle.js";

/** Reads leaf `index` of the log being verified, checked (inclusion proof) against its checkpoint. */
export type LeafReader = (index: number) => Promise<Uint8Array>;

/**
 * Whether `root` is the log's root at `size`, proved against the checkpoint being verified (a
 * consistency proof): for an attestation over a size whose root this checker did not see (a
 * monitor restarted from its saved head after the result). Undefined: proved; else why not.
 */
export type RootProver = (size: number, root: string) => Promise<string | undefined>;

export interface CheckerTrust {
  election: string;
  authority: string;
  /** A version 2 trust file's pins: the manifest must be the pinned one (V6). */
  pins?: TrustPins;
}

export interface CheckedEntry {
  index: number;
  type: string;
  trackingCode: string;
}

/** Ballots (or work items) queued before the crypto batch runs. */
const BATCH = 256;

export class EntryChecker {
  readonly root: StreamingRoot;
  readonly #trust: CheckerTrust;
  /** The verifier's one replay (election/replay.ts), verified: a leaf with a bad form ends there. */
  readonly #replay: Replay;
  /** The sum of the ballots, from `voting.open` on (the replay's tally sink). */
  #tally?: ReplayTally;
  #work: CryptoWork[] = [];
  /** The log's root at each size from the result on (attestations' checkpoints, V18). */
  readonly #roots = new AttestedRoots();

  constructor(
    trust: CheckerTrust,
    from: { root?: StreamingRoot; state?: ElectionState; acc?: TallyAccumulator } = {},
  ) {
    this.#trust = trust;
    this.root = from.root ?? new StreamingRoot();
    this.#replay = new Replay({
      verify: true,
      stopAtForm: true,
      ...(from.state ? { state: from.state } : {}),
    });
    if (from.acc) this.#follow(from.acc);
  }

  /** The election state (after a valid manifest). */
  get state(): ElectionState | undefined {
    return this.#replay.state;
  }

  /** The running sum of the ballots (from `voting.open`). */
  get acc(): TallyAccumulator | undefined {
    return this.#tally?.acc;
  }

  /** Leaves pushed so far. */
  get size(): number {
    return this.root.size;
  }

  /** Crypto work queued and not yet verified. */
  get pending(): number {
    return this.#work.length;
  }

  /**
   * Checks and applies the next leaf (index = size). With `verify` false (replaying entries
   * verified before) the cryptography is skipped. Returns the entry, and its findings (with
   * `verify`, cryptographic findings may come later, from `flush`).
   */
  async add(
    leaf: Uint8Array,
    opts: { verify: boolean; readLeaf: LeafReader; proveRoot?: RootProver },
  ): Promise<{ entry?: CheckedEntry; findings: Finding[] }> {
    const index = this.root.size;
    // Before anything changes: the sum of the counted ballots, once voting has closed (a failed
    // read leaves everything as it was, to be tried again).
    const pending = index > 0 ? await this.#ensureTally(opts.readLeaf) : [];
    const lh = leafHash(leaf);
    this.#roots.record(index, this.state?.doneSize !== undefined, () => toBase64(this.root.root()));
    this.root.push(lh);
    const code = toHex(lh);
    const step = this.#replay.check(leaf, { leafHash: lh });
    const bad = formFinding(step);
    if (bad) return { findings: [bad] };
    const entry = step.entry;
    const checked = entry ? { index, type: entry.type, trackingCode: code } : undefined;
    if (index === 0) {
      const findings = [...step.findings];
      if (entry) findings.push(...entryZeroTrustFindings(entry, index, this.#trust));
      if (step.started && findings.length === 0) this.#replay.commit(step);
      return { findings, ...(checked ? { entry: checked } : {}) };
    }
    const state = this.state;
    if (!state)
      return {
        findings: [finding("V6", "WRONG_PHASE", "no valid manifest at index 0", { index })],
      };
    const pre = step.pre;
    if (!entry || !pre || (opts.verify && pre.findings.length > 0))
      return { findings: step.findings, ...(checked ? { entry: checked } : {}) };
    const claim = pre.checkpointClaim;
    if (opts.verify && claim) {
      // The same judgement as the audit's (V18); a root not seen here is proved from the board.
      let root = this.#roots.get(claim.size);
      let why: string | undefined;
      if (root === undefined && opts.proveRoot) {
        why = await opts.proveRoot(claim.size, claim.root);
        if (why === undefined) root = claim.root;
      }
      const f = attestedRootFindings(claim, index, root, why);
      if (f.length) return { findings: f, ...(checked ? { entry: checked } : {}) };
    }
    // Applied even when not verifying and the precheck found something: entries verified before.
    const summed = this.#replay.commit(step, true);
    const findings: Finding[] = [...pending, ...summed];
    if (entry.type === "voting.open") this.#follow(new TallyAccumulator(state.manifest));
    if (opts.verify) {
      this.#work.push(...pre.work);
      if (this.#work.length >= BATCH) findings.push(...this.flush());
    }
    return { findings, ...(checked ? { entry: checked } : {}) };
  }

  #follow(acc: TallyAccumulator): void {
    this.#tally = new ReplayTally(acc);
    this.#replay.addSink(this.#tally);
  }

  /**
   * Once `voting.close` is applied: take the ballots superseded under revote policy `last` out
   * of the running sum (each read again, checked against the checkpoint) and give the state the
   * sum of the counted ballots, before any `tally` entry is checked.
   */
  async #ensureTally(readLeaf: LeafReader): Promise<Finding[]> {
    const s = this.state;
    const tally = this.#tally;
    if (!s || !tally || s.hasComputedTally || s.closeIndex === undefined) return [];
    const findings = await tally.subtractSuperseded(s, readLeaf);
    s.setComputedTally(tally.acc.toBody().contests);
    return findings;
  }

  /** Verifies the queued cryptographic work. */
  flush(): Finding[] {
    if (this.#work.length === 0) return [];
    const work = this.#work;
    this.#work = [];
    return verifyCryptoWork(work);
  }
}

/** A leaf whose form fails V4 before any rule of the election (the monitor's wording). */
function formFinding(step: ReplayedLeaf): Finding | undefined {
  const at = { index: step.index };
  const { form } = step;
  if (form.tooLarge)
    return finding(
      "V4",
      "ENTRY_TOO_LARGE",
      `leaf is ${step.leaf.length} bytes, more than ${MAX_ENTRY_BYTES}`,
      at,
    );
  if (form.notJson !== undefined)
    return finding("V4", "BAD_JSON", `leaf is not UTF-8 JSON: ${form.notJson}`, at);
  if (form.nonCanonical)
    return finding(
      "V4",
      "NON_CANONICAL",
      form.nonCanonical.reason !== undefined
        ? `leaf cannot be canonicalized: ${form.nonCanonical.reason}`
        : "leaf is not its own RFC 8785 canonical form",
      at,
    );
  return undefined;
}
