/**
 * The auditor's end-to-end check (urna-verify election) on a real generated record: it passes
 * every check, and for every check V1..V17 (V18, attestations: tests/audit-attestation.test.ts) a record tampered in exactly that way fails that check,
 * names the item, and the other checks still run and report. Most tampering is done by a
 * malicious board that re-signs (and has re-cosigned) the log after changing it, so that only the
 * election checks can catch it; where a change needs a voter's, custodian's or the authority's
 * signature to get past V5, the key holder re-signs the entry (a dishonest voter, custodian or
 * authority).
 */
import { readFileSync, writeFileSync, appendFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  ChallengedBallotBody,
  CheckReport,
  CredentialsBody,
  DecryptionShareBody,
  Entry,
  Manifest,
  ResultBody,
  TallyBody,
  VerificationReport,
} from "@urna/schemas";
import { validateReport } from "@urna/schemas";
import { verifyElection } from "../../src/audit/verify-election.js";
import { folderSource, openFolderSource } from "../../src/record/folder-node.js";
import { memorySource } from "../../src/record/source.js";
import { reportToText } from "../../src/report/text.js";
import { toBase64 } from "../../src/bytes.js";
import { ed25519Signer } from "../../src/log/note.js";
import { ed25519 } from "@noble/curves/ed25519.js";
import {
  cleanupRecords,
  BOARD_NAME,
  ELECTION_ID,
  ORIGIN,
  copyRecord,
  generateElection,
  newBallot,
  readEntries,
  resign,
  resignEntry,
  signCheckpoint,
  writeEntries,
  type GeneratedElection,
} from "../../../tests/fixtures/election.js";

let g: GeneratedElection;
let base: VerificationReport;

afterAll(cleanupRecords);

beforeAll(async () => {
  g = await generateElection({
    voters: 12,
    revotePolicy: "single",
    custodians: 5,
    threshold: 3,
    seed: 11,
  });
  base = await verifyElection({ source: folderSource(g.dir), trust: g.trust });
}, 120_000);

const check = (r: VerificationReport, id: string): CheckReport =>
  r.checks.find((c) => c.id === id) as CheckReport;
const statuses = (r: VerificationReport) =>
  Object.fromEntries(r.checks.map((c) => [c.id, c.status]));

/** Tamper with a copy of the record as the (malicious) board, re-sign, verify. */
async function tampered(
  edit: (entries: Entry[]) => Entry[] | void,
  opts: { resign?: boolean } = {},
): Promise<VerificationReport> {
  const dir = copyRecord(g.dir);
  const entries = readEntries(dir);
  writeEntries(dir, edit(entries) ?? entries);
  if (opts.resign !== false) resign(dir, g.keys.board, g.keys.witnesses);
  const r = await verifyElection({ source: folderSource(dir), trust: g.trust });
  expect(validateReport(r).ok).toBe(true);
  expect(r.checks.map((c) => c.id)).toEqual(Array.from({ length: 18 }, (_, k) => `V${k + 1}`));
  expect(r.ok).toBe(false);
  return r;
}

/** Every check but the listed ones passes (or is legitimately skipped). */
function onlyFail(r: VerificationReport, ids: string[]) {
  const failed = r.checks.filter((c) => c.status === "fail").map((c) => c.id);
  expect(failed, reportToText(r)).toEqual(ids);
}

const counted = () => g.ballots.filter((b) => b.type === "ballot" && b.counted);
const challenged = () => g.ballots.filter((b) => b.type === "ballot.challenged");
const voterKey = (voter: number) => g.keys.credentials[voter].secretKey;
const custodianKey = (i: number) => g.keys.custodians[i - 1].signing;

