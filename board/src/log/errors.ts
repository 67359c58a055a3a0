/** Typed errors of the board's transparency log (operator side), each with a stable code. */

export type BoardLogErrorCode =
  // submissions
  | "ENTRY_TOO_LARGE"
  | "ENTRY_INVALID"
  | "LOG_CLOSED"
  // checkpoint signer (fatal: the log refuses every later write)
  | "SIGNER_ROLLBACK"
  | "SIGNER_INCONSISTENT"
  | "SIGNER_STATE_MISSING"
  | "SIGNER_STATE_INVALID"
  | "SIGNER_STATE_WRITE_FAILED"
  | "SIGNER_KEY_NAME"
  // storage
  | "STORAGE_CONFLICT"
  | "STORAGE_CORRUPT"
  | "STORAGE_FAILED"
  | "BAD_LOG_ID"
  // board store (board/src/store): engine selection, locking, schema
  | "STORE_URL_INVALID"
  | "STORE_LOCKED"
  | "STORE_LEASE_LOST"
  | "STORE_READ_ONLY"
  | "STORE_SCHEMA"
  // reads
  | "INDEX_OUT_OF_RANGE"
  | "SIZE_OUT_OF_RANGE"
  | "NOT_FOUND"
  // export
  | "ENTRY_CONTAINS_NEWLINE";

export class BoardLogError extends Error {
  readonly code: BoardLogErrorCode;
  constructor(code: BoardLogErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = "BoardLogError";
    this.code = code;
  }
}

export const isBoardLogError = (e: unknown, code?: BoardLogErrorCode): e is BoardLogError =>
  e instanceof BoardLogError && (code === undefined || e.code === code);
