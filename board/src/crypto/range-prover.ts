/**
 * Prover of the disjunctive Chaum-Pedersen range proof, protocol.md §8.2, written from the spec
 * separately from the verifier (verifier/src/crypto/range-proof.ts).
 *
 * Statement: (alpha, beta) = (r·G, m·G + r·K) with m ∈ [lo, hi]. For j = 0..d−1 (value lo + j):
 * simulated branches j ≠ j* pick c_j, v_j and set a_j = v_j·G − c_j·alpha,
 * b_j = v_j·K − c_j·(beta − (lo+j)·G); the real branch j* = m − lo picks u and sets
 * a_j* = u·G, b_j* = u·K; then c = Hs("range-proof", baseHash, K, signer, contest, option,
 * alpha, beta, u32(lo), u32(hi), a_0, b_0, …), c_j* = c − Σ_{j≠j*} c_j, v_j* = u + c_j*·r.
 *
 * Uniform computation. Since the prover knows r and m, alpha = r·G and
 * beta − (lo+j)·G = (m−lo−j)·G + r·K, so every branch is computed by the same formula
 *
 *     a_j = s_j·G,   b_j = s_j·K − t_j·G,   s_j = w_j − e_j·r,   t_j = e_j·(m − lo − j)
 *
 * with (w_j, e_j) = (v_j, c_j) for a simulated branch and (u, 0) for the real one. Every branch
 * draws the same random values and runs the same sequence of constant-time fixed-base
 * multiplications (G and K have precomputed tables); the real branch is selected by arithmetic
 * with a 0/1 multiplier, not by a branch. t_j·G is computed as (t_j + 1)·G − G, because
 * noble's constant-time `multiply` refuses 0 and t_j* = 0.
 *
 * What remains variable-time: JavaScript bigint arithmetic (multiplication and reduction mod ℓ
 * take time that depends on operand sizes), the `===` that derives the 0/1 selector from m, and
 * array indexing. These are the limits of a pure-JS prover; the group operations themselves run
 * in noble's constant-time ladder, or, on the verifier's WebAssembly backend, in its
 * constant-time code (fixed-base tables with masked lookups; there t_j·G is computed directly,
 * 0 included, and the subtraction is straight-line WASM code too).
 */
import type { RangeProofJson } from "@urna/schemas";
import {
  G,
  ORDER,
  elementBytes,
  hashToScalar,
  mod,
  scalarToBase64,
  subtractElements,
  toBase64,
  u32,
  utf8,
  type Element,
} from "@urna/verifier";
import { ProverError } from "./errors.js";
import { fixedBase, mulGSecretMaybeZero, mulSecret } from "./fixed-base.js";
import { randomScalar } from "./random.js";

export interface RangeProverInput {
  baseHash: Uint8Array;
  /** The joint public key K (a precomputed copy is made and cached). */
  publicKey: Element;
  /** The 32-byte credential public key of the ballot's signer. */
  signer: Uint8Array;
  contest: string;
  /** Option id for a selection proof, "" for a contest proof. */
  option: string;
  /** The ciphertext (alpha, beta) = (r·G, m·G + r·K). */
  alpha: Element;
  beta: Element;
  lo: number;
  hi: number;
  /** The witness: plaintext m ∈ [lo, hi] and nonce r. */
  m: number;
  r: bigint;
}

export function proveRange(input: RangeProverInput): RangeProofJson {
  const { lo, hi, m, r } = input;
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || lo > hi || hi > 0xffffffff)
    throw new ProverError("BAD_WITNESS", `bad range [${lo}, ${hi}]`);
  if (!Number.isInteger(m) || m < lo || m > hi)
    throw new ProverError("BAD_WITNESS", "m is outside [lo, hi]");
  const d = hi - lo + 1;
  const K = fixedBase(input.publicKey);
  const real = m - lo;

  const sel: bigint[] = new Array(d);
  const e: bigint[] = new Array(d);
  const w: bigint[] = new Array(d);
  const aBytes: Uint8Array[] = new Array(d);
  const bBytes: Uint8Array[] = new Array(d);
  const u = randomScalar();
  for (let j = 0; j < d; j++) {
    const isReal = BigInt(Number(j === real)); // 1n for the real branch, 0n otherwise
    const cSim = randomScalar();
    const vSim = randomScalar();
    sel[j] = isReal;
    e[j] = (1n - isReal) * cSim;
    w[j] = isReal * u + (1n - isReal) * vSim;
    const s = mod(w[j] - e[j] * r);
    const t = mod(e[j] * BigInt(m - lo - j));
    const a = mulSecret(G, s);
    const b = subtractElements(mulSecret(K, s), mulGSecretMaybeZero(t, ORDER));
    aBytes[j] = elementBytes(a);
    bBytes[j] = elementBytes(b);
  }

  const parts: Uint8Array[] = [
    input.baseHash,
    elementBytes(input.publicKey),
    input.signer,
    utf8(input.contest),
    utf8(input.option),
    elementBytes(input.alpha),
    elementBytes(input.beta),
    u32(lo),
    u32(hi),
  ];
  for (let j = 0; j < d; j++) parts.push(aBytes[j], bBytes[j]);
  const c = hashToScalar("range-proof", parts);

  let simulated = 0n;
  for (let j = 0; j < d; j++) simulated += e[j];
  const cReal = mod(c - simulated);
  const proof: RangeProofJson = { a: [], b: [], c: [], v: [] };
  for (let j = 0; j < d; j++) {
    proof.a.push(toBase64(aBytes[j]));
    proof.b.push(toBase64(bBytes[j]));
    proof.c.push(scalarToBase64(mod(e[j] + sel[j] * cReal)));
    proof.v.push(scalarToBase64(mod(w[j] + sel[j] * cReal * r)));
  }
  return proof;
}
