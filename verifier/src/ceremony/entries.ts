/**
 * JSON bodies of urna's ceremony log entries (spec/ceremony.md §4) and their strict decoding.
 * Bytes are standard base64 with padding; decoders refuse anything else with
 * CEREMONY_BAD_MESSAGE. Signatures on the envelopes are checked elsewhere.
 */
import { fromBase64, toBase64, bytesEqual } from "../bytes.js";
import { CeremonyError } from "./errors.js";
import type { Round1Message } from "./messages.js";
import { SHARE_FAULTS, type ShareFault } from "./share.js";
import type { Blame } from "./blame.js";
import type { CeremonyResult } from "./verify.js";
import { ceremonySetup, type CeremonySetup } from "./setup.js";

/** `ceremony.round1`, signed by custodian `custodian`. */
export interface Round1Body {
  custodian: number;
  /** C_{i,0}..C_{i,t-1}. */
  commitments: string[];
  /** PoP_i (64 bytes). */
  pop: string;
  /** E_i. */
  ephemeralKey: string;
  /** c_{i,1}..c_{i,n}, raw AEAD ciphertexts (no length prefix), recipient order. */
  ciphertexts: string[];
}

/** `ceremony.certify`, signed by custodian `custodian`: sig_i on T. */
export interface CertifyBody {
  custodian: number;
  signature: string;
}

/** `ceremony.blame`, signed by the accuser `custodian`. */
export interface BlameBody {
  custodian: number;
  accused: number;
  reason: ShareFault;
  ecdhEphemeral: string;
  ecdhStatic: string;
  proof: string;
}

/** `election.key`, signed by the authority. */
export interface ElectionKeyBody {
  publicKey: string;
  verificationShares: string[];
}

const bad = (msg: string, custodian: number | null = null) =>
  new CeremonyError("CEREMONY_BAD_MESSAGE", msg, custodian);
const isObj = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x);

function exactKeys(o: Record<string, unknown>, keys: readonly string[], what: string): void {
  const got = Object.keys(o).sort();
  const want = [...keys].sort();
  if (got.length !== want.length || got.some((k, i) => k !== want[i]))
    throw bad(`${what} must have exactly the members ${want.join(", ")}`);
}
function index(x: unknown, what: string): number {
  if (typeof x !== "number" || !Number.isSafeInteger(x) || x < 1)
    throw bad(`${what} must be a positive integer`);
  return x;
}
function b64(x: unknown, what: string, custodian: number | null): Uint8Array {
  if (typeof x !== "string") throw bad(`${what} must be a base64 string`, custodian);
  try {
    return fromBase64(x);
  } catch {
    throw bad(`${what} is not canonical base64`, custodian);
  }
}
function b64List(x: unknown, what: string, custodian: number | null): Uint8Array[] {
  if (!Array.isArray(x)) throw bad(`${what} must be an array`, custodian);
  return x.map((v, k) => b64(v, `${what}[${k}]`, custodian));
}

export const round1ToBody = (custodian: number, m: Round1Message): Round1Body => ({
  custodian,
  commitments: m.commitments.map(toBase64),
  pop: toBase64(m.pop),
  ephemeralKey: toBase64(m.ephemeralKey),
  ciphertexts: m.ciphertexts.map(toBase64),
});

/** Decode a round-1 body (shape and base64 only; use `checkRound1` for the rest). */
export function round1FromBody(body: unknown): { custodian: number; message: Round1Message } {
  if (!isObj(body)) throw bad("ceremony.round1 body must be an object");
  exactKeys(
    body,
    ["custodian", "commitments", "pop", "ephemeralKey", "ciphertexts"],
    "ceremony.round1 body",
  );
  const custodian = index(body.custodian, "custodian");
  return {
    custodian,
    message: {
      commitments: b64List(body.commitments, "commitments", custodian),
      pop: b64(body.pop, "pop", custodian),
      ephemeralKey: b64(body.ephemeralKey, "ephemeralKey", custodian),
      ciphertexts: b64List(body.ciphertexts, "ciphertexts", custodian),
    },
  };
}

export const certifyToBody = (custodian: number, signature: Uint8Array): CertifyBody => ({
  custodian,
  signature: toBase64(signature),
});

export function certifyFromBody(body: unknown): { custodian: number; signature: Uint8Array } {
  if (!isObj(body)) throw bad("ceremony.certify body must be an object");
  exactKeys(body, ["custodian", "signature"], "ceremony.certify body");
  const custodian = index(body.custodian, "custodian");
  return { custodian, signature: b64(body.signature, "signature", custodian) };
}

