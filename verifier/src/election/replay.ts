/**
 * The one replay of an election's log: leaf bytes -> one parse -> leaf form (size, and canonical
 * form decided on the bytes, ../canonical-form.ts) -> the state's checks (`ElectionState.create`
 * for entry 0, `precheck` after) -> the cryptographic work, handed to the caller -> `apply` or
 * `skip` -> sinks (the running tally with `last` revotes subtracted, ./replay-tally.ts; the
 * board's tracking-code index; whatever else follows applied entries).
 *
 * Two modes. A trusted replay (`verify: false`: the board's start-up and a standby's prewarm
 * over the board's own log, an actor's view of a log it does not audit) parses and applies, no
 * checks: `push`. A verified replay (the monitor, the auditor) checks each leaf (`check`) and
 * the caller, which judges what the checks found (findings, attested checkpoints), then
 * `commit`s it: applied when admitted, skipped (its index and leaf remembered) when not.
 *
 * Every leaf is parsed once, hashed once (or given with its hash), and its canonical form is
 * proven on its bytes; the entry is serialised again only when that proof fails (to say why).
 */
import type { Entry } from "@urna/schemas";
import { canonicalBytes, MAX_ENTRY_BYTES } from "@urna/schemas";
import { bytesEqual, fromUtf8, toHex } from "../bytes.js";
import { isCanonicalJsonBytes } from "../canonical-form.js";
import { leafHash as merkleLeafHash } from "../log/merkle-hash.js";
import type { Precheck } from "./entries/entry-rule.js";
import type { Finding } from "./findings.js";
import { ElectionState } from "./state.js";

/** What the bytes of a leaf are, before any rule of the election (check V4). */
export interface LeafForm {
  /** More than 65,535 bytes (MAX_ENTRY_BYTES). */
  tooLarge: boolean;
  /** Not UTF-8 JSON: the parser's message (the leaf has no value then). */
  notJson?: string;
  /**
   * Set when the leaf is JSON but not its own RFC 8785 form: `reason` is why the value has no
   * canonical form at all, absent when it has one that differs from the bytes.
   */
  nonCanonical?: { reason?: string };
}

/** One leaf through the replay (`check` or `push`). */
export interface ReplayedLeaf {
  index: number;
  leaf: Uint8Array;
  /** The leaf hash of the bytes (RFC 6962). */
  leafHash: Uint8Array;
  form: LeafForm;
  /** The parsed leaf (undefined when it is not JSON). */
  json?: unknown;
  /** The entry, typed: schema-valid in a verified replay, as stored in a trusted one. */
  entry?: Entry;
  /**
   * The entry's leaf hash as the state keys it (duplicates, tracking codes): the bytes' own
   * when they are canonical, else that of the entry's canonical form.
   */
  entryHash?: Uint8Array;
  /**
   * The state's findings on the entry (entry 0: `create`'s; then `precheck`'s, verified only);
   * in a trusted replay, the sinks' (a ballot the tally cannot sum).
   */
  findings: Finding[];
  /** Verified replays, after entry 0: the precheck (findings, work, admission, claim). */
  pre?: Precheck;
  /** Entry 0: the election it starts, if the manifest is valid. */
  started?: ElectionState;
}

/** An entry the state has applied, as the sinks see it. */
export interface AppliedEntry {
  index: number;
  entry: Entry;
  leaf: Uint8Array;
  /** The state's leaf hash of the entry (`ReplayedLeaf.entryHash`), and its hex. */
  leafHash: Uint8Array;
  hex: string;
}

/** Follows the applied entries (after entry 0). Findings it returns join the leaf's. */
export interface ReplaySink {
  applied(a: AppliedEntry, state: ElectionState): readonly Finding[] | void;
}

/** Counts for tests and profiles: how often the replay parsed and serialised a leaf. */
export interface ReplayProbe {
  parsed?(index: number): void;
  /** A leaf's value serialised again (only when its bytes did not prove canonical). */
  canonicalised?(index: number): void;
}

export interface ReplayOptions {
  /** A verified replay (`check` + `commit`) or a trusted one (`push`). */
  verify: boolean;
  /** The RFC 6962 leaf hash (the board passes its node:crypto one); the verifier's by default. */
  hashLeaf?: (leaf: Uint8Array) => Uint8Array;
  /** Go on from a state already replayed (a prewarm, a monitor's saved state): its size is next. */
  state?: ElectionState;
  sinks?: ReplaySink[];
  /**
   * Verified replays: `precheck`'s options for the leaf (the auditor defers ballot signatures
   * to its workers, and the `single` revote rule to the close of voting).
   */
  precheck?: (json: unknown) => { deferSignature?: boolean; deferRevote?: boolean };
  probe?: ReplayProbe;
  /**
   * Verified replays: a leaf whose form fails (too large, not JSON, not canonical) gets no
   * state checks (the monitor, for which any finding ends the entry); by default it does (the
   * auditor reports every check an entry fails).
   */
  stopAtForm?: boolean;
}

/** A trusted replay that cannot go on: entry 0 is not a valid manifest. */
export class ReplayError extends Error {
  readonly code = "INVALID_MANIFEST" as const;
  constructor(readonly findings: readonly Finding[]) {
    super(findings[0]?.message ?? "entry 0 is not a valid manifest");
    this.name = "ReplayError";
  }
}

export class Replay {
  readonly #verify: boolean;
  readonly #hashLeaf: (leaf: Uint8Array) => Uint8Array;
  readonly #sinks: ReplaySink[];
  readonly #precheck?: ReplayOptions["precheck"];
  readonly #probe?: ReplayProbe;
  readonly #stopAtForm: boolean;
  #state?: ElectionState;
  #next: number;

