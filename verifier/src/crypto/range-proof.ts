/**
 * Verifier of the disjunctive Chaum-Pedersen range proof, protocol.md §8.2.
 *
 * Statement: (alpha, beta) encrypts some m ∈ [lo, hi] under K. With d = hi − lo + 1 the proof is
 * d commitments a_j, b_j, challenges c_j and responses v_j; it verifies iff
 *
 *     Σ c_j = c = Hs("range-proof", baseHash, K, signer, utf8(contest), utf8(option),
 *                    alpha, beta, u32(lo), u32(hi), a_0, b_0, …, a_{d-1}, b_{d-1})
 *     v_j·G = a_j + c_j·alpha                       for every j
 *     v_j·K = b_j + c_j·(beta − (lo + j)·G)          for every j
 *
 * Written from the spec independently of the prover (board/src/crypto).
 */
import type { RangeProofJson } from "@urna/schemas";
import { utf8 } from "../bytes.js";
import { ProofError } from "./errors.js";
import type { Ciphertext } from "./elgamal.js";
import {
  GroupError,
  base64Bytes,
  decodeElement,
  decodeScalar,
  elementBytes,
  hashToScalar,
  mod,
  u32,
  type Element,
} from "./group.js";
import { MsmAccumulator, WeightSource } from "./msm.js";

/** Largest d = hi − lo + 1: a contest has at most 64 options, so [0, 64] at most. */
export const MAX_RANGE_SIZE = 65;

export interface RangeStatement {
  /** The election base hash (§4), 64 bytes. */
  baseHash: Uint8Array;
  /** The joint public key K. */
  publicKey: Element;
  /** The 32-byte Ed25519 credential public key that signs the ballot. */
  signer: Uint8Array;
  contest: string;
  /** The option id for a selection proof, "" for a contest proof. */
  option: string;
  ciphertext: Ciphertext;
  lo: number;
  hi: number;
}

/** A range proof with every element and scalar decoded, and the commitments' encodings kept for hashing. */
export interface ParsedRangeProof {
  a: Element[];
  b: Element[];
  c: bigint[];
  v: bigint[];
  aBytes: Uint8Array[];
  bBytes: Uint8Array[];
}

/** d = hi − lo + 1, after checking the statement's bounds. Throws ProofError STATEMENT_INVALID. */
export function rangeSize(lo: number, hi: number): number {
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi > 0xffffffff || lo > hi)
    throw new ProofError("STATEMENT_INVALID", `bad range [${lo}, ${hi}]`);
  const d = hi - lo + 1;
  if (d > MAX_RANGE_SIZE)
    throw new ProofError("STATEMENT_INVALID", `range [${lo}, ${hi}] is too wide`);
  return d;
}

function malformed(what: string, e: unknown): ProofError {
  if (e instanceof GroupError)
    return new ProofError("PROOF_MALFORMED", `${what}: ${e.message}`, e.code);
  if (e instanceof ProofError) return e;
  return new ProofError(
    "PROOF_MALFORMED",
    `${what}: ${e instanceof Error ? e.message : String(e)}`,
  );
}

function arrayOf(x: unknown, d: number, name: string): string[] {
  if (!Array.isArray(x) || x.length !== d || !x.every((s) => typeof s === "string"))
    throw new ProofError("PROOF_MALFORMED", `${name} must be an array of ${d} base64 strings`);
  return x as string[];
}

/** Decode a range proof for a range of size d. a_j, b_j may not be the identity; c_j, v_j may be zero. */
export function parseRangeProof(proof: RangeProofJson, d: number): ParsedRangeProof {
  if (typeof proof !== "object" || proof === null)
    throw new ProofError("PROOF_MALFORMED", "proof must be an object");
  const aj = arrayOf(proof.a, d, "a");
  const bj = arrayOf(proof.b, d, "b");
  const cj = arrayOf(proof.c, d, "c");
  const vj = arrayOf(proof.v, d, "v");
  const out: ParsedRangeProof = { a: [], b: [], c: [], v: [], aBytes: [], bBytes: [] };
  for (let j = 0; j < d; j++) {
    try {
      const ab = base64Bytes(aj[j]);
      out.a.push(decodeElement(ab));
      out.aBytes.push(ab);
    } catch (e) {
      throw malformed(`a[${j}]`, e);
    }
    try {
      const bb = base64Bytes(bj[j]);
      out.b.push(decodeElement(bb));
      out.bBytes.push(bb);
    } catch (e) {
      throw malformed(`b[${j}]`, e);
    }
    try {
      out.c.push(decodeScalar(base64Bytes(cj[j]), { allowZero: true }));
    } catch (e) {
      throw malformed(`c[${j}]`, e);
    }
    try {
      out.v.push(decodeScalar(base64Bytes(vj[j]), { allowZero: true }));
    } catch (e) {
      throw malformed(`v[${j}]`, e);
    }
  }
  return out;
}

