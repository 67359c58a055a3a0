/**
 * The voter's receipt check, spec/verification.md §Receipt check (R1-R5). Isomorphic: the same
 * function runs in a browser against a live board (fetch) and in the CLI against a folder.
 *
 * Two ways to check R3-R5:
 * - "record" (a folder, a record source, or a board with `mode: "scan"`): the current log is read
 *   once, leaf by leaf, and its root recomputed: the leaves the source serves are then exactly
 *   those of its signed checkpoint, so R3 (the root of the first m leaves equals the receipt's
 *   root), R4 (the leaf at the receipt's index) and R5 (open/close and later ballots of the same
 *   credential) rest on authenticated data. A consistency proof served by the board is checked too.
 * - "lookup" (a board, the default): a handful of small requests, each answer proven against
 *   signed checkpoints: the receipt's leaf, a consistency proof, an inclusion proof at the
 *   current size, and the board's credential lookup (./lookup.ts). What this trusts the board
 *   for (that its lookup left nothing out) is spelled out in spec/verification.md.
 */
import type { Entry, Receipt, TrustFile } from "@urna/schemas";
import { validateReceipt } from "@urna/schemas";
import { bytesEqual, fromHex, fromUtf8, toBase64, toHex } from "../bytes.js";
import { entryLeaf, parseLeaf, verifyEntrySignature } from "../entry.js";
import { openCheckpoint, type Checkpoint } from "../log/checkpoint.js";
import { verifyWitnessQuorum } from "../log/cosignature.js";
import { leafHash } from "../log/merkle-hash.js";
import { StreamingRoot, verifyConsistency, verifyInclusion } from "../log/merkle.js";
import { parseTlogProof, type TlogProof } from "../log/tlog-proof.js";
import { humanTrackingCodeOf } from "../log/tracking-code.js";
import { boardSource, type BoardSource, type Fetch } from "../record/http.js";
import type { RecordSource } from "../record/source.js";
import { asTrust, type Trust } from "../audit/trust.js";
import { manifestIsPinned } from "../audit/trust-pins.js";
import {
  countingFacts,
  fetchCredentialLookup,
  type CountingFacts,
  type CredentialLookup,
} from "./lookup.js";

export type ReceiptStepId = "R1" | "R2" | "R3" | "R4" | "R5";
export type ReceiptStepStatus = "pass" | "fail" | "pending";

export interface ReceiptStep {
  id: ReceiptStepId;
  title: string;
  status: ReceiptStepStatus;
  message: string;
}

export interface ReceiptOutcome {
  /** R1..R5 in order. */
  steps: ReceiptStep[];
  /** No step failed (R5 may be pending before `voting.close`). */
  ok: boolean;
  /** The current checkpoint's size, when it could be read. */
  currentSize?: number;
  /**
   * How R3-R5 were checked: "record" read every leaf (a folder, or a board with mode "scan");
   * "lookup" used the board's proofs and credential lookup (spec/verification.md §Receipt check).
   */
  mode: "record" | "lookup";
}

export const RECEIPT_STEP_TITLES: Readonly<Record<ReceiptStepId, string>> = {
  R1: "Signed",
  R2: "Included",
  R3: "Consistent",
  R4: "Present",
  R5: "Counted",
};

export class ReceiptError extends Error {
  readonly code = "RECEIPT_INVALID" as const;
  constructor(message: string) {
    super(message);
    this.name = "ReceiptError";
  }
}

export interface VerifyReceiptOptions {
  /** The receipt (parsed JSON); a receipt that does not match its schema throws ReceiptError. */
  receipt: unknown;
  /** Where to read the current log: a record source, or a board. */
  source?: RecordSource;
  /**
   * A live board. By default R3-R5 use its proofs and credential lookup and never its entries
   * range (a voter's browser downloads a few KB); `mode: "scan"` reads every leaf instead.
   */
  board?: { url: string; election?: string; fetch?: Fetch; mode?: "lookup" | "scan" };
  trust: TrustFile | Trust | unknown;
}

/** Validate a receipt (throws ReceiptError). */
export function parseReceipt(json: unknown): Receipt {
  const v = validateReceipt(json);
  if (!v.ok)
    throw new ReceiptError(
      `receipt: ${v.errors.map((e) => `${e.path || "/"} ${e.message}`).join("; ")}`,
    );
  return v.value;
}

