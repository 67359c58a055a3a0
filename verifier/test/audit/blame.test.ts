/**
 * Check B of spec/ceremony.md (§3.4, §5, §6), reported under V8: every `ceremony.blame` on the log
 * is judged from its proof and the accused's round-1 entry. Upheld, it names the accused as
 * culprit; false or malformed, it names its author; and since any blame aborts the session, a
 * certification or an `election.key` after it fails V8 too. The blames are real ones, made with
 * the board's prover (board/src/ceremony/blame.ts); the records are tampered as a malicious
 * board with the custodians' keys (entries and checkpoint re-signed).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Entry, VerificationReport } from "@urna/schemas";
import { makeBlameRandom } from "../../../board/src/ceremony/index.js";
import { signEntry } from "../../../board/src/entry-sign.js";
import * as dkg from "../../src/ceremony/index.js";
import { baseHash as computeBaseHash } from "../../src/crypto/base-hash.js";
import { ElectionState } from "../../src/election/state.js";
import { reportToText } from "../../src/report/text.js";
import {
  ELECTION_ID,
  cleanupRecords,
  generateElection,
  readEntries,
  type GeneratedElection,
} from "../../../tests/fixtures/election.js";
import { check, failed, verifyEdited } from "../../../tests/fixtures/audit.js";

let g: GeneratedElection;

afterAll(cleanupRecords);

beforeAll(async () => {
  g = await generateElection({
    voters: 6,
    revotePolicy: "single",
    custodians: 3,
    threshold: 2,
    seed: 41,
  });
}, 120_000);

const verify = (entries: Entry[]): Promise<VerificationReport> =>
  verifyEdited(g, (e) => void e.splice(0, e.length, ...entries));

const setup = () => dkg.setupFromManifest(g.manifest, computeBaseHash(ELECTION_ID, g.manifest));
const round1Index = (entries: Entry[], j: number) =>
  entries.findIndex(
    (e) => e.type === "ceremony.round1" && (e.body as { custodian: number }).custodian === j,
  );
const lastRound1 = (entries: Entry[]) =>
  entries.reduce((k, e, i) => (e.type === "ceremony.round1" ? i : k), -1);

/** Custodian i's blame of j (reason as given), signed by i. */
function blameEntry(entries: Entry[], i: number, j: number, reason: dkg.ShareFault): Entry {
  const accused = dkg.round1FromBody(entries[round1Index(entries, j)].body).message;
  const blame = makeBlameRandom(setup(), i, g.keys.custodians[i - 1].dkgSecret, j, accused, reason);
  return signEntry(
    "ceremony.blame",
    ELECTION_ID,
    dkg.blameToBody(blame) as never,
    g.keys.custodians[i - 1].signing,
  ) as Entry;
}

/**
 * The record up to the last round-1 entry, custodian 2's share to custodian 1 replaced by bytes
 * that do not authenticate (its round 1 re-signed: check R does not cover the ciphertexts).
 */
function badShareFrom2(): Entry[] {
  const entries = readEntries(g.dir).slice(0, lastRound1(readEntries(g.dir)) + 1);
  const k = round1Index(entries, 2);
  const m = dkg.round1FromBody(entries[k].body).message;
  const c = new Uint8Array(m.ciphertexts[0].length).fill(7);
  const body = dkg.round1ToBody(2, { ...m, ciphertexts: [c, ...m.ciphertexts.slice(1)] });
  entries[k] = signEntry(
    "ceremony.round1",
    ELECTION_ID,
    body as never,
    g.keys.custodians[1].signing,
  ) as Entry;
  return entries;
}

