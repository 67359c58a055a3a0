/**
 * An auditing firm's attestation (spec/protocol.md §6.12) in Node: its key file, the signed
 * `audit.attestation` entry built from a report this verifier just made, and posting it to a
 * board. `urna-verify election --attest` and `urna-verify attest keygen|post` call these.
 */
import { readFile, writeFile } from "node:fs/promises";
import { ed25519 } from "@noble/curves/ed25519.js";
import type { AttestationEntry, VerificationReport } from "@urna/schemas";
import { fromBase64, toBase64 } from "../bytes.js";
import { entrySigningMessage } from "../entry.js";
import { attestationOf } from "../audit/attestation.js";

/** A firm's key file: the same shape as the board's signing key files (role "auditor"). */
export interface FirmKeyFile {
  kind: "urna-signing-key";
  role: "auditor";
  secretKey: string;
  publicKey: string;
}

export class AttestError extends Error {
  constructor(
    readonly code: "KEY_INVALID" | "FILE_EXISTS" | "CHECKS_FAILED" | "POST_FAILED" | "BAD_FILE",
    message: string,
  ) {
    super(message);
    this.name = "AttestError";
  }
}

/** Writes a fresh firm key to `path` (never over an existing file); returns the public key. */
export async function firmKeygen(path: string): Promise<string> {
  const sk = ed25519.utils.randomSecretKey();
  const file: FirmKeyFile = {
    kind: "urna-signing-key",
    role: "auditor",
    secretKey: toBase64(sk),
    publicKey: toBase64(ed25519.getPublicKey(sk)),
  };
  try {
    await writeFile(path, JSON.stringify(file, null, 2) + "\n", { flag: "wx", mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST")
      throw new AttestError("FILE_EXISTS", `${path} exists; not overwritten`);
    throw e;
  }
  return file.publicKey;
}

/** The 32-byte secret key of a key file (`kind: "urna-signing-key"`). */
export async function loadFirmKey(path: string): Promise<Uint8Array> {
  let f: Partial<FirmKeyFile>;
  try {
    f = JSON.parse(await readFile(path, "utf8")) as Partial<FirmKeyFile>;
  } catch (e) {
    throw new AttestError("KEY_INVALID", `cannot read the key file ${path}: ${String(e)}`);
  }
  let sk: Uint8Array | undefined;
  try {
    sk = f.kind === "urna-signing-key" ? fromBase64(String(f.secretKey)) : undefined;
  } catch {
    sk = undefined;
  }
  if (!sk || sk.length !== 32)
    throw new AttestError("KEY_INVALID", `${path} is not an urna signing key file`);
  if (f.publicKey !== undefined && f.publicKey !== toBase64(ed25519.getPublicKey(sk)))
    throw new AttestError("KEY_INVALID", `${path}: publicKey does not match secretKey`);
  return sk;
}

export interface AttestOptions {
  firm: string;
  opinion?: string;
  /** Attest a report in which a check failed (the firm's dissent); needs an opinion. */
  allowFail?: boolean;
  version: string;
  /** Where the firm publishes the report and the SHA-256 of its bytes (protocol.md §6.12). */
  report?: { url: string; sha256: string };
}

/** The signed `audit.attestation` entry of `report` (refused when a check failed, unless allowed). */
export function attestReport(
  report: VerificationReport,
  secretKey: Uint8Array,
  o: AttestOptions,
): AttestationEntry {
  const failed = report.checks.filter((c) => c.status === "fail").map((c) => c.id);
  if (failed.length && !o.allowFail)
    throw new AttestError(
      "CHECKS_FAILED",
      `not attesting: ${failed.join(", ")} failed (--allow-fail records the firm's dissent)`,
    );
  if (failed.length && !o.opinion)
    throw new AttestError("CHECKS_FAILED", "a dissenting attestation needs --opinion");
  const opinion =
    o.opinion ??
    (report.ok && report.complete
      ? "Every check V1-V17 passed at this checkpoint; the result is verified."
      : "No check failed, but the election was not finished at this checkpoint.");
  const body = {
    ...attestationOf(report, o.firm, opinion, o.version),
    ...(o.report ? { report: { url: o.report.url, sha256: o.report.sha256 } } : {}),
  };
  const signer = toBase64(ed25519.getPublicKey(secretKey));
  const unsigned = { type: "audit.attestation" as const, election: report.election, body, signer };
  const signature = toBase64(ed25519.sign(entrySigningMessage(unsigned), secretKey));
  return { ...unsigned, signature };
}

/** POSTs an attestation entry file to `<board>/elections/<id>/entries`; the board's answer. */
export async function postAttestation(
  path: string,
  board: string,
  election: string,
): Promise<unknown> {
  let entry: unknown;
  try {
    entry = JSON.parse(await readFile(path, "utf8"));
  } catch (e) {
    throw new AttestError("BAD_FILE", `cannot read ${path}: ${String(e)}`);
  }
  const url = `${board.replace(/\/+$/, "")}/elections/${encodeURIComponent(election)}/entries`;
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(entry),
  });
  const text = await res.text();
  let answer: unknown = text;
  try {
    answer = JSON.parse(text);
  } catch {
    /* not JSON: the text itself */
  }
  if (!res.ok) {
    const err = (answer as { error?: { code?: string; message?: string } }).error;
    throw new AttestError(
      "POST_FAILED",
      `the board refused the attestation (HTTP ${res.status}${err?.code ? `, ${err.code}` : ""}): ${err?.message ?? text.slice(0, 500)}`,
    );
  }
  return answer;
}
