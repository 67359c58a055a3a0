/**
 * Who certified the result (isomorphic: the results page runs it in the visitor's browser): one
 * `audit.attestation` judged against a checkpoint the reader verified, with no trust in the
 * board beyond that checkpoint's key (spec/protocol.md §6.12, spec/verification.md V18):
 *
 * - the leaf is a well-formed attestation of this election (schema), whose Ed25519 signature is
 *   valid and whose signer is the key the manifest lists for the firm it names;
 * - it is included in the verified checkpoint (RFC 6962 inclusion proof);
 * - the checkpoint it attests is after the result and consistent with the verified one
 *   (consistency proof, or equal roots at the same size);
 * - its `tableSha256` is the attestation table's hash over the result shown (the verifier's own
 *   definition, `attestationTableSha256`), and its `report.url` has the form §6.12 gives.
 *
 * It does not recompute the outcomes of V1-V17 (only a verifier run on the whole record does,
 * V18): it shows them as the firm states them.
 */
import {
  validateEntry,
  type AttestationBody,
  type AuditorInfo,
  type ResultBody,
  type ResultContest,
} from "@urna/schemas";
import { bytesEqual, fromBase64, fromUtf8 } from "../bytes.js";
import { attestationTableSha256 } from "../audit/attestation.js";
import { reportUrlProblem } from "../election/attestation-report.js";
import { verifyEntrySignature } from "../entry.js";
import { leafHash } from "../log/merkle-hash.js";
import { verifyConsistency, verifyInclusion } from "../log/merkle.js";

/** Why an attestation is not verified (each a stable code the page explains). */
export type CertificationProblemCode =
  | "BAD_ENTRY"
  | "BAD_SIGNATURE"
  | "UNKNOWN_FIRM"
  | "NOT_INCLUDED"
  | "ATTESTATION_CHECKPOINT"
  | "NOT_CONSISTENT"
  | "TABLE_MISMATCH"
  | "ATTESTATION_REPORT";

export interface CertificationProblem {
  code: CertificationProblemCode;
  message: string;
}

export interface CertificationInput {
  election: string;
  /** The manifest's `auditors`. */
  auditors: readonly AuditorInfo[] | undefined;
  /** The entry's leaf bytes, as the board serves them, and its index. */
  leaf: Uint8Array;
  index: number;
  /** The checkpoint the reader verified (its signature checked by the caller). */
  checkpoint: { size: number; root: Uint8Array };
  /** The inclusion proof of `index` in `checkpoint`. */
  inclusion: readonly Uint8Array[];
  /** The consistency proof from the attested size to `checkpoint.size` (empty when equal). */
  consistency: readonly Uint8Array[];
  /** The log size right after the last `result` entry (an attested size may not be smaller). */
  resultEnd: number;
  /** The result shown: the verified result table (`resultTableOf`), or null without one. */
  result: ResultBody | null;
}

export interface Certification {
  index: number;
  /** The body, when the leaf is a well-formed attestation of this election. */
  body?: AttestationBody;
  verified: boolean;
  problems: CertificationProblem[];
}

const msg = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * The result table a verifier reports (spec/record.md §Verification report: `result`): the
 * manifest's contests in its order, each as its `result` entry publishes it, and every custodian
 * whose shares were combined, in order of appearance over those contests. Null when a contest
 * of the manifest has no result.
 */
export function resultTableOf(
  manifestContests: readonly { id: string }[],
  results: readonly ResultBody[],
): ResultBody | null {
  const contests: ResultContest[] = [];
  const custodians: number[] = [];
  for (const c of manifestContests) {
    const r = results.find((b) => b.contests.some((x) => x.contest === c.id));
    const contest = r?.contests.find((x) => x.contest === c.id);
    if (!r || !contest) return null;
    contests.push(contest);
    for (const i of r.custodians) if (!custodians.includes(i)) custodians.push(i);
  }
  return { custodians, contests };
}

