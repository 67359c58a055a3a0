/**
 * V16 and V17 on results that are well formed but may be wrong (spec/verification.md V16, V17;
 * protocol.md §6.10): each `result` entry names its own `threshold` custodians, a custodian named
 * twice is V16's failure (not a schema error that would hide the entry from V16 and V17), and the
 * decrypted totals are bounded by the counted ballots that hold the contest
 * (`RESULT_EXCEEDS_BALLOTS`). Records are tampered as a malicious board together with the
 * authority and custodians (entries and checkpoint re-signed), so only these checks can object.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  DecryptionShareBody,
  Entry,
  ResultBody,
  TallyBody,
  VerificationReport,
} from "@urna/schemas";
import { computeResult, decryptionShare } from "../../../board/src/crypto/index.js";
import { signEntry } from "../../../board/src/entry-sign.js";
import { ElectionState } from "../../src/election/state.js";
import { reportToText } from "../../src/report/text.js";
import { fromBase64 } from "../../src/bytes.js";
import { baseHash as computeBaseHash } from "../../src/crypto/base-hash.js";
import { decodeElement } from "../../src/crypto/group.js";
import {
  ELECTION_ID,
  cleanupRecords,
  generateElection,
  readEntries,
  resignEntry,
  type GeneratedElection,
} from "../../../tests/fixtures/election.js";
import { check, failed, verifyEdited } from "../../../tests/fixtures/audit.js";

let g: GeneratedElection;

afterAll(cleanupRecords);

beforeAll(async () => {
  g = await generateElection({
    voters: 10,
    revotePolicy: "single",
    custodians: 3,
    threshold: 2,
    seed: 31,
  });
}, 120_000);

const tampered = (edit: (entries: Entry[]) => void): Promise<VerificationReport> =>
  verifyEdited(g, edit);

const A = "presidencia";
const B = ["senaduria-09", "consulta-15"];

/** Custodian i's decryption share, restricted to `contests`. */
function shareOf(i: number, tally: TallyBody, contests: string[]): DecryptionShareBody {
  const key = readEntries(g.dir)[g.at.key].body as { publicKey: string };
  const body = decryptionShare({
    baseHash: computeBaseHash(ELECTION_ID, g.manifest),
    publicKey: decodeElement(fromBase64(key.publicKey)),
    custodian: i,
    secretShare: g.keys.custodians[i - 1].secretShare,
    tally,
  });
  return { ...body, contests: body.contests.filter((c) => contests.includes(c.contest)) };
}

/** The result of `contests` decrypted with `shares`, naming `custodians`. */
function resultOf(
  tally: TallyBody,
  shares: DecryptionShareBody[],
  contests: string[],
  custodians?: number[],
): ResultBody {
  const only = { ...tally, contests: tally.contests.filter((c) => contests.includes(c.contest)) };
  const r = computeResult(g.manifest, only, shares, g.manifest.threshold);
  return {
    custodians: custodians ?? r.custodians,
    contests: r.contests.filter((c) => contests.includes(c.contest)),
  };
}

/**
 * Replaces the shares and the result with: custodian 1 sharing contest A only, custodian 2
 * every contest, custodian 3 the contests B only; a result for A by {1, 2} and one for B by
 * `setB` (default {2, 3}).
 */
function splitResult(entries: Entry[], setB?: number[]): { resultA: number; resultB: number } {
  const tally = entries[g.at.tally as number].body as TallyBody;
  entries.splice(g.at.shares[0]);
  const s1 = shareOf(1, tally, [A]);
  const s2 = shareOf(2, tally, [A, ...B]);
  const s3 = shareOf(3, tally, B);
  entries.push(
    signEntry("decryption.share", ELECTION_ID, s1, g.keys.custodians[0].signing) as Entry,
    signEntry("decryption.share", ELECTION_ID, s2, g.keys.custodians[1].signing) as Entry,
    signEntry("decryption.share", ELECTION_ID, s3, g.keys.custodians[2].signing) as Entry,
  );
  const rA = resultOf(tally, [s1, s2], [A]);
  expect(rA.custodians).toEqual([1, 2]);
  const rB = resultOf(tally, [s2, s3], B, setB);
  entries.push(signEntry("result", ELECTION_ID, rA, g.keys.authority) as Entry);
  entries.push(signEntry("result", ELECTION_ID, rB, g.keys.authority) as Entry);
  return { resultA: entries.length - 2, resultB: entries.length - 1 };
}

