/**
 * judgeCertification (verifier/src/attest/certification.ts), the results page's verdict on each
 * attestation, on a small log built here: an honest attestation is verified; each broken
 * property gives its own reason (BAD_SIGNATURE, UNKNOWN_FIRM, NOT_INCLUDED,
 * ATTESTATION_CHECKPOINT, NOT_CONSISTENT, TABLE_MISMATCH, ATTESTATION_REPORT, BAD_ENTRY); and
 * resultTableOf orders the result table as the verifier's report does.
 */
import { describe, expect, it } from "vitest";
import { ed25519 } from "@noble/curves/ed25519.js";
import { canonicalBytes, type AttestationBody, type ResultBody } from "@urna/schemas";
import { signEntry } from "../board/src/entry-sign.js";
import {
  MemoryTree,
  consistencyProof,
  inclusionProof,
  leafHash,
  toBase64,
} from "../verifier/src/index.js";
import { attestationTableSha256 } from "../verifier/src/audit/attestation.js";
import {
  judgeCertification,
  resultTableOf,
  type CertificationInput,
} from "../verifier/src/attest/certification.js";

const election = "mx-cert";
const sk = ed25519.utils.randomSecretKey();
const other = ed25519.utils.randomSecretKey();
const auditors = [{ name: "Firma A", key: toBase64(ed25519.getPublicKey(sk)) }];
const result: ResultBody = {
  custodians: [1, 2],
  contests: [{ contest: "c", title: "C", options: [{ option: "a", label: "A", votes: 3 }] }],
};
const prefix = Array.from({ length: 10 }, (_, i) => new TextEncoder().encode(`entry ${i}`));
const rootAt = (leaves: Uint8Array[]) => new MemoryTree(leaves.map((l) => leafHash(l))).root();
const checks = Array.from({ length: 17 }, (_, k) => ({ id: `V${k + 1}`, status: "pass" as const }));

function body(over: Partial<AttestationBody> = {}): AttestationBody {
  const checkpoint = { size: 10, root: toBase64(rootAt(prefix)) };
  return {
    firm: "Firma A",
    verifier: { name: "urna-verify", version: "t" },
    checkpoint,
    checks,
    tableSha256: attestationTableSha256(election, checkpoint, checks, result),
    opinion: "ok",
    report: { url: "https://firma-a.example/r.json", sha256: "a".repeat(64) },
    ...over,
  };
}

/** The attestation at index 10 of a log of 12 leaves, with honest proofs. */
function input(b: AttestationBody, key = sk, patch: Partial<CertificationInput> = {}) {
  const leaf = canonicalBytes(signEntry("audit.attestation", election, b, key));
  const leaves = [...prefix, leaf, new TextEncoder().encode("later")];
  const tree = new MemoryTree(leaves.map((l) => leafHash(l)));
  const size = b.checkpoint.size;
  return {
    election,
    auditors,
    leaf,
    index: 10,
    checkpoint: { size: 12, root: tree.root() },
    inclusion: inclusionProof(10, 12, tree.node),
    consistency: size >= 1 && size < 12 ? consistencyProof(size, 12, tree.node) : [],
    resultEnd: 10,
    result,
    ...patch,
  };
}

const codes = (x: CertificationInput) => judgeCertification(x).problems.map((p) => p.code);

describe("judgeCertification", () => {
  it("verifies an honest attestation", () => {
    const c = judgeCertification(input(body()));
    expect(c).toMatchObject({ verified: true, problems: [], body: { firm: "Firma A" } });
  });

  it("names each broken property", () => {
    expect(codes(input(body(), other))).toEqual(["UNKNOWN_FIRM"]);
    const signed = input(body());
    const leaf = new TextDecoder().decode(signed.leaf).replace('"ok"', '"OK"');
    expect(codes({ ...signed, leaf: new TextEncoder().encode(leaf) })).toContain("BAD_SIGNATURE");
    expect(codes(input(body({ firm: "Firma B" })))).toEqual(["UNKNOWN_FIRM"]);
    expect(codes(input(body(), sk, { index: 9 }))).toContain("NOT_INCLUDED");
    const early = body({ checkpoint: { size: 9, root: toBase64(rootAt(prefix.slice(0, 9))) } });
    expect(codes(input(early))).toContain("ATTESTATION_CHECKPOINT");
    const forged = body({ checkpoint: { size: 10, root: toBase64(rootAt(prefix.slice(1))) } });
    forged.tableSha256 = attestationTableSha256(election, forged.checkpoint, checks, result);
    expect(codes(input(forged))).toEqual(["NOT_CONSISTENT"]);
    const otherResult = structuredClone(result);
    otherResult.contests[0].options[0].votes = 4;
    expect(codes(input(body(), sk, { result: otherResult }))).toEqual(["TABLE_MISMATCH"]);
    expect(codes(input(body(), sk, { result: null }))).toEqual(["TABLE_MISMATCH"]);
    const creds = body({
      report: { url: "https://u:p@firma-a.example/r", sha256: "a".repeat(64) },
    });
    expect(codes(input(creds))).toEqual(["ATTESTATION_REPORT"]);
    const js = body({ report: { url: "javascript:alert(1)", sha256: "a".repeat(64) } });
    expect(codes(input(js))).toEqual(["BAD_ENTRY"]);
  });

  it("a dissent (a check stated failed) hashes its table without the result", () => {
    const failed = checks.map((c, k) => (k === 8 ? { ...c, status: "fail" as const } : c));
    const b = body({ checks: failed });
    b.tableSha256 = attestationTableSha256(election, b.checkpoint, failed, null);
    expect(judgeCertification(input(b)).verified).toBe(true);
  });
});

describe("resultTableOf", () => {
  it("orders contests as the manifest and custodians by appearance; null when one is missing", () => {
    const r1: ResultBody = {
      custodians: [3, 1],
      contests: [{ ...result.contests[0], contest: "b" }],
    };
    const r2: ResultBody = {
      custodians: [1, 2],
      contests: [{ ...result.contests[0], contest: "a" }],
    };
    expect(resultTableOf([{ id: "a" }, { id: "b" }], [r1, r2])).toEqual({
      custodians: [1, 2, 3],
      contests: [r2.contests[0], r1.contests[0]],
    });
    expect(resultTableOf([{ id: "a" }, { id: "z" }], [r1, r2])).toBeNull();
  });
});
