/**
 * `manifest` (protocol.md §6.1, checks V5-V6): entry 0 and only entry 0. `startingFindings`
 * judges it when it starts the election (`ElectionState.create`); anywhere else it is refused.
 */
import type { Manifest } from "@urna/schemas";
import { verifyEntrySignature } from "../../entry.js";
import { finding, type Finding } from "../findings.js";
import { checkManifestRules } from "../manifest.js";
import type { EntryOf, EntryRule } from "./entry-rule.js";

/** The findings of entry 0, a manifest: its signature and its rules. */
export function startingFindings(entry: EntryOf<"manifest">): Finding[] {
  const at = { index: 0 };
  const findings: Finding[] = [];
  if (!verifyEntrySignature(entry))
    findings.push(finding("V5", "BAD_SIGNATURE", "bad manifest signature", at));
  findings.push(...checkManifestRules(entry.body as Manifest, entry.election, entry.signer));
  return findings;
}

export const manifest: EntryRule<"manifest"> = {
  type: "manifest",
  phases: [],
  refuse: (_entry, _s, where) =>
    finding("V6", "DUPLICATE_MANIFEST", "an election has one manifest, at index 0", where),
  signer: () => undefined,
  check: () => undefined,
  apply: () => undefined,
};
