/** `ceremony.round1` (spec/ceremony.md §3.2, check V8): one per custodian, before the key. */
import type { EntryRule } from "./entry-rule.js";
import { ceremonyWork, openCeremony } from "./ceremony.js";
import { byCustodian } from "./signers.js";

export const ceremonyRound1: EntryRule<"ceremony.round1"> = {
  type: "ceremony.round1",
  phases: ["setup"],
  signer: byCustodian,
  check(entry, s, c) {
    const i = entry.body.custodian;
    const bad = openCeremony(s, c, i);
    if (!bad) return;
    if (s.round1.has(i)) return bad(`custodian ${i} already posted round 1`);
    c.out.work.push(ceremonyWork(s, "round1", entry.body, { ...c.where, custodian: i }));
  },
  apply(entry, s) {
    s.round1.set(entry.body.custodian, entry.body);
  },
};