describe("urna-verify election: a generated record", () => {
  it("passes every check, with the expected result", () => {
    expect(validateReport(base).ok).toBe(true);
    expect(base.ok, reportToText(base)).toBe(true);
    expect(Object.values(statuses(base)).every((s) => s === "pass")).toBe(true);
    expect(base.election).toBe(ELECTION_ID);
    expect(base.checkpoint).toMatchObject({ origin: ORIGIN, size: g.at.size });
    expect(base.result).toEqual(g.expected);
    // Items are counted: every leaf, every ballot, every proof.
    expect(check(base, "V1").items).toBe(g.at.size);
    expect(check(base, "V10").items).toBe(g.ballots.length);
    expect(check(base, "V13").items).toBe(challenged().length);
    expect(check(base, "V9").items).toBe(12);
    const proofs = g.ballots.reduce(
      (n, b) => n + Object.values(b.choices).reduce((m, c) => m + c.length + 1, 0),
      0,
    );
    expect(check(base, "V12").items).toBe(proofs);
  });

  it("gives the same report from memory, with worker threads, and in small batches", async () => {
    const lines = readFileSync(join(g.dir, "entries.jsonl"))
      .toString("utf8")
      .split("\n")
      .filter(Boolean);
    const mem = memorySource(
      readFileSync(join(g.dir, "checkpoint"), "utf8"),
      lines.map((l) => new TextEncoder().encode(l)),
    );
    const r1 = await verifyElection({ source: mem, trust: g.trust, batchSize: 3 });
    const r2 = await verifyElection({
      source: await openFolderSource(g.dir),
      trust: g.trust,
      workers: 2,
    });
    for (const r of [r1, r2]) {
      expect(r.ok, reportToText(r)).toBe(true);
      expect(r.result).toEqual(base.result);
      expect(r.checks.map((c) => [c.id, c.items])).toEqual(base.checks.map((c) => [c.id, c.items]));
    }
  });

  it("verifies a `last` election (superseded ballots left out of the tally) and one still voting", async () => {
    const last = await generateElection({
      voters: 8,
      revotePolicy: "last",
      revotes: 2,
      challenged: 1,
      custodians: 3,
      threshold: 2,
      witnesses: 1,
    });
    const r = await verifyElection({ source: folderSource(last.dir), trust: last.trust });
    expect(r.ok, reportToText(r)).toBe(true);
    expect(r.result).toEqual(last.expected);
    expect(check(r, "V11").reason).toContain("2 superseded");
    const open = await generateElection({
      voters: 4,
      stopWhileVoting: true,
      custodians: 3,
      threshold: 2,
      witnesses: 0,
      quorum: 0,
    });
    const r2 = await verifyElection({ source: folderSource(open.dir), trust: open.trust });
    expect(r2.ok, reportToText(r2)).toBe(true);
    for (const id of ["V14", "V15", "V16", "V17"])
      expect(check(r2, id)).toMatchObject({ status: "skip" });
    expect(check(r2, "V3")).toMatchObject({ status: "pass", items: 0 });
    expect(check(r2, "V3").reason).toContain("quorum 0");
    expect(r2.result).toBeUndefined();
  }, 120_000);
});

