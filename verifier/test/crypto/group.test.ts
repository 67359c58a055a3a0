import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bytesToNumberLE } from "../../src/crypto/group.js";
import {
  G,
  GroupError,
  base64Bytes,
  fromBase64,
  IDENTITY,
  ORDER,
  decodeElement,
  decodeScalar,
  elementBytes,
  elementFromBase64,
  elementFromBase64Cached,
  encodeElement,
  encodeScalar,
  fromHex,
  hashParts,
  hashToScalar,
  scalarFromBase64,
  toBase64,
  toHex,
  u32,
} from "@urna/verifier";

const vectors = JSON.parse(
  readFileSync(new URL("../vectors/rfc9496/ristretto255.json", import.meta.url), "utf8"),
) as { multiplesOfGenerator: string[]; invalidEncodings: Record<string, string[]> };

const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof GroupError) return e.code;
    throw e;
  }
  throw new Error("did not throw");
};

describe("ristretto255 (RFC 9496 vectors)", () => {
  it("A.1: i·G encodes as published for i = 0..15, and decodes back", () => {
    expect(vectors.multiplesOfGenerator).toHaveLength(16);
    let p = IDENTITY;
    vectors.multiplesOfGenerator.forEach((hex, i) => {
      expect(toHex(p.toBytes())).toBe(hex);
      if (i > 0) expect(toHex(G.multiplyUnsafe(BigInt(i)).toBytes())).toBe(hex);
      const d = decodeElement(fromHex(hex), { allowIdentity: true });
      expect(d.equals(p)).toBe(true);
      p = p.add(G);
    });
  });

  it("A.2: all 29 invalid encodings are refused with BAD_ELEMENT_ENCODING", () => {
    const all = Object.values(vectors.invalidEncodings).flat();
    expect(all).toHaveLength(29);
    for (const hex of all) {
      expect(code(() => decodeElement(fromHex(hex)))).toBe("BAD_ELEMENT_ENCODING");
      expect(code(() => decodeElement(fromHex(hex), { allowIdentity: true }))).toBe(
        "BAD_ELEMENT_ENCODING",
      );
    }
  });

  it("refuses a valid encoding with bit 255 set, p + small values, and wrong lengths", () => {
    const g = G.toBytes();
    const high = Uint8Array.from(g);
    high[31] |= 0x80;
    expect(code(() => decodeElement(high))).toBe("BAD_ELEMENT_ENCODING");
    // p + 0 = p encodes zero non-canonically; p + 2 (0x ef ff..7f) would be 2, also non-canonical.
    const p2 = fromHex("efffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    expect(code(() => decodeElement(p2))).toBe("BAD_ELEMENT_ENCODING");
    expect(code(() => decodeElement(g.subarray(0, 31)))).toBe("BAD_ELEMENT_ENCODING");
    expect(code(() => decodeElement(new Uint8Array(33)))).toBe("BAD_ELEMENT_ENCODING");
  });

  it("refuses the identity unless allowed", () => {
    expect(code(() => decodeElement(new Uint8Array(32)))).toBe("IDENTITY_NOT_ALLOWED");
    expect(decodeElement(new Uint8Array(32), { allowIdentity: true }).equals(IDENTITY)).toBe(true);
  });

  it("remembers the decoded encoding; encodeElement returns a copy", () => {
    const b = G.multiplyUnsafe(5n).toBytes();
    const p = decodeElement(b);
    expect(elementBytes(p)).toEqual(b);
    const copy = encodeElement(p);
    copy[0] ^= 1;
    expect(elementBytes(p)).toEqual(b);
    const q = p.add(G); // computed: encoded on demand, then remembered
    expect(elementBytes(q)).toEqual(q.toBytes());
    expect(elementBytes(q)).toBe(elementBytes(q));
  });

  it("strict base64 for elements", () => {
    const b64 = toBase64(G.toBytes());
    expect(elementFromBase64(b64).equals(G)).toBe(true);
    expect(code(() => elementFromBase64(b64.slice(0, -1)))).toBe("BAD_BASE64");
    expect(code(() => elementFromBase64(` ${b64}`))).toBe("BAD_BASE64");
  });
});

describe("scalars", () => {
  const le = (x: bigint, n = 32) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Number((x >> BigInt(8 * i)) & 0xffn);
    return out;
  };
  it("round-trips below ℓ and refuses ℓ, ℓ+1, 2^256−1 with SCALAR_OUT_OF_RANGE", () => {
    for (const s of [1n, 2n, ORDER - 1n, 2n ** 252n]) expect(decodeScalar(encodeScalar(s))).toBe(s);
    for (const s of [ORDER, ORDER + 1n, 2n ** 256n - 1n])
      expect(code(() => decodeScalar(le(s)))).toBe("SCALAR_OUT_OF_RANGE");
  });
  it("refuses zero unless allowed, and wrong lengths", () => {
    expect(code(() => decodeScalar(new Uint8Array(32)))).toBe("ZERO_NOT_ALLOWED");
    expect(decodeScalar(new Uint8Array(32), { allowZero: true })).toBe(0n);
    expect(code(() => decodeScalar(new Uint8Array(31)))).toBe("BAD_SCALAR_ENCODING");
    expect(code(() => scalarFromBase64("AAAA"))).toBe("BAD_SCALAR_ENCODING");
    expect(code(() => encodeScalar(ORDER))).toBe("SCALAR_OUT_OF_RANGE");
  });
  it("reads little-endian bytes of any length, views into larger buffers included", () => {
    const big = new Uint8Array(80).map((_, i) => (i * 37 + 11) & 0xff);
    for (const [from, n] of [
      [0, 32],
      [3, 32],
      [0, 64],
      [5, 64],
      [1, 7],
      [2, 33],
      [0, 8],
    ]) {
      const b = big.subarray(from, from + n);
      let x = 0n;
      for (let i = n - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i]);
      expect(bytesToNumberLE(b)).toBe(x);
      expect(le(x, n)).toEqual(Uint8Array.from(b));
    }
  });
});

