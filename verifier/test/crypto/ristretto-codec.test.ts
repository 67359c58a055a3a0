import { readFileSync } from "node:fs";
import { ristretto255 } from "@noble/curves/ed25519.js";
import { describe, expect, it } from "vitest";
import { G, fromHex } from "@urna/verifier";
import { edwardsOf } from "../../src/crypto/noble-internals.js";
import { decodeRistretto, encodeRistretto } from "../../src/crypto/ristretto-codec.js";

const vectors = JSON.parse(
  readFileSync(new URL("../vectors/rfc9496/ristretto255.json", import.meta.url), "utf8"),
) as { multiplesOfGenerator: string[]; invalidEncodings: Record<string, string[]> };

const noble = (b: Uint8Array) => {
  try {
    return ristretto255.Point.fromBytes(b);
  } catch {
    return undefined;
  }
};
const coords = edwardsOf;

function same(b: Uint8Array): void {
  const ours = decodeRistretto(b);
  const ref = noble(b);
  expect(ours === undefined).toBe(ref === undefined);
  if (ours && ref) {
    expect(ours.equals(ref)).toBe(true);
    const [o, r] = [coords(ours), coords(ref)];
    expect([o.X, o.Y, o.Z, o.T]).toEqual([r.X, r.Y, r.Z, r.T]);
    expect(ours.toBytes()).toEqual(b);
  }
}

describe("decodeRistretto (RFC 9496 §4.3.1) against noble's fromBytes", () => {
  it("RFC 9496 A.1 and A.2", () => {
    for (const h of vectors.multiplesOfGenerator) {
      expect(decodeRistretto(fromHex(h))).toBeDefined();
      same(fromHex(h));
    }
    for (const h of Object.values(vectors.invalidEncodings).flat()) {
      expect(decodeRistretto(fromHex(h))).toBeUndefined();
      same(fromHex(h));
    }
  });

  it("random valid encodings give the same Edwards coordinates", () => {
    let p = G.multiplyUnsafe(0x1234567890abcdefn);
    const step = G.multiplyUnsafe(0xfedcba987654321n);
    for (let i = 0; i < 1500; i++) {
      same(p.toBytes());
      p = p.add(step);
    }
  });

  it("random 32-byte strings are accepted or refused exactly as noble does", () => {
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const b = crypto.getRandomValues(new Uint8Array(32));
      if (i % 3 === 0) b[31] &= 0x7f; // more canonical candidates
      if (i % 3 === 1) b[0] &= 0xfe; // even s
      same(b);
      if (decodeRistretto(b)) accepted++;
    }
    expect(accepted).toBeGreaterThan(50);
  });

  it("wrong lengths, p, p + 1, 2^255 − 1, s = 0", () => {
    expect(decodeRistretto(new Uint8Array(31))).toBeUndefined();
    expect(decodeRistretto(new Uint8Array(33))).toBeUndefined();
    for (const h of [
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "0000000000000000000000000000000000000000000000000000000000000080",
    ])
      expect(decodeRistretto(fromHex(h))).toBeUndefined();
    expect(decodeRistretto(new Uint8Array(32))!.equals(ristretto255.Point.ZERO)).toBe(true);
  });
});

describe("encodeRistretto (RFC 9496 §4.3.2) against noble's toBytes", () => {
  it("A.1 multiples, and sums, differences, products, negations with various Z", () => {
    let p = ristretto255.Point.ZERO;
    for (const h of vectors.multiplesOfGenerator) {
      expect(Buffer.from(encodeRistretto(p)).toString("hex")).toBe(h);
      p = p.add(G);
    }
    let q = G.multiplyUnsafe(987654321987654321n);
    const r = G.multiplyUnsafe(0x1111222233334444n);
    for (let i = 0; i < 1000; i++) {
      const pts = [q, q.negate(), q.double(), q.subtract(r), q.add(ristretto255.Point.ZERO)];
      for (const x of pts) expect(encodeRistretto(x)).toEqual(x.toBytes());
      q = i % 2 ? q.add(r) : q.double().add(G);
    }
    for (let i = 0; i < 200; i++) {
      const b = crypto.getRandomValues(new Uint8Array(32));
      const d = decodeRistretto(b);
      if (d) expect(encodeRistretto(d)).toEqual(b);
    }
  });
});