const msg = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** R1's test of any checkpoint: signed by the board key with the right origin, and cosigned. */
function checkSigned(
  note: string,
  trust: Trust,
): { checkpoint?: Checkpoint; error?: string; witnesses: string } {
  let checkpoint: Checkpoint;
  try {
    checkpoint = openCheckpoint(note, trust.board, { origin: trust.origin }).checkpoint;
  } catch (e) {
    return { error: msg(e), witnesses: "" };
  }
  try {
    const q = verifyWitnessQuorum(note, trust.witnesses, trust.quorum);
    const w =
      trust.quorum === 0
        ? "no witness quorum required"
        : `${q.count} of ${trust.quorum} required witness cosignatures`;
    if (!q.ok) return { checkpoint, error: `only ${w}`, witnesses: w };
    return { checkpoint, witnesses: w };
  } catch (e) {
    return { checkpoint, error: msg(e), witnesses: "" };
  }
}

export async function verifyReceipt(opts: VerifyReceiptOptions): Promise<ReceiptOutcome> {
  const trust = asTrust(opts.trust);
  const receipt = parseReceipt(opts.receipt);
  if (!opts.source && !opts.board)
    throw new ReceiptError("verifyReceipt needs a source or a board");
  const steps = new Map<ReceiptStepId, ReceiptStep>();
  const set = (id: ReceiptStepId, status: ReceiptStepStatus, message: string) => {
    if (!steps.has(id)) steps.set(id, { id, title: RECEIPT_STEP_TITLES[id], status, message });
  };
  const { rcp } = checkReceiptItself(receipt, trust, set);
  const lookup = !opts.source && opts.board && opts.board.mode !== "scan";
  let current: Checkpoint | undefined;
  if (lookup && opts.board) {
    const board = boardSource({
      url: opts.board.url,
      election: opts.board.election ?? trust.election,
      fetch: opts.board.fetch,
    });
    current = await checkByLookup(board, opts.board.fetch, receipt, rcp, trust, set);
  } else {
    const source =
      opts.source ??
      boardSource({
        url: (opts.board as { url: string }).url,
        election: opts.board?.election ?? trust.election,
        fetch: opts.board?.fetch,
      });
    current = await checkByScan(source, receipt, rcp, trust, set);
  }
  const order: ReceiptStepId[] = ["R1", "R2", "R3", "R4", "R5"];
  const out = order.map(
    (id) =>
      steps.get(id) ?? {
        id,
        title: RECEIPT_STEP_TITLES[id],
        status: "fail" as const,
        message: "not checked",
      },
  );
  const outcome: ReceiptOutcome = {
    steps: out,
    ok: out.every((s) => s.status !== "fail"),
    mode: lookup ? "lookup" : "record",
  };
  if (current) outcome.currentSize = current.size;
  return outcome;
}

type SetStep = (id: ReceiptStepId, status: ReceiptStepStatus, message: string) => void;

/** R1 and R2: the receipt on its own (its checkpoint, its inclusion proof, its entry). */
function checkReceiptItself(receipt: Receipt, trust: Trust, set: SetStep): { rcp?: Checkpoint } {
  const lh = fromHex(receipt.trackingCode);
  let proof: TlogProof | undefined;
  let rcp: Checkpoint | undefined;
  if (receipt.election !== trust.election)
    set("R1", "fail", `the receipt is for election ${receipt.election}, not ${trust.election}`);
  else if (receipt.origin !== trust.origin)
    set("R1", "fail", `the receipt's origin ${receipt.origin} is not ${trust.origin}`);
  try {
    proof = parseTlogProof(receipt.proof);
  } catch (e) {
    set("R1", "fail", `the receipt's proof does not parse: ${msg(e)}`);
    set("R2", "fail", "no inclusion proof could be read");
  }
  if (proof) {
    const s = checkSigned(proof.checkpoint, trust);
    rcp = s.checkpoint;
    if (s.error) set("R1", "fail", `the receipt's checkpoint: ${s.error}`);
    else if (rcp)
      set(
        "R1",
        "pass",
        `checkpoint of size ${rcp.size} signed by ${trust.boardName}; ${s.witnesses}`,
      );
  }
  if (proof && rcp) {
    if (proof.index !== receipt.index)
      set("R2", "fail", `the proof is for index ${proof.index}, the receipt says ${receipt.index}`);
    if (
      receipt.humanCode !== undefined &&
      receipt.humanCode !== humanTrackingCodeOf(receipt.trackingCode)
    )
      set(
        "R2",
        "fail",
        `the receipt's human code ${receipt.humanCode} is not its tracking code's ${humanTrackingCodeOf(receipt.trackingCode)}`,
      );
    if (receipt.entry && !attachedEntryMatches(receipt))
      set("R2", "fail", "the receipt's entry does not hash to its tracking code");
    else if (receipt.entry && receipt.entry.type !== receipt.entryType)
      set("R2", "fail", "the receipt's entry type differs from its entryType");
    try {
      verifyInclusion(lh, receipt.index, rcp.size, proof.proof, rcp.root);
      set(
        "R2",
        "pass",
        `tracking code ${receipt.trackingCode.slice(0, 16)}… is leaf ${receipt.index} of the receipt's tree of ${rcp.size}`,
      );
    } catch (e) {
      set("R2", "fail", `the inclusion proof does not verify: ${msg(e)}`);
    }
  } else set("R2", "fail", "not checked: the receipt's checkpoint could not be read");
  return rcp ? { rcp } : {};
}