describe("V16: each result entry with its own custodians (protocol.md §6.10)", () => {
  it("a result split over two entries decrypted by {1, 2} and {2, 3} passes", async () => {
    const r = await tampered((e) => void splitResult(e));
    expect(failed(r), reportToText(r)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.result?.contests).toEqual(g.expected?.contests);
    expect(r.result?.custodians).toEqual([1, 2, 3]);
  });

  it("the same with a wrong set for the second entry fails V16, naming its contests", async () => {
    let at = 0;
    const r = await tampered((e) => void (at = splitResult(e, [1, 2]).resultB));
    expect(failed(r), reportToText(r)).toEqual(["V16"]);
    const fs = check(r, "V16").failures;
    for (const contest of B)
      expect(fs).toContainEqual(
        expect.objectContaining({
          index: at,
          contest,
          custodian: 1,
          message: expect.stringContaining("RESULT_MISMATCH"),
        }),
      );
    expect(fs.every((f) => f.index === at && B.includes(f.contest as string))).toBe(true);
    expect(r.result).toBeUndefined();
  });

  it("a custodian named twice is V16's failure, naming the contest; V4 and V17 pass", async () => {
    let at = 0;
    const r = await tampered((e) => {
      at = g.at.result as number;
      const body = structuredClone(e[at].body) as ResultBody;
      body.custodians = [body.custodians[0], body.custodians[0]];
      e[at] = resignEntry({ ...e[at], body } as Entry, g.keys.authority);
    });
    expect(failed(r), reportToText(r)).toEqual(["V16"]);
    for (const id of ["V4", "V17"]) expect(check(r, id).status).toBe("pass");
    const twice = check(r, "V16").failures.filter((f) => /more than once/.test(f.message));
    expect(twice.map((f) => f.contest).sort()).toEqual(g.manifest.contests.map((c) => c.id).sort());
    for (const f of twice) expect(f).toMatchObject({ index: at, custodian: 1 });
  });

  it("a custodian named twice with a wrong label still fails V17 (the entry is judged)", async () => {
    const r = await tampered((e) => {
      const at = g.at.result as number;
      const body = structuredClone(e[at].body) as ResultBody;
      body.custodians = [body.custodians[0], body.custodians[0]];
      body.contests[0].options[0].label = "Otro";
      e[at] = resignEntry({ ...e[at], body } as Entry, g.keys.authority);
    });
    expect(failed(r), reportToText(r)).toEqual(["V16", "V17"]);
    expect(check(r, "V17").failures).toEqual([
      expect.objectContaining({
        contest: g.expected?.contests[0].contest,
        option: g.expected?.contests[0].options[0].option,
      }),
    ]);
  });
});

describe("V16: the totals are bounded by the counted ballots (RESULT_EXCEEDS_BALLOTS)", () => {
  /** Counted ballots holding each contest, from the generator's plan. */
  const holding = (contest: string) =>
    g.ballots.filter((b) => b.type === "ballot" && b.counted && b.choices[contest]).length;

  it("the honest result passes", async () => {
    const r = await tampered(() => {});
    expect(r.ok, reportToText(r)).toBe(true);
    expect(check(r, "V16").failures).toEqual([]);
  });

  it("an option with more votes than ballots holding the contest fails", async () => {
    const contest = "senaduria-09";
    const n = holding(contest);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(g.ballots.filter((b) => b.type === "ballot" && b.counted).length);
    const r = await tampered((e) => {
      const at = g.at.result as number;
      const body = structuredClone(e[at].body) as ResultBody;
      const rc = body.contests.find((c) => c.contest === contest)!;
      rc.options[0].votes = n + 1;
      e[at] = resignEntry({ ...e[at], body } as Entry, g.keys.authority);
    });
    expect(failed(r), reportToText(r)).toEqual(["V16"]);
    const over = check(r, "V16").failures.filter((f) =>
      f.message.startsWith("RESULT_EXCEEDS_BALLOTS"),
    );
    expect(over).toContainEqual(
      expect.objectContaining({ contest, option: g.manifest.contests[1].options[0].id }),
    );
  });

  it("a contest total above maxSelections × ballots fails, though no option exceeds", async () => {
    const contest = "presidencia";
    const n = holding(contest);
    const r = await tampered((e) => {
      const at = g.at.result as number;
      const body = structuredClone(e[at].body) as ResultBody;
      const rc = body.contests.find((c) => c.contest === contest)!;
      for (const o of rc.options) o.votes = n;
      e[at] = resignEntry({ ...e[at], body } as Entry, g.keys.authority);
    });
    expect(failed(r), reportToText(r)).toEqual(["V16"]);
    const over = check(r, "V16").failures.filter((f) =>
      f.message.startsWith("RESULT_EXCEEDS_BALLOTS"),
    );
    expect(over).toEqual([expect.objectContaining({ contest })]);
    expect(over[0].option).toBeUndefined();
  });
});

describe("the schema states no rule a numbered check owns (verification.md §Failing entries 5)", () => {
  it("a contest listed twice in a ballot style is V6's (protocol.md §6.1), not V4's", () => {
    const e0 = readEntries(g.dir)[0];
    const body = structuredClone(e0.body) as { ballotStyles: { contests: string[] }[] };
    const s = body.ballotStyles[0];
    s.contests = [s.contests[0], ...s.contests];
    const c = ElectionState.create(resignEntry({ ...e0, body } as Entry, g.keys.authority));
    expect(c.state).toBeUndefined();
    expect(c.findings).toEqual([
      expect.objectContaining({ check: "V6", path: "/body/ballotStyles/0/contests/1" }),
    ]);
  });
});
