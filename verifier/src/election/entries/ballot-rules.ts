/**
 * The rules a cast ballot and a challenged ballot share (protocol.md §6.6-§6.7, checks
 * V10-V13): the credential's style, ciphertext reuse, and the ballot's structure, checked before
 * its proofs are queued.
 */
import type { BallotBody, ChallengedBallotBody, Contest } from "@urna/schemas";
import { reusedCiphertexts } from "../ciphertexts.js";
import { finding, type Finding, type Location } from "../findings.js";
import type { StateData } from "../state-data.js";
import type { BodyCheck } from "./entry-rule.js";

/**
 * The checks of a ballot body (`body` at `bodyPath` of the entry) signed by `signer` that need
 * no group arithmetic. Returns the contests of its style when its proofs are to be checked: the
 * structure is sound and the joint key is known.
 */
export function ballotContests(
  s: StateData,
  c: BodyCheck,
  signer: string,
  body: BallotBody,
  bodyPath: "/body" | "/body/ballot",
): Contest[] | undefined {
  const { where, out } = c;
  const credentialStyle = s.credentials.get(signer);
  if (credentialStyle !== undefined && body.style !== credentialStyle)
    out.findings.push(
      finding(
        "V10",
        "NOT_ELIGIBLE",
        `the credential's style is ${credentialStyle}, not ${body.style}`,
        { ...where, path: "/body/style" },
      ),
    );
  // The proofs are checked against the style the ballot names (V12 covers every ballot).
  const contests = s.styles.get(body.style);
  // Reuse (V13) is judged on every ballot entry that passes the schema, whatever its other
  // failures, against every earlier one (protocol.md §6.11): it needs no style or key.
  out.findings.push(...reusedCiphertexts(body, contests ?? [], s.alphas, where, bodyPath));
  if (!contests) {
    out.findings.push(
      finding("V10", "INVALID_BALLOT", `unknown ballot style ${body.style}`, {
        ...where,
        path: "/body/style",
      }),
    );
    return undefined;
  }
  const structure = ballotStructure(body, contests, where);
  if (structure.length) {
    out.findings.push(...structure);
    return undefined;
  }
  if (!s.electionKey) return undefined; // no joint key to check proofs against (V7 has failed)
  return contests;
}

/** A ballot holds exactly its style's contests, one selection per option (protocol.md §6.6). */
export function ballotStructure(body: BallotBody, contests: Contest[], where: Location): Finding[] {
  const out: Finding[] = [];
  const bad = (msg: string, w: Location) =>
    out.push(finding("V10", "INVALID_BALLOT", msg, { ...where, ...w }));
  if (
    body.contests.length !== contests.length ||
    body.contests.some((c, i) => c.contest !== contests[i].id)
  ) {
    bad(
      `the ballot must hold exactly the contests ${contests.map((c) => c.id).join(", ")}, in order`,
      { path: "/body/contests" },
    );
    return out;
  }
  body.contests.forEach((bc, i) => {
    const c = contests[i];
    const d = c.maxSelections - c.minSelections + 1;
    if (bc.selections.length !== c.options.length)
      bad(`contest ${c.id} needs ${c.options.length} selections`, {
        contest: c.id,
        path: `/body/contests/${i}/selections`,
      });
    bc.selections.forEach((s, j) => {
      if (
        s.proof.a.length !== 2 ||
        s.proof.b.length !== 2 ||
        s.proof.c.length !== 2 ||
        s.proof.v.length !== 2
      )
        bad("a selection proof has 2 branches", {
          contest: c.id,
          option: c.options[j]?.id,
          path: `/body/contests/${i}/selections/${j}/proof`,
        });
    });
    const p = bc.proof;
    if (p.a.length !== d || p.b.length !== d || p.c.length !== d || p.v.length !== d)
      bad(`the contest proof of ${c.id} has ${d} branches`, {
        contest: c.id,
        path: `/body/contests/${i}/proof`,
      });
  });
  return out;
}

/** A challenged ballot reveals a choice and a nonce per option of each of its contests. */
export function revealedStructure(
  b: ChallengedBallotBody,
  contests: Contest[],
  where: Location,
): Finding[] {
  const out: Finding[] = [];
  const bad = (msg: string, w: Location) =>
    out.push(finding("V13", "INVALID_CHALLENGE", msg, { ...where, ...w }));
  if (
    b.revealed.length !== contests.length ||
    b.revealed.some((r, i) => r.contest !== contests[i].id)
  ) {
    bad("the revealed contests must match the ballot's", { path: "/body/revealed" });
    return out;
  }
  b.revealed.forEach((r, i) => {
    const n = contests[i].options.length;
    if (r.choices.length !== n || r.nonces.length !== n)
      bad(`contest ${r.contest} needs ${n} choices and nonces`, {
        contest: r.contest,
        path: `/body/revealed/${i}`,
      });
  });
  return out;
}
