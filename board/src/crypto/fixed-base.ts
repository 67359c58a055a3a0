/**
 * Constant-time fixed-base multiplication for the prover.
 *
 * noble's `multiply` is constant-time (fixed-window wNAF with fake additions) and refuses the
 * scalar 0. G comes with noble's precomputed table (window 8). The joint key K is used for every
 * encryption and every proof, so we give it a table too: `precompute(8)` on a private copy of
 * the point (tables live in a WeakMap keyed by point identity, so the caller's object is left
 * alone), kept in a small cache keyed by K's encoding. bench/crypto.ts measures the gain.
 *
 * With the verifier's WebAssembly backend available (Node; see verifier/src/crypto/wasm), the
 * same multiplications run there instead, also in constant time (fixed-base tables for G and K,
 * masked table lookups; verifier/asm/ristretto.ts explains why), several times faster.
 */
import {
  G,
  IDENTITY,
  elementBytes,
  mulSecretWasm,
  precomputeSecretBase,
  toHex,
  type Element,
} from "@urna/verifier";

precomputeSecretBase(G);

const WINDOW = 8;
const MAX_CACHED = 4;
const cache = new Map<string, Element>();
const byObject = new WeakMap<Element, Element>();

/** A copy of K with a precomputed window-8 table (built now, once per distinct K). */
export function fixedBase(K: Element): Element {
  let p = byObject.get(K);
  if (p) {
    precomputeSecretBase(p); // no-op if it has a WASM table or the backend is JS
    return p;
  }
  const key = toHex(elementBytes(K));
  p = cache.get(key);
  if (!p) {
    p = K.add(IDENTITY);
    // A WASM table when the backend is there (noble's table is then not needed), else noble's.
    if (!precomputeSecretBase(p)) p = p.precompute(WINDOW, false);
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(key, p);
  } else precomputeSecretBase(p);
  byObject.set(K, p);
  return p;
}

/**
 * s·P in constant time for a secret s. `multiply` refuses 0; a secret that is 0 here is either
 * a negligible-probability event (random scalars) or handled by the callers' offsets (+1
 * trick), so the branch does not depend on secrets in practice.
 */
export function mulSecret(P: Element, s: bigint): Element {
  const fast = mulSecretWasm(P, s);
  if (fast !== undefined) return fast;
  return s === 0n ? IDENTITY : P.multiply(s);
}

/**
 * s·G in constant time for a secret s that may be 0: directly on the WASM backend (its
 * constant-time code has no special case for 0), else (s + 1)·G − G with noble.
 */
export function mulGSecretMaybeZero(s: bigint, order: bigint): Element {
  const fast = mulSecretWasm(G, s % order);
  if (fast !== undefined) return fast;
  const t = (s + 1n) % order;
  return mulSecret(G, t).subtract(G);
}