  constructor(opts: ReplayOptions) {
    this.#verify = opts.verify;
    this.#hashLeaf = opts.hashLeaf ?? merkleLeafHash;
    this.#sinks = [...(opts.sinks ?? [])];
    this.#precheck = opts.precheck;
    this.#probe = opts.probe;
    this.#stopAtForm = opts.stopAtForm === true;
    this.#state = opts.state;
    this.#next = opts.state?.size ?? 0;
  }

  /** The election state (after a valid entry 0). */
  get state(): ElectionState | undefined {
    return this.#state;
  }

  /** The index of the next leaf. */
  get size(): number {
    return this.#next;
  }

  /** Adds a sink for the entries applied from now on. */
  addSink(sink: ReplaySink): void {
    this.#sinks.push(sink);
  }

  /**
   * Trusted replay: parses the next leaf and applies it (entry 0 starts the state; a ReplayError
   * if it is not a valid manifest). `given`: its leaf hash, or its text, when the caller has them.
   */
  push(leaf: Uint8Array, given: { leafHash?: Uint8Array; text?: string } = {}): ReplayedLeaf {
    if (this.#verify) throw new Error("Replay.push is the trusted replay: use check and commit");
    const index = this.#next;
    const lh = given.leafHash ?? this.#hashLeaf(leaf);
    this.#probe?.parsed?.(index);
    const entry = JSON.parse(given.text ?? fromUtf8(leaf)) as Entry;
    const out: ReplayedLeaf = {
      index,
      leaf,
      leafHash: lh,
      form: { tooLarge: false },
      json: entry,
      entry,
      entryHash: lh,
      findings: [],
    };
    if (index === 0) {
      const created = ElectionState.create(entry, lh);
      if (!created.state) throw new ReplayError(created.findings);
      out.started = created.state;
    }
    out.findings = this.commit(out);
    return out;
  }

  /**
   * Verified replay: the next leaf's form and the state's checks, nothing changed (but the
   * index, which moves on). The caller judges, then `commit`s (or stops).
   */
  check(leaf: Uint8Array, given: { leafHash?: Uint8Array } = {}): ReplayedLeaf {
    const index = this.#next++;
    const lh = given.leafHash ?? this.#hashLeaf(leaf);
    const form: LeafForm = { tooLarge: leaf.length > MAX_ENTRY_BYTES };
    const out: ReplayedLeaf = { index, leaf, leafHash: lh, form, findings: [] };
    if (form.tooLarge && this.#stopAtForm) return out;
    let json: unknown;
    try {
      this.#probe?.parsed?.(index);
      json = JSON.parse(fromUtf8(leaf));
    } catch (e) {
      form.notJson = e instanceof Error ? e.message : String(e);
      return out;
    }
    out.json = json;
    const canonicalHash = this.#canonicalForm(json, leaf, lh, form, index);
    if (form.nonCanonical && this.#stopAtForm) return out;
    if (index === 0) {
      const c = ElectionState.create(json, canonicalHash);
      out.findings = c.findings;
      if (c.entry) out.entry = c.entry;
      if (c.leafHash) out.entryHash = c.leafHash;
      if (c.state) out.started = c.state;
      return out;
    }
    const state = this.#state;
    if (!state) return out;
    const pre = state.precheck(json, index, {
      ...this.#precheck?.(json),
      ...(canonicalHash ? { leafHash: canonicalHash, leaf } : {}),
    });
    out.pre = pre;
    out.findings = pre.findings;
    if (pre.entry) out.entry = pre.entry;
    if (pre.leafHash) out.entryHash = pre.leafHash;
    return out;
  }

  /**
   * Records a checked leaf in the state: entry 0 starts it (when valid); an admitted entry is
   * applied and the sinks follow it; any other leaf is skipped (its index, and for an entry its
   * leaf and a ballot's alphas, stay behind). `admit` overrides the precheck's verdict (a
   * monitor replaying entries it verified before applies them). Returns the sinks' findings.
   */
  commit(r: ReplayedLeaf, admit: boolean = r.pre?.admit ?? true): Finding[] {
    if (r.index === 0) {
      if (r.started) this.#state = r.started;
      this.#next = Math.max(this.#next, 1);
      return [];
    }
    const state = this.#state;
    if (!state) {
      this.#next = Math.max(this.#next, r.index + 1);
      return [];
    }
    const hex = r.entryHash ? toHex(r.entryHash) : undefined;
    this.#next = r.index + 1;
    if (!admit || !r.entry) {
      state.skip(r.index, r.entry, r.entry ? hex : undefined);
      return [];
    }
    const lh = r.entryHash ?? r.leafHash;
    state.apply(r.entry, r.index, hex ?? toHex(lh));
    const a: AppliedEntry = {
      index: r.index,
      entry: r.entry,
      leaf: r.leaf,
      leafHash: lh,
      hex: hex ?? toHex(lh),
    };
    const found: Finding[] = [];
    for (const s of this.#sinks) {
      const f = s.applied(a, state);
      if (f) found.push(...f);
    }
    return found;
  }

  /**
   * The canonical form (V4): proven on the bytes when it can be; otherwise the value is
   * serialised once and compared. Returns the bytes' leaf hash when they are canonical (the
   * state then keys the entry by it, unserialised).
   */
  #canonicalForm(
    json: unknown,
    leaf: Uint8Array,
    lh: Uint8Array,
    form: LeafForm,
    index: number,
  ): Uint8Array | undefined {
    if (isCanonicalJsonBytes(leaf)) return lh;
    this.#probe?.canonicalised?.(index);
    try {
      if (bytesEqual(canonicalBytes(json), leaf)) return lh;
      form.nonCanonical = {};
    } catch (e) {
      form.nonCanonical = { reason: e instanceof Error ? e.message : String(e) };
    }
    return undefined;
  }
}
