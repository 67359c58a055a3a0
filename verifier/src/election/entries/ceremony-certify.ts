/**
 * `ceremony.certify` (spec/ceremony.md §3.3, check V8): one per custodian, once every custodian
 * posted round 1, and not after a blame (which aborts the session).
 */
import type { EntryRule } from "./entry-rule.js";
import { ceremonyWork, openCeremony } from "./ceremony.js";
import { byCustodian } from "./signers.js";

export const ceremonyCertify: EntryRule<"ceremony.certify"> = {
  type: "ceremony.certify",
  phases: ["setup"],
  signer: byCustodian,
  check(entry, s, c) {
    const i = entry.body.custodian;
    const bad = openCeremony(s, c, i);
    if (!bad) return;
    if (s.certify.has(i)) return bad(`custodian ${i} already certified`);
    if (s.round1.size !== s.manifest.custodians.length)
      return bad("certification needs every custodian's round 1");
    // ceremony.md §3.3, §6: a blame aborts the session; the signature is still checked.
    if (s.blames.length)
      bad(`certification after the ceremony.blame at entry ${s.blames[0].index}`);
    c.out.work.push(ceremonyWork(s, "certify", entry.body, { ...c.where, custodian: i }));
  },
  apply(entry, s) {
    s.certify.set(entry.body.custodian, entry.body);
  },
};
