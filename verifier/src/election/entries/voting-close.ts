/** `voting.close` (protocol.md §6.5, check V7): by the authority; its body is informative only. */
import type { EntryRule } from "./entry-rule.js";
import { byAuthority } from "./signers.js";

export const votingClose: EntryRule<"voting.close"> = {
  type: "voting.close",
  phases: ["voting"],
  informativeBody: { at: "1970-01-01T00:00:00Z" },
  signer: byAuthority,
  check: () => undefined,
  apply(_entry, s, index) {
    s.closeIndex = index;
    s.phase = "closed";
  },
};
