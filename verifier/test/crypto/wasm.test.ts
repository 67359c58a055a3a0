/**
 * The WebAssembly ristretto255 backend (src/crypto/wasm) against @noble/curves: decoding (RFC 9496
 * A.1 valid and A.2 invalid vectors, edge encodings, random bytes), encoding, point arithmetic,
 * and the multi-scalar multiplication against noble's `pippenger`; and the backend switch.
 */
import { readFileSync } from "node:fs";
import { pippenger } from "@noble/curves/abstract/curve.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  G,
  GroupError,
  IDENTITY,
  MsmAccumulator,
  ORDER,
  decodeElement,
  elementBytes,
  fromHex,
  msm,
  ristretto255,
  toHex,
  type Element,
} from "@urna/verifier";
import {
  cryptoBackend,
  cryptoBackendChoice,
  setCryptoBackend,
} from "../../src/crypto/wasm/backend.js";
import {
  addWasm,
  decodeManyWasm,
  decodeWasm,
  doubleWasm,
  encodeWasm,
  equalsWasm,
  msmWasm,
  negateWasm,
  rememberedCoords,
  subtractWasm,
  wasmEncodingOf,
} from "../../src/crypto/wasm/points.js";

const Point = ristretto255.Point;
const vectors = JSON.parse(
  readFileSync(new URL("../vectors/rfc9496/ristretto255.json", import.meta.url), "utf8"),
) as { multiplesOfGenerator: string[]; invalidEncodings: Record<string, string[]> };

const P = (1n << 255n) - 19n;
const le = (x: bigint): Uint8Array => {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((x >> BigInt(8 * i)) & 0xffn);
  return out;
};
const rand = (bits: number): bigint => {
  const b = crypto.getRandomValues(new Uint8Array(Math.ceil(bits / 8) + 8));
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n % (1n << BigInt(bits));
};
const randScalar = (): bigint => rand(300) % ORDER;
const randPoint = (): Element => G.multiplyUnsafe((rand(300) % (ORDER - 1n)) + 1n);
const nobleDecode = (b: Uint8Array): Element | undefined => {
  try {
    return Point.fromBytes(b);
  } catch {
    return undefined;
  }
};

// These tests exercise the WASM functions directly, also when URNA_CRYPTO_BACKEND=js.
const initial = cryptoBackendChoice();
beforeAll(() => setCryptoBackend("wasm"));
afterEach(() => setCryptoBackend("wasm"));
afterAll(() => setCryptoBackend(initial));

