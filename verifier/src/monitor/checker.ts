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
import type { BallotBody, Entry } from "@urna/schemas";
import { AttestedRoots, attestedRootFindings } from "../audit/attested-checkpoint.js";
import { entryZeroTrustFindings } from "../audit/trust-pins.js";
import type { TrustPins } from "../audit/trust.js";
import { toBase64, toHex } from "../bytes.js";
import { TallyAccumulator, encodedBallotOf } from "../crypto/tally-accumulator.js";
import { parseLeafJson, EntryError } from "../entry.js";
import { finding, type Finding } from "../election/findings.js";
import { ElectionState } from "../election/state.js";
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
  state?: ElectionState;
  acc?: TallyAccumulator;
  readonly #trust: CheckerTrust;
  #work: CryptoWork[] = [];
  /** The log's root at each size from the result on (attestations' checkpoints, V18). */
  readonly #roots = new AttestedRoots();

  constructor(
    trust: CheckerTrust,
    from: { root?: StreamingRoot; state?: ElectionState; acc?: TallyAccumulator } = {},
  ) {
    this.#trust = trust;
    this.root = from.root ?? new StreamingRoot();
    if (from.state) this.state = from.state;
    if (from.acc) this.acc = from.acc;
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
    let json: unknown;
    try {
      json = parseLeafJson(leaf);
    } catch (e) {
      const c = e instanceof EntryError ? e.code : "BAD_JSON";
      const mapped =
        c === "ENTRY_TOO_LARGE" ? c : c === "NON_CANONICAL_LEAF" ? "NON_CANONICAL" : "BAD_JSON";
      return { findings: [finding("V4", mapped, (e as Error).message, { index })] };
    }
    if (index === 0) {
      const c = ElectionState.create(json);
      const findings = [...c.findings];
      if (c.entry) {
        findings.push(...entryZeroTrustFindings(c.entry, index, this.#trust));
      }
      if (c.state && findings.length === 0) this.state = c.state;
      return {
        findings,
        ...(c.entry ? { entry: { index, type: c.entry.type, trackingCode: code } } : {}),
      };
    }
    const state = this.state;
    if (!state)
      return {
        findings: [finding("V6", "WRONG_PHASE", "no valid manifest at index 0", { index })],
      };
    const pre = state.precheck(json, index);
    const entry = pre.entry;
    const checked = entry ? { index, type: entry.type, trackingCode: code } : undefined;
    if (!entry || (opts.verify && pre.findings.length > 0))
      return { findings: pre.findings, ...(checked ? { entry: checked } : {}) };
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
    state.apply(entry, index, code);
    const findings: Finding[] = [...pending];
    if (entry.type === "voting.open") this.acc = new TallyAccumulator(state.manifest);
    if (entry.type === "ballot") {
      const f = this.#sum(entry, index, 1);
      if (f) findings.push(f);
    }
    if (opts.verify) {
      this.#work.push(...pre.work);
      if (this.#work.length >= BATCH) findings.push(...this.flush());
    }
    return { findings, ...(checked ? { entry: checked } : {}) };
  }

  /**
   * Once `voting.close` is applied: take the ballots superseded under revote policy `last` out
   * of the running sum (each read again, checked against the checkpoint) and give the state the
   * sum of the counted ballots, before any `tally` entry is checked.
   */
  async #ensureTally(readLeaf: LeafReader): Promise<Finding[]> {
    const s = this.state;
    if (!s || !this.acc || s.hasComputedTally || s.closeIndex === undefined) return [];
    const old: [number, Uint8Array][] = [];
    for (const i of s.supersededBallots()) old.push([i, await readLeaf(i)]);
    const findings: Finding[] = [];
    for (const [i, leaf] of old) {
      let e: Entry;
      try {
        e = JSON.parse(new TextDecoder().decode(leaf)) as Entry;
      } catch (err) {
        findings.push(
          finding("V14", "TALLY_MISMATCH", `superseded ballot: ${(err as Error).message}`, {
            index: i,
          }),
        );
        continue;
      }
      const f = this.#sum(e, i, -1);
      if (f) findings.push(f);
    }
    s.setComputedTally(this.acc.toBody().contests);
    return findings;
  }

  /** Verifies the queued cryptographic work. */
  flush(): Finding[] {
    if (this.#work.length === 0) return [];
    const work = this.#work;
    this.#work = [];
    return verifyCryptoWork(work);
  }

  #sum(entry: Entry, index: number, sign: 1 | -1): Finding | undefined {
    if (!this.acc) return undefined;
    try {
      const ballot = encodedBallotOf(entry.body as BallotBody);
      if (sign === 1) this.acc.addEncoded(ballot);
      else this.acc.subtractEncoded(ballot);
      return undefined;
    } catch (e) {
      return finding("V14", "TALLY_MISMATCH", `cannot sum this ballot: ${(e as Error).message}`, {
        index,
      });
    }
  }
}
