/**
 * `election.key` (spec/ceremony.md §5, check V8): the joint key, by the authority, once every
 * custodian certified and no blame aborted the ceremony. Every failing item is reported: the
 * abort, then the key itself.
 */
import { finding } from "../findings.js";
import type { EntryRule } from "./entry-rule.js";
import { ceremonyWork } from "./ceremony.js";
import { byAuthority } from "./signers.js";

export const electionKey: EntryRule<"election.key"> = {
  type: "election.key",
  phases: ["setup"],
  signer: byAuthority,
  check(entry, s, { where, out }) {
    const bad = (msg: string) => void out.findings.push(finding("V8", "INVALID_KEY", msg, where));
    if (s.electionKey) return bad("the joint key is already published");
    if (s.blames.length)
      bad(
        `the ceremony was aborted by the ceremony.blame at entry ${s.blames[0].index}: it must be run again under a new manifest`,
      );
    if (s.certify.size !== s.manifest.custodians.length)
      return bad("the joint key needs every custodian's certification");
    out.work.push(ceremonyWork(s, "key", entry.body, where));
  },
  apply(entry, s) {
    s.electionKey = entry.body;
  },
};