describe("WASM backend", () => {
  it("is the backend in use in Node unless URNA_CRYPTO_BACKEND=js; can be switched", () => {
    expect(initial).toBe(process.env.URNA_CRYPTO_BACKEND === "js" ? "js" : "auto");
    setCryptoBackend("auto");
    expect(cryptoBackend()).toBe("wasm");
    setCryptoBackend("js");
    expect(cryptoBackend()).toBe("js");
    setCryptoBackend("wasm");
    expect(cryptoBackend()).toBe("wasm");
  });

  it("decodes and encodes the RFC 9496 A.1 multiples of the generator", () => {
    let p = IDENTITY;
    vectors.multiplesOfGenerator.forEach((hex) => {
      const d = decodeWasm(fromHex(hex));
      expect(d).toBeDefined();
      expect(d!.equals(p)).toBe(true);
      expect(toHex(encodeWasm(p))).toBe(hex);
      expect(toHex(encodeWasm(d!))).toBe(hex);
      p = p.add(G);
    });
  });

  it("refuses all 29 RFC 9496 A.2 invalid encodings", () => {
    const all = Object.values(vectors.invalidEncodings).flat();
    expect(all).toHaveLength(29);
    for (const hex of all) expect(decodeWasm(fromHex(hex))).toBeUndefined();
    // The same through decodeElement on the WASM backend, with the same error code as JS.
    setCryptoBackend("wasm");
    for (const hex of all)
      expect(() => decodeElement(fromHex(hex), { allowIdentity: true })).toThrow(GroupError);
  });

  it("refuses non-canonical field elements (s ≥ p, bit 255) and negative s, accepts their canonical twins", () => {
    const valid = randPoint().toBytes();
    const s = BigInt("0x" + toHex(Uint8Array.from(valid).reverse()));
    // s + p is even iff s is odd; s is even, so s + p is odd: also try s + 2p by setting bit 255
    // where it fits, and p itself (≡ 0), p + 1, 2^255 − 1.
    const bad: Uint8Array[] = [le(P), le(P + 1n), le(P + 2n), le((1n << 255n) - 1n), le(P - 1n)];
    if (s + 2n * P < 1n << 256n) bad.push(le(s + 2n * P));
    const withBit = Uint8Array.from(valid);
    withBit[31] |= 0x80;
    bad.push(withBit);
    const odd = Uint8Array.from(valid);
    odd[0] |= 1;
    bad.push(odd);
    for (const b of bad) {
      expect(nobleDecode(b)).toBeUndefined();
      expect(decodeWasm(b)).toBeUndefined();
    }
    expect(decodeWasm(valid)!.equals(Point.fromBytes(valid))).toBe(true);
    const zero = decodeWasm(new Uint8Array(32));
    expect(zero!.equals(IDENTITY)).toBe(true);
  });

  it("agrees with noble on 2,000 random byte strings (valid or not) and on random points", () => {
    let valid = 0;
    for (let i = 0; i < 2000; i++) {
      const b = crypto.getRandomValues(new Uint8Array(32));
      if (i % 2 === 0) ((b[0] &= 0xfe), (b[31] &= 0x7f)); // more of them pass the first checks
      const want = nobleDecode(b);
      const got = decodeWasm(b);
      expect(got === undefined).toBe(want === undefined);
      if (want) {
        valid++;
        expect(got!.equals(want)).toBe(true);
        expect(toHex(encodeWasm(got!))).toBe(toHex(b));
      }
    }
    expect(valid).toBeGreaterThan(50);
    for (let i = 0; i < 200; i++) {
      const p = randPoint(); // noble multiplication: Z ≠ 1
      const enc = p.toBytes();
      expect(toHex(encodeWasm(p))).toBe(toHex(enc));
      expect(decodeWasm(enc)!.equals(p)).toBe(true);
    }
  });

  it("points made by the WASM code work with noble's own methods (lazy coordinates)", () => {
    for (let i = 0; i < 20; i++) {
      const p = randPoint();
      const q = randPoint();
      const d = decodeWasm(p.toBytes())!;
      const sum = addWasm(p, q);
      expect(rememberedCoords(d)).toBeDefined();
      expect(d).toBeInstanceOf(Point);
      expect(toHex(d.toBytes())).toBe(toHex(p.toBytes()));
      expect(d.add(q).equals(p.add(q))).toBe(true);
      expect(q.add(d).equals(sum)).toBe(true);
      expect(sum.subtract(q).equals(p)).toBe(true);
      expect(d.multiplyUnsafe(5n).equals(p.multiplyUnsafe(5n))).toBe(true);
      expect(d.negate().add(d).equals(IDENTITY)).toBe(true);
      expect(pippenger(Point, [d, sum], [3n, 4n]).equals(p.multiply(7n).add(q.multiply(4n)))).toBe(
        true,
      );
    }
  });

  it("a decoded point keeps its own copy of its encoding, in a shared slab", () => {
    const points = Array.from({ length: 50 }, () => randPoint());
    const inputs = points.map((p) => p.toBytes());
    const decoded = inputs.map((b) => decodeElement(b));
    for (const b of inputs) b.fill(0xff); // the caller's bytes may change afterwards
    decoded.forEach((d, i) => {
      expect(toHex(wasmEncodingOf(d)!)).toBe(toHex(points[i].toBytes()));
      expect(elementBytes(d)).toBe(wasmEncodingOf(d)); // remembered, not re-encoded
      expect(d.equals(points[i])).toBe(true);
      // Coordinates and encodings are views of 64 KiB slabs, not one ArrayBuffer each.
      expect(rememberedCoords(d)!.buffer.byteLength).toBe(65536);
    });
    // A sum's encoding is computed once and then remembered on the point.
    const sum = addWasm(decoded[0], decoded[1]);
    expect(wasmEncodingOf(sum)).toBeUndefined();
    const enc = elementBytes(sum);
    expect(toHex(enc)).toBe(toHex(points[0].add(points[1]).toBytes()));
    expect(wasmEncodingOf(sum)).toBe(enc);
  });

  it("decodes many at once, marking the invalid ones", () => {
    const good = [randPoint(), IDENTITY, randPoint()];
    const list = [
      good[0].toBytes(),
      fromHex(vectors.invalidEncodings[Object.keys(vectors.invalidEncodings)[0]][0]),
      good[1].toBytes(),
      le(P),
      good[2].toBytes(),
    ];
    const out = decodeManyWasm(list);
    expect(out.map((p) => p !== undefined)).toEqual([true, false, true, false, true]);
    expect(out[0]!.equals(good[0])).toBe(true);
    expect(out[2]!.equals(IDENTITY)).toBe(true);
    expect(out[4]!.equals(good[2])).toBe(true);
  });

  it("adds, subtracts, doubles, negates and compares as noble does (identity and equal points included)", () => {
    const pts = [IDENTITY, G, ...Array.from({ length: 30 }, randPoint)];
    pts.push(decodeWasm(pts[5].toBytes())!); // same element, other representative
    for (let i = 0; i < pts.length; i++) {
      const p = pts[i];
      const q = pts[(i * 7 + 3) % pts.length];
      expect(addWasm(p, q).equals(p.add(q))).toBe(true);
      expect(subtractWasm(p, q).equals(p.subtract(q))).toBe(true);
      expect(addWasm(p, p).equals(p.double())).toBe(true);
      expect(subtractWasm(p, p).equals(IDENTITY)).toBe(true);
      expect(doubleWasm(p).equals(p.double())).toBe(true);
      expect(negateWasm(p).equals(p.negate())).toBe(true);
      expect(equalsWasm(p, q)).toBe(p.equals(q));
      expect(equalsWasm(p, decodeWasm(p.toBytes())!)).toBe(true);
      expect(equalsWasm(p, p.add(G))).toBe(false);
    }
    // A point and its 4-torsion coset mates are the same ristretto element.
    expect(equalsWasm(pts[5], pts[pts.length - 1])).toBe(true);
  });
});

