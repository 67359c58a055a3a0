/**
 * The board's OpenSSL-backed strict Ed25519 check makes exactly the verifier's decision
 * (verifyEd25519, verifier/src/entry.ts) on valid signatures and on every edge case of
 * protocol.md §2: S ≥ ℓ, non-canonical and small-order keys, non-canonical and off-curve R,
 * torsion components, wrong messages.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { verifyEd25519 } from "@urna/verifier";
import { REFUSED_KEYS, verifyEd25519Fast } from "../../src/server/ed25519-fast.js";

const Point = ed25519.Point;
const L = Point.Fn.ORDER;
const P = 2n ** 255n - 19n;
const le = (n: bigint, len = 32): Uint8Array => {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return b;
};
const leNum = (b: Uint8Array): bigint => b.reduceRight((n, x) => (n << 8n) | BigInt(x), 0n);
const hex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));
const same = (sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean => {
  const a = verifyEd25519(sig, msg, pk);
  expect(verifyEd25519Fast(sig, msg, pk)).toBe(a);
  return a;
};

/**
 * Canonical encodings of the eight points of small order (the first 8 refused keys; the test
 * "the refused encodings are..." computes them independently from a point of order 8).
 */
const SMALL = REFUSED_KEYS.slice(0, 8).map(hex);

describe("verifyEd25519Fast agrees with the verifier's strict Ed25519", () => {
  test("valid signatures, and one changed bit anywhere", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.nat(),
        (seed, msg, bit) => {
          const pk = ed25519.getPublicKey(seed);
          const sig = ed25519.sign(msg, seed);
          expect(same(sig, msg, pk)).toBe(true);
          const which = bit % 3;
          const s2 = sig.slice(),
            m2 = msg.length ? msg.slice() : new Uint8Array([1]),
            p2 = pk.slice();
          if (which === 0) s2[bit % 64] ^= 1 << (bit % 8);
          else if (which === 1) m2[bit % m2.length] ^= 1 << (bit % 8);
          else p2[bit % 32] ^= 1 << (bit % 8);
          expect(same(s2, which === 1 ? m2 : msg, p2)).toBe(false);
        },
      ),
      { numRuns: 150 },
    );
  });

  test("S + ℓ (malleated) and S ≥ ℓ are refused", () => {
    const seed = new Uint8Array(32).fill(3);
    const pk = ed25519.getPublicKey(seed);
    const msg = new TextEncoder().encode("urna");
    const sig = ed25519.sign(msg, seed);
    const s = leNum(sig.subarray(32));
    for (const bad of [s + L, L, 2n ** 256n - 1n]) {
      const m = sig.slice();
      m.set(le(bad % 2n ** 256n), 32);
      expect(same(m, msg, pk)).toBe(false);
    }
  });

  test("small-order and non-canonical keys are refused, even with a signature that verifies cofactored", () => {
    const msg = new TextEncoder().encode("x");
    for (const A of SMALL) {
      // R = identity, S = 0: [0]B = R + [k]A holds for A of small order whenever [k]A = 0
      const sig = new Uint8Array(64);
      sig.set(SMALL[0], 0);
      expect(same(sig, msg, A)).toBe(false);
      expect(same(new Uint8Array(64), msg, A)).toBe(false);
    }
    // y >= p encodings (non-canonical) of valid points: y + p for small y
    for (const y of [0n, 1n, 2n, 5n, 10n, 18n]) {
      const enc = le(y + P);
      expect(same(new Uint8Array(64), msg, enc)).toBe(false);
    }
    // x = 0 with the sign bit set
    const neg1 = le(1n);
    neg1[31] |= 0x80;
    expect(same(new Uint8Array(64), msg, neg1)).toBe(false);
    // not on the curve
    expect(same(new Uint8Array(64), msg, le(2n))).toBe(false);
  });

  test("non-canonical R, off-curve R and R with a torsion component are refused", () => {
    const seed = new Uint8Array(32).fill(9);
    const pk = ed25519.getPublicKey(seed);
    const msg = new TextEncoder().encode("ballot");
    const sig = ed25519.sign(msg, seed);
    const R = Point.fromBytes(sig.subarray(0, 32));
    // R + T for T of order 8: the cofactored check would accept with the same S only if k changes consistently; refuse
    const T = Point.fromBytes(SMALL[4]);
    const withTorsion = sig.slice();
    withTorsion.set(R.add(T).toBytes(), 0);
    expect(same(withTorsion, msg, pk)).toBe(false);
    const nonCanon = sig.slice();
    nonCanon.set(
      le(leNum(sig.subarray(0, 32)) + P < 2n ** 255n ? leNum(sig.subarray(0, 32)) + P : 2n),
      0,
    );
    expect(same(nonCanon, msg, pk)).toBe(false);
    const offCurve = sig.slice();
    offCurve.set(le(2n), 0);
    expect(same(offCurve, msg, pk)).toBe(false);
    expect(same(sig.subarray(0, 63), msg, pk)).toBe(false);
    expect(same(sig, msg, pk.subarray(0, 31))).toBe(false);
  });
});