function attachedEntryMatches(receipt: Receipt): boolean {
  try {
    return toHex(leafHash(entryLeaf(receipt.entry as Entry))) === receipt.trackingCode;
  } catch {
    return false;
  }
}

/**
 * R3-R5 from a board's proofs, never its entries range (spec/verification.md §Receipt check,
 * "against a board"): the receipt's own leaf, a consistency proof, an inclusion proof at the
 * current size, and the credential lookup (spec/api.md) for R5.
 */
async function checkByLookup(
  board: BoardSource,
  fetchFn: Fetch | undefined,
  receipt: Receipt,
  rcp: Checkpoint | undefined,
  trust: Trust,
  set: SetStep,
): Promise<Checkpoint | undefined> {
  const lh = fromHex(receipt.trackingCode);
  // The receipt's own entry: attached (and hashing to the tracking code, R2), or the board's leaf.
  let entry: Entry | undefined;
  let entryWhy = "";
  if (receipt.entry && attachedEntryMatches(receipt)) entry = receipt.entry as Entry;
  else
    try {
      const leaf = await (board.leaf as (i: number) => Promise<Uint8Array>)(receipt.index);
      if (!bytesEqual(leafHash(leaf), lh))
        entryWhy = `the board serves another entry at index ${receipt.index}, not the receipt's`;
      else entry = parseLeaf(leaf) as Entry;
    } catch (e) {
      entryWhy = `the receipt's entry cannot be read from the board: ${msg(e)}`;
    }

  let lookup: CredentialLookup | undefined;
  let lookupWhy = "";
  if (entry?.type === "ballot")
    try {
      lookup = await fetchCredentialLookup(board.base, entry.signer, fetchFn);
    } catch (e) {
      lookupWhy = `the board's credential lookup cannot be read: ${msg(e)}`;
    }

  // The current checkpoint: the lookup's (its proofs are for that tree), else the board's.
  let currentNote: string | undefined;
  try {
    currentNote = lookup?.checkpoint ?? (await board.checkpoint());
  } catch (e) {
    const why = `the current checkpoint cannot be read from ${board.description}: ${msg(e)}`;
    for (const id of ["R3", "R4", "R5"] as const) set(id, "fail", why);
    return undefined;
  }
  const s = checkSigned(currentNote, trust);
  if (s.error || !s.checkpoint) {
    const why = `the current checkpoint fails R1: ${s.error ?? "unreadable"}`;
    for (const id of ["R3", "R4", "R5"] as const) set(id, "fail", why);
    return s.checkpoint;
  }
  const current = s.checkpoint;
  const n = current.size;

  // R3
  if (!rcp) set("R3", "fail", "not checked: the receipt's checkpoint could not be read");
  else if (rcp.size > n)
    set("R3", "fail", `the current tree (${n}) is smaller than the receipt's (${rcp.size})`);
  else if (rcp.size === n) {
    if (bytesEqual(rcp.root, current.root))
      set("R3", "pass", `the current checkpoint (size ${n}) is the receipt's`);
    else
      set(
        "R3",
        "fail",
        `the current checkpoint has the receipt's size ${n} but another root: the log was changed`,
      );
  } else
    try {
      const proof = await (
        board.consistencyProof as (a: number, b: number) => Promise<Uint8Array[]>
      )(rcp.size, n);
      verifyConsistency(rcp.size, n, proof, rcp.root, current.root);
      set(
        "R3",
        "pass",
        `the current checkpoint (size ${n}) is signed and consistent with the receipt's (size ${rcp.size})`,
      );
    } catch (e) {
      set(
        "R3",
        "fail",
        `no valid consistency proof from the receipt's tree (${rcp.size}) to the current one (${n}): the log was changed or the board does not prove it (${msg(e)})`,
      );
    }

  // R4
  if (receipt.index >= n) {
    set("R4", "fail", `the current tree has ${n} leaves; index ${receipt.index} is not in it`);
    set("R5", "fail", "the ballot is not in the current tree");
    return current;
  }
  try {
    const proof = await (board.inclusionProof as (i: number, m: number) => Promise<Uint8Array[]>)(
      receipt.index,
      n,
    );
    verifyInclusion(lh, receipt.index, n, proof, current.root);
    if (entryWhy) set("R4", "fail", entryWhy);
    else
      set(
        "R4",
        "pass",
        `leaf ${receipt.index} of the current tree (size ${n}) has tracking code ${receipt.trackingCode.slice(0, 16)}…`,
      );
  } catch (e) {
    set(
      "R4",
      "fail",
      `leaf ${receipt.index} of the current tree is not proven to be the receipt's tracking code: ${msg(e)}`,
    );
  }

  // R5
  if (!entry) return (set("R5", "fail", entryWhy || "the receipt's entry is unknown"), current);
  const pre = entryVerdict(entry);
  if (pre) return (set("R5", pre.status, pre.message), current);
  if (!lookup) return (set("R5", "fail", lookupWhy), current);
  let facts: CountingFacts;
  try {
    facts = countingFacts(
      lookup,
      n,
      current.root,
      trust.authority,
      entry.signer,
      trust.pins?.baseHash,
    );
  } catch (e) {
    return (set("R5", "fail", `the board's credential lookup is not valid: ${msg(e)}`), current);
  }
  if (!facts.ballots.includes(receipt.index))
    return (
      set(
        "R5",
        "fail",
        `the board's credential lookup leaves out this very ballot (entry ${receipt.index}): its answer is incomplete`,
      ),
      current
    );
  const r5 = countedVerdict({
    index: receipt.index,
    revotePolicy: facts.revotePolicy,
    openIndex: facts.openIndex,
    closeIndex: facts.closeIndex,
    earlier: facts.ballots.filter((j) => j < receipt.index),
    later: facts.ballots.filter((j) => j > receipt.index),
  });
  set("R5", r5.status, r5.message);
  return current;
}