describe("WASM multi-scalar multiplication", () => {
  const edge = (i: number): bigint => {
    switch (i % 8) {
      case 0:
        return rand(128);
      case 1:
        return randScalar();
      case 2:
        return 0n;
      case 3:
        return ORDER - 1n;
      case 4:
        return 1n << 128n;
      case 5:
        return 1n;
      case 6:
        return (1n << 252n) + 27742317777372353535851937790883648492n; // ℓ − 1 too, via the other form
      default:
        return rand(252);
    }
  };

  it("agrees with noble's pippenger on random inputs with identity, zero and duplicate points", () => {
    for (const n of [1, 2, 3, 8, 17, 64, 300]) {
      const points = Array.from({ length: n }, randPoint);
      if (n > 2) {
        points[1] = IDENTITY;
        points[2] = points[0]; // duplicate object
        if (n > 3) points[3] = decodeWasm(points[0].toBytes())!; // duplicate element
      }
      const scalars = points.map((_, i) => edge(i));
      const want = pippenger(Point, points, scalars);
      expect(msmWasm(points, scalars).equals(want)).toBe(true);
      expect(msmWasm(points, scalars, true)).toBe(want.equals(IDENTITY));
    }
  });

  it("gives the same result for every window width 2..16", () => {
    const points = Array.from({ length: 20 }, randPoint);
    const scalars = points.map((_, i) => edge(i));
    const want = pippenger(Point, points, scalars);
    for (let w = 2; w <= 16; w++)
      expect(msmWasm(points, scalars, false, w).equals(want)).toBe(true);
  });

  it("detects the identity: Σ s_i·P_i − Σ s_i·P_i, and all-zero scalars", () => {
    const points = Array.from({ length: 40 }, randPoint);
    const scalars = points.map(() => randScalar());
    const neg = points.map((p) => p.negate());
    expect(msmWasm([...points, ...neg], [...scalars, ...scalars], true)).toBe(true);
    expect(
      msmWasm(
        points,
        points.map(() => 0n),
        true,
      ),
    ).toBe(true);
    expect(
      msmWasm(
        points,
        points.map(() => 0n),
      ).equals(IDENTITY),
    ).toBe(true);
    scalars[7] = (scalars[7] + 1n) % ORDER;
    expect(
      msmWasm(
        [...points, ...neg],
        [...scalars, ...scalars.map((s, i) => (i === 7 ? (s - 1n + ORDER) % ORDER : s))],
        true,
      ),
    ).toBe(false);
  });

  it("msm() and MsmAccumulator give the same results on both backends", () => {
    const points = Array.from({ length: 50 }, randPoint);
    const scalars = points.map((_, i) => edge(i));
    const results: Element[] = [];
    for (const b of ["wasm", "js"] as const) {
      setCryptoBackend(b);
      expect(cryptoBackend()).toBe(b);
      const acc = new MsmAccumulator();
      points.forEach((p, i) =>
        i % 5 === 0 ? acc.addShared(p, scalars[i]) : acc.add(p, scalars[i]),
      );
      acc.addShared(points[0], -scalars[0]); // cancels the first term
      acc.addG(12345n);
      acc.addG(-12345n + ORDER * 3n);
      results.push(msm(points, scalars), acc.evaluate());
      expect(acc.isIdentity()).toBe(false);
      const zero = new MsmAccumulator();
      zero.add(points[1], 5n);
      zero.addShared(points[1], -5n);
      zero.addG(ORDER);
      expect(zero.isIdentity()).toBe(true);
    }
    expect(results[0].equals(results[2])).toBe(true);
    expect(results[1].equals(results[3])).toBe(true);
    expect(results[0].equals(pippenger(Point, points, scalars))).toBe(true);
  });
});
