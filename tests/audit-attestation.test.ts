/**
 * Auditors' attestations (spec/protocol.md §6.12, spec/verification.md V18) on a real board over
 * HTTP: an attestation posted before the result, by an unlisted key, under another firm's name or
 * over a checkpoint the board never signed is refused and nothing is written; honest ones from
 * both listed firms are accepted and pass V18; attestations whose outcomes or table hash differ
 * from what the verifier computes fail V18 naming their entry, and so do forged ones a malicious
 * board appended to its record (re-signed checkpoint).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ed25519 } from "@noble/curves/ed25519.js";
import {
  canonicalBytes,
  type AttestationBody,
  type AttestationEntry,
  type Entry,
  type TrustFile,
  type VerificationReport,
} from "@urna/schemas";
import { removeDir, startBoard, type TestBoard, untar } from "../board/test/server/helpers.js";
import { signEntry } from "../board/src/entry-sign.js";
import { verifyElection } from "../verifier/src/audit/verify-election.js";
import { attestReport, postAttestation } from "../verifier/src/attest/attest-node.js";
import { attestationTableSha256 } from "../verifier/src/audit/attestation.js";
import { boardSource } from "../verifier/src/record/http.js";
import { folderSource } from "../verifier/src/record/folder-node.js";
import { fromBase64, toBase64 } from "../verifier/src/bytes.js";
import { reportToText } from "../verifier/src/report/text.js";
import { parseCheckpoint } from "../verifier/src/log/checkpoint.js";
import { parseNote } from "../verifier/src/log/note.js";
import { runElection } from "./fixtures/board-election.js";
import { runVerifyBin } from "./fixtures/verify-cli.js";
import { postEntry } from "./fixtures/attestation.js";
import { check } from "./fixtures/audit.js";
import { cleanupRecords, resign, tempDir } from "./fixtures/election.js";

const id = "mx-2024-attest";
const firmA = { name: "Firma A", sk: ed25519.utils.randomSecretKey() };
const firmB = { name: "Firma B", sk: ed25519.utils.randomSecretKey() };
const outsider = ed25519.utils.randomSecretKey();
const pub = (sk: Uint8Array) => toBase64(ed25519.getPublicKey(sk));
let tb: TestBoard;
let trust: TrustFile;
let beforeResult: { code?: string; status: number; sizeBefore: number; sizeAfter: number };

const checkpointNow = async () => parseCheckpoint(parseNote(await tb.client.checkpoint(id)).text);
const sizeOf = async () => (await checkpointNow()).size;
const verify = async (): Promise<VerificationReport> =>
  verifyElection({ source: boardSource({ url: tb.url, election: id }), trust, workers: 1 });

const post = (entry: Entry) => postEntry(tb.url, id, entry);

/** An attestation body over the board's current checkpoint with every check passing. */
async function plausibleBody(firm: string): Promise<AttestationBody> {
  const cp = await checkpointNow();
  const checks = Array.from({ length: 17 }, (_, k) => ({
    id: `V${k + 1}`,
    status: "pass" as const,
  }));
  const checkpoint = { size: cp.size, root: toBase64(cp.root) };
  return {
    firm,
    verifier: { name: "urna-verify", version: "test" },
    checkpoint,
    checks,
    tableSha256: attestationTableSha256(id, checkpoint, checks, null),
    opinion: "ok",
  };
}

beforeAll(async () => {
  tb = await startBoard({ workers: 1 });
  const ran = await runElection(tb, id, {
    voters: 2,
    ballots: [
      { voter: 0, choices: { presidencia: ["mc"], "senaduria-09": ["a"] } },
      { voter: 1, choices: { presidencia: ["pan-pri-prd"], "senaduria-14": ["x"] } },
    ],
    decrypting: [1, 2],
    auditors: [
      { name: firmA.name, key: pub(firmA.sk) },
      { name: firmB.name, key: pub(firmB.sk) },
    ],
    beforeResult: async () => {
      const sizeBefore = await sizeOf();
      const e = signEntry("audit.attestation", id, await plausibleBody(firmA.name), firmA.sk);
      const r = await post(e);
      beforeResult = { ...r, sizeBefore, sizeAfter: await sizeOf() };
    },
  });
  trust = ran.trust;
}, 180_000);

afterAll(async () => {
  await tb?.close();
  if (tb) removeDir(tb.dir);
  cleanupRecords();
});

