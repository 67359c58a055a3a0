/**
 * The wire format of c2sp.org/tlog-witness `add-checkpoint` (isomorphic): the request body
 * (`old <size>`, consistency proof lines, an empty line, the signed checkpoint), the 409 body
 * (`text/x.tlog.size`) and the 200 body (cosignature lines).
 */
import { fromBase64, toBase64 } from "../bytes.js";
import { parseDecimal } from "../log/checkpoint.js";
import { HASH_SIZE } from "../log/merkle-hash.js";
import { type NoteSignature, formatSignatureLine, parseSignatureLine } from "../log/note.js";

/** Most consistency proof lines a request may carry (tlog-witness). */
export const MAX_PROOF_LINES = 63;
/** Largest request body a witness reads. */
export const MAX_REQUEST_BYTES = 256 * 1024;
/** Content type of a 409 response body. */
export const SIZE_CONTENT_TYPE = "text/x.tlog.size";

export type WitnessErrorCode =
  | "MALFORMED_REQUEST"
  | "UNKNOWN_LOG"
  | "BAD_SIGNATURE"
  | "OLD_SIZE_MISMATCH"
  | "INCONSISTENT"
  | "TOO_LARGE"
  | "STORAGE_FAILED"
  | "NOT_FOUND"
  | "METHOD_NOT_ALLOWED";

export class WitnessError extends Error {
  readonly code: WitnessErrorCode;
  constructor(code: WitnessErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = "WitnessError";
    this.code = code;
  }
}

export interface AddCheckpointRequest {
  /** The size of the checkpoint the client believes the witness cosigned last (0: none). */
  oldSize: number;
  /** RFC 6962 consistency proof from oldSize to the checkpoint's size. */
  proof: Uint8Array[];
  /** The signed checkpoint note, verbatim. */
  checkpoint: string;
}

const bad = (msg: string): never => {
  throw new WitnessError("MALFORMED_REQUEST", msg);
};

export function formatAddCheckpointRequest(r: AddCheckpointRequest): string {
  if (!Number.isSafeInteger(r.oldSize) || r.oldSize < 0)
    bad("old size must be a non-negative safe integer");
  if (r.proof.length > MAX_PROOF_LINES) bad(`at most ${MAX_PROOF_LINES} proof lines`);
  for (const h of r.proof) if (h.length !== HASH_SIZE) bad(`proof hashes are ${HASH_SIZE} bytes`);
  return `old ${r.oldSize}\n${r.proof.map((h) => toBase64(h) + "\n").join("")}\n${r.checkpoint}`;
}

/**
 * Parses a request body. Only the framing is checked here (the old size line, at most 63
 * strict base64 32-byte proof lines, the empty line, a non-empty rest); the checkpoint note is
 * returned verbatim for the witness to parse. Throws WitnessError MALFORMED_REQUEST.
 */
export function parseAddCheckpointRequest(body: string): AddCheckpointRequest {
  if (typeof body !== "string") bad("body must be text");
  const split = body.indexOf("\n\n");
  if (split < 0) bad("no empty line before the checkpoint");
  const head = body.slice(0, split).split("\n");
  const checkpoint = body.slice(split + 2);
  if (checkpoint.length === 0) bad("missing checkpoint");
  const first = head[0];
  if (!first.startsWith("old ")) bad("the first line must be `old <size>`");
  const oldSize = parseDecimal(first.slice(4));
  if (oldSize === undefined) bad("old size must be a decimal with no leading zeroes");
  const lines = head.slice(1);
  if (lines.length > MAX_PROOF_LINES) bad(`more than ${MAX_PROOF_LINES} proof lines`);
  const proof = lines.map((l, i) => {
    let h: Uint8Array;
    try {
      h = fromBase64(l);
    } catch {
      return bad(`proof line ${i + 1} is not base64`);
    }
    if (h.length !== HASH_SIZE) bad(`proof line ${i + 1} is not a ${HASH_SIZE}-byte hash`);
    return h;
  });
  return { oldSize: oldSize as number, proof, checkpoint };
}

/** The 409 body: the witness's latest cosigned size, in decimal, and a newline. */
export const formatSizeBody = (size: number): string => `${size}\n`;

/** Parses a 409 body; undefined if it is not `<decimal>\n`. */
export function parseSizeBody(body: string): number | undefined {
  if (!body.endsWith("\n")) return undefined;
  return parseDecimal(body.slice(0, -1));
}

/** The 200 body: one signature line per cosignature. */
export const formatCosignatureResponse = (sigs: NoteSignature[]): string =>
  sigs.map(formatSignatureLine).join("");

/** Parses a 200 body into signature lines; lines that do not parse are skipped. */
export function parseCosignatureResponse(body: string): NoteSignature[] {
  const out: NoteSignature[] = [];
  for (const line of body.split("\n")) {
    if (line.length === 0) continue;
    try {
      out.push(parseSignatureLine(line));
    } catch {
      // not a signature line: ignored
    }
  }
  return out;
}
