/**
 * What the trust file pins (spec/record.md §Trust file): the official manifest, registrar and
 * custodians (V6) and the registered voters per style (V9), so that an operator holding the
 * authority, board and witness keys cannot pass off a fabricated election; witness keys that
 * are not cosignature/v1 keys other than the board's (V3); a trust file for another election.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ed25519 } from "@noble/curves/ed25519.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  validateReport,
  type CheckReport,
  type CredentialsBody,
  type Entry,
  type VerificationReport,
} from "@urna/schemas";
import { loadTrust, TrustError, type Trust } from "../verifier/src/audit/trust.js";
import { verifyElection } from "../verifier/src/audit/verify-election.js";
import { toBase64 } from "../verifier/src/bytes.js";
import { ed25519Cosigner } from "../verifier/src/log/cosignature.js";
import { ed25519Signer, parseVkey } from "../verifier/src/log/note.js";
import { folderSource } from "../verifier/src/record/folder-node.js";
import { reportToText } from "../verifier/src/report/text.js";
import {
  cleanupRecords,
  copyRecord,
  generateElection,
  readEntries,
  resign,
  resignEntry,
  tempDir,
  unpinned,
  writeEntries,
  type GeneratedElection,
} from "./fixtures/election.js";
import { runVerifyCli } from "./fixtures/verify-cli.js";

let g: GeneratedElection;
let fab: GeneratedElection;

afterAll(cleanupRecords);

beforeAll(async () => {
  g = await generateElection({ voters: 6, custodians: 3, threshold: 2, challenged: 1, seed: 21 });
  // The same election id, authority, board and witnesses; everything else new.
  fab = await generateElection({
    voters: 6,
    custodians: 3,
    threshold: 2,
    challenged: 1,
    seed: 22,
    reuse: g.keys,
  });
}, 120_000);

const check = (r: VerificationReport, id: string): CheckReport =>
  r.checks.find((c) => c.id === id) as CheckReport;
const failed = (r: VerificationReport) =>
  r.checks.filter((c) => c.status === "fail").map((c) => c.id);
const verify = async (dir: string, trust: unknown) => {
  const r = await verifyElection({ source: folderSource(dir), trust });
  expect(validateReport(r).ok).toBe(true);
  return r;
};
/** Version 1 (no pins): the witness and election cases do not depend on the pins. */
const v1 = () => unpinned(g.trust);
const codesOf = (c: CheckReport) => c.failures.map((f) => f.message.split(":")[0]);

describe("the trust file pins the official election", () => {
  it("a fabricated election under the same authority, board and witnesses fails V6 with the pinned trust file", async () => {
    expect(fab.manifest.authority).toBe(g.manifest.authority);
    expect(fab.manifest.registrar).not.toBe(g.manifest.registrar);
    // The honest record passes with its pinned trust file.
    const honest = await verify(g.dir, g.trust);
    expect(honest.ok, reportToText(honest)).toBe(true);
    expect(check(honest, "V9").reason).toMatch(/credentials\/registered per style/);
    // Without pins (version 1) the fabrication passes: the report warns loudly.
    const weak = await verify(fab.dir, unpinned(g.trust));
    expect(weak.ok, reportToText(weak)).toBe(true);
    expect(check(weak, "V6").reason).toMatch(
      /^WARNING: the trust file \(version 1\) pins no manifest/,
    );
    // With the pins it fails V6, each pin on its own.
    const r = await verify(fab.dir, g.trust);
    expect(failed(r), reportToText(r)).toEqual(["V6"]);
    const codes = codesOf(check(r, "V6"));
    expect(codes).toContain("MANIFEST_NOT_PINNED");
    expect(codes).toContain("REGISTRAR_NOT_PINNED");
    expect(codes.filter((c) => c === "CUSTODIANS_NOT_PINNED")).toHaveLength(3);
    expect(check(r, "V6").failures).toContainEqual(
      expect.objectContaining({ index: 0, custodian: 2 }),
    );
  });

  it("credentials beyond the registered number of a style fail V9, each one located", async () => {
    // The registrar publishes one more credential (re-signed, re-cosigned by the board).
    const entries = readEntries(g.dir);
    const sk = ed25519.utils.randomSecretKey();
    const style = g.keys.credentials[0].style;
    const extra: CredentialsBody = {
      batch: 1,
      credentials: [{ key: toBase64(ed25519.getPublicKey(sk)), style }],
    };
    const dir = copyRecord(g.dir);
    entries.splice(2, 0, resignEntry({ ...entries[1], body: extra } as Entry, g.keys.registrar));
    writeEntries(dir, entries);
    resign(dir, g.keys.board, g.keys.witnesses);
    const r = await verify(dir, g.trust);
    expect(failed(r), reportToText(r)).toEqual(["V9"]);
    expect(check(r, "V9").failures).toEqual([
      expect.objectContaining({
        index: 2,
        message: expect.stringMatching(
          /^CREDENTIALS_EXCEED_REGISTERED: .*\(at \/body\/credentials\/0\)/,
        ),
      }),
    ]);
    // The honest record against a nominal list one short for a style, and missing a style.
    const short = { ...g.trust, registered: { ...g.trust.registered, [style]: 2 } };
    const r2 = await verify(g.dir, short);
    expect(failed(r2)).toEqual(["V9"]);
    expect(check(r2, "V9").failures).toHaveLength(1);
    const other = g.keys.credentials.find((c) => c.style !== style)!.style;
    const missing = { ...g.trust, registered: { [style]: 3 } };
    const r3 = await verify(g.dir, missing);
    expect(check(r3, "V9").failures).toHaveLength(3);
    expect(check(r3, "V9").failures[0].message).toContain(`style ${other}`);
  });

  it("a trust file with only some pins, or pins in version 1, is bad input", () => {
    const { registered: _r, ...partial } = g.trust;
    expect(() => loadTrust(partial)).toThrow(/trust file: .*registered/);
    expect(() => loadTrust({ ...g.trust, version: 1 })).toThrow(TrustError);
    expect(loadTrust(unpinned(g.trust)).pins).toBeUndefined();
  });
});