describe("hashing (protocol.md §3)", () => {
  it("H(tag, parts) = SHA-512(lp('urna-v1/' || tag) || lp(p1) || ...), lp = u64be length prefix", () => {
    const lp = (b: Uint8Array) => {
      const n = Buffer.alloc(8);
      n.writeBigUInt64BE(BigInt(b.length));
      return Buffer.concat([n, b]);
    };
    const parts = [new Uint8Array([1, 2, 3]), new Uint8Array(0), u32(258)];
    const expected = createHash("sha512")
      .update(Buffer.concat([lp(Buffer.from("urna-v1/range-proof")), ...parts.map(lp)]))
      .digest();
    expect(toHex(hashParts("range-proof", parts))).toBe(expected.toString("hex"));
    let n = 0n;
    for (let i = 63; i >= 0; i--) n = (n << 8n) | BigInt(expected[i]);
    expect(hashToScalar("range-proof", parts)).toBe(n % ORDER);
    expect(toHex(u32(258))).toBe("00000102");
  });
});

describe("elementFromBase64Cached", () => {
  it("returns the same decoded object for the same string, with the same checks", () => {
    const b64 = toBase64(G.multiplyUnsafe(9n).toBytes());
    const p = elementFromBase64Cached(b64);
    expect(elementFromBase64Cached(b64)).toBe(p);
    expect(p.equals(G.multiplyUnsafe(9n))).toBe(true);
    expect(code(() => elementFromBase64Cached(toBase64(new Uint8Array(32))))).toBe(
      "IDENTITY_NOT_ALLOWED",
    );
    expect(
      elementFromBase64Cached(toBase64(new Uint8Array(32)), { allowIdentity: true }).equals(
        IDENTITY,
      ),
    ).toBe(true);
    expect(code(() => elementFromBase64Cached(toBase64(new Uint8Array(32))))).toBe(
      "IDENTITY_NOT_ALLOWED",
    );
  });
});

describe("base64Bytes (fast path for 32 bytes)", () => {
  it("agrees with the general strict decoder on random and edge inputs", () => {
    for (let i = 0; i < 500; i++) {
      const b = crypto.getRandomValues(new Uint8Array(32));
      const s = toBase64(b);
      expect(base64Bytes(s)).toEqual(b);
      expect(base64Bytes(s)).toEqual(fromBase64(s));
    }
    const s = toBase64(new Uint8Array(32).fill(255)); // ends "...8="
    const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    // Every possible character at the last data position: only those with 2 zero low bits pass.
    for (const c of chars) {
      const t = s.slice(0, 42) + c + "=";
      const ok = (chars.indexOf(c) & 3) === 0;
      if (ok) expect(base64Bytes(t)).toEqual(fromBase64(t));
      else expect(code(() => base64Bytes(t))).toBe("BAD_BASE64");
    }
    expect(base64Bytes(s.slice(0, 43) + "A")).toHaveLength(33); // 44 chars, no padding: 33 bytes
    for (const bad of [
      s.slice(0, 43),
      s.replace("/", "_"),
      s.replace("/", "-"),
      `${s.slice(0, 10)}\u00e9${s.slice(11)}`,
      s.slice(0, 42) + "==",
      " " + s.slice(1),
    ])
      expect(code(() => base64Bytes(bad))).toBe("BAD_BASE64");
  });
});