describe("urna-verify election: the log (V1-V3)", () => {
  it("V1: a checkpoint whose root does not match the leaves (signed by the real keys)", async () => {
    const dir = copyRecord(g.dir);
    signAndWrite(dir, g.at.size, new Uint8Array(32).fill(7));
    const r = await verifyElection({ source: folderSource(dir), trust: g.trust });
    onlyFail(r, ["V1"]);
    expect(check(r, "V1").failures[0].message).toContain(
      `the checkpoint's is ${toBase64(new Uint8Array(32).fill(7))}`,
    );
  });

  it("V1: a record with fewer leaves than the checkpoint's size", async () => {
    const dir = copyRecord(g.dir);
    const lines = readFileSync(join(dir, "entries.jsonl"), "utf8").split("\n");
    writeFileSync(join(dir, "entries.jsonl"), lines.slice(0, -2).join("\n") + "\n"); // drops the result
    const r = await verifyElection({ source: folderSource(dir), trust: g.trust });
    expect(check(r, "V1").status).toBe("fail");
    expect(check(r, "V1").failures[0].message).toContain(
      `${g.at.size - 1} leaves, the checkpoint's size is ${g.at.size}`,
    );
    expect(check(r, "V16").status).toBe("skip"); // no result left: reported, not invented
  });

  it("V1-V3: a checkpoint that is not a signed note at all; the entries are still checked", async () => {
    const dir = copyRecord(g.dir);
    writeFileSync(join(dir, "checkpoint"), "garbage\n");
    const r = await verifyElection({ source: folderSource(dir), trust: g.trust });
    onlyFail(r, ["V1", "V2", "V3"]);
    expect(check(r, "V1").failures[0].message).toContain(
      `no checkpoint could be read; the record has ${g.at.size} leaves`,
    );
    expect(r.checkpoint.size).toBe(g.at.size);
    expect(check(r, "V12").status).toBe("pass");
    expect(validateReport(r).ok).toBe(true);
  });

  it("V1: extra lines after the checkpoint's size are reported, not verified", async () => {
    const dir = copyRecord(g.dir);
    appendFileSync(join(dir, "entries.jsonl"), "{}\n");
    const r = await verifyElection({ source: folderSource(dir), trust: g.trust });
    expect(r.ok).toBe(true);
    expect(check(r, "V1").reason).toContain("1 line(s) after the checkpoint's size");
  });

  it("V2: a log re-signed by a key that is not the trusted board key", async () => {
    const evil = { name: g.keys.board.name, seed: ed25519.utils.randomSecretKey() };
    const dir = copyRecord(g.dir);
    resign(dir, evil, g.keys.witnesses);
    const r2 = await verifyElection({ source: folderSource(dir), trust: g.trust });
    onlyFail(r2, ["V2"]);
    expect(check(r2, "V2").failures[0].message).toMatch(/NO_VALID_SIGNATURE|INVALID_SIGNATURE/);
  });

  it("V2: a checkpoint for another origin, signed by the real key", async () => {
    const dir = copyRecord(g.dir);
    resign(dir, g.keys.board, g.keys.witnesses, `${BOARD_NAME}/elections/other-election`);
    const r = await verifyElection({ source: folderSource(dir), trust: g.trust });
    onlyFail(r, ["V2"]);
    expect(check(r, "V2").failures[0].message).toContain("WRONG_ORIGIN");
    // A trust file whose board vkey is not named after its election's origin still gives a
    // report: V2 fails (the rest of the record is checked).
    const other = {
      ...g.trust,
      board: { vkey: ed25519Signer("board.urna.test", g.keys.board.seed).vkey },
    };
    const r2 = await verifyElection({ source: folderSource(g.dir), trust: other });
    expect(check(r2, "V2").failures).toContainEqual(
      expect.objectContaining({ message: expect.stringContaining("BOARD_KEY_ELECTION_MISMATCH") }),
    );
  });

  it("V3: too few witness cosignatures", async () => {
    const dir = copyRecord(g.dir);
    resign(dir, g.keys.board, []);
    const r = await verifyElection({ source: folderSource(dir), trust: g.trust });
    onlyFail(r, ["V3"]);
    expect(check(r, "V3").failures[0].message).toContain(
      "0 valid witness cosignature(s), quorum is 1",
    );
    // A cosignature by an unknown witness does not count either.
    const dir2 = copyRecord(g.dir);
    resign(dir2, g.keys.board, [
      { name: "witness1.urna.test", seed: ed25519.utils.randomSecretKey() },
    ]);
    const r2 = await verifyElection({ source: folderSource(dir2), trust: g.trust });
    onlyFail(r2, ["V3"]);
  });
});

