/**
 * What the key ceremony's entries share (spec/ceremony.md, check V8): the ceremony work item
 * that verifies a round-1 message, a certification or the joint key against the messages known
 * so far, and the rule that the ceremony ends with the joint key.
 */
import { toBase64 } from "../../bytes.js";
import { finding, type Location } from "../findings.js";
import type { StateData } from "../state-data.js";
import type { CeremonyWork } from "../work.js";
import type { BodyCheck } from "./entry-rule.js";

/** The ceremony work for `body` at `step`, with every round-1 and certification so far. */
export const ceremonyWork = (
  s: StateData,
  step: CeremonyWork["step"],
  body: unknown,
  where: Location,
): CeremonyWork => ({
  kind: "ceremony",
  step,
  manifest: s.manifest,
  baseHash: toBase64(s.baseHash),
  round1: Object.fromEntries(s.round1),
  certify: Object.fromEntries(s.certify),
  body,
  where,
});

/**
 * The start of custodian `i`'s ceremony entry's checks: after the joint key no ceremony entry is
 * accepted. Returns how to report a V8 `INVALID_CEREMONY` finding of the entry, or undefined
 * (the finding already pushed) if the ceremony is over.
 */
export function openCeremony(
  s: StateData,
  c: BodyCheck,
  i: number,
): ((msg: string) => void) | undefined {
  const bad = (msg: string): void =>
    void c.out.findings.push(finding("V8", "INVALID_CEREMONY", msg, { ...c.where, custodian: i }));
  if (!s.electionKey) return bad;
  bad("the joint key is already published");
  return undefined;
}
