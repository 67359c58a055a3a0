/**
 * The board's API errors (spec/api.md §Errors): a stable `code`, the HTTP status the table
 * fixes for it, a message for people and, when known, the JSON pointer of the offending value.
 * The message is a display string (spec/protocol.md §2): any control or bidi character it
 * quotes from the request (a JSON parser's error quotes the body) is escaped.
 */
import { escapeDisplay, type BoardRefusalCode } from "@urna/verifier";

/**
 * The board's own codes (transport, limits, routing); the rest of the API's codes are the finding
 * codes a board refuses an entry with, shared with the verifier's check registry
 * (BOARD_REFUSALS, verifier/src/election/check-registry.ts), so a refusal and the auditor's
 * finding for the same entry carry the same code.
 */
export type BoardOwnCode =
  | "BULK_INVALID"
  | "BULK_TOO_LARGE"
  | "UNKNOWN_ELECTION"
  | "ELECTION_EXISTS"
  | "CREATION_NOT_ALLOWED"
  | "BAD_REQUEST"
  | "NOT_FOUND"
  | "LOG_UNAVAILABLE"
  | "NO_SEQUENCER"
  | "SEQUENCER_LOST"
  | "SHUTTING_DOWN"
  | "TOO_MANY_CONNECTIONS"
  | "TOO_MANY_STREAMS"
  | "TOO_MANY_FULL_STREAMS"
  | "RATE_LIMITED"
  | "HEADERS_TOO_LARGE"
  | "REQUEST_TIMEOUT"
  | "INTERNAL";

export type ApiErrorCode = BoardRefusalCode | BoardOwnCode;

/** HTTP status of every code, exactly as spec/api.md's table lists it. */
export const STATUS: Readonly<Record<ApiErrorCode, number>> = {
  BAD_JSON: 400,
  ENTRY_TOO_LARGE: 413,
  BULK_INVALID: 400,
  BULK_TOO_LARGE: 413,
  SCHEMA_INVALID: 400,
  NON_CANONICAL: 400,
  UNKNOWN_ELECTION: 404,
  ELECTION_EXISTS: 409,
  CREATION_NOT_ALLOWED: 403,
  ELECTION_MISMATCH: 400,
  WRONG_PHASE: 409,
  UNAUTHORIZED_SIGNER: 403,
  NOT_ELIGIBLE: 403,
  BAD_SIGNATURE: 400,
  INVALID_MANIFEST: 422,
  INVALID_CREDENTIALS: 422,
  INVALID_CEREMONY: 422,
  INVALID_KEY: 422,
  INVALID_BALLOT: 422,
  INVALID_PROOF: 422,
  INVALID_CHALLENGE: 422,
  ALREADY_VOTED: 409,
  DUPLICATE_ENTRY: 409,
  SHARE_ALREADY_POSTED: 409,
  CIPHERTEXT_REUSED: 409,
  TALLY_MISMATCH: 422,
  RESULT_MISMATCH: 422,
  RESULT_EXCEEDS_BALLOTS: 422,
  ATTESTATION_CHECKPOINT: 422,
  UNKNOWN_FIRM: 422,
  ATTESTATION_REPORT: 422,
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  LOG_UNAVAILABLE: 503,
  NO_SEQUENCER: 503,
  SEQUENCER_LOST: 503,
  SHUTTING_DOWN: 503,
  TOO_MANY_CONNECTIONS: 503,
  TOO_MANY_STREAMS: 503,
  TOO_MANY_FULL_STREAMS: 503,
  RATE_LIMITED: 429,
  HEADERS_TOO_LARGE: 431,
  REQUEST_TIMEOUT: 408,
  INTERNAL: 500,
};

export const isApiErrorCode = (c: unknown): c is ApiErrorCode =>
  typeof c === "string" && Object.hasOwn(STATUS, c);

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly path?: string;
  constructor(code: ApiErrorCode, message: string, path?: string) {
    super(escapeDisplay(message));
    this.name = "ApiError";
    this.code = code;
    this.status = STATUS[code];
    if (path !== undefined) this.path = path;
  }

  toJSON(): { error: { code: ApiErrorCode; message: string; path?: string } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.path !== undefined ? { path: this.path } : {}),
      },
    };
  }
}

/** A finding of the election state machine (or of the crypto checks) as an API error. */
export function findingToError(f: { code: string; message: string; path?: string }): ApiError {
  // A finding code outside the API table would be a bug in the state machine: report it as a
  // schema problem rather than a 5xx, so that no client input can produce a server error.
  const code: ApiErrorCode =
    isApiErrorCode(f.code) && f.code !== "INTERNAL" ? f.code : "SCHEMA_INVALID";
  return new ApiError(code, f.message, f.path);
}

/**
 * The message of a LOG_UNAVAILABLE answer for a log failure with code `code` (STORAGE_FAILED,
 * SIGNER_ROLLBACK, ...): the code only, never the underlying error's text, which can hold the
 * data directory's absolute path (LevelDB: `IO error: /srv/urna/db/000016.ldb: ...`). The
 * operator finds the details in the board's log.
 */
export function logUnavailableMessage(code: string, writes: boolean): string {
  return writes
    ? `the log refuses writes (${code}); see the board's log`
    : `the log's storage is unavailable (${code}); see the board's log`;
}