/** R3-R5 from every leaf of the record (a folder, or a board's entries read in full). */
async function checkByScan(
  source: RecordSource,
  receipt: Receipt,
  rcp: Checkpoint | undefined,
  trust: Trust,
  set: SetStep,
): Promise<Checkpoint | undefined> {
  const lh = fromHex(receipt.trackingCode);
  let current: Checkpoint | undefined;
  let currentNote: string | undefined;
  try {
    currentNote = await source.checkpoint();
  } catch (e) {
    const why = `the current checkpoint cannot be read from ${source.description}: ${msg(e)}`;
    for (const id of ["R3", "R4", "R5"] as const) set(id, "fail", why);
  }
  if (currentNote !== undefined) {
    const s = checkSigned(currentNote, trust);
    if (s.error) {
      const why = `the current checkpoint fails R1: ${s.error}`;
      set("R3", "fail", why);
      if (!s.checkpoint) for (const id of ["R4", "R5"] as const) set(id, "fail", why);
    }
    current = s.checkpoint;
  }

  if (current) {
    const m = rcp?.size;
    const n = current.size;
    if (!rcp) set("R3", "fail", "not checked: the receipt's checkpoint could not be read");
    if (m !== undefined && m > n)
      set("R3", "fail", `the current tree (${n}) is smaller than the receipt's (${m})`);
    if (receipt.index >= n) {
      set("R4", "fail", `the current tree has ${n} leaves; index ${receipt.index} is not in it`);
      set("R5", "fail", "the ballot is not in the current tree");
    }
    if (rcp && m !== undefined && m <= n && source.consistencyProof) {
      // The scan below is authoritative; a proof the board serves must verify too.
      let proofHashes: Uint8Array[] | undefined;
      try {
        proofHashes = await source.consistencyProof(m, n);
      } catch {
        proofHashes = undefined; // not served: the scan decides
      }
      if (proofHashes)
        try {
          verifyConsistency(m, n, proofHashes, rcp.root, current.root);
        } catch (e) {
          set(
            "R3",
            "fail",
            `the board's consistency proof from ${m} to ${n} does not verify: ${msg(e)}`,
          );
        }
    }
    const scan = await scanLog(source, n, m, receipt.index, lh, trust);
    if (scan.error) {
      for (const id of ["R3", "R4", "R5"] as const)
        set(id, "fail", `cannot read the current log: ${scan.error}`);
    } else if (!bytesEqual(scan.root as Uint8Array, current.root)) {
      const why = `the leaves served do not match the current checkpoint's root (${toBase64(current.root)})`;
      for (const id of ["R3", "R4", "R5"] as const) set(id, "fail", why);
    }
    if (rcp && scan.rootAtM && !bytesEqual(scan.rootAtM, rcp.root))
      set(
        "R3",
        "fail",
        `the first ${m} leaves of the current log do not have the receipt's root: the log was changed`,
      );
    set(
      "R3",
      "pass",
      `the current checkpoint (size ${n}) is signed and consistent with the receipt's (size ${m})`,
    );
    if (!scan.leafMatches)
      set(
        "R4",
        "fail",
        `leaf ${receipt.index} of the current log is not the receipt's tracking code`,
      );
    else
      set(
        "R4",
        "pass",
        `leaf ${receipt.index} of the current log has tracking code ${receipt.trackingCode.slice(0, 16)}…`,
      );
    const r5 = countedStep(scan, receipt.index);
    set("R5", r5.status, r5.message);
  }
  return current;
}

