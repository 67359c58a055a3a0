/**
 * A source of an election record (spec/record.md): the signed checkpoint and the log's leaves in
 * order. Isomorphic; the folder reader lives in folder-node.ts, the board reader in http.ts.
 *
 * A source is re-readable: the auditor reads it more than once (spec/verification.md V14 needs
 * the superseded ballots again after `voting.close`). A source cannot promise that every read
 * sees the same bytes (a board can lie), so readers wrap it in a `BoundLeaves` (bound.ts), which
 * checks every re-read against the leaf hashes of the first. The checkpoint is read once and
 * cached, so that all passes verify against one tree.
 */

export type RecordErrorCode =
  /** The record (folder, file or board) cannot be read at all. */
  | "RECORD_UNREADABLE"
  /** The board answered with an error status. */
  | "HTTP_ERROR"
  /** The board served fewer or more leaves than asked for. */
  | "SHORT_READ"
  /** One line is far larger than any valid leaf (memory guard). */
  | "LINE_TOO_LONG"
  /** The caller asked for something the source does not have. */
  | "BAD_RANGE"
  /** A leaf read again is not the leaf read before (spec/verification.md §Reading from a board). */
  | "LEAF_CHANGED";

export class RecordError extends Error {
  readonly code: RecordErrorCode;
  constructor(code: RecordErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RecordError";
    this.code = code;
  }
}

/** Lines longer than this abort the read (a valid leaf is at most 65,535 bytes). */
export const MAX_LINE_BYTES = 1 << 22;

export interface RecordSource {
  /** For messages: "folder /path", "board https://…/elections/<id>". */
  readonly description: string;
  /** The signed checkpoint note (with cosignatures), as published. Cached after the first call. */
  checkpoint(): Promise<string>;
  /**
   * The leaves `start..end-1` in log order (default: from 0 to every leaf the source holds;
   * for a board, to the checkpoint's size). Each leaf is the exact bytes of its line.
   */
  leaves(start?: number, end?: number): AsyncIterable<Uint8Array>;
  /** Optional: an RFC 9162 consistency proof between two tree sizes, as served by a board. */
  consistencyProof?(from: number, to: number): Promise<Uint8Array[]>;
  /** Optional: an inclusion proof for leaf `index` in the tree of `size`, as served by a board. */
  inclusionProof?(index: number, size: number): Promise<Uint8Array[]>;
  /** Optional: one leaf by index (a board's `GET /entries/<index>`). */
  leaf?(index: number): Promise<Uint8Array>;
  /**
   * Optional: the record folder's own `tile/` tree (spec/record.md), as a reader of the file at
   * a tile path (`tile/…`, undefined when that file does not exist); undefined when the record
   * has no `tile/` folder. The auditor checks it against the leaves (V1, `TILE_MISMATCH`).
   */
  tiles?(): Promise<((path: string) => Promise<Uint8Array | undefined>) | undefined>;
}

/**
 * Splits a byte stream into lines (without their "\n"). A final fragment without a newline is
 * yielded too (a record cut mid-write: its leaf then fails V1/V4). Views into the chunks are
 * yielded, never copies of the whole input.
 */
export async function* splitLines(
  chunks: AsyncIterable<Uint8Array>,
  maxLine = MAX_LINE_BYTES,
): AsyncGenerator<Uint8Array> {
  let carry: Uint8Array | undefined;
  for await (const chunk of chunks) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      let line = chunk.subarray(start, nl);
      if (carry) {
        line = concat(carry, line);
        carry = undefined;
      }
      yield line;
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      carry = carry ? concat(carry, rest) : rest.slice();
      if (carry.length > maxLine)
        throw new RecordError("LINE_TOO_LONG", `a line is longer than ${maxLine} bytes`);
    }
  }
  if (carry && carry.length > 0) yield carry;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** A source over leaves held in memory (tests, small records, a browser's uploaded files). */
export function memorySource(
  checkpoint: string,
  leaves: readonly Uint8Array[],
  description = "memory",
): RecordSource {
  return {
    description,
    checkpoint: async () => checkpoint,
    async *leaves(start = 0, end = leaves.length) {
      checkRange(start, end);
      for (let i = start; i < Math.min(end, leaves.length); i++) yield leaves[i];
    },
  };
}

export function checkRange(start: number, end: number): void {
  if (
    !Number.isSafeInteger(start) ||
    start < 0 ||
    !(end === Infinity || (Number.isSafeInteger(end) && end >= start))
  )
    throw new RecordError("BAD_RANGE", `bad leaf range [${start}, ${end})`);
}
