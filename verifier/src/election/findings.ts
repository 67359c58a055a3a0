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
