/**
 * `ballot.challenged` (protocol.md §6.7, checks V10, V12, V13): a ballot spoiled for audit,
 * revealing its choices and nonces. It never counts.
 */
import type { EntryRule } from "./entry-rule.js";
import { ballotContests, revealedStructure } from "./ballot-rules.js";
import { byCredential } from "./signers.js";

export const ballotChallenged: EntryRule<"ballot.challenged"> = {
  type: "ballot.challenged",
  phases: ["voting"],
  byCredential: true,
  signer: byCredential,
  check(entry, s, c) {
    const contests = ballotContests(s, c, entry.signer, entry.body.ballot, "/body/ballot");
    if (!contests) return;
    const rev = revealedStructure(entry.body, contests, c.where);
    if (rev.length) return void c.out.findings.push(...rev);
    c.out.work.push({
      kind: "ballot.challenged",
      ctx: s.ctx,
      signer: entry.signer,
      contests,
      body: entry.body,
      where: c.where,
    });
  },
  apply(entry, s, index) {
    s.challengedCount++;
    s.alphas.addBallot(entry.body.ballot, index);
  },
  skip(entry, s, index) {
    s.alphas.addBallot(entry.body.ballot, index);
  },
};
