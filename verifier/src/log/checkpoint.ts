/** C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint@v1.0.0). */
import { fromBase64, toBase64 } from "../bytes.js";
import { LogError } from "./errors.js";
import { HASH_SIZE } from "./merkle-hash.js";
import { type Note, type NoteVerifier, verifyNote } from "./note.js";

export interface Checkpoint {
  origin: string;
  size: number;
  root: Uint8Array;
  /** Extension lines, without newlines (opaque; urna emits none). */
  extensions: string[];
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

function bad(msg: string): never {
  throw new LogError("MALFORMED_CHECKPOINT", msg);
}

function checkLine(line: string, what: string): void {
  if (line.length === 0) bad(`${what} is empty`);
  for (let i = 0; i < line.length; i++)
    if (line.charCodeAt(i) < 0x20) bad(`${what} contains a control character`);
}

/** Parses a decimal size with no leading zeroes into a safe integer, or returns undefined. */
export function parseDecimal(s: string): number | undefined {
  if (!DECIMAL.test(s) || s.length > 16) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The checkpoint note body: origin, size, base64 root, extension lines, each ending in "\n". */
export function formatCheckpoint(c: Checkpoint): string {
  checkLine(c.origin, "origin");
  if (!Number.isSafeInteger(c.size) || c.size < 0) bad("size must be a non-negative safe integer");
  if (!(c.root instanceof Uint8Array) || c.root.length !== HASH_SIZE)
    bad(`root must be ${HASH_SIZE} bytes`);
  const ext = c.extensions ?? [];
  ext.forEach((e, i) => checkLine(e, `extension line ${i}`));
  return [c.origin, String(c.size), toBase64(c.root), ...ext].map((l) => l + "\n").join("");
}

/** Parses a checkpoint note body (the note text, ending in a newline). */
export function parseCheckpoint(body: string): Checkpoint {
  if (typeof body !== "string") bad("body must be a string");
  if (!body.endsWith("\n")) bad("body must end with a newline");
  const lines = body.slice(0, -1).split("\n");
  if (lines.length < 3) bad("a checkpoint has at least three lines");
  const [origin, sizeLine, rootLine, ...extensions] = lines;
  checkLine(origin, "origin");
  checkLine(sizeLine, "size");
  checkLine(rootLine, "root hash");
  extensions.forEach((e, i) => checkLine(e, `extension line ${i}`));
  const size = parseDecimal(sizeLine);
  if (size === undefined) bad("size must be a decimal with no leading zeroes, below 2^53");
  let root: Uint8Array;
  try {
    root = fromBase64(rootLine);
  } catch {
    bad("root hash is not valid base64");
  }
  if (root.length !== HASH_SIZE) bad(`root hash must be ${HASH_SIZE} bytes`);
  return { origin, size, root, extensions };
}

export interface OpenedCheckpoint {
  checkpoint: Checkpoint;
  /** The checkpoint body (note text) that was signed. */
  body: string;
  /** The parsed note: its text (== body) and every signature line (log, witnesses, unknown). */
  note: Note;
}

/**
 * Verifies a signed checkpoint with the log's key (its signature is required;
 * other signatures are ignored here) and parses it. If `origin` is given the
 * checkpoint's origin must equal it.
 */
export function openCheckpoint(
  signedNote: string,
  logVerifier: NoteVerifier,
  opts: { origin?: string } = {},
): OpenedCheckpoint {
  const { text, signatures } = verifyNote(signedNote, [logVerifier]);
  const checkpoint = parseCheckpoint(text);
  if (opts.origin !== undefined && checkpoint.origin !== opts.origin)
    throw new LogError(
      "WRONG_ORIGIN",
      `checkpoint origin ${JSON.stringify(checkpoint.origin)}, want ${JSON.stringify(opts.origin)}`,
    );
  return { checkpoint, body: text, note: { text, signatures } };
}
