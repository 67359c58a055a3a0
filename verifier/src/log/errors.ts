/** Typed errors of the transparency-log module, each with a stable code. */

export type LogErrorCode =
  // Merkle proofs
  | "INCLUSION_PROOF_INVALID"
  | "CONSISTENCY_PROOF_INVALID"
  | "BAD_PROOF_SIZE"
  | "BAD_HASH_SIZE"
  | "INDEX_OUT_OF_RANGE"
  | "BAD_TREE_SIZE"
  // signed notes and keys
  | "MALFORMED_NOTE"
  | "BAD_VKEY"
  | "BAD_PRIVATE_KEY"
  | "BAD_KEY_NAME"
  | "INVALID_SIGNATURE"
  | "NO_VALID_SIGNATURE"
  | "UNKNOWN_KEY"
  // checkpoints and cosignatures
  | "MALFORMED_CHECKPOINT"
  | "WRONG_ORIGIN"
  | "MALFORMED_COSIGNATURE"
  | "COSIGNATURE_INVALID"
  | "WITNESS_QUORUM_NOT_MET"
  // tiles
  | "MALFORMED_TILE_PATH"
  | "BAD_TILE_SIZE"
  | "MALFORMED_ENTRY_BUNDLE"
  | "ENTRY_TOO_LARGE"
  | "ENTRY_MISMATCH"
  // receipts
  | "MALFORMED_TLOG_PROOF"
  | "MALFORMED_TRACKING_CODE";

export class LogError extends Error {
  readonly code: LogErrorCode;
  constructor(code: LogErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = "LogError";
    this.code = code;
  }
}

export const isLogError = (e: unknown, code?: LogErrorCode): e is LogError =>
  e instanceof LogError && (code === undefined || e.code === code);
