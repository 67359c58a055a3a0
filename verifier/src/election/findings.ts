/**
 * A finding is one failed rule, located precisely enough for an auditor's report
 * (spec/verification.md) and mapped to the stable error code the board returns (spec/api.md).
 */
import type { CheckId, CodeOf, FindingCode } from "./check-registry.js";

export type { CheckId, CodeOf, FindingCode } from "./check-registry.js";

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
  /** One of the codes the registry lists for `check` (spec/verification.md §Failure codes). */
  code: FindingCode;
  message: string;
}

/** A finding of check `check`: its code must be one the registry lists for that check. */
export const finding = <C extends CheckId>(
  check: C,
  code: CodeOf<C>,
  message: string,
  where: Location = {},
): Finding => ({ check, code, message, ...where });

export { ADMISSION_CHECKS } from "./check-registry.js";
