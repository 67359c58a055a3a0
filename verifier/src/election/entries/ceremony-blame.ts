/**
 * `ceremony.blame` (spec/ceremony.md §3.4, check V8): after the accused's round 1, once per
 * (accuser, accused). Its verdict (check B) is the auditor's to report: the board accepts it
 * whatever it is, so it queues no work here.
 */
import type { CeremonyBlameBody } from "@urna/schemas";
import type { EntryRule } from "./entry-rule.js";
import { openCeremony } from "./ceremony.js";
import { byCustodian } from "./signers.js";

export const ceremonyBlame: EntryRule<"ceremony.blame"> = {
  type: "ceremony.blame",
  phases: ["setup"],
  signer: byCustodian,
  check(entry, s, c) {
    const i = entry.body.custodian;
    const bad = openCeremony(s, c, i);
    if (!bad) return;
    const j = entry.body.accused;
    if (!s.round1.has(j)) return bad(`custodian ${j} has no round 1 to blame`);
    const twice = s.blames.find((x) => {
      const b = x.body as CeremonyBlameBody;
      return b.custodian === i && b.accused === j;
    });
    if (twice) return bad(`custodian ${i} already blamed custodian ${j} (entry ${twice.index})`);
  },
  apply(entry, s, index) {
    s.blames.push({ index, body: entry.body });
  },
};