describe("check B: every blame judged (ceremony.md §3.4, §5; V8)", () => {
  it("an upheld blame names the accused as culprit", async () => {
    const entries = badShareFrom2();
    entries.push(blameEntry(entries, 1, 2, "decryption-failed"));
    const r = await verify(entries);
    expect(failed(r), reportToText(r)).toEqual(["V8"]);
    expect(check(r, "V8").failures).toEqual([
      expect.objectContaining({
        index: entries.length - 1,
        custodian: 2,
        message: expect.stringMatching(/^CEREMONY_BLAME_UPHELD: /),
      }),
    ]);
  });

  it("a blame whose proof does not verify names its author (CEREMONY_BAD_BLAME)", async () => {
    const entries = badShareFrom2();
    const e = blameEntry(entries, 1, 2, "decryption-failed");
    const body = { ...(e.body as Record<string, string>) };
    body.ecdhStatic = (e.body as { ecdhEphemeral: string }).ecdhEphemeral;
    entries.push(
      signEntry(
        "ceremony.blame",
        ELECTION_ID,
        body as never,
        g.keys.custodians[0].signing,
      ) as Entry,
    );
    const r = await verify(entries);
    expect(failed(r), reportToText(r)).toEqual(["V8"]);
    expect(check(r, "V8").failures).toEqual([
      expect.objectContaining({
        index: entries.length - 1,
        custodian: 1,
        message: expect.stringMatching(/^CEREMONY_BAD_BLAME: /),
      }),
    ]);
  });

  it("a blame naming the wrong fault names its author (CEREMONY_BAD_BLAME)", async () => {
    const entries = badShareFrom2();
    entries.push(blameEntry(entries, 1, 2, "share-mismatch"));
    const r = await verify(entries);
    expect(check(r, "V8").failures).toEqual([
      expect.objectContaining({
        custodian: 1,
        message: expect.stringMatching(/^CEREMONY_BAD_BLAME/),
      }),
    ]);
  });

  it("a blame of oneself names its author (CEREMONY_BAD_BLAME)", async () => {
    const entries = badShareFrom2();
    const e = blameEntry(entries, 1, 2, "decryption-failed");
    const body = { ...(e.body as Record<string, unknown>), accused: 1 };
    entries.push(
      signEntry(
        "ceremony.blame",
        ELECTION_ID,
        body as never,
        g.keys.custodians[0].signing,
      ) as Entry,
    );
    const r = await verify(entries);
    expect(check(r, "V8").failures).toEqual([
      expect.objectContaining({
        index: entries.length - 1,
        custodian: 1,
        message: expect.stringMatching(/^CEREMONY_BAD_BLAME: /),
      }),
    ]);
  });

  it("a false blame names its author; the certifications and the key after it fail V8", async () => {
    const entries = readEntries(g.dir);
    const at = lastRound1(entries) + 1;
    entries.splice(at, 0, blameEntry(entries, 3, 1, "share-mismatch"));
    const r = await verify(entries);
    expect(failed(r), reportToText(r)).toEqual(["V8"]);
    const fs = check(r, "V8").failures;
    expect(fs).toContainEqual(
      expect.objectContaining({
        index: at,
        custodian: 3,
        message: expect.stringMatching(/^CEREMONY_FALSE_BLAME: /),
      }),
    );
    // every certification after the blame is flagged, each naming its custodian
    const certs = entries.flatMap((e, i) => (e.type === "ceremony.certify" ? [i] : []));
    expect(certs).toHaveLength(3);
    for (const [k, i] of certs.entries())
      expect(fs).toContainEqual(
        expect.objectContaining({
          index: i,
          custodian: k + 1,
          message: expect.stringContaining(`after the ceremony.blame at entry ${at}`),
        }),
      );
    const key = entries.findIndex((e) => e.type === "election.key");
    expect(fs).toContainEqual(
      expect.objectContaining({
        index: key,
        message: expect.stringMatching(/^INVALID_KEY: .*aborted/),
      }),
    );
    expect(fs).toHaveLength(5);
    // the key itself is still checked, and the rest of the election with it
    for (const id of ["V12", "V14", "V15", "V16", "V17"]) expect(check(r, id).status).toBe("pass");
  });

  it("the honest record has no V8 failure", async () => {
    const r = await verify(readEntries(g.dir));
    expect(r.ok, reportToText(r)).toBe(true);
  });
});

describe("check K: every failing item (ceremony.md §5)", () => {
  it("a bad certification does not hide a wrong verification share in election.key", async () => {
    const entries = readEntries(g.dir);
    const [c1, c2] = entries.flatMap((e, i) => (e.type === "ceremony.certify" ? [i] : []));
    const sig2 = (entries[c2].body as { signature: string }).signature;
    entries[c1] = signEntry(
      "ceremony.certify",
      ELECTION_ID,
      { custodian: 1, signature: sig2 } as never,
      g.keys.custodians[0].signing,
    ) as Entry;
    const key = entries.findIndex((e) => e.type === "election.key");
    const body = structuredClone(entries[key].body) as { verificationShares: string[] };
    const vs = body.verificationShares;
    [vs[1], vs[2]] = [vs[2], vs[1]];
    entries[key] = signEntry("election.key", ELECTION_ID, body as never, g.keys.authority) as Entry;
    const r = await verify(entries);
    const fs = check(r, "V8").failures;
    expect(fs).toContainEqual(expect.objectContaining({ index: c1, custodian: 1 }));
    for (const custodian of [2, 3])
      expect(fs).toContainEqual(
        expect.objectContaining({
          index: key,
          custodian,
          message: expect.stringContaining(`differs from the recomputed Y_${custodian}`),
        }),
      );
  });
});

describe("the board's side: the same state machine", () => {
  /** Replays entries[0..upTo) and prechecks entries[upTo] as the board would. */
  function precheckAt(entries: Entry[], upTo: number) {
    const c = ElectionState.create(entries[0]);
    const state = c.state as ElectionState;
    for (let i = 1; i < upTo; i++) {
      const pre = state.precheck(entries[i], i);
      expect(pre.findings, `entry ${i}`).toEqual([]);
      state.apply(pre.entry as Entry, i);
    }
    return state.precheck(entries[upTo], upTo).findings;
  }

  it("accepts a well-formed false blame (its verdict is the auditor's)", () => {
    const entries = readEntries(g.dir);
    const at = lastRound1(entries) + 1;
    entries.splice(at, 0, blameEntry(entries, 3, 1, "share-mismatch"));
    expect(precheckAt(entries, at)).toEqual([]);
    // ... but refuses a certification after it, and a second blame of the same pair
    expect(precheckAt(entries, at + 1)).toEqual([
      expect.objectContaining({ check: "V8", code: "INVALID_CEREMONY", custodian: 1 }),
    ]);
    const again = [...entries.slice(0, at + 1), blameEntry(entries, 3, 1, "bad-plaintext")];
    expect(precheckAt(again, at + 1)).toEqual([
      expect.objectContaining({
        check: "V8",
        code: "INVALID_CEREMONY",
        custodian: 3,
        message: expect.stringContaining("already blamed"),
      }),
    ]);
  });

  it("refuses a blame before the accused's round 1", () => {
    const entries = readEntries(g.dir);
    const first = round1Index(entries, 1);
    const blame = blameEntry(entries, 1, 3, "share-mismatch");
    const early = [...entries.slice(0, first + 1), blame];
    expect(round1Index(early, 3)).toBe(-1);
    expect(precheckAt(early, first + 1)).toEqual([
      expect.objectContaining({ check: "V8", code: "INVALID_CEREMONY", custodian: 1 }),
    ]);
  });
});