/** The Fiat-Shamir challenge c of §8.2. */
export function rangeChallenge(
  st: RangeStatement,
  aBytes: Uint8Array[],
  bBytes: Uint8Array[],
): bigint {
  const parts: Uint8Array[] = [
    st.baseHash,
    elementBytes(st.publicKey),
    st.signer,
    utf8(st.contest),
    utf8(st.option),
    elementBytes(st.ciphertext.alpha),
    elementBytes(st.ciphertext.beta),
    u32(st.lo),
    u32(st.hi),
  ];
  for (let j = 0; j < aBytes.length; j++) parts.push(aBytes[j], bBytes[j]);
  return hashToScalar("range-proof", parts);
}

/** Check Σ c_j = c. Throws ProofError PROOF_CHALLENGE_MISMATCH. */
export function checkRangeChallenge(st: RangeStatement, p: ParsedRangeProof): void {
  const c = rangeChallenge(st, p.aBytes, p.bBytes);
  let sum = 0n;
  for (const cj of p.c) sum += cj;
  if (mod(sum) !== c)
    throw new ProofError("PROOF_CHALLENGE_MISMATCH", "challenges do not sum to the hash");
}

/** Decode and check the challenge: everything but the group equations. */
export function preverifyRangeProof(st: RangeStatement, proof: RangeProofJson): ParsedRangeProof {
  const d = rangeSize(st.lo, st.hi);
  const p = parseRangeProof(proof, d);
  checkRangeChallenge(st, p);
  return p;
}

/**
 * Add the 2d equations, each times a fresh weight, to `acc`:
 *   x_j·(a_j + c_j·alpha − v_j·G) + y_j·(b_j + c_j·beta − c_j·(lo+j)·G − v_j·K)
 */
export function accumulateRangeEquations(
  acc: MsmAccumulator,
  w: WeightSource,
  st: RangeStatement,
  p: ParsedRangeProof,
): void {
  let alphaCoef = 0n;
  let betaCoef = 0n;
  let gNeg = 0n;
  let kNeg = 0n;
  for (let j = 0; j < p.c.length; j++) {
    const x = w.next();
    const y = w.next();
    const c = p.c[j];
    const v = p.v[j];
    acc.add(p.a[j], x);
    acc.add(p.b[j], y);
    alphaCoef += x * c;
    betaCoef += y * c;
    gNeg += x * v + y * c * BigInt(st.lo + j);
    kNeg += y * v;
  }
  acc.addShared(st.ciphertext.alpha, alphaCoef);
  acc.addShared(st.ciphertext.beta, betaCoef);
  acc.addShared(st.publicKey, -kNeg);
  acc.addG(-gNeg);
}

/** Check the group equations of an already parsed proof (random-weight combination of the 2d equations). */
export function rangeEquationsHold(
  st: RangeStatement,
  p: ParsedRangeProof,
  w = new WeightSource(),
): boolean {
  const acc = new MsmAccumulator();
  accumulateRangeEquations(acc, w, st, p);
  return acc.isIdentity();
}

/**
 * Verify one range proof. Throws ProofError: STATEMENT_INVALID, PROOF_MALFORMED,
 * PROOF_CHALLENGE_MISMATCH or PROOF_EQUATION_FAILED.
 *
 * The 2d equations are checked as one random-weight combination: a valid proof always passes,
 * an invalid one passes with probability at most 2^-128.
 */
export function verifyRangeProof(st: RangeStatement, proof: RangeProofJson): void {
  const p = preverifyRangeProof(st, proof);
  if (!rangeEquationsHold(st, p))
    throw new ProofError("PROOF_EQUATION_FAILED", "a range-proof equation does not hold");
}
