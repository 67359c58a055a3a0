import { pippenger } from "@noble/curves/abstract/curve.js";
import { describe, expect, it } from "vitest";
import {
  G,
  IDENTITY,
  MsmAccumulator,
  ORDER,
  WeightSource,
  msm,
  ristretto255,
  type Element,
} from "@urna/verifier";

const rand = (bits: number): bigint => {
  const b = crypto.getRandomValues(new Uint8Array(Math.ceil(bits / 8) + 8));
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n % (1n << BigInt(bits));
};
const randPoint = (): Element => G.multiplyUnsafe((rand(256) % (ORDER - 1n)) + 1n);

describe("msm (signed-digit Pippenger with short scalars)", () => {
  it("agrees with noble's pippenger on mixed short, long, zero and edge scalars", () => {
    for (const n of [1, 2, 3, 17, 40, 257]) {
      const points = Array.from({ length: n }, randPoint);
      const scalars = points.map((_, i) => {
        switch (i % 7) {
          case 0:
            return rand(128);
          case 1:
            return rand(256) % ORDER;
          case 2:
            return 0n;
          case 3:
            return ORDER - 1n;
          case 4:
            return 1n << 128n;
          case 5:
            return (1n << 128n) - 1n;
          default:
            return rand(252);
        }
      });
      const want = pippenger(ristretto255.Point, points, scalars);
      expect(msm(points, scalars).equals(want)).toBe(true);
    }
  });

  it("agrees with noble on a large batch shape (4 short, 2 long per group) with Z ≠ 1 points", () => {
    const base = Array.from({ length: 64 }, randPoint);
    const points = Array.from({ length: 1800 }, (_, i) => base[i % 64].add(base[(i * 7 + 3) % 64]));
    const scalars = points.map((_, i) => (i % 6 < 4 ? rand(128) : rand(256) % ORDER));
    const want = pippenger(ristretto255.Point, points, scalars);
    expect(msm(points, scalars).equals(want)).toBe(true);
    for (const w of [2, 5, 9, 13])
      expect(
        msm(points.slice(0, 300), scalars.slice(0, 300), w).equals(
          pippenger(ristretto255.Point, points.slice(0, 300), scalars.slice(0, 300)),
        ),
      ).toBe(true);
    // A wrong scalar changes the result.
    const bad = [...scalars];
    bad[17] += 1n;
    expect(msm(points, bad).equals(want)).toBe(false);
  });

  it("handles all-zero scalars, identity points and repeated points", () => {
    const p = randPoint();
    expect(msm([p, p], [0n, 0n]).equals(IDENTITY)).toBe(true);
    expect(msm([IDENTITY, p, p], [5n, 3n, ORDER - 3n]).equals(IDENTITY)).toBe(true);
    expect(msm([p, p], [2n, 3n]).equals(p.multiplyUnsafe(5n))).toBe(true);
  });

  it("MsmAccumulator merges shared points and reduces scalars (small and large)", () => {
    for (const n of [3, 100]) {
      const acc = new MsmAccumulator();
      const w = new WeightSource();
      const K = randPoint();
      let expected = IDENTITY;
      for (let i = 0; i < n; i++) {
        const p = randPoint();
        const z = w.next();
        expect(z < 1n << 128n && z >= 0n).toBe(true);
        acc.add(p, z);
        acc.addShared(K, -z);
        acc.addG(z * 3n);
        expected = expected
          .add(p.multiplyUnsafe(z))
          .subtract(K.multiplyUnsafe(z))
          .add(G.multiplyUnsafe((z * 3n) % ORDER));
      }
      expect(acc.size).toBe(n + 1);
      expect(acc.evaluate().equals(expected)).toBe(true);
    }
  });

  it("weights are 128-bit and not constant", () => {
    const w = new WeightSource();
    const seen = new Set<bigint>();
    for (let i = 0; i < 1000; i++) seen.add(w.next());
    expect(seen.size).toBe(1000);
    expect([...seen].some((z) => z >= 1n << 127n)).toBe(true);
  });
});
