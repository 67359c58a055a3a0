/**
 * Verifier of a decryption share and its Chaum-Pedersen proof, protocol.md §10.2.
 *
 * Custodian i publishes D_i = s_i·alpha for a tally ciphertext (alpha, beta) with a proof
 * (a, b, v) that log_G X_i = log_alpha D_i; it verifies iff, with
 *
 *     c = Hs("decryption-proof", baseHash, K, u32(i), X_i, alpha, beta, D_i, a, b),
 *
 * v·G = a + c·X_i and v·alpha = b + c·D_i. When alpha is the identity, D_i MUST be the identity
 * (and b is then the identity too, which is allowed only in that case).
 *
 * Written from the spec independently of the prover (board/src/crypto).
 */
import type { DecryptionProofJson } from "@urna/schemas";
import { ProofError } from "./errors.js";
import type { Ciphertext } from "./elgamal.js";
import {
  GroupError,
  IDENTITY,
  base64Bytes,
  decodeElement,
  decodeScalar,
  elementBytes,
  hashToScalar,
  u32,
  type Element,
} from "./group.js";
import { MsmAccumulator, WeightSource } from "./msm.js";

export interface DecryptionStatement {
  baseHash: Uint8Array;
  /** The joint public key K. */
  publicKey: Element;
  /** Custodian index i (1..n). */
  custodian: number;
  /** X_i = s_i·G from `election.key`. */
  verificationShare: Element;
  /** The tally ciphertext (alpha may be the identity). */
  ciphertext: Ciphertext;
  /** D_i. */
  share: Element;
}

export interface ParsedDecryptionProof {
  a: Element;
  b: Element;
  v: bigint;
  aBytes: Uint8Array;
  bBytes: Uint8Array;
}

function malformed(what: string, e: unknown): ProofError {
  if (e instanceof GroupError)
    return new ProofError("PROOF_MALFORMED", `${what}: ${e.message}`, e.code);
  return new ProofError(
    "PROOF_MALFORMED",
    `${what}: ${e instanceof Error ? e.message : String(e)}`,
  );
}

/**
 * Decode a decryption share D_i for a tally ciphertext: the identity iff alpha is the identity.
 * Throws GroupError (encoding) or ProofError SHARE_IDENTITY_MISMATCH.
 */
export function decodeShare(b64: string, ciphertext: Ciphertext): Element {
  const d = decodeElement(base64Bytes(b64), { allowIdentity: true });
  checkShareIdentity(ciphertext, d);
  return d;
}

function checkShareIdentity(ciphertext: Ciphertext, share: Element): void {
  const alphaZero = ciphertext.alpha.equals(IDENTITY);
  if (alphaZero !== share.equals(IDENTITY))
    throw new ProofError(
      "SHARE_IDENTITY_MISMATCH",
      alphaZero
        ? "alpha is the identity, so the share must be"
        : "the share must not be the identity",
    );
}

/** Decode the proof (a, b, v): a is never the identity; b only when alpha is; v may be zero. */
export function parseDecryptionProof(
  proof: DecryptionProofJson,
  ciphertext: Ciphertext,
): ParsedDecryptionProof {
  if (typeof proof !== "object" || proof === null)
    throw new ProofError("PROOF_MALFORMED", "proof must be an object");
  const alphaZero = ciphertext.alpha.equals(IDENTITY);
  let a: Element, b: Element, v: bigint, aBytes: Uint8Array, bBytes: Uint8Array;
  try {
    aBytes = base64Bytes(proof.a);
    a = decodeElement(aBytes);
  } catch (e) {
    throw malformed("a", e);
  }
  try {
    bBytes = base64Bytes(proof.b);
    b = decodeElement(bBytes, { allowIdentity: alphaZero });
  } catch (e) {
    throw malformed("b", e);
  }
  try {
    v = decodeScalar(base64Bytes(proof.v), { allowZero: true });
  } catch (e) {
    throw malformed("v", e);
  }
  return { a, b, v, aBytes, bBytes };
}

function checkCustodianIndex(i: number): void {
  if (!Number.isInteger(i) || i < 1 || i > 0xffffffff)
    throw new ProofError("STATEMENT_INVALID", `bad custodian index ${i}`);
}

/** The Fiat-Shamir challenge c of §10.2. */
export function decryptionChallenge(
  st: DecryptionStatement,
  aBytes: Uint8Array,
  bBytes: Uint8Array,
): bigint {
  checkCustodianIndex(st.custodian);
  return hashToScalar("decryption-proof", [
    st.baseHash,
    elementBytes(st.publicKey),
    u32(st.custodian),
    elementBytes(st.verificationShare),
    elementBytes(st.ciphertext.alpha),
    elementBytes(st.ciphertext.beta),
    elementBytes(st.share),
    aBytes,
    bBytes,
  ]);
}

/** Decode the proof and check the share's identity rule; returns the proof and its challenge. */
export function preverifyDecryptionProof(
  st: DecryptionStatement,
  proof: DecryptionProofJson,
): { parsed: ParsedDecryptionProof; c: bigint } {
  checkCustodianIndex(st.custodian);
  checkShareIdentity(st.ciphertext, st.share);
  const parsed = parseDecryptionProof(proof, st.ciphertext);
  return { parsed, c: decryptionChallenge(st, parsed.aBytes, parsed.bBytes) };
}

/** x·(a + c·X_i − v·G) + y·(b + c·D_i − v·alpha) */
export function accumulateDecryptionEquations(
  acc: MsmAccumulator,
  w: WeightSource,
  st: DecryptionStatement,
  p: ParsedDecryptionProof,
  c: bigint,
): void {
  const x = w.next();
  const y = w.next();
  acc.add(p.a, x);
  acc.add(p.b, y);
  acc.addShared(st.verificationShare, x * c);
  acc.addShared(st.share, y * c);
  acc.addShared(st.ciphertext.alpha, -(y * p.v));
  acc.addG(-(x * p.v));
}

export function decryptionEquationsHold(
  st: DecryptionStatement,
  p: ParsedDecryptionProof,
  c: bigint,
  w = new WeightSource(),
): boolean {
  const acc = new MsmAccumulator();
  accumulateDecryptionEquations(acc, w, st, p, c);
  return acc.isIdentity();
}

/**
 * Verify one decryption share. Throws ProofError: STATEMENT_INVALID, SHARE_IDENTITY_MISMATCH,
 * PROOF_MALFORMED or PROOF_EQUATION_FAILED (a wrong challenge shows up as a failed equation,
 * since this proof carries no challenge).
 */
export function verifyDecryptionShare(
  st: DecryptionStatement & { proof: DecryptionProofJson },
): void {
  const { parsed, c } = preverifyDecryptionProof(st, st.proof);
  if (!decryptionEquationsHold(st, parsed, c))
    throw new ProofError("PROOF_EQUATION_FAILED", "a decryption-proof equation does not hold");
}
