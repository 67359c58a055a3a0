/**
 * `tally` (protocol.md §6.8, check V14): by the authority after voting closes, the encrypted
 * sum of the counted ballots per contest, equal to the sum its checker computed
 * (`ElectionState.setComputedTally`). Phase `tallying` starts when every contest is tallied.
 */
import { finding, type Location } from "../findings.js";
import type { EntryRule } from "./entry-rule.js";
import { byAuthority } from "./signers.js";

export const tally: EntryRule<"tally"> = {
  type: "tally",
  phases: ["closed"],
  signer: byAuthority,
  check(entry, s, { where, out }) {
    const b = entry.body;
    const bad = (msg: string, w: Location = {}) =>
      out.findings.push(finding("V14", "TALLY_MISMATCH", msg, { ...where, ...w }));
    const counted = s.countedBallots().length;
    if (b.ballots !== counted) bad(`the tally counts ${b.ballots} ballots, the log has ${counted}`);
    if (s.tallyBallots !== undefined && b.ballots !== s.tallyBallots)
      bad("tally entries disagree on the ballot count");
    const seen = new Set<string>();
    for (const tc of b.contests) {
      const c = s.contests.get(tc.contest);
      if (!c || s.tally.has(tc.contest) || seen.has(tc.contest)) {
        bad(`contest ${tc.contest} is unknown or already tallied`, { contest: tc.contest });
        continue;
      }
      seen.add(tc.contest);
      if (tc.options.map((o) => o.option).join() !== c.options.map((o) => o.id).join()) {
        bad(`contest ${tc.contest} must list its options in manifest order`, {
          contest: tc.contest,
        });
        continue;
      }
      const want = s.computed?.get(tc.contest);
      if (!want) {
        bad(`no computed tally for contest ${tc.contest}`, { contest: tc.contest });
        continue;
      }
      tc.options.forEach((o, i) => {
        const w = want.options[i];
        if (
          !w ||
          w.ciphertext.alpha !== o.ciphertext.alpha ||
          w.ciphertext.beta !== o.ciphertext.beta
        )
          bad("the tally ciphertext is not the sum of the counted ballots", {
            contest: tc.contest,
            option: o.option,
          });
      });
    }
  },
  apply(entry, s) {
    s.tallyBallots = entry.body.ballots;
    for (const c of entry.body.contests) s.tally.set(c.contest, c);
    if (s.tally.size === s.manifest.contests.length) s.phase = "tallying";
  },
};
