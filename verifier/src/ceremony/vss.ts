/**
 * Feldman VSS over ristretto255: commitment evaluation, the group public key Y = Σ_j C_{j,0}
 * and verification shares Y_m = Σ_j Σ_k m^k·C_{j,k}. Public data: variable-time arithmetic.
 */
import { IDENTITY, type Element } from "../crypto/group.js";

/** Σ_k x^k·C_k by Horner's rule (x a small positive index). */
export function evaluateCommitment(commitments: readonly Element[], x: number): Element {
  const X = BigInt(x);
  let acc = commitments[commitments.length - 1];
  for (let k = commitments.length - 2; k >= 0; k--) acc = acc.multiplyUnsafe(X).add(commitments[k]);
  return acc;
}

/** C_agg,k = Σ_j C_{j,k}, for k = 0..t-1. */
export function aggregateCommitments(commitments: readonly (readonly Element[])[]): Element[] {
  const t = commitments[0].length;
  const agg: Element[] = [];
  for (let k = 0; k < t; k++) {
    let s = IDENTITY;
    for (const c of commitments) s = s.add(c[k]);
    agg.push(s);
  }
  return agg;
}

/** Y = Σ_j C_{j,0}. */
export const groupPublicKey = (commitments: readonly (readonly Element[])[]): Element =>
  commitments.reduce((s, c) => s.add(c[0]), IDENTITY);

/** Y_1..Y_n. */
export function verificationShares(
  commitments: readonly (readonly Element[])[],
  n: number,
): Element[] {
  const agg = aggregateCommitments(commitments);
  return Array.from({ length: n }, (_, m) => evaluateCommitment(agg, m + 1));
}