describe("urna-verify election: entries (V4-V7)", () => {
  it("V4: a leaf that is not canonical JSON and a leaf that occurs twice", async () => {
    const dir = copyRecord(g.dir);
    const lines = readFileSync(join(dir, "entries.jsonl"), "utf8").split("\n");
    const i = counted()[0].index;
    lines[i] = lines[i].replace(/^\{/, "{ ");
    writeFileSync(join(dir, "entries.jsonl"), lines.join("\n"));
    resign(dir, g.keys.board, g.keys.witnesses);
    const r = await verifyElection({ source: folderSource(dir), trust: g.trust });
    expect(check(r, "V4").status).toBe("fail");
    expect(check(r, "V4").failures).toContainEqual(
      expect.objectContaining({ index: i, message: expect.stringContaining("NON_CANONICAL") }),
    );
    for (const id of ["V1", "V2", "V3", "V12"]) expect(check(r, id).status).toBe("pass");

    const r2 = await tampered((e) => {
      const b = g.ballots.find((x) => x.type === "ballot.challenged")!;
      e.splice(b.index + 1, 0, e[b.index]); // the same challenged ballot again
    });
    expect(check(r2, "V4").failures).toContainEqual(
      expect.objectContaining({
        index: challenged()[0].index + 1,
        message: expect.stringContaining("DUPLICATE_ENTRY"),
      }),
    );
  });

  it("a repeated leaf is V4 only (verification.md §Failing entries, 2d): not a second ballot for V11, not reuse for V13", async () => {
    // A counted ballot again, right after itself: V4, and nothing else (V11, V13, V14 pass).
    const b = counted()[0];
    const r = await tampered((e) => void e.splice(b.index + 1, 0, e[b.index]));
    onlyFail(r, ["V4"]);
    expect(check(r, "V4").failures).toEqual([
      expect.objectContaining({
        index: b.index + 1,
        message: expect.stringContaining("DUPLICATE_ENTRY"),
      }),
    ]);
    // voting.open again: V4 (the repeat), not V7.
    const r2 = await tampered((e) => void e.splice(g.at.open + 1, 0, e[g.at.open]));
    onlyFail(r2, ["V4"]);
    expect(check(r2, "V4").failures[0]).toMatchObject({ index: g.at.open + 1 });
    // A copy before voting.open (V7, not admitted) makes the voter's own ballot a repeat: V4 at
    // the ballot, which is then not admitted, so the published tally (which counts it) fails V14.
    const r3 = await tampered((e) => void e.splice(g.at.open, 0, e[b.index]));
    onlyFail(r3, ["V4", "V7", "V14"]);
    expect(check(r3, "V4").failures).toEqual([
      expect.objectContaining({
        index: b.index + 1,
        message: expect.stringContaining("DUPLICATE_ENTRY"),
      }),
    ]);
    expect(check(r3, "V7").failures[0]).toMatchObject({ index: g.at.open });
    // A non-canonical copy is a repeat too (its jcs bytes are the earlier entry's): V4 twice.
    const dir = copyRecord(g.dir);
    const lines = readFileSync(join(dir, "entries.jsonl"), "utf8").split("\n");
    lines.splice(b.index + 1, 0, " " + lines[b.index]);
    writeFileSync(join(dir, "entries.jsonl"), lines.join("\n"));
    resign(dir, g.keys.board, g.keys.witnesses);
    const r4 = await verifyElection({ source: folderSource(dir), trust: g.trust });
    onlyFail(r4, ["V4"]);
    expect(
      check(r4, "V4")
        .failures.map((f) => f.message.split(":")[0])
        .sort(),
    ).toEqual(["DUPLICATE_ENTRY", "NON_CANONICAL"]);
  });

  it.each([
    ["an ANSI escape", "\u001b[2K\r\u001b[1A"],
    ["a bidi override", "\u202e0001\u202c"],
  ])(
    "V4: a manifest label carrying %s, re-signed by the authority (protocol.md §2)",
    async (_what, bad) => {
      const r = await tampered((e) => {
        const m = structuredClone(e[0].body) as Manifest;
        m.contests[0].options[0].label += bad;
        e[0] = resignEntry({ ...e[0], body: m } as Entry, g.keys.authority);
      });
      onlyFail(r, ["V4"]);
      expect(check(r, "V4").failures).toContainEqual(
        expect.objectContaining({
          index: 0,
          code: "SCHEMA_INVALID",
          message: expect.stringContaining("/body/contests/0/options/0/label"),
        }),
      );
      expect(r.result).toBeUndefined();
      expect(reportToText(r)).not.toMatch(/[\u001b\r\u202e]/u);
    },
  );

  it("V4: a line that is not JSON, and an entry for another election", async () => {
    const r = await tampered((e) => {
      e.splice(g.at.open + 1, 0, {
        type: "ballot",
        election: "other-election",
        body: e[counted()[0].index].body,
        signer: e[counted()[0].index].signer,
        signature: e[counted()[0].index].signature,
      } as Entry);
    });
    expect(check(r, "V4").failures).toContainEqual(
      expect.objectContaining({
        index: g.at.open + 1,
        message: expect.stringContaining("ELECTION_MISMATCH"),
      }),
    );
    // V4 only for it (§Failing entries, 2e); its alphas join the reuse set, so the voter's own
    // ballot, now after it, fails V13 (and, not admitted, is not counted: V14).
    for (const id of ["V5", "V7", "V10", "V12", "V13"])
      expect(check(r, id).failures.filter((f) => f.index === g.at.open + 1)).toEqual([]);
    expect(check(r, "V13").failures).toContainEqual(
      expect.objectContaining({
        index: counted()[0].index + 1,
        message: expect.stringContaining("CIPHERTEXT_REUSED"),
      }),
    );
    const dir = copyRecord(g.dir);
    const lines = readFileSync(join(dir, "entries.jsonl"), "utf8").split("\n");
    lines.splice(3, 0, "not json");
    writeFileSync(join(dir, "entries.jsonl"), lines.join("\n"));
    resign(dir, g.keys.board, g.keys.witnesses);
    const r2 = await verifyElection({ source: folderSource(dir), trust: g.trust });
    expect(check(r2, "V4").failures).toContainEqual(
      expect.objectContaining({ index: 3, message: expect.stringContaining("BAD_JSON") }),
    );
    expect(check(r2, "V8").status).toBe("pass");
  });

  it("V5: a ballot whose ciphertext the board changed (signature broken) and a tally signed by the registrar", async () => {
    const b = counted()[1];
    const r = await tampered((e) => {
      const body = e[b.index].body as {
        contests: { selections: { ciphertext: { alpha: string; beta: string } }[] }[];
      };
      const s = body.contests[0].selections;
      [s[0].ciphertext, s[1].ciphertext] = [s[1].ciphertext, s[0].ciphertext];
    });
    expect(check(r, "V5").failures).toContainEqual(
      expect.objectContaining({
        index: b.index,
        message: expect.stringContaining("BAD_SIGNATURE"),
      }),
    );
    expect(check(r, "V5").failures[0].trackingCode).toMatch(/^[0-9a-f]{64}$/); // the changed leaf's code
    // The ballot is then not counted: the tally no longer matches (V14) — a dropped ballot.
    expect(check(r, "V14").status).toBe("fail");

    const r2 = await tampered((e) => {
      e[g.at.tally as number] = resignEntry(e[g.at.tally as number], g.keys.registrar);
    });
    expect(check(r2, "V5").failures).toContainEqual(
      expect.objectContaining({
        index: g.at.tally,
        message: expect.stringContaining("UNAUTHORIZED_SIGNER"),
      }),
    );
  });

  it("V6: a manifest not signed by the trust file's authority", async () => {
    const trust = {
      ...g.trust,
      authority: toBase64(ed25519.getPublicKey(ed25519.utils.randomSecretKey())),
    };
    const r = await verifyElection({ source: folderSource(g.dir), trust });
    onlyFail(r, ["V6"]);
    expect(check(r, "V6").failures[0]).toMatchObject({ index: 0 });
  });

  it("V7: a ballot after voting.close", async () => {
    const abstainer = g.keys.credentials[11]; // the last voter abstained
    const late = newBallot(g, abstainer);
    const r = await tampered((e) => void e.splice((g.at.close as number) + 1, 0, late));
    onlyFail(r, ["V7"]);
    expect(check(r, "V7").failures[0]).toMatchObject({ index: (g.at.close as number) + 1 });
    expect(check(r, "V7").failures[0].message).toContain("phase closed");
  });
});

describe("urna-verify election: ceremony, credentials and ballots (V8-V13)", () => {
  it("V8: a certification that does not verify", async () => {
    const i = 4;
    const idx = readEntries(g.dir).findIndex(
      (e) => e.type === "ceremony.certify" && (e.body as { custodian: number }).custodian === i,
    );
    const r = await tampered((e) => {
      const body = { ...(e[idx].body as { custodian: number; signature: string }) };
      const sig = Buffer.from(body.signature, "base64");
      sig[5] ^= 1;
      body.signature = sig.toString("base64");
      e[idx] = resignEntry({ ...e[idx], body } as Entry, custodianKey(i));
    });
    onlyFail(r, ["V8"]);
    expect(check(r, "V8").failures, JSON.stringify(check(r, "V8").failures)).toContainEqual(
      expect.objectContaining({ index: idx, custodian: i }),
    );
  });

  it("V9: a credential published twice", async () => {
    const entries = readEntries(g.dir);
    const creds = entries[1].body as CredentialsBody;
    const dup = { batch: 1, credentials: [creds.credentials[0]] };
    const r = await tampered(
      (e) => void e.splice(2, 0, resignEntry({ ...e[1], body: dup } as Entry, g.keys.registrar)),
    );
    onlyFail(r, ["V9"]);
    expect(check(r, "V9").failures[0]).toMatchObject({ index: 2 });
    expect(check(r, "V9").failures[0].message).toContain("published twice");
  });

  it("a non-ballot entry with a bad signature is V5 only: its content is not checked (§Failing entries, 1)", async () => {
    // The same duplicate batch as above, its signature broken: V5, and no V9 for it.
    const entries = readEntries(g.dir);
    const creds = entries[1].body as CredentialsBody;
    const dup = { batch: 1, credentials: [creds.credentials[0]] };
    const r = await tampered((e) => {
      const bad = resignEntry({ ...e[1], body: dup } as Entry, g.keys.registrar);
      e.splice(2, 0, { ...bad, signature: e[0].signature });
    });
    onlyFail(r, ["V5"]);
    expect(check(r, "V5").failures).toEqual([
      expect.objectContaining({ index: 2, message: expect.stringContaining("BAD_SIGNATURE") }),
    ]);
  });

  it("V10: a ballot added with no valid credential", async () => {
    const sk = ed25519.utils.randomSecretKey();
    const stranger = {
      secretKey: sk,
      publicKey: toBase64(ed25519.getPublicKey(sk)),
      style: g.keys.credentials[0].style,
    };
    const fake = newBallot(g, stranger);
    const at = g.at.open + 2;
    const r = await tampered((e) => void e.splice(at, 0, fake));
    onlyFail(r, ["V10"]);
    expect(check(r, "V10").failures[0]).toMatchObject({
      index: at,
      message: expect.stringContaining("NOT_ELIGIBLE"),
    });
    expect(check(r, "V10").failures[0].trackingCode).toMatch(/^[0-9a-f]{64}$/);
  });

  it("V11: a second ballot from a credential under `single`", async () => {
    const v = counted()[2].voter;
    const again = newBallot(g, g.keys.credentials[v], "ballot", 99);
    const at = (g.at.close as number) - 1;
    const r = await tampered((e) => void e.splice(at + 1, 0, again)); // just before voting.close
    onlyFail(r, ["V11"]);
    expect(check(r, "V11").failures[0]).toMatchObject({
      index: at + 1,
      message: expect.stringContaining("ALREADY_VOTED"),
    });
  });

  it("V12: a ballot whose ciphertext was changed and re-signed by its voter", async () => {
    const b = counted()[0];
    const r = await tampered((e) => {
      const body = structuredClone(e[b.index].body) as {
        contests: {
          contest: string;
          selections: { ciphertext: { alpha: string; beta: string } }[];
        }[];
      };
      const s = body.contests[0].selections;
      s[1].ciphertext = { ...s[1].ciphertext, beta: s[0].ciphertext.beta };
      e[b.index] = resignEntry({ ...e[b.index], body } as Entry, voterKey(b.voter));
    });
    expect(check(r, "V12").status).toBe("fail");
    const contest = g.manifest.ballotStyles.find((s) => s.id === g.keys.credentials[b.voter].style)!
      .contests[0];
    const opt = g.manifest.contests.find((c) => c.id === contest)!.options[1].id;
    expect(check(r, "V12").failures).toContainEqual(
      expect.objectContaining({ index: b.index, contest, option: opt }),
    );
    // The changed ciphertext is counted, so the posted tally no longer matches either.
    expect(check(r, "V14").status).toBe("fail");
  });

  it("V13: a challenged ballot whose revealed choices differ from what was encrypted", async () => {
    const b = challenged()[0];
    const r = await tampered((e) => {
      const body = structuredClone(e[b.index].body) as ChallengedBallotBody;
      const rev = body.revealed[0];
      const j = rev.choices.findIndex((c) => c === 1);
      const k = j >= 0 ? j : 0;
      rev.choices[k] = 1 - rev.choices[k];
      e[b.index] = resignEntry({ ...e[b.index], body } as Entry, voterKey(b.voter));
    });
    onlyFail(r, ["V13"]);
    expect(check(r, "V13").failures[0]).toMatchObject({ index: b.index, contest: "presidencia" });
  });
});

describe("urna-verify election: tally and result (V14-V17)", () => {
  it("V14: a counted ballot dropped by the board", async () => {
    const b = counted()[3];
    const r = await tampered((e) => void e.splice(b.index, 1));
    onlyFail(r, ["V14"]);
    expect(
      check(r, "V14").failures.some((f) =>
        f.message.includes(
          `counts ${counted().length} ballots, the log has ${counted().length - 1}`,
        ),
      ),
    ).toBe(true);
    expect(
      check(r, "V14").failures.some((f) => f.contest !== undefined && f.option !== undefined),
    ).toBe(true);
  });

  it("V14: an encrypted tally changed (and re-signed by the authority)", async () => {
    const r = await tampered((e) => {
      const body = structuredClone(e[g.at.tally as number].body) as TallyBody;
      const opts = body.contests[0].options;
      [opts[0].ciphertext, opts[1].ciphertext] = [opts[1].ciphertext, opts[0].ciphertext];
      e[g.at.tally as number] = resignEntry(
        { ...e[g.at.tally as number], body } as Entry,
        g.keys.authority,
      );
    });
    expect(check(r, "V14").failures).toContainEqual(
      expect.objectContaining({ index: g.at.tally, contest: "presidencia", option: "pan-pri-prd" }),
    );
  });

  it("V15: a forged decryption share", async () => {
    const i = 5; // not one of the result's custodians (1, 2, 3): only V15 fails
    const idx = g.at.shares[i - 1];
    const r = await tampered((e) => {
      const body = structuredClone(e[idx].body) as DecryptionShareBody;
      const o = body.contests[0].options;
      o[0].share = o[1].share;
      e[idx] = resignEntry({ ...e[idx], body } as Entry, custodianKey(i));
    });
    onlyFail(r, ["V15"]);
    expect(check(r, "V15").failures[0]).toMatchObject({
      index: idx,
      custodian: i,
      contest: "presidencia",
      option: "pan-pri-prd",
    });
  });

  it("V16: a changed result (votes), and a share used by the result that is forged", async () => {
    const r = await tampered((e) => {
      const body = structuredClone(e[g.at.result as number].body) as ResultBody;
      body.contests[0].options[1].votes += 1;
      e[g.at.result as number] = resignEntry(
        { ...e[g.at.result as number], body } as Entry,
        g.keys.authority,
      );
    });
    onlyFail(r, ["V16"]);
    expect(check(r, "V16").failures[0]).toMatchObject({
      contest: "presidencia",
      option: "morena-pt-pvem",
    });
    expect(r.result).toBeUndefined();

    const idx = g.at.shares[0]; // custodian 1 is in the result
    const r2 = await tampered((e) => {
      const body = structuredClone(e[idx].body) as DecryptionShareBody;
      const o = body.contests[1].options;
      o[0].share = o[1].share;
      e[idx] = resignEntry({ ...e[idx], body } as Entry, custodianKey(1));
    });
    expect(check(r2, "V15").status).toBe("fail");
    expect(check(r2, "V16").failures.some((f) => f.contest === g.manifest.contests[1].id)).toBe(
      true,
    );
  });

  it("V17: a result whose label differs from the manifest's", async () => {
    const r = await tampered((e) => {
      const body = structuredClone(e[g.at.result as number].body) as ResultBody;
      body.contests[1].options[0].label = "Fórmula Z";
      e[g.at.result as number] = resignEntry(
        { ...e[g.at.result as number], body } as Entry,
        g.keys.authority,
      );
    });
    onlyFail(r, ["V17"]);
    expect(check(r, "V17").failures[0]).toMatchObject({
      contest: g.manifest.contests[1].id,
      option: g.manifest.contests[1].options[0].id,
    });
  });

  it("V14-V17: a record cut after the tally reports what is missing", async () => {
    const dir = copyRecord(g.dir);
    writeEntries(dir, readEntries(dir).slice(0, (g.at.tally as number) + 1));
    resign(dir, g.keys.board, g.keys.witnesses);
    const r = await verifyElection({ source: folderSource(dir), trust: g.trust });
    expect(r.ok, reportToText(r)).toBe(true);
    expect(check(r, "V14").status).toBe("pass");
    for (const id of ["V15", "V16", "V17"]) expect(check(r, id).status).toBe("skip");
  });
});

/** Write a checkpoint for (size, root) signed by the real board key and witnesses. */
function signAndWrite(dir: string, size: number, root: Uint8Array): void {
  writeFileSync(
    join(dir, "checkpoint"),
    signCheckpoint(g.keys.board, g.keys.witnesses, ORIGIN, size, root),
  );
}
