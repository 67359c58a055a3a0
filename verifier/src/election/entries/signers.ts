/**
 * The signer rules shared by several entry types (protocol.md §6, check V5): the manifest names
 * the authority, the registrar, each custodian's signing key and the auditing firms.
 */
import type { Entry } from "@urna/schemas";
import { finding, type Finding, type Location } from "../findings.js";
import type { StateData } from "../state-data.js";

/** V5: `entry` must be signed by `who`. */
export const unauthorised = (entry: Entry, who: string, where: Location): Finding =>
  finding("V5", "UNAUTHORIZED_SIGNER", `${entry.type} must be signed by ${who}`, where);

export const byAuthority = (entry: Entry, s: StateData, where: Location): Finding | undefined =>
  entry.signer === s.manifest.authority ? undefined : unauthorised(entry, "the authority", where);

export const byRegistrar = (entry: Entry, s: StateData, where: Location): Finding | undefined =>
  entry.signer === s.manifest.registrar ? undefined : unauthorised(entry, "the registrar", where);

interface CustodianBody {
  custodian: number;
}
const hasCustodian = (b: unknown): b is CustodianBody =>
  typeof b === "object" && b !== null && typeof (b as CustodianBody).custodian === "number";

/** Signed by the signing key of the custodian its body names. */
export const byCustodian = (entry: Entry, s: StateData, where: Location): Finding | undefined => {
  const i = hasCustodian(entry.body) ? entry.body.custodian : -1;
  const c = s.manifest.custodians[i - 1];
  return c && c.signingKey === entry.signer
    ? undefined
    : unauthorised(entry, `custodian ${i}'s signing key`, where);
};

/** V10: signed by a published credential. */
export const byCredential = (entry: Entry, s: StateData, where: Location): Finding | undefined =>
  s.credentials.has(entry.signer)
    ? undefined
    : finding("V10", "NOT_ELIGIBLE", "the signer is not a published credential", where);
