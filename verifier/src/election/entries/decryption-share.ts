/**
 * `decryption.share` (protocol.md §6.9, check V15): a custodian's partial decryption of tallied
 * contests, once per (custodian, contest), listing the tally's options in order; its proofs are
 * queued as work.
 */
import type { TallyContest } from "@urna/schemas";
import { finding, type Location } from "../findings.js";
import type { EntryRule } from "./entry-rule.js";
import { byCustodian } from "./signers.js";

export const decryptionShare: EntryRule<"decryption.share"> = {
  type: "decryption.share",
  phases: ["tallying"],
  signer: byCustodian,
  check(entry, s, { where, out }) {
    const b = entry.body;
    const i = b.custodian;
    const bad = (msg: string, w: Location = {}) =>
      out.findings.push(finding("V15", "INVALID_PROOF", msg, { ...where, custodian: i, ...w }));
    const mine = s.shares.get(i);
    const tally: TallyContest[] = [];
    const seen = new Set<string>();
    for (const sc of b.contests) {
      const tc = s.tally.get(sc.contest);
      if (tc && (mine?.has(sc.contest) || seen.has(sc.contest))) {
        out.findings.push(
          finding(
            "V15",
            "SHARE_ALREADY_POSTED",
            `custodian ${i} already posted a share for contest ${sc.contest}`,
            { ...where, custodian: i, contest: sc.contest },
          ),
        );
        continue;
      }
      if (!tc) {
        bad(`contest ${sc.contest} is not tallied`, { contest: sc.contest });
        continue;
      }
      seen.add(sc.contest);
      if (sc.options.map((o) => o.option).join() !== tc.options.map((o) => o.option).join()) {
        bad(`shares for ${sc.contest} must list the tally's options in order`, {
          contest: sc.contest,
        });
        continue;
      }
      tally.push(tc);
    }
    if (out.findings.length) return;
    out.work.push({
      kind: "decryption.share",
      ctx: s.ctx,
      verificationShare: s.electionKey?.verificationShares[i - 1] ?? "",
      tally,
      body: b,
      where: { ...where, custodian: i },
    });
  },
  apply(entry, s) {
    const b = entry.body;
    let mine = s.shares.get(b.custodian);
    if (!mine) s.shares.set(b.custodian, (mine = new Map()));
    for (const c of b.contests) mine.set(c.contest, c);
    s.shareEntries++;
  },
};
