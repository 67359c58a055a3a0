/**
 * The demo's witnesses do their Ed25519 work with OpenSSL (examples/fast-witness.ts): their
 * cosignatures must be byte for byte the portable cosigner's, and their check of the log's
 * signature must accept exactly the valid ones.
 */
import { describe, expect, test } from "vitest";
import {
  cosignatureMessage,
  ed25519Cosigner,
  ed25519Signer,
  encodeVkey,
  generateSeed,
  keyId,
  SIG_TYPE_ED25519,
} from "@urna/verifier";
import { ed25519 } from "@noble/curves/ed25519.js";
import { fastCosigner, fastLogVerifier } from "../examples/fast-witness.js";

const utf8 = (s: string) => new TextEncoder().encode(s);
const BODY = "board.test/elections/e1\n42\nq6W6k0oNqD6uVzYbrRnRZ5J7cFnBl1p2yB4l5xAoM8o=\n";

describe("the demo's OpenSSL witness", () => {
  test("cosignatures equal the portable cosigner's, byte for byte", () => {
    for (let i = 0; i < 5; i++) {
      const seed = generateSeed();
      const fast = fastCosigner("testigo.demo.mx", seed);
      const ref = ed25519Cosigner("testigo.demo.mx", seed);
      expect(fast.vkey).toBe(ref.vkey);
      expect(fast.keyId).toEqual(ref.keyId);
      expect(fast.publicKey).toEqual(ref.publicKey);
      const ts = 1_760_000_000 + i;
      expect(fast.cosign(BODY, ts)).toEqual(ref.cosign(BODY, ts));
      // and the portable verifier accepts it
      const sig = fast.cosign(BODY, ts).signature;
      expect(ref.verifier.verify(utf8(BODY), sig)).toBe(true);
      expect(cosignatureMessage(BODY, ts).length).toBeGreaterThan(BODY.length);
    }
  });

  test("the log verifier accepts the log's signature and refuses others", () => {
    const seed = generateSeed();
    const origin = "board.test/elections/e1";
    const pk = ed25519.getPublicKey(seed);
    const v = fastLogVerifier(encodeVkey(origin, pk));
    expect(v.name).toBe(origin);
    expect(v.keyId).toEqual(keyId(origin, SIG_TYPE_ED25519, pk));
    const signer = ed25519Signer(origin, seed);
    const msg = utf8(BODY);
    const sig = signer.sign(msg);
    expect(v.verify(msg, sig)).toBe(true);
    const bad = sig.slice();
    bad[10] ^= 1;
    expect(v.verify(msg, bad)).toBe(false);
    expect(v.verify(utf8(BODY + "x"), sig)).toBe(false);
    expect(v.verify(msg, ed25519.sign(msg, generateSeed()))).toBe(false);
    // a cosignature key is not a log key
    expect(() => fastLogVerifier(fastCosigner("w.demo", seed).vkey)).toThrow(/not an Ed25519/);
  });
});
