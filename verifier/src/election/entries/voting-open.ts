/**
 * `voting.open` (protocol.md §6.5, check V7): by the authority, once the joint key and at least
 * one credential batch are published. Its body (the time) is informative only.
 */
import { finding } from "../findings.js";
import type { EntryRule } from "./entry-rule.js";
import { byAuthority } from "./signers.js";

export const votingOpen: EntryRule<"voting.open"> = {
  type: "voting.open",
  phases: ["setup"],
  informativeBody: { at: "1970-01-01T00:00:00Z" },
  signer: byAuthority,
  check(_entry, s, { where, out }) {
    if (!s.electionKey)
      out.findings.push(
        finding("V7", "WRONG_PHASE", "voting cannot open before the joint key", where),
      );
    if (s.credentialBatches === 0)
      out.findings.push(
        finding("V7", "WRONG_PHASE", "voting cannot open without credentials", where),
      );
  },
  apply(_entry, s, index) {
    s.openIndex = index;
    s.phase = "voting";
  },
};