/** One attestation judged against the verified checkpoint (see the module's comment). */
export function judgeCertification(x: CertificationInput): Certification {
  const problems: CertificationProblem[] = [];
  const out = (code: CertificationProblemCode, message: string) => problems.push({ code, message });
  const done = (body?: AttestationBody): Certification => ({
    index: x.index,
    ...(body ? { body } : {}),
    verified: problems.length === 0,
    problems,
  });
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(x.leaf));
  } catch (e) {
    out("BAD_ENTRY", `entry ${x.index} is not JSON: ${msg(e)}`);
    return done();
  }
  const v = validateEntry(json);
  if (!v.ok || v.value.type !== "audit.attestation" || v.value.election !== x.election) {
    out(
      "BAD_ENTRY",
      `entry ${x.index} is not an audit.attestation of ${x.election}${
        v.ok ? "" : `: ${v.errors.map((e) => `${e.path || "/"} ${e.message}`).join("; ")}`
      }`,
    );
    return done();
  }
  const entry = v.value;
  const body = entry.body as AttestationBody;
  if (!verifyEntrySignature(entry)) out("BAD_SIGNATURE", "its Ed25519 signature is not valid");
  const firm = x.auditors?.find((a) => a.key === entry.signer);
  if (!firm) out("UNKNOWN_FIRM", "its signer is not a firm the manifest lists");
  else if (firm.name !== body.firm)
    out("UNKNOWN_FIRM", `it names ${body.firm}, the manifest lists its key as ${firm.name}`);
  try {
    verifyInclusion(
      leafHash(x.leaf),
      x.index,
      x.checkpoint.size,
      [...x.inclusion],
      x.checkpoint.root,
    );
  } catch (e) {
    out("NOT_INCLUDED", `it is not entry ${x.index} of the verified checkpoint: ${msg(e)}`);
  }
  const { size } = body.checkpoint;
  let root: Uint8Array | undefined;
  try {
    root = fromBase64(body.checkpoint.root);
  } catch {
    root = undefined;
  }
  if (size < x.resultEnd || size > x.index || !root)
    out(
      "ATTESTATION_CHECKPOINT",
      `its checkpoint's size ${size} is not between ${x.resultEnd} (the result complete) and ${x.index} (the attestation)`,
    );
  else if (size > x.checkpoint.size)
    out(
      "NOT_CONSISTENT",
      `its checkpoint's size ${size} is beyond the verified ${x.checkpoint.size}`,
    );
  else
    try {
      if (size === x.checkpoint.size) {
        if (!bytesEqual(root, x.checkpoint.root)) throw new Error("the roots differ");
      } else
        verifyConsistency(size, x.checkpoint.size, [...x.consistency], root, x.checkpoint.root);
    } catch (e) {
      out(
        "NOT_CONSISTENT",
        `its checkpoint (size ${size}) is not consistent with the verified one (size ${x.checkpoint.size}): ${msg(e)}`,
      );
    }
  const allPass = body.checks.every((c) => c.status === "pass");
  const table = attestationTableSha256(
    x.election,
    body.checkpoint,
    body.checks,
    allPass ? x.result : null,
  );
  if (table !== body.tableSha256)
    out(
      "TABLE_MISMATCH",
      allPass
        ? `its table hash ${body.tableSha256} is not that of the result shown (${table})`
        : `its table hash ${body.tableSha256} is not that of its own outcomes (${table})`,
    );
  if (body.report) {
    const p = reportUrlProblem(body.report.url);
    if (p) out("ATTESTATION_REPORT", `its report URL is refused: ${p}`);
  }
  return done(body);
}

/** The firm's stated outcomes: how many of V1-V17 pass, fail, skip, and which failed. */
export function outcomeSummary(body: AttestationBody): {
  pass: number;
  fail: number;
  skip: number;
  failed: string[];
} {
  const n = (s: string) => body.checks.filter((c) => c.status === s).length;
  return {
    pass: n("pass"),
    fail: n("fail"),
    skip: n("skip"),
    failed: body.checks.filter((c) => c.status === "fail").map((c) => c.id),
  };
}
