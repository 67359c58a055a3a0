/**
 * The two lookups a voter's receipt check uses instead of downloading the log (spec/api.md
 * §Receipt lookup and §Credential lookup; spec/verification.md R5), answered from one view of an
 * election: its log at one signed checkpoint, and the state and tracking-code index replayed
 * from it. The sequencer answers from its published checkpoint (the express handlers below); a
 * standby answers from the checkpoint committed in PostgreSQL (standby-lookups.ts), with the same
 * bodies and proofs.
 *
 * - `GET /elections/<id>/credentials/<key hex>`: everything proven against one signed checkpoint,
 *   the one returned: the manifest (entry 0), `voting.open` and `voting.close` when on the log,
 *   and every `ballot` signed by the credential, each as its exact leaf text with its RFC 9162
 *   inclusion proof at that checkpoint's size.
 * - `GET /elections/<id>/receipts/<tracking code>`: the receipt of the ballot (or challenged
 *   ballot) with that tracking code, against the checkpoint, and its entry.
 */
import type { Request, RequestHandler, Response } from "express";
import type { AnyEntry } from "@urna/schemas";
import {
  type CredentialLookup,
  type ElectionState,
  type ProvenEntry,
  LogError,
  bytesEqual,
  formatTlogProof,
  humanTrackingCodeOf,
  parseTrackingCode,
  toBase64,
  toHex,
} from "@urna/verifier";
import { BoardLogError } from "../log/index.js";
import type { LogReader } from "../log/reader.js";
import { type BoardContext, electionNamed } from "./context.js";
import type { Election, Receipt } from "./election.js";
import { ApiError } from "./errors.js";
import type { TrackingIndex } from "./tracking-index.js";

const KEY_HEX = /^[0-9a-f]{64}$/;

/** One election's log at one signed checkpoint, and what was replayed from it (at least that far). */
export interface LookupView {
  readonly id: string;
  /** The checkpoint origin (receipts name it). */
  readonly origin: string;
  readonly reader: Pick<LogReader, "entry" | "inclusionProof" | "leafHashAt">;
  /** May hold entries past `size`: every index is bounded by it. */
  readonly state: Pick<ElectionState, "openIndex" | "closeIndex" | "ballotsOfCredential">;
  /** May hold entries past `size` too. */
  readonly tracking: Pick<TrackingIndex, "lookup">;
  readonly size: number;
  readonly checkpoint: string;
}

/** The base64 credential key of a `<key hex>` path parameter (BAD_REQUEST if malformed). */
export function credentialKey(param: string): string {
  const hex = param.toLowerCase();
  if (!KEY_HEX.test(hex))
    throw new ApiError("BAD_REQUEST", "the credential key must be 64 hex digits (32 bytes)");
  return toBase64(Uint8Array.from(Buffer.from(hex, "hex")));
}

/** The credential lookup's body for `key` (base64), as of `v`'s checkpoint. */
export async function credentialAnswer(v: LookupView, key: string): Promise<CredentialLookup> {
  const { size } = v;
  const inTree = (i: number | undefined): i is number => i !== undefined && i < size;
  try {
    return {
      size,
      checkpoint: v.checkpoint,
      credential: key,
      manifest: await proven(v, 0),
      open: inTree(v.state.openIndex) ? await proven(v, v.state.openIndex) : null,
      close: inTree(v.state.closeIndex) ? await proven(v, v.state.closeIndex) : null,
      ballots: await Promise.all(
        v.state
          .ballotsOfCredential(key)
          .filter(inTree)
          .map((i) => proven(v, i)),
      ),
    };
  } catch (err) {
    if (err instanceof BoardLogError && err.code === "NOT_FOUND")
      throw new ApiError("NOT_FOUND", err.message);
    throw err;
  }
}

/** A parsed tracking code of a path parameter (BAD_REQUEST if malformed). */
export function trackingCodeParam(param: string): ReturnType<typeof parseTrackingCode> {
  try {
    return parseTrackingCode(param);
  } catch (err) {
    throw new ApiError(
      "BAD_REQUEST",
      err instanceof LogError ? err.message : "malformed tracking code",
    );
  }
}

/** The receipt lookup's body: the ballot's receipt as of `v`'s checkpoint and its entry (undefined: none). */
export async function receiptAnswer(
  v: LookupView,
  code: ReturnType<typeof parseTrackingCode>,
): Promise<(Receipt & { entry: AnyEntry }) | undefined> {
  for (const index of v.tracking.lookup(code.prefix)) {
    if (index >= v.size) continue;
    const leafHash = await v.reader.leafHashAt(index);
    if (code.full && !bytesEqual(code.full, leafHash)) continue;
    const leaf = await v.reader.entry(index);
    const entry = JSON.parse(new TextDecoder().decode(leaf)) as AnyEntry;
    if (entry.type !== "ballot" && entry.type !== "ballot.challenged") continue;
    const receipt = await receiptOf(v, index, toHex(leafHash), entry.type, v.size, v.checkpoint);
    return { ...receipt, entry };
  }
  return undefined;
}

/** A receipt (record.md §Receipt) for entry `index` against the checkpoint of `size`. */
export async function receiptOf(
  v: Pick<LookupView, "id" | "origin" | "reader">,
  index: number,
  hex: string,
  entryType: "ballot" | "ballot.challenged",
  size: number,
  checkpoint: string,
): Promise<Receipt> {
  const proof = await v.reader.inclusionProof(index, size);
  return {
    version: 1,
    election: v.id,
    origin: v.origin,
    index,
    trackingCode: hex,
    humanCode: humanTrackingCodeOf(hex),
    entryType,
    proof: formatTlogProof({ index, proof, checkpoint }),
  };
}

async function proven(v: LookupView, index: number): Promise<ProvenEntry> {
  const [leaf, proof] = await Promise.all([
    v.reader.entry(index),
    v.reader.inclusionProof(index, v.size),
  ]);
  return { index, leaf: new TextDecoder().decode(leaf), proof: proof.map(toBase64) };
}

/** The sequencer's view of an election: its published checkpoint (one tree for the whole answer). */
function published(e: Election): LookupView {
  const { size, checkpoint } = e.published;
  return {
    id: e.id,
    origin: e.origin,
    reader: e.reader,
    state: e.state,
    tracking: e.tracking,
    size,
    checkpoint,
  };
}

const electionOf = (ctx: BoardContext, req: Request): Election =>
  electionNamed(ctx, req.params.id as string);

/** `GET /elections/<id>/credentials/<key hex>` on the sequencer. */
export function credentialLookup(ctx: BoardContext): RequestHandler {
  return async (req: Request, res: Response) => {
    const e = electionOf(ctx, req);
    const key = credentialKey(String(req.params.key));
    const body = await credentialAnswer(published(e), key);
    res.setHeader("Cache-Control", "no-cache");
    res.json(body);
  };
}

/** `GET /elections/<id>/receipts/<tracking code>` on the sequencer. */
export function receiptLookup(ctx: BoardContext): RequestHandler {
  return async (req: Request, res: Response) => {
    const e = electionOf(ctx, req);
    const body = await receiptAnswer(published(e), trackingCodeParam(req.params.code as string));
    if (!body) throw new ApiError("NOT_FOUND", "no ballot with this tracking code");
    res.setHeader("Cache-Control", "no-cache");
    res.json(body);
  };
}