describe("audit.attestation on the board", () => {
  it("is refused before the result (WRONG_PHASE), nothing written", () => {
    expect(beforeResult.status).toBe(409);
    expect(beforeResult.code).toBe("WRONG_PHASE");
    expect(beforeResult.sizeAfter).toBe(beforeResult.sizeBefore);
  });

  it("an election with no attestation yet verifies: V18 passes with 0 items", async () => {
    const r = await verify();
    expect(r.ok && r.complete, reportToText(r)).toBe(true);
    expect(check(r, "V18")).toMatchObject({ status: "pass", items: 0 });
    expect(r.audit?.fingerprints.attestation).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuses an unlisted key, another firm's name and checkpoints it never signed", async () => {
    const size = await sizeOf();
    const body = await plausibleBody(firmA.name);
    const cases: [Entry, number, string][] = [
      [signEntry("audit.attestation", id, body, outsider), 403, "UNAUTHORIZED_SIGNER"],
      [
        signEntry("audit.attestation", id, { ...body, firm: firmB.name }, firmA.sk),
        422,
        "UNKNOWN_FIRM",
      ],
      // a root not of this log; a size before the result was complete; beyond the log
      ...[{ root: toBase64(new Uint8Array(32)) }, { size: size - 1 }, { size: size + 5 }].map(
        (cp): [Entry, number, string] => [
          signEntry(
            "audit.attestation",
            id,
            { ...body, checkpoint: { ...body.checkpoint, ...cp } },
            firmA.sk,
          ),
          422,
          "ATTESTATION_CHECKPOINT",
        ],
      ),
      [
        signEntry("audit.attestation", id, { ...body, opinion: "a\u202Eb" }, firmA.sk),
        400,
        "SCHEMA_INVALID",
      ],
    ];
    for (const [e, status, code] of cases) expect(await post(e)).toEqual({ status, code });
    expect(await sizeOf()).toBe(size);
  });

  it("accepts both firms' honest attestations, each from its own run; V18 passes", async () => {
    const dir = tempDir("urna-attest-");
    // Firma A through the library.
    const ra = await verify();
    expect(ra.ok, reportToText(ra)).toBe(true);
    const a = attestReport(ra, firmA.sk, { firm: firmA.name, version: "test" });
    writeFileSync(join(dir, "a.json"), JSON.stringify(a));
    const answer = (await postAttestation(join(dir, "a.json"), tb.url, id)) as { index: number };
    expect(answer.index).toBe(ra.checkpoint.size);
    // Firma B with the command line, as a firm would: verify, attest, post.
    const key = join(dir, "b.key");
    const trustFile = join(dir, "trust.json");
    writeFileSync(trustFile, JSON.stringify(trust));
    writeFileSync(
      key,
      JSON.stringify({ kind: "urna-signing-key", role: "auditor", secretKey: toBase64(firmB.sk) }),
    );
    const out = join(dir, "b.json");
    const common = ["--board", tb.url, "--election", id, "--trust", trustFile, "--quiet"];
    const run = await runVerifyBin([
      "election",
      ...common,
      "--workers",
      "1",
      "--attest",
      key,
      "--firm",
      firmB.name,
      "--opinion",
      "Sin observaciones.",
      "--attest-out",
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const b = JSON.parse(readFileSync(out, "utf8")) as AttestationEntry;
    expect(b.body).toMatchObject({
      firm: firmB.name,
      opinion: "Sin observaciones.",
      checkpoint: { size: ra.checkpoint.size + 1 },
    });
    const posted = await runVerifyBin(["attest", "post", out, "--board", tb.url]);
    expect(posted.code, posted.stderr).toBe(0);
    // Posting it again is a repeated leaf: refused, exit 1.
    const again = await runVerifyBin(["attest", "post", out, "--board", tb.url]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("DUPLICATE_ENTRY");

    const r = await verify();
    expect(r.ok && r.complete, reportToText(r)).toBe(true);
    expect(check(r, "V18")).toMatchObject({ status: "pass", items: 2 });
    expect(check(r, "V18").reason).toContain("Firma B (entry");
    expect(r.result).toBeDefined();
  });

  it("bulk: each attestation is judged as if posted alone, in order", async () => {
    const size = await sizeOf();
    const body = await plausibleBody(firmA.name);
    // The second names the checkpoint that includes the first (as if posted right after it).
    const first = attestReport(await verify(), firmA.sk, {
      firm: firmA.name,
      opinion: "bulk 1",
      version: "test",
    });
    const forged = signEntry(
      "audit.attestation",
      id,
      { ...body, checkpoint: { size: size + 1, root: toBase64(new Uint8Array(32)) } },
      firmA.sk,
    );
    const res = await fetch(`${tb.url}/elections/${id}/bulk`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([first, forged]),
    });
    const j = (await res.json()) as {
      results: { status: number; error?: { code: string; message: string } }[];
    };
    expect(j.results.map((r) => [r.status, r.error?.code])).toEqual([
      [201, undefined],
      [422, "ATTESTATION_CHECKPOINT"],
    ]);
    // Judged against the log with the first appended: its root, not its size, is wrong.
    expect(JSON.stringify(j.results[1].error)).toContain(`the root at size ${size + 1}`);
    expect(await sizeOf()).toBe(size + 1);
  });

  it("attest keygen writes a key once and prints its public key", async () => {
    const f = join(tempDir("urna-attest-key-"), "firm.key");
    const k = await runVerifyBin(["attest", "keygen", "--out", f]);
    expect(k.code).toBe(0);
    const file = JSON.parse(readFileSync(f, "utf8")) as { publicKey: string; secretKey: string };
    expect(k.stdout.trim()).toBe(file.publicKey);
    expect(pub(fromBase64(file.secretKey))).toBe(file.publicKey);
    const again = await runVerifyBin(["attest", "keygen", "--out", f]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("FILE_EXISTS");
    expect(
      (await runVerifyBin(["election", "--record", ".", "--trust", f, "--attest", f])).code,
    ).toBe(2);
  });

  it("an attestation with a check outcome or table hash that differs fails V18, naming it", async () => {
    const r = await verify();
    const honest = attestReport(r, firmA.sk, { firm: firmA.name, version: "test" });
    const flipped = structuredClone(honest.body);
    flipped.checks[8].status = "fail";
    flipped.tableSha256 = attestationTableSha256(id, flipped.checkpoint, flipped.checks, null);
    const badHash = { ...structuredClone(honest.body), tableSha256: "0".repeat(64) };
    const at = r.checkpoint.size;
    for (const b of [flipped, badHash]) {
      const res = await fetch(`${tb.url}/elections/${id}/entries`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(signEntry("audit.attestation", id, b, firmA.sk)),
      });
      expect(res.status).toBe(201); // the board cannot recompute outcomes: V18 does
    }
    const after = await verify();
    expect(after.ok).toBe(false);
    expect(after.result).toBeUndefined();
    const v18 = check(after, "V18");
    expect(v18.status).toBe("fail");
    expect(v18.items).toBe(5);
    expect(v18.failures.map((f) => [f.code, f.index])).toEqual([
      ["ATTESTATION_MISMATCH", at],
      ["ATTESTATION_MISMATCH", at],
      ["ATTESTATION_MISMATCH", at + 1],
    ]);
    expect(v18.failures[0].message).toContain("V9 fail, this verifier finds V9 pass");
    // Every other check still passes: the record itself is sound.
    expect(after.checks.filter((c) => c.status === "fail").map((c) => c.id)).toEqual(["V18"]);
    // The firm's own run refuses to attest a failing report unless --allow-fail with an opinion.
    expect(() => attestReport(after, firmB.sk, { firm: firmB.name, version: "t" })).toThrow(
      /CHECKS_FAILED|V18 failed/,
    );
    const dissent = attestReport(after, firmB.sk, {
      firm: firmB.name,
      version: "t",
      allowFail: true,
      opinion: "Firma A's later attestations disagree with the record",
    });
    expect(dissent.body.checks.every((c) => c.status === "pass")).toBe(true);
    // The command line refuses too: exit 2, no attestation written.
    const dir = tempDir("urna-attest-refuse-");
    const key = join(dir, "b.key");
    writeFileSync(
      key,
      JSON.stringify({ kind: "urna-signing-key", role: "auditor", secretKey: toBase64(firmB.sk) }),
    );
    writeFileSync(join(dir, "trust.json"), JSON.stringify(trust));
    const out = join(dir, "b.json");
    const run = await runVerifyBin([
      "election",
      ...["--board", tb.url, "--election", id, "--trust", join(dir, "trust.json"), "--quiet"],
      ...["--workers", "1", "--attest", key, "--firm", firmB.name, "--attest-out", out],
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("CHECKS_FAILED");
    expect(existsSync(out)).toBe(false);
  });

  it("fails V18 on a record a malicious board extended with forged attestations", async () => {
    const files = untar(await tb.client.record(id, {}));
    const dir = tempDir("urna-attest-rec-");
    for (const [name, data] of files) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), data);
    }
    const size = readFileSync(join(dir, "entries.jsonl"), "utf8").split("\n").length - 1;
    const body = (await plausibleBody(firmA.name)) as AttestationBody;
    const forged: AttestationEntry[] = [
      // over a checkpoint of another log (root not this log's at that size)
      signEntry(
        "audit.attestation",
        id,
        { ...body, checkpoint: { size: size - 1, root: toBase64(new Uint8Array(32).fill(7)) } },
        firmA.sk,
      ),
      // by a key the manifest does not list
      signEntry("audit.attestation", id, body, outsider),
    ];
    for (const e of forged)
      appendFileSync(
        join(dir, "entries.jsonl"),
        `${new TextDecoder().decode(canonicalBytes(e))}\n`,
      );
    // The board's own key re-signs the extended log (a malicious operator).
    const keyText = readFileSync(join(tb.dir, "board.key"), "utf8").trim();
    const seed = fromBase64(keyText.split("+").slice(4).join("+")).subarray(1, 33);
    const vkey = tb.board.electionVkey(id);
    const name = (/^(.+?)\+[0-9a-f]{8}\+/.exec(vkey) as RegExpExecArray)[1];
    resign(dir, { name, seed }, [], `${name}`);
    const r = await verifyElection({ source: folderSource(dir), trust, workers: 1 });
    expect(check(r, "V2").status, reportToText(r)).toBe("pass");
    expect(check(r, "V18").failures.map((f) => [f.code, f.index])).toContainEqual([
      "ATTESTATION_CHECKPOINT",
      size,
    ]);
    expect(check(r, "V5").failures.map((f) => [f.code, f.index])).toEqual([
      ["UNAUTHORIZED_SIGNER", size + 1],
    ]);
  });
});
