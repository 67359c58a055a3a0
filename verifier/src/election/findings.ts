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

/**
 * The admission checks (spec/verification.md §Failing entries): an entry with a finding of one of
 * these does not change the election state. V9 is not one: a credential that fails V9 is left
 * out on its own, and its batch is still admitted. V11 is not one either: which ballot counts is
 * decided when voting closes, from the valid ballots.
 */
export const ADMISSION_CHECKS: ReadonlySet<CheckId> = new Set(["V4", "V5", "V6", "V7", "V10"]);
