/** Test fixtures: a manifest with several styles, and a k-of-n key made by Shamir sharing. */
import type { Manifest } from "@urna/schemas";
import { G, ORDER, baseHash, mod, toBase64, type Element } from "@urna/verifier";
import { randomScalar } from "../../src/crypto/random.js";

const key = (n: number) => toBase64(new Uint8Array(32).fill(n));

export function testManifest(n = 5, threshold = 3): Manifest {
  return {
    electionId: "mx-test",
    title: "Prueba",
    suite: "urna-v1",
    authority: key(1),
    registrar: key(2),
    custodians: Array.from({ length: n }, (_, i) => ({
      index: i + 1,
      name: `Custodio ${i + 1}`,
      signingKey: key(10 + i),
      dkgKey: toBase64(G.multiply(BigInt(100 + i)).toBytes()),
    })),
    threshold,
    revotePolicy: "single",
    contests: [
      {
        id: "presidencia",
        title: "Presidencia",
        minSelections: 0,
        maxSelections: 1,
        options: ["a", "b", "c", "d"].map((id) => ({ id, label: id.toUpperCase() })),
      },
      {
        id: "senaduria-09",
        title: "Senaduría",
        minSelections: 0,
        maxSelections: 2,
        options: ["x", "y", "z"].map((id) => ({ id, label: id.toUpperCase() })),
      },
      {
        id: "diputacion",
        title: "Diputación",
        minSelections: 1,
        maxSelections: 3,
        options: ["p", "q", "r", "s", "t"].map((id) => ({ id, label: id.toUpperCase() })),
      },
    ],
    ballotStyles: [
      { id: "ent-09", contests: ["presidencia", "senaduria-09"] },
      { id: "ent-15", contests: ["presidencia", "diputacion"] },
      { id: "all", contests: ["presidencia", "senaduria-09", "diputacion"] },
    ],
  };
}

export interface SharedKey {
  secret: bigint;
  publicKey: Element;
  shares: bigint[]; // shares[i-1] = s_i
  verificationShares: Element[];
}

/** Shamir sharing of a random secret: f of degree k−1, s_i = f(i), X_i = s_i·G, K = f(0)·G. */
export function sharedKey(n: number, k: number): SharedKey {
  const coeffs = Array.from({ length: k }, () => randomScalar());
  const f = (x: bigint) => coeffs.reduceRight((acc, c) => mod(acc * x + c), 0n);
  const shares = Array.from({ length: n }, (_, i) => f(BigInt(i + 1)));
  return {
    secret: coeffs[0],
    publicKey: G.multiply(coeffs[0]),
    shares,
    verificationShares: shares.map((s) => G.multiply(s)),
  };
}

export const signerKey = (n: number): Uint8Array => new Uint8Array(32).fill(n);

export function setup(n = 5, k = 3) {
  const manifest = testManifest(n, k);
  const bh = baseHash(manifest.electionId, manifest);
  const key = sharedKey(n, k);
  return { manifest, baseHash: bh, key };
}

export { ORDER };