interface Scan {
  error?: string;
  /** Entry 0 is not the trust file's manifest (R5 fails). */
  manifestProblem?: string;
  root?: Uint8Array;
  rootAtM?: Uint8Array;
  leafMatches: boolean;
  entry?: Entry;
  revotePolicy?: string;
  openIndex?: number;
  closeIndex?: number;
  /** Valid `ballot`s by the same credential: before the receipt's index (after open) and after it. */
  earlier: number[];
  later: number[];
}

/**
 * The signer of the leaf at `index`, read ahead of the scan to know whom to look for, with the
 * leaf's hash: the scan's own read of that leaf (bound to the checkpoint's root) must have the
 * same hash, or the scan fails (LEAF_CHANGED, spec/verification.md §Reading from a board).
 */
async function signerAt(
  source: RecordSource,
  index: number,
): Promise<{ signer?: string; hash?: Uint8Array }> {
  try {
    for await (const leaf of source.leaves(index, index + 1)) {
      const hash = leafHash(leaf);
      try {
        const e = JSON.parse(fromUtf8(leaf)) as { signer?: unknown };
        return typeof e.signer === "string" ? { signer: e.signer, hash } : { hash };
      } catch {
        return { hash };
      }
    }
  } catch {
    return {};
  }
  return {};
}

/** One pass over the current log: roots at m and n, the receipt's leaf, and what R5 needs. */
async function scanLog(
  source: RecordSource,
  n: number,
  m: number | undefined,
  index: number,
  lh: Uint8Array,
  trust: Trust,
): Promise<Scan> {
  const scan: Scan = {
    leafMatches: false,
    earlier: [],
    later: [],
    manifestProblem: n === 0 ? "the log is empty" : undefined,
  };
  const pre = await signerAt(source, index);
  if (index < n && !pre.hash) return { ...scan, error: `leaf ${index} cannot be read` };
  const signer = pre.signer;
  const root = new StreamingRoot();
  if (m === 0) scan.rootAtM = root.root();
  let i = 0;
  try {
    for await (const leaf of source.leaves(0, n)) {
      const h = leafHash(leaf);
      if (i === index && pre.hash && !bytesEqual(h, pre.hash)) {
        scan.error = `LEAF_CHANGED: leaf ${index} has hash ${toHex(h)} in the scan, ${toHex(pre.hash)} when read before it`;
        return scan;
      }
      root.push(h);
      if (root.size === m) scan.rootAtM = root.root();
      let e: Entry | undefined;
      try {
        e = JSON.parse(fromUtf8(leaf)) as Entry;
      } catch {
        e = undefined;
      }
      if (e && typeof e === "object") {
        if (i === 0) scan.manifestProblem = manifestProblem(e, trust);
        if (i === 0 && e.type === "manifest")
          scan.revotePolicy = (e.body as { revotePolicy?: string })?.revotePolicy;
        if (e.type === "voting.open" && scan.openIndex === undefined) scan.openIndex = i;
        if (e.type === "voting.close" && scan.closeIndex === undefined) scan.closeIndex = i;
        if (i === index) {
          scan.leafMatches = bytesEqual(h, lh);
          scan.entry = e;
        } else if (
          e.type === "ballot" &&
          signer !== undefined &&
          e.signer === signer &&
          verifyEntrySignature(e)
        ) {
          if (i < index) scan.earlier.push(i);
          else scan.later.push(i);
        }
      }
      i++;
    }
  } catch (e) {
    scan.error = msg(e);
    return scan;
  }
  if (i !== n) {
    scan.error = `the log has ${i} leaves, its checkpoint ${n}`;
    return scan;
  }
  scan.root = root.root();
  if (scan.entry && scan.entry.signer !== signer) scan.earlier = scan.later = [];
  return scan;
}

