/**
 * The voter's receipt check, spec/verification.md §Receipt check (R1-R5). Isomorphic: the same
 * function runs in a browser against a live board (fetch) and in the CLI against a folder.
 *
 * The current log is read once, leaf by leaf, and its root recomputed: the leaves the source
 * serves are then exactly those of its signed checkpoint, so R3 (the receipt's tree is a prefix
 * of the current one: the root of the first m leaves equals the receipt's root), R4 (the leaf at
 * the receipt's index) and R5 (open/close and later ballots of the same credential) rest on
 * authenticated data. A consistency proof served by the board is checked too.
 */
import type { Entry, Receipt, TrustFile } from "@urna/schemas";
import { validateReceipt } from "@urna/schemas";
import { bytesEqual, fromHex, fromUtf8, toBase64, toHex } from "../bytes.js";
import { entryLeaf, verifyEntrySignature } from "../entry.js";
import { openCheckpoint, type Checkpoint } from "../log/checkpoint.js";
import { verifyWitnessQuorum } from "../log/cosignature.js";
import { leafHash } from "../log/merkle-hash.js";
import { StreamingRoot, verifyConsistency, verifyInclusion } from "../log/merkle.js";
import { parseTlogProof, type TlogProof } from "../log/tlog-proof.js";
import { boardSource, type Fetch } from "../record/http.js";
import type { RecordSource } from "../record/source.js";
import { asTrust, type Trust } from "../audit/trust.js";

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
  board?: { url: string; election?: string; fetch?: Fetch };
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
  const source =
    opts.source ??
    (opts.board
      ? boardSource({
          url: opts.board.url,
          election: opts.board.election ?? trust.election,
          fetch: opts.board.fetch,
        })
      : undefined);
  if (!source) throw new ReceiptError("verifyReceipt needs a source or a board");

  const steps = new Map<ReceiptStepId, ReceiptStep>();
  const set = (id: ReceiptStepId, status: ReceiptStepStatus, message: string) => {
    if (!steps.has(id)) steps.set(id, { id, title: RECEIPT_STEP_TITLES[id], status, message });
  };
  const lh = fromHex(receipt.trackingCode);

  // ---- R1: the receipt's checkpoint
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

  // ---- R2: inclusion under the receipt's checkpoint
  if (proof && rcp) {
    if (proof.index !== receipt.index)
      set("R2", "fail", `the proof is for index ${proof.index}, the receipt says ${receipt.index}`);
    if (receipt.entry) {
      let ok = false;
      try {
        ok = toHex(leafHash(entryLeaf(receipt.entry as Entry))) === receipt.trackingCode;
      } catch {
        ok = false;
      }
      if (!ok) set("R2", "fail", "the receipt's entry does not hash to its tracking code");
      else if (receipt.entry.type !== receipt.entryType)
        set("R2", "fail", "the receipt's entry type differs from its entryType");
    }
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

  // ---- the current checkpoint (R3 needs it to pass R1's test)
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
    const scan = await scanLog(source, n, m, receipt.index, lh);
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
  const outcome: ReceiptOutcome = { steps: out, ok: out.every((s) => s.status !== "fail") };
  if (current) outcome.currentSize = current.size;
  return outcome;
}

interface Scan {
  error?: string;
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

/** The signer of the leaf at `index` (unauthenticated: only used to know whom to look for). */
async function signerAt(source: RecordSource, index: number): Promise<string | undefined> {
  try {
    for await (const leaf of source.leaves(index, index + 1)) {
      const e = JSON.parse(fromUtf8(leaf)) as { signer?: unknown };
      return typeof e.signer === "string" ? e.signer : undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** One pass over the current log: roots at m and n, the receipt's leaf, and what R5 needs. */
async function scanLog(
  source: RecordSource,
  n: number,
  m: number | undefined,
  index: number,
  lh: Uint8Array,
): Promise<Scan> {
  const scan: Scan = { leafMatches: false, earlier: [], later: [] };
  const signer = await signerAt(source, index);
  const root = new StreamingRoot();
  if (m === 0) scan.rootAtM = root.root();
  let i = 0;
  try {
    for await (const leaf of source.leaves(0, n)) {
      const h = leafHash(leaf);
      root.push(h);
      if (root.size === m) scan.rootAtM = root.root();
      let e: Entry | undefined;
      try {
        e = JSON.parse(fromUtf8(leaf)) as Entry;
      } catch {
        e = undefined;
      }
      if (e && typeof e === "object") {
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

function countedStep(scan: Scan, index: number): { status: ReceiptStepStatus; message: string } {
  const e = scan.entry;
  if (!e || !scan.leafMatches)
    return { status: "fail", message: "the receipt's ballot is not at its index" };
  if (e.type === "ballot.challenged")
    return {
      status: "fail",
      message: "this is a challenged (opened) ballot: by design it is never counted",
    };
  if (e.type !== "ballot")
    return { status: "fail", message: `the entry is a ${String(e.type)}, not a ballot` };
  if (!verifyEntrySignature(e))
    return { status: "fail", message: "the ballot's signature does not verify" };
  if (scan.openIndex === undefined || scan.openIndex > index)
    return { status: "fail", message: "the ballot is not after voting.open" };
  if (scan.closeIndex !== undefined && scan.closeIndex < index)
    return {
      status: "fail",
      message: `the ballot comes after voting.close (entry ${scan.closeIndex})`,
    };
  const close = scan.closeIndex ?? Infinity;
  const earlier = scan.earlier.filter((j) => j > (scan.openIndex as number));
  if (scan.revotePolicy === "single" && earlier.length)
    return {
      status: "fail",
      message: `under "single" the credential's first ballot (entry ${earlier[0]}) counts, not this one`,
    };
  const later = scan.later.filter((j) => j < close);
  if (scan.revotePolicy === "last" && later.length)
    return {
      status: "fail",
      message: `superseded under "last" by the credential's later ballot at entry ${later[later.length - 1]}`,
    };
  if (scan.closeIndex === undefined)
    return {
      status: "pending",
      message:
        scan.revotePolicy === "last"
          ? "voting is still open: the ballot will count unless the credential votes again before voting.close"
          : "voting is still open: the ballot will count",
    };
  return {
    status: "pass",
    message: `the ballot is between voting.open (entry ${scan.openIndex}) and voting.close (entry ${scan.closeIndex}) and counts`,
  };
}