describe("witness keys", () => {
  const codeOf = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e instanceof TrustError ? e.code : String(e);
    }
    return "no error";
  };

  it("the board's own key as a witness is refused at load, under any type or name", () => {
    expect(codeOf(() => loadTrust({ ...v1(), witnesses: [g.trust.board], quorum: 1 }))).toBe(
      "TRUST_WITNESS_NOT_COSIGNER",
    );
    const sameBytes = ed25519Cosigner("witness9.urna.test", g.keys.board.seed).vkey;
    expect(codeOf(() => loadTrust({ ...v1(), witnesses: [{ vkey: sameBytes }], quorum: 1 }))).toBe(
      "TRUST_WITNESS_IS_BOARD",
    );
    // An Ed25519 (0x01) key of someone else is not a witness key either.
    const note = ed25519Signer("witness9.urna.test", ed25519.utils.randomSecretKey()).vkey;
    expect(codeOf(() => loadTrust({ ...v1(), witnesses: [{ vkey: note }], quorum: 1 }))).toBe(
      "TRUST_WITNESS_NOT_COSIGNER",
    );
  });

  it("V3 does not count the board's signature as a witness's (a Trust built without loadTrust)", async () => {
    const dir = copyRecord(g.dir);
    resign(dir, g.keys.board, []); // only the board's signature
    const good = loadTrust(v1());
    const trust: Trust = { ...good, witnesses: [parseVkey(g.trust.board.vkey)], quorum: 1 };
    const r = await verify(dir, trust);
    expect(failed(r)).toEqual(["V3"]);
    expect(codesOf(check(r, "V3"))).toContain("TRUST_WITNESS_NOT_COSIGNER");
  });

  it("urna-verify refuses such a trust file with its code (exit 2)", async () => {
    const path = join(tempDir("urna-vpins-"), "trust.json");
    writeFileSync(path, JSON.stringify({ ...v1(), witnesses: [g.trust.board], quorum: 1 }));
    const r = await runVerifyCli(["election", "--record", g.dir, "--trust", path, "--quiet"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/TRUST_WITNESS_NOT_COSIGNER: .*not a cosignature\/v1/);
  });
});

describe("a trust file for another election", () => {
  it("gives a report with V2 failing (exit 1), not bad input", async () => {
    const path = join(tempDir("urna-vpins-"), "trust.json");
    writeFileSync(path, JSON.stringify({ ...v1(), election: "other-election" }));
    const r = await runVerifyCli([
      "election",
      "--record",
      g.dir,
      "--trust",
      path,
      "--json",
      "--quiet",
      "--workers",
      "1",
    ]);
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as VerificationReport;
    expect(validateReport(report).ok).toBe(true);
    expect(report.election).toBe("other-election");
    expect(codesOf(check(report, "V2"))).toContain("BOARD_KEY_ELECTION_MISMATCH");
    expect(check(report, "V4").status).toBe("fail");
  });
});
