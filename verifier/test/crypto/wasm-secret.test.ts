/**
 * Constant-time scalar multiplication on the WASM backend (the prover's secrets) against noble's
 * `multiply`: fixed-base tables (G and another base) and the window method, on digit-boundary
 * scalars (0, 1, 7..9, 15..17, 2^k ± 1, ℓ − 1, ℓ − 8) and random ones.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { G, IDENTITY, ORDER, type Element } from "@urna/verifier";
import { cryptoBackendChoice, setCryptoBackend } from "../../src/crypto/wasm/backend.js";
import { mulSecretWasm, precomputeSecretBase } from "../../src/crypto/wasm/secret.js";

const initial = cryptoBackendChoice();
beforeAll(() => setCryptoBackend("wasm"));
afterAll(() => setCryptoBackend(initial));

const rand = (): bigint => {
  const b = crypto.getRandomValues(new Uint8Array(40));
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n % ORDER;
};
const scalars = (): bigint[] => [
  0n,
  1n,
  2n,
  7n,
  8n,
  9n,
  15n,
  16n,
  17n,
  0x88n,
  0x8888888888888888n,
  (1n << 128n) - 1n,
  1n << 128n,
  (1n << 252n) - 1n,
  1n << 252n,
  ORDER - 1n,
  ORDER - 8n,
  ORDER - 9n,
  ...Array.from({ length: 12 }, rand),
];
const want = (P: Element, s: bigint): Element => (s === 0n ? IDENTITY : P.multiply(s));

describe("constant-time scalar multiplication in WASM", () => {
  it("s·P by the window method equals noble's multiply (P random, G, identity)", () => {
    const K = G.multiply(rand());
    for (const P of [K, G.multiply(3n), IDENTITY])
      for (const s of scalars()) expect(mulSecretWasm(P, s)!.equals(want(P, s))).toBe(true);
  });

  it("s·B with a fixed-base table equals noble's multiply, for G and another base", () => {
    const K = G.multiply(rand());
    expect(precomputeSecretBase(G)).toBe(true);
    expect(precomputeSecretBase(K)).toBe(true);
    expect(precomputeSecretBase(K)).toBe(true); // idempotent
    for (const B of [G, K])
      for (const s of scalars()) expect(mulSecretWasm(B, s)!.equals(want(B, s))).toBe(true);
  });

  it("refuses scalars outside [0, ℓ)", () => {
    expect(() => mulSecretWasm(G, ORDER)).toThrow(RangeError);
    expect(() => mulSecretWasm(G, -1n)).toThrow(RangeError);
  });

  it("is unavailable (undefined) on the JS backend, so callers use noble", () => {
    setCryptoBackend("js");
    expect(mulSecretWasm(G, 5n)).toBeUndefined();
    expect(precomputeSecretBase(G.multiply(9n))).toBe(false);
    setCryptoBackend("wasm");
  });
});
