/**
 * protocol.md §2: one strict Ed25519 rule for entry signatures, checkpoint signatures and
 * cosignatures. Every path the verifier has (verifyEd25519 on the JS and the WebAssembly
 * backend, entry signatures, signed-note checkpoints, cosignature/v1) decides each crafted
 * vector of ed25519-strict-vectors.ts exactly as the spec says (the board's OpenSSL path:
 * board/test/server/ed25519-fast.test.ts).
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  type NoteSignature,
  cosignatureMessage,
  cosignerVerifier,
  ed25519Verifier,
  encodeTimestampedSignature,
  entrySigningMessage,
  formatNote,
  keyId,
  SIG_TYPE_COSIGNATURE_V1,
  SIG_TYPE_ED25519,
  toBase64,
  verifyCosignature,
  verifyEd25519,
  verifyEntrySignature,
  verifyNote,
} from "@urna/verifier";
import { cryptoBackendChoice, setCryptoBackend } from "../src/crypto/wasm/backend.js";
import { strictVectors } from "./ed25519-strict-vectors.js";

const initial = cryptoBackendChoice();
afterAll(() => setCryptoBackend(initial));
const enc = (s: string) => new TextEncoder().encode(s);

const BODY = "urna.example/elections/e1\n3\n" + toBase64(new Uint8Array(32).fill(7)) + "\n";

function noteAccepts(pk: Uint8Array, sig: Uint8Array): boolean {
  let v;
  try {
    v = ed25519Verifier("urna.example/elections/e1", pk);
  } catch {
    return false; // key refused when the vkey is built: a refusal too
  }
  const line: NoteSignature = {
    name: v.name,
    keyId: keyId(v.name, SIG_TYPE_ED25519, pk),
    signature: sig,
  };
  try {
    verifyNote(formatNote(BODY, [line]), [v]);
    return true;
  } catch {
    return false;
  }
}

function cosignatureAccepts(pk: Uint8Array, sig: Uint8Array, t: number): boolean {
  let v;
  try {
    v = cosignerVerifier("witness.example", pk);
  } catch {
    return false;
  }
  try {
    verifyCosignature(
      BODY,
      {
        name: v.name,
        keyId: keyId(v.name, SIG_TYPE_COSIGNATURE_V1, pk),
        signature: encodeTimestampedSignature(t, sig),
      },
      v,
    );
    return true;
  } catch {
    return false;
  }
}

describe("strict Ed25519 (protocol.md §2) on every verification path", () => {
  const names = strictVectors(enc("x")).map((v) => v.name);
  it("the table covers each rule of §2", () => {
    for (const want of [
      "S + ℓ",
      "non-canonical R (y ≥ p)",
      "non-canonical R (x = 0",
      "non-canonical A (y = 1 + p)",
      "non-canonical A (x = 0",
      "small-order A (identity)",
      "small-order R (identity)",
      "small-order R (order 2)",
      "mixed-order A, cofactored equation only",
      "R with a torsion component",
    ])
      expect(names.some((n) => n.startsWith(want))).toBe(true);
  });

  it("vkeys (log.md §3): a non-canonical key is BAD_VKEY, a small-order key parses", () => {
    for (const v of strictVectors(enc("x"))) {
      const bad = v.name.startsWith("non-canonical A");
      for (const make of [ed25519Verifier, cosignerVerifier]) {
        let code = "ok";
        try {
          make("k.example", v.publicKey);
        } catch (e) {
          code = (e as { code: string }).code;
        }
        expect([v.name, code]).toEqual([v.name, bad ? "BAD_VKEY" : "ok"]);
      }
    }
  });

  for (const backend of ["js", "wasm"] as const) {
    it(`verifyEd25519 (${backend} backend)`, () => {
      setCryptoBackend(backend);
      const msg = enc("urna");
      for (const v of strictVectors(msg))
        expect([v.name, verifyEd25519(v.signature, msg, v.publicKey)]).toEqual([v.name, v.valid]);
    });

    it(`entry signatures (${backend} backend)`, () => {
      setCryptoBackend(backend);
      // The vectors depend on the signer (the message includes it): build them per key.
      const base = { type: "voting.open", election: "e1", body: { at: "2024-06-02T08:00:00Z" } };
      for (const name of names) {
        // A first pass gives the key; the message with that key as signer gives the vector.
        const pk = strictVectors(enc("x")).find((v) => v.name === name)!.publicKey;
        const msg = entrySigningMessage({ ...base, signer: toBase64(pk) } as never);
        const v = strictVectors(msg).find((x) => x.name === name)!;
        if (toBase64(v.publicKey) !== toBase64(pk)) continue; // a key searched per message
        const entry = { ...base, signer: toBase64(pk), signature: toBase64(v.signature) };
        expect([v.name, verifyEntrySignature(entry as never)]).toEqual([v.name, v.valid]);
      }
    });

    it(`checkpoint notes (${backend} backend)`, () => {
      setCryptoBackend(backend);
      for (const v of strictVectors(enc(BODY)))
        expect([v.name, noteAccepts(v.publicKey, v.signature)]).toEqual([v.name, v.valid]);
    });

    it(`cosignatures (${backend} backend)`, () => {
      setCryptoBackend(backend);
      const t = 1_700_000_000;
      for (const v of strictVectors(cosignatureMessage(BODY, t)))
        expect([v.name, cosignatureAccepts(v.publicKey, v.signature, t)]).toEqual([
          v.name,
          v.valid,
        ]);
    });
  }
});