describe("the key checks made without decoding the key", () => {
  const nobleRefuses = (pk: Uint8Array): boolean => {
    try {
      return Point.fromBytes(pk, false).isSmallOrder();
    } catch {
      return true;
    }
  };

  test("the refused encodings are the torsion subgroup's 8 points and the 2 with x = 0 and the sign bit", () => {
    const T = Point.fromBytes(SMALL[6]);
    const torsion = Array.from({ length: 8 }, (_, k) =>
      Buffer.from(T.multiplyUnsafe(BigInt(k)).toBytes()).toString("hex"),
    );
    expect(new Set(torsion).size).toBe(8);
    expect([...torsion].sort()).toEqual(REFUSED_KEYS.slice(0, 8).sort());
    for (const k of torsion) expect(Point.fromHex(k).multiplyUnsafe(8n).is0()).toBe(true);
    const signed = REFUSED_KEYS.slice(8).map(hex);
    for (const [y, enc] of [
      [1n, signed[0]],
      [P - 1n, signed[1]],
    ] as const) {
      const expected = le(y);
      expected[31] |= 0x80;
      expect(enc).toEqual(expected);
    }
    for (const k of REFUSED_KEYS.map(hex)) {
      expect(nobleRefuses(k)).toBe(true);
      expect(same(new Uint8Array(64), new Uint8Array(1), k)).toBe(false);
    }
  });

  test("keys off the curve are refused by OpenSSL whatever the signature (fast-check)", () => {
    const seed = new Uint8Array(32).fill(4);
    const msg = new TextEncoder().encode("off");
    const real = ed25519.sign(msg, seed);
    let offCurve = 0;
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: P - 1n }),
        fc.boolean(),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.bigInt({ min: 0n, max: L - 1n }),
        (y, sign, r, sc) => {
          const pk = le(y);
          if (sign) pk[31] |= 0x80;
          const onCurve = !(() => {
            try {
              Point.fromBytes(pk, false);
              return false;
            } catch {
              return true;
            }
          })();
          if (!onCurve) offCurve++;
          const crafted = new Uint8Array(64);
          crafted.set(r, 0);
          crafted.set(le(sc), 32);
          for (const sig of [crafted, real, new Uint8Array(64)]) same(sig, msg, pk);
          if (!onCurve) expect(verifyEd25519Fast(real, msg, pk)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
    expect(offCurve).toBeGreaterThan(50); // about half of all y are off the curve
  });

  test("a key is refused alike on first use and from the cache", () => {
    const seed = new Uint8Array(32).fill(6);
    const msg = new TextEncoder().encode("again");
    const sig = ed25519.sign(msg, seed);
    const pk = ed25519.getPublicKey(seed);
    const bad = le(2n); // off the curve
    for (let i = 0; i < 3; i++) {
      expect(same(sig, msg, pk)).toBe(true);
      expect(same(sig, msg, bad)).toBe(false);
      expect(same(sig, msg, hex(REFUSED_KEYS[4]))).toBe(false);
    }
  });
});

describe("entry signatures", () => {
  test("verifyEntrySignatureFast decides as the verifier's verifyEntrySignature", async () => {
    const { verifyEntrySignature } = await import("@urna/verifier");
    const { verifyEntrySignatureFast } = await import("../../src/server/crypto-work.js");
    const { signEntry } = await import("../../src/entry-sign.js");
    const seed = new Uint8Array(32).fill(5);
    const e = signEntry("voting.open", "e1", { at: "2024-06-02T08:00:00Z" }, seed);
    const variants = [
      e,
      { ...e, election: "e2" },
      { ...e, body: { at: "2024-06-02T08:00:01Z" } },
      { ...e, signer: e.signer.replace(/=$/, "") },
      { ...e, signature: e.signature.slice(0, -2) + "==" },
      { ...e, signature: "A".repeat(86) + "==" },
      { ...e, body: { at: "\ud800" } },
    ];
    const got = variants.map((v) => [verifyEntrySignature(v), verifyEntrySignatureFast(v)]);
    for (const [a, b] of got) expect(b).toBe(a);
    expect(got[0]).toEqual([true, true]);
  });
});

describe("the crafted vectors of protocol.md §2 (verifier/test/ed25519-strict-vectors.ts)", () => {
  test("the OpenSSL path decides each as the spec says", async () => {
    const { strictVectors } = await import("../../../verifier/test/ed25519-strict-vectors.js");
    const msg = new TextEncoder().encode("urna-v1/entry\n{}");
    for (const v of strictVectors(msg))
      expect([v.name, verifyEd25519Fast(v.signature, msg, v.publicKey)]).toEqual([v.name, v.valid]);
  });
});
