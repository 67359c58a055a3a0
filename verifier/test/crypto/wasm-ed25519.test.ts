/**
 * Ed25519 verification on the WASM backend against the noble-based `verifyEd25519` of
 * src/entry.ts (run on the JS backend, in case it is wired to the WASM code): RFC 8032 §7.1 vectors, every single-bit change of signature and key, random keys
 * and messages, and the strictness cases (non-canonical y, "negative zero" x, S ≥ ℓ, small-order
 * keys, mixed-order keys, R with a torsion component).
 */
import { readFileSync } from "node:fs";
import { ed25519 } from "@noble/curves/ed25519.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromHex, verifyEd25519 } from "@urna/verifier";
import { cryptoBackendChoice, setCryptoBackend } from "../../src/crypto/wasm/backend.js";
import { verifyEd25519Wasm } from "../../src/crypto/wasm/ed25519.js";

const initial = cryptoBackendChoice();
beforeAll(() => setCryptoBackend("wasm"));
afterAll(() => setCryptoBackend(initial));

const vectors = JSON.parse(
  readFileSync(new URL("../vectors/rfc8032/ed25519.json", import.meta.url), "utf8"),
) as { name: string; publicKey: string; message: string; signature: string; secretKey: string }[];

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const P = 2n ** 255n - 19n;
const le = (x: bigint): Uint8Array => {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((x >> BigInt(8 * i)) & 0xffn);
  return out;
};
/** The JS reference (verifyEd25519 on the JS backend, i.e. noble) and the WASM code agree. */
const same = (sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean => {
  setCryptoBackend("js");
  const want = verifyEd25519(sig, msg, pk);
  setCryptoBackend("wasm");
  expect(verifyEd25519Wasm(sig, msg, pk)).toBe(want);
  return want;
};

describe("Ed25519 verification in WASM", () => {
  it("accepts the RFC 8032 §7.1 vectors and refuses every one-bit change", () => {
    expect(vectors.length).toBeGreaterThan(2);
    for (const v of vectors.slice(0, 4)) {
      const pk = fromHex(v.publicKey);
      const msg = fromHex(v.message);
      const sig = fromHex(v.signature);
      expect(same(sig, msg, pk)).toBe(true);
      for (let bit = 0; bit < 512; bit += 3) {
        const bad = Uint8Array.from(sig);
        bad[bit >> 3] ^= 1 << (bit & 7);
        expect(same(bad, msg, pk)).toBe(false);
      }
      for (let bit = 0; bit < 256; bit += 5) {
        const bad = Uint8Array.from(pk);
        bad[bit >> 3] ^= 1 << (bit & 7);
        same(sig, msg, bad);
      }
    }
  });

  it("agrees with noble on random keys and messages", () => {
    for (let i = 0; i < 40; i++) {
      const sk = crypto.getRandomValues(new Uint8Array(32));
      const pk = ed25519.getPublicKey(sk);
      const msg = crypto.getRandomValues(new Uint8Array(i * 7));
      const sig = ed25519.sign(msg, sk);
      expect(same(sig, msg, pk)).toBe(true);
      const other = Uint8Array.from(msg);
      if (other.length > 0) {
        other[0] ^= 1;
        expect(same(sig, other, pk)).toBe(false);
      }
    }
  });

  it("refuses S ≥ ℓ, non-canonical A or R, small-order keys; agrees on torsion cases", () => {
    const sk = new Uint8Array(32).fill(7);
    const pk = ed25519.getPublicKey(sk);
    const msg = new Uint8Array([1, 2, 3]);
    const sig = ed25519.sign(msg, sk);
    const S = BigInt("0x" + Buffer.from(sig.subarray(32)).reverse().toString("hex"));
    const withS = (s: bigint) => Uint8Array.from([...sig.subarray(0, 32), ...le(s)]);
    expect(same(withS(S + L), msg, pk)).toBe(false);
    expect(same(withS(L), msg, pk)).toBe(false);
    // Non-canonical y (y ≥ p) for A and R, with either sign bit.
    for (const y of [P, P + 1n, P + 2n, 2n ** 255n - 1n]) {
      for (const sign of [0, 0x80]) {
        const enc = le(y);
        enc[31] |= sign;
        expect(same(sig, msg, enc)).toBe(false);
        expect(same(Uint8Array.from([...enc, ...sig.subarray(32)]), msg, pk)).toBe(false);
      }
    }
    // Small-order points: the identity (y = 1), y = −1, x = 0 with the sign bit ("negative
    // zero"), and the order-4/8 points, as keys; and as R.
    const torsion: Uint8Array[] = [];
    let t = ed25519.Point.fromHex(
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    ); // a point of order 8
    for (let i = 0; i < 8; i++) {
      torsion.push(t.toBytes());
      t = t.add(
        ed25519.Point.fromHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
      );
    }
    const negZero = le(1n);
    negZero[31] |= 0x80;
    for (const k of [...torsion, negZero, le(P - 1n)]) {
      expect(same(sig, msg, k)).toBe(false);
      same(Uint8Array.from([...k, ...sig.subarray(32)]), msg, pk);
    }
    // A key with a torsion component (A + T8) and R with one: both sides agree on the outcome.
    const A = ed25519.Point.fromBytes(pk);
    const T8 = ed25519.Point.fromBytes(torsion[0]);
    same(sig, msg, A.add(T8).toBytes());
    const R = ed25519.Point.fromBytes(sig.subarray(0, 32));
    same(Uint8Array.from([...R.add(T8).toBytes(), ...sig.subarray(32)]), msg, pk);
    // Lengths.
    expect(same(sig.subarray(0, 63), msg, pk)).toBe(false);
    expect(same(sig, msg, pk.subarray(0, 31))).toBe(false);
  });
});
