/**
 * `ballot` (protocol.md §6.6, checks V10-V13): a cast ballot, signed by a published credential
 * while voting is open. Under `single` a credential's second ballot is V11 (the auditor judges
 * that when voting closes, once it knows which ballots are valid).
 */
import { finding } from "../findings.js";
import type { EntryRule } from "./entry-rule.js";
import { ballotContests } from "./ballot-rules.js";
import { byCredential } from "./signers.js";

export const ballot: EntryRule<"ballot"> = {
  type: "ballot",
  phases: ["voting"],
  byCredential: true,
  signer: byCredential,
  check(entry, s, c) {
    const contests = ballotContests(s, c, entry.signer, entry.body, "/body");
    if (!contests) return;
    const earlier = s.ballotsOf.get(entry.signer);
    if (!c.deferRevote && s.manifest.revotePolicy === "single" && (earlier?.length ?? 0) > 0)
      return void c.out.findings.push(
        finding(
          "V11",
          "ALREADY_VOTED",
          `this credential has already voted (entry ${earlier?.[0]})`,
          c.where,
        ),
      );
    c.out.work.push({
      kind: "ballot",
      ctx: s.ctx,
      signer: entry.signer,
      contests,
      body: entry.body,
      where: c.where,
    });
  },
  apply(entry, s, index) {
    const list = s.ballotsOf.get(entry.signer);
    if (list) list.push(index);
    else {
      s.ballotsOf.set(entry.signer, [index]);
      const style = s.credentials.get(entry.signer);
      if (style !== undefined) s.styleTurnout(style).voters++;
    }
    s.ballotCount++;
    s.alphas.addBallot(entry.body, index);
  },
  skip(entry, s, index) {
    // A ballot entry's alphas join the reuse set even when it is not admitted (§6.11).
    s.alphas.addBallot(entry.body, index);
  },
};
