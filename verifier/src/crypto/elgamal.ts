/**
 * Exponential ElGamal over ristretto255, protocol.md §8.1:
 *
 *     Enc(m; r) = (alpha, beta) = (r·G, m·G + r·K)
 *
 * Ciphertexts add component-wise. In a ballot `alpha` MUST NOT be the identity and `beta` may
 * be any element; tally ciphertexts may be (identity, identity).
 */
import type { CiphertextJson } from "@urna/schemas";
import {
  IDENTITY,
  addElements as add,
  elementFromBase64,
  elementToBase64,
  subtractElements as sub,
  type Element,
} from "./group.js";
import { wasm } from "./wasm/backend.js";
import { sumWasm } from "./wasm/points.js";

// Homomorphic sums run on the WASM backend when it is available (tally sums add every ballot).

export interface Ciphertext {
  alpha: Element;
  beta: Element;
}

export const ZERO_CIPHERTEXT: Ciphertext = Object.freeze({ alpha: IDENTITY, beta: IDENTITY });

/**
 * Decode a ciphertext. `kind: "ballot"` (the default) refuses an identity alpha; `"tally"`
 * accepts the identity in both components. Throws GroupError.
 */
export function decodeCiphertext(
  json: CiphertextJson,
  kind: "ballot" | "tally" = "ballot",
): Ciphertext {
  const alpha = elementFromBase64(json.alpha, { allowIdentity: kind === "tally" });
  const beta = elementFromBase64(json.beta, { allowIdentity: true });
  return { alpha, beta };
}

export const encodeCiphertext = (ct: Ciphertext): CiphertextJson => ({
  alpha: elementToBase64(ct.alpha),
  beta: elementToBase64(ct.beta),
});

export const addCiphertexts = (x: Ciphertext, y: Ciphertext): Ciphertext => ({
  alpha: add(x.alpha, y.alpha),
  beta: add(x.beta, y.beta),
});

export const subtractCiphertexts = (x: Ciphertext, y: Ciphertext): Ciphertext => ({
  alpha: sub(x.alpha, y.alpha),
  beta: sub(x.beta, y.beta),
});

export function sumCiphertexts(list: readonly Ciphertext[]): Ciphertext {
  if (list.length === 0) return ZERO_CIPHERTEXT;
  if (wasm() !== null && list.length > 1)
    return { alpha: sumWasm(list.map((c) => c.alpha)), beta: sumWasm(list.map((c) => c.beta)) };
  let alpha = list[0].alpha;
  let beta = list[0].beta;
  for (let i = 1; i < list.length; i++) {
    alpha = add(alpha, list[i].alpha);
    beta = add(beta, list[i].beta);
  }
  return { alpha, beta };
}

export const ciphertextsEqual = (x: Ciphertext, y: Ciphertext): boolean =>
  x.alpha.equals(y.alpha) && x.beta.equals(y.beta);