export const blameToBody = (b: Blame): BlameBody => ({
  custodian: b.accuser,
  accused: b.accused,
  reason: b.reason,
  ecdhEphemeral: toBase64(b.ecdhEphemeral),
  ecdhStatic: toBase64(b.ecdhStatic),
  proof: toBase64(b.proof),
});

export function blameFromBody(body: unknown): Blame {
  if (!isObj(body)) throw bad("ceremony.blame body must be an object");
  exactKeys(
    body,
    ["custodian", "accused", "reason", "ecdhEphemeral", "ecdhStatic", "proof"],
    "ceremony.blame body",
  );
  const accuser = index(body.custodian, "custodian");
  const reason = body.reason;
  if (typeof reason !== "string" || !(SHARE_FAULTS as readonly string[]).includes(reason))
    throw bad(`reason must be one of ${SHARE_FAULTS.join(", ")}`, accuser);
  return {
    accuser,
    accused: index(body.accused, "accused"),
    reason: reason as ShareFault,
    ecdhEphemeral: b64(body.ecdhEphemeral, "ecdhEphemeral", accuser),
    ecdhStatic: b64(body.ecdhStatic, "ecdhStatic", accuser),
    proof: b64(body.proof, "proof", accuser),
  };
}

export const electionKeyBody = (
  r: Pick<CeremonyResult, "groupPublicKey" | "verificationShares">,
): ElectionKeyBody => ({
  publicKey: toBase64(r.groupPublicKey),
  verificationShares: r.verificationShares.map(toBase64),
});

/**
 * Every way `body` differs from the recomputed key and shares: the public key, the number of
 * shares, then each differing share (naming its custodian). Malformed bodies throw.
 */
export function electionKeyIssues(
  r: Pick<CeremonyResult, "groupPublicKey" | "verificationShares">,
  body: unknown,
): { message: string; custodian?: number }[] {
  if (!isObj(body)) throw bad("election.key body must be an object");
  exactKeys(body, ["publicKey", "verificationShares"], "election.key body");
  const pk = b64(body.publicKey, "publicKey", null);
  const shares = b64List(body.verificationShares, "verificationShares", null);
  const issues: { message: string; custodian?: number }[] = [];
  if (!bytesEqual(pk, r.groupPublicKey))
    issues.push({ message: "publicKey differs from the recomputed group public key" });
  if (shares.length !== r.verificationShares.length)
    issues.push({ message: `expected ${r.verificationShares.length} verification shares` });
  else
    shares.forEach((s, k) => {
      if (!bytesEqual(s, r.verificationShares[k]))
        issues.push({
          message: `verificationShares[${k}] differs from the recomputed Y_${k + 1}`,
          custodian: k + 1,
        });
    });
  return issues;
}

/** Throw CEREMONY_KEY_MISMATCH (on the first issue) unless `body` is exactly the recomputed key. */
export function checkElectionKey(
  r: Pick<CeremonyResult, "groupPublicKey" | "verificationShares">,
  body: unknown,
): void {
  const [first] = electionKeyIssues(r, body);
  if (first) throw new CeremonyError("CEREMONY_KEY_MISMATCH", first.message, first.custodian);
}

/** The manifest members the ceremony needs (protocol.md §6.1). */
export interface ManifestCeremonyFields {
  custodians: readonly { index: number; dkgKey: string }[];
  threshold: number;
}

/**
 * The setup of spec/ceremony.md §2: P_i = custodians[i-1].dkgKey (indices 1..n in order),
 * t = threshold, session_id = baseHash, empty extension. Throws CEREMONY_BAD_SETUP.
 */
export function setupFromManifest(m: ManifestCeremonyFields, baseHash: Uint8Array): CeremonySetup {
  const staticKeys = m.custodians.map((c, k) => {
    if (c.index !== k + 1)
      throw new CeremonyError(
        "CEREMONY_BAD_SETUP",
        "custodian indices must be 1..n in order",
        k + 1,
      );
    try {
      return fromBase64(c.dkgKey);
    } catch {
      throw new CeremonyError("CEREMONY_BAD_SETUP", "dkgKey is not canonical base64", k + 1);
    }
  });
  return ceremonySetup({ sessionId: baseHash, t: m.threshold, staticKeys });
}