type Verdict = { status: ReceiptStepStatus; message: string };

/** R5's verdict on the entry alone (undefined: it is a validly signed ballot, go on). */
function entryVerdict(e: Entry): Verdict | undefined {
  if (e.type === "ballot.challenged")
    return {
      status: "fail",
      message: "this is a challenged (opened) ballot: by design it is never counted",
    };
  if (e.type !== "ballot")
    return { status: "fail", message: `the entry is a ${String(e.type)}, not a ballot` };
  if (!verifyEntrySignature(e))
    return { status: "fail", message: "the ballot's signature does not verify" };
  return undefined;
}

/** Why entry 0 is not the trust file's manifest (authority, signature, pinned baseHash). */
function manifestProblem(e: Entry, trust: Trust): string | undefined {
  if (e.type !== "manifest") return `entry 0 is a ${String(e.type)}, not the manifest`;
  if (e.signer !== trust.authority || !verifyEntrySignature(e))
    return "the manifest is not signed by the trust file's authority";
  if (trust.pins && !manifestIsPinned(e, trust.pins.baseHash))
    return "the manifest is not the one the trust file pins (baseHash)";
  return undefined;
}

function countedStep(scan: Scan, index: number): Verdict {
  if (scan.manifestProblem) return { status: "fail", message: scan.manifestProblem };
  const e = scan.entry;
  if (!e || !scan.leafMatches)
    return { status: "fail", message: "the receipt's ballot is not at its index" };
  return (
    entryVerdict(e) ??
    countedVerdict({
      index,
      revotePolicy: scan.revotePolicy,
      openIndex: scan.openIndex,
      closeIndex: scan.closeIndex,
      earlier: scan.earlier,
      later: scan.later,
    })
  );
}

/** R5 for a validly signed ballot at `index`, given the credential's other ballots. */
function countedVerdict(f: {
  index: number;
  revotePolicy?: string;
  openIndex?: number;
  closeIndex?: number;
  earlier: number[];
  later: number[];
}): Verdict {
  const { index } = f;
  if (f.openIndex === undefined || f.openIndex > index)
    return { status: "fail", message: "the ballot is not after voting.open" };
  if (f.closeIndex !== undefined && f.closeIndex < index)
    return {
      status: "fail",
      message: `the ballot comes after voting.close (entry ${f.closeIndex})`,
    };
  const close = f.closeIndex ?? Infinity;
  const earlier = f.earlier.filter((j) => j > (f.openIndex as number));
  if (f.revotePolicy === "single" && earlier.length)
    return {
      status: "fail",
      message: `under "single" the credential's first ballot (entry ${earlier[0]}) counts, not this one`,
    };
  const later = f.later.filter((j) => j < close);
  if (f.revotePolicy === "last" && later.length)
    return {
      status: "fail",
      message: `superseded under "last" by the credential's later ballot at entry ${later[later.length - 1]}`,
    };
  if (f.closeIndex === undefined)
    return {
      status: "pending",
      message:
        f.revotePolicy === "last"
          ? "voting is still open: the ballot will count unless the credential votes again before voting.close"
          : "voting is still open: the ballot will count",
    };
  return {
    status: "pass",
    message: `the ballot is between voting.open (entry ${f.openIndex}) and voting.close (entry ${f.closeIndex}) and counts`,
  };
}
