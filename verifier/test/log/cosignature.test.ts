import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { fromUtf8, toHex, utf8 } from "../../src/bytes.js";
import { formatCheckpoint } from "../../src/log/checkpoint.js";
import {
  cosign,
  cosignatureMessage,
  cosignerVerifier,
  ed25519Cosigner,
  encodeCosignerVkey,
  formatCosignatureLines,
  parseTimestampedSignature,
  verifyCosignature,
  verifyWitnessQuorum,
} from "../../src/log/cosignature.js";
import { LogError } from "../../src/log/errors.js";
import {
  addSignatures,
  ed25519Signer,
  formatNote,
  keyId,
  parseNote,
  parseVkey,
  signNote,
  verifyNote,
} from "../../src/log/note.js";

const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof LogError) return e.code;
    throw e;
  }
  return "none";
};
const seed = (n: number) => sha256(utf8(`urna cosig seed ${n}`));

const SPEC_BODY =
  "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
const SPEC_COSIG_LINE =
  "\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n";

describe("tlog-cosignature v1 (Ed25519)", () => {
  it("the spec's signed message layout", () => {
    expect(fromUtf8(cosignatureMessage(SPEC_BODY, 1679315147))).toBe(
      "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
    );
  });

  it("the spec's example cosignature is a timestamped_signature for time 1679315147", () => {
    const s = parseNote(SPEC_BODY + "\n" + SPEC_COSIG_LINE).signatures[0];
    expect(s.name).toBe("witness.example.com/w1");
    expect(s.signature).toHaveLength(72);
    expect(parseTimestampedSignature(s.signature).timestamp).toBe(1679315147);
  });

  const body = formatCheckpoint({
    origin: "urna.example/elections/e1",
    size: 42,
    root: sha256(utf8("root")),
    extensions: [],
  });
  const w1 = ed25519Cosigner("witness1.example", seed(1));
  const w2 = ed25519Cosigner("witness2.example", seed(2));
  const w3 = ed25519Cosigner("witness3.example", seed(3));
  const log = ed25519Signer("urna.example", seed(9));

  it("sign / verify round trip, vkey type 0x04, key ID", () => {
    const sig = w1.cosign(body, 1700000000);
    expect(toHex(sig.keyId)).toBe(toHex(keyId("witness1.example", 0x04, w1.publicKey)));
    expect(toHex(sig.keyId)).not.toBe(toHex(keyId("witness1.example", 0x01, w1.publicKey)));
    expect(verifyCosignature(body, sig, w1.verifier).timestamp).toBe(1700000000);
    const v = parseVkey(w1.vkey);
    expect(v.type).toBe(4);
    expect(w1.vkey).toBe(encodeCosignerVkey("witness1.example", w1.publicKey));
    // as a note verifier, over the checkpoint body
    const note = formatNote(body, [sig]);
    expect(verifyNote(note, [v]).verified).toHaveLength(1);
    // the free function gives the same bytes as the cosigner object
    expect(toHex(cosign(body, "witness1.example", seed(1), 1700000000).signature)).toBe(
      toHex(sig.signature),
    );
  });

  it("tampering fails", () => {
    const sig = w1.cosign(body, 1700000000);
    expect(code(() => verifyCosignature(body.replace("42", "43"), sig, w1.verifier))).toBe(
      "COSIGNATURE_INVALID",
    );
    const t = sig.signature.slice();
    t[7] ^= 1; // timestamp
    expect(code(() => verifyCosignature(body, { ...sig, signature: t }, w1.verifier))).toBe(
      "COSIGNATURE_INVALID",
    );
    for (let i = 0; i < 72; i += 7) {
      const s = sig.signature.slice();
      s[i] ^= 0x40;
      // a huge timestamp (high byte) is malformed; everything else fails verification
      expect(code(() => verifyCosignature(body, { ...sig, signature: s }, w1.verifier))).toBe(
        i < 2 ? "MALFORMED_COSIGNATURE" : "COSIGNATURE_INVALID",
      );
    }
    expect(
      code(() =>
        verifyCosignature(body, { ...sig, signature: sig.signature.slice(0, 71) }, w1.verifier),
      ),
    ).toBe("MALFORMED_COSIGNATURE");
    expect(code(() => verifyCosignature(body, sig, w2.verifier))).toBe("UNKNOWN_KEY");
    // an Ed25519 (0x01) signature by the same key is not a cosignature
    const plain = ed25519Signer("witness1.example", seed(1));
    const n = parseNote(signNote(body, [plain]));
    expect(verifyWitnessQuorum(formatNote(body, n.signatures), [w1.verifier], 1).count).toBe(0);
  });

  it("quorum: counts distinct trusted witnesses, ignores unknown keys and the log, reports invalid ones", () => {
    const signed = signNote(body, [log]);
    const stranger = ed25519Cosigner("stranger.example", seed(5));
    const withCosigs = addSignatures(signed, [
      w1.cosign(body, 1700000001),
      w2.cosign(body, 1700000002),
      w1.cosign(body, 1700000003), // duplicate witness
      stranger.cosign(body, 1700000004),
    ]);
    const ws = [w1.verifier, w2.verifier, w3.verifier];
    const r = verifyWitnessQuorum(withCosigs, ws, 2);
    expect(r).toMatchObject({
      count: 2,
      ok: true,
      valid: ["witness1.example", "witness2.example"],
      invalid: [],
    });
    expect(r.timestamps).toEqual({
      "witness1.example": 1700000001,
      "witness2.example": 1700000002,
    });
    expect(verifyWitnessQuorum(withCosigs, ws, 3).ok).toBe(false);
    expect(verifyWitnessQuorum(withCosigs, ws, 0).ok).toBe(true);
    // the log signature still verifies with the cosignatures present
    expect(verifyNote(withCosigs, [log.verifier]).verified).toHaveLength(1);

    // a forged line under w3's name and key ID does not count and does not veto the others
    const forged = {
      name: w3.name,
      keyId: w3.keyId,
      signature: w1.cosign(body, 1700000005).signature,
    };
    const r2 = verifyWitnessQuorum(addSignatures(withCosigs, [forged]), ws, 2);
    expect(r2).toMatchObject({ count: 2, ok: true, invalid: ["witness3.example"] });

    // cosignatures over a different checkpoint do not count
    const otherBody = body.replace("\n42\n", "\n41\n");
    const r3 = verifyWitnessQuorum(
      addSignatures(signed, [w1.cosign(otherBody, 1), w2.cosign(otherBody, 2)]),
      ws,
      1,
    );
    expect(r3).toMatchObject({
      count: 0,
      ok: false,
      invalid: ["witness1.example", "witness2.example"],
    });

    // future timestamps can be refused
    expect(verifyWitnessQuorum(withCosigs, ws, 2, { notAfter: 1700000001 }).count).toBe(1);
  });

  it("witness response lines parse back", () => {
    const lines = formatCosignatureLines([w1.cosign(body, 5), w2.cosign(body, 6)]);
    expect(lines.split("\n")).toHaveLength(3);
    const note = signNote(body, [log]) + lines;
    expect(verifyWitnessQuorum(note, [w1.verifier, w2.verifier], 2).ok).toBe(true);
  });

  it("rejects bad inputs", () => {
    expect(code(() => cosignatureMessage("no newline", 1))).toBe("MALFORMED_CHECKPOINT");
    expect(code(() => cosignatureMessage(body, -1))).toBe("MALFORMED_COSIGNATURE");
    expect(code(() => cosignatureMessage(body, 1.5))).toBe("MALFORMED_COSIGNATURE");
    expect(code(() => cosignerVerifier("w", new Uint8Array(31)))).toBe("BAD_VKEY");
    const big = new Uint8Array(72);
    big[0] = 0xff;
    expect(code(() => parseTimestampedSignature(big))).toBe("MALFORMED_COSIGNATURE");
  });
});
