/**
 * A finding is one failed rule, located precisely enough for an auditor's report
 * (spec/verification.md) and mapped to the stable error code the board returns (spec/api.md).
 */
export type CheckId =
  | "V1"
  | "V2"
  | "V3"
  | "V4"
  | "V5"
  | "V6"
  | "V7"
  | "V8"
  | "V9"
  | "V10"
  | "V11"
  | "V12"
  | "V13"
  | "V14"
  | "V15"
  | "V16"
  | "V17";

export interface Location {
  index?: number;
  trackingCode?: string;
  contest?: string;
  option?: string;
  custodian?: number;
  path?: string;
}

export interface Finding extends Location {
  check: CheckId;
  /** The spec/api.md error code a board answers with for this finding. */
  code: string;
  message: string;
}

export const finding = (
  check: CheckId,
  code: string,
  message: string,
  where: Location = {},
): Finding => ({ check, code, message, ...where });

/** Checks whose failure means the entry must not change the election state. */
export const BLOCKING_CHECKS: ReadonlySet<CheckId> = new Set([
  "V4",
  "V5",
  "V6",
  "V7",
  "V9",
  "V10",
  "V11",
]);

/** HTTP status for each finding code (spec/api.md). */
export const STATUS_OF_CODE: Readonly<Record<string, number>> = {
  BAD_JSON: 400,
  ENTRY_TOO_LARGE: 413,
  SCHEMA_INVALID: 400,
  NON_CANONICAL: 400,
  UNKNOWN_ELECTION: 404,
  ELECTION_EXISTS: 409,
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
  TALLY_MISMATCH: 422,
  RESULT_MISMATCH: 422,
};
