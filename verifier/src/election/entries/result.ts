/**
 * `result` (protocol.md §6.10, checks V16-V17): by the authority, the decrypted counts of
 * tallied contests with the manifest's titles and labels, combined from the shares of the
 * `threshold` custodians it names. Each result entry names its own set: V16 judges every contest
 * of the entry against that set, and a set differing from another entry's is no fault. Phase
 * `done` starts when every contest has a result.
 */
import type { TallyContest } from "@urna/schemas";
import { finding, type CodeOf, type Location } from "../findings.js";
import type { EntryRule } from "./entry-rule.js";
import { byAuthority } from "./signers.js";

export const result: EntryRule<"result"> = {
  type: "result",
  phases: ["tallying"],
  signer: byAuthority,
  check(entry, s, { where, out }) {
    const b = entry.body;
    const m = s.manifest;
    const bad = (
      check: "V16" | "V17",
      msg: string,
      w: Location = {},
      code: CodeOf<"V16" | "V17"> = "RESULT_MISMATCH",
    ) => out.findings.push(finding(check, code, msg, { ...where, ...w }));
    const S = b.custodians;
    const repeated = [...new Set(S.filter((i, k) => S.indexOf(i) !== k))];
    const unknown = [...new Set(S.filter((i) => !m.custodians[i - 1]))];
    const distinct = new Set(S).size;
    const validSet = repeated.length === 0 && unknown.length === 0 && S.length === m.threshold;
    const perContest = s.countedPerContest();
    const seen = new Set<string>();
    for (const rc of b.contests) {
      const c = s.contests.get(rc.contest);
      const tc = s.tally.get(rc.contest);
      if (!c || !tc || s.result.has(rc.contest) || seen.has(rc.contest)) {
        bad("V17", `contest ${rc.contest} is unknown, not tallied, or already has a result`, {
          contest: rc.contest,
        });
        continue;
      }
      seen.add(rc.contest);
      const at = { contest: rc.contest, path: "/body/custodians" };
      for (const i of repeated)
        bad("V16", `custodians: custodian ${i} is named more than once`, {
          ...at,
          custodian: i,
        });
      for (const i of unknown)
        bad("V16", `custodians: ${i} is not a manifest custodian`, { ...at, custodian: i });
      if (distinct !== m.threshold)
        bad(
          "V16",
          `custodians: the result must name ${m.threshold} distinct custodians, not ${distinct}`,
          at,
        );
      if (rc.title !== c.title)
        bad("V17", `contest title must be "${c.title}"`, { contest: rc.contest });
      if (rc.options.length !== c.options.length)
        bad("V17", `contest ${rc.contest} must list every option in manifest order`, {
          contest: rc.contest,
        });
      else
        rc.options.forEach((o, k) => {
          const mo = c.options[k];
          if (o.option !== mo.id || o.label !== mo.label)
            bad("V17", `option ${k} must be ${mo.id} "${mo.label}"`, {
              contest: rc.contest,
              option: o.option,
            });
        });
      // The sanity bound (verification.md V16): no option has more votes than the counted
      // ballots holding the contest, and the contest no more than maxSelections per ballot.
      const ballots = perContest.get(rc.contest) ?? 0;
      let total = 0;
      for (const o of rc.options) {
        total += o.votes;
        if (o.votes > ballots)
          bad(
            "V16",
            `${o.votes} votes for ${o.option}, but only ${ballots} counted ballot(s) hold ${rc.contest}`,
            { contest: rc.contest, option: o.option },
            "RESULT_EXCEEDS_BALLOTS",
          );
      }
      if (total > c.maxSelections * ballots)
        bad(
          "V16",
          `${total} votes in ${rc.contest}, more than maxSelections ${c.maxSelections} × ${ballots} counted ballot(s)`,
          { contest: rc.contest },
          "RESULT_EXCEEDS_BALLOTS",
        );
      // V16 pairs each result option with the tally's and the shares' by option id, not
      // by position: the order of the result's options is V17's concern alone.
      const tallied = new Map(tc.options.map((o) => [o.option, o]));
      const tallyOptions = rc.options.map((o) => tallied.get(o.option));
      let complete = true;
      rc.options.forEach((o, k) => {
        if (tallyOptions[k]) return;
        complete = false;
        bad("V16", `option ${o.option} is not in the tally`, {
          contest: rc.contest,
          option: o.option,
        });
      });
      const shares: { custodian: number; shares: string[] }[] = [];
      for (const i of new Set(S)) {
        if (!m.custodians[i - 1]) continue;
        const sc = s.shares.get(i)?.get(rc.contest);
        const byOption = new Map(sc?.options.map((o) => [o.option, o.share]));
        const own = rc.options.map((o) => byOption.get(o.option));
        if (!sc || own.some((d) => d === undefined))
          bad("V16", `custodian ${i} has no share for every option of ${rc.contest}`, {
            contest: rc.contest,
            custodian: i,
          });
        else shares.push({ custodian: i, shares: own as string[] });
      }
      if (complete && validSet && shares.length === S.length)
        out.work.push({
          kind: "result",
          threshold: m.threshold,
          shares,
          tally: { ...tc, options: tallyOptions as TallyContest["options"] },
          result: rc,
          where: { ...where, contest: rc.contest },
        });
    }
  },
  apply(entry, s, index) {
    const b = entry.body;
    s.resultCustodians ??= b.custodians;
    for (const c of b.contests) {
      s.result.set(c.contest, c);
      s.resultCustodiansOf.set(c.contest, b.custodians);
    }
    if (s.result.size === s.manifest.contests.length) {
      s.phase = "done";
      s.doneSize = index + 1;
    }
  },
};
