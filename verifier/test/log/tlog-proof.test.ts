import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { fromBase64, fromHex, fromUtf8, toHex, utf8 } from "../../src/bytes.js";
import { formatCheckpoint } from "../../src/log/checkpoint.js";
import { ed25519Cosigner } from "../../src/log/cosignature.js";
import { LogError } from "../../src/log/errors.js";
import { leafHash } from "../../src/log/merkle-hash.js";
import { MemoryTree } from "../../src/log/merkle.js";
import { addSignatures, ed25519Signer, signNote } from "../../src/log/note.js";
import { formatTlogProof, parseTlogProof, verifyTlogProof } from "../../src/log/tlog-proof.js";
import {
  humanTrackingCode,
  parseTrackingCode,
  trackingCode,
  trackingCodeMatches,
} from "../../src/log/tracking-code.js";

const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof LogError) return e.code;
    throw e;
  }
  return "none";
};
const seed = (n: number) => sha256(utf8(`urna tlog-proof seed ${n}`));

// c2sp.org/tlog-proof example (signatures are elided with [...] in the spec, so only the
// proof part is checked; the checkpoint is kept verbatim).
const SPEC_PROOF = `c2sp.org/tlog-proof@v1
extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ
index 73894
gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=
RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=
AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=

example.com/fancylog
109482
sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=

— example.com/fancylog hI2DJw[...]1roloI=
— witness1.example mJirIklj[...]qY9v2B/5bg==
— witness2.example TnKKVHLX[...]xwYwrSjgow==
— witness3.example S4X82uH5[...]3oEcROGLFQ==
`;

describe("tlog-proof", () => {
  it("parses the spec example", () => {
    const p = parseTlogProof(SPEC_PROOF);
    expect(fromUtf8(p.extra!.slice(0, 30))).toBe("age-v1.2.1-darwin-arm64.tar.gz");
    expect(p.index).toBe(73894);
    expect(p.proof).toHaveLength(5);
    expect(toHex(p.proof[0])).toBe(
      toHex(fromBase64("gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=")),
    );
    expect(p.checkpoint.startsWith("example.com/fancylog\n109482\nsFodV/")).toBe(true);
    expect(p.checkpoint.endsWith("3oEcROGLFQ==\n")).toBe(true);
  });

  // A small election log: 77 entries, checkpoint signed by the board, cosigned by 2 witnesses.
  const entries = Array.from({ length: 77 }, (_, i) =>
    utf8(JSON.stringify({ type: "ballot", n: i })),
  );
  const tree = new MemoryTree(entries.map(leafHash));
  const origin = "urna.example/elections/e1";
  const board = ed25519Signer("urna.example", seed(1));
  const w1 = ed25519Cosigner("w1.example", seed(2));
  const w2 = ed25519Cosigner("w2.example", seed(3));
  const body = formatCheckpoint({ origin, size: 77, root: tree.root(), extensions: [] });
  const checkpoint = addSignatures(signNote(body, [board]), [
    w1.cosign(body, 1750000000),
    w2.cosign(body, 1750000001),
  ]);
  const opts = { origin, witnesses: [w1.verifier, w2.verifier], quorum: 2 };
  const receipt = (i: number) =>
    formatTlogProof({ index: i, proof: tree.inclusionProof(i), checkpoint });

  it("round trip for every leaf; full verification for a sample", () => {
    for (let i = 0; i < 77; i++) {
      const text = receipt(i);
      const p = parseTlogProof(text);
      expect(formatTlogProof(p)).toBe(text);
      expect(p.index).toBe(i);
      if (i % 19 !== 0 && i !== 76) continue;
      const r = verifyTlogProof(text, leafHash(entries[i]), board.verifier, opts);
      expect(r.index).toBe(i);
      expect(r.checkpoint.size).toBe(77);
      expect(r.witnesses.valid).toEqual(["w1.example", "w2.example"]);
      expect(r.extra).toBeUndefined();
    }
    expect(receipt(5).startsWith("c2sp.org/tlog-proof@v1\nindex 5\n")).toBe(true);
  });

  it("extra data round-trips and is not authenticated", () => {
    const text = formatTlogProof({
      extra: utf8("ctx"),
      index: 3,
      proof: tree.inclusionProof(3),
      checkpoint,
    });
    expect(text.split("\n")[1]).toBe("extra Y3R4");
    expect(fromUtf8(verifyTlogProof(text, leafHash(entries[3]), board.verifier, opts).extra!)).toBe(
      "ctx",
    );
  });

  it("changing any single byte of a receipt makes it fail", () => {
    // a small tree and one witness (quorum 1) keep this loop fast: every byte, 2 bit masks
    const small = new MemoryTree(entries.slice(0, 6).map(leafHash));
    const b6 = formatCheckpoint({ origin, size: 6, root: small.root(), extensions: [] });
    const cp = addSignatures(signNote(b6, [board]), [w1.cosign(b6, 1750000000)]);
    const text = formatTlogProof({ index: 4, proof: small.inclusionProof(4), checkpoint: cp });
    const o = { origin, witnesses: [w1.verifier], quorum: 1 };
    const lh = leafHash(entries[4]);
    expect(verifyTlogProof(text, lh, board.verifier, o).index).toBe(4);
    const bytes = utf8(text);
    const dec = new TextDecoder("utf-8");
    for (let i = 0; i < bytes.length; i++)
      for (const mask of [0x01, 0x40]) {
        const b = bytes.slice();
        b[i] ^= mask;
        expect(() => verifyTlogProof(dec.decode(b), lh, board.verifier, o), `byte ${i}`).toThrow(
          LogError,
        );
      }
  });

  it("fails with stable codes", () => {
    const text = receipt(10);
    const lh = leafHash(entries[10]);
    expect(code(() => verifyTlogProof(text, lh, board.verifier, opts))).toBe("none");
    expect(code(() => verifyTlogProof(text, leafHash(entries[11]), board.verifier, opts))).toBe(
      "INCLUSION_PROOF_INVALID",
    );
    expect(
      code(() => verifyTlogProof(text, lh, ed25519Signer("urna.example", seed(9)).verifier, opts)),
    ).toBe("NO_VALID_SIGNATURE");
    expect(
      code(() =>
        verifyTlogProof(text, lh, board.verifier, { ...opts, origin: "urna.example/elections/e2" }),
      ),
    ).toBe("WRONG_ORIGIN");
    expect(code(() => verifyTlogProof(text, lh, board.verifier, { ...opts, quorum: 3 }))).toBe(
      "WITNESS_QUORUM_NOT_MET",
    );
    expect(
      code(() => verifyTlogProof(text, lh, board.verifier, { ...opts, witnesses: [w1.verifier] })),
    ).toBe("WITNESS_QUORUM_NOT_MET");
    expect(code(() => verifyTlogProof(text, lh, board.verifier, { origin }))).toBe("none"); // quorum 0
    expect(
      code(() => verifyTlogProof(text.replace("index 10", "index 11"), lh, board.verifier, opts)),
    ).toBe("INCLUSION_PROOF_INVALID");
    expect(
      code(() => verifyTlogProof(text.replace("index 10", "index 77"), lh, board.verifier, opts)),
    ).toBe("INDEX_OUT_OF_RANGE");
    const lines = text.split("\n");
    const dropped = [...lines.slice(0, 2), ...lines.slice(3)].join("\n");
    expect(code(() => verifyTlogProof(dropped, lh, board.verifier, opts))).toBe("BAD_PROOF_SIZE");
  });

  it("rejects malformed proofs", () => {
    const text = receipt(10);
    const cases = [
      text.replace("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2"),
      text.replace("index 10", "index 010"),
      text.replace("index 10", "index -1"),
      text.replace("index 10", "index  10"),
      text.replace("index 10", "idx 10"),
      text.replace("index 10\n", ""),
      text.replace("index 10\n", "index 10\nextra AAAA\n"),
      text.replace("c2sp.org/tlog-proof@v1\n", "c2sp.org/tlog-proof@v1\nextra A\n"),
      text.replace("c2sp.org/tlog-proof@v1\n", "c2sp.org/tlog-proof@v1\nextra \n"),
      text.replace(/\nindex 10\n[^\n]+/, (m) => m.slice(0, -2) + "\n"),
      text.replace(/\nindex 10\n/, "\nindex 10\nAAAA\n"),
      text.slice(0, text.indexOf("\n\n") + 2),
      text.replace("\n\n", "\n"),
    ];
    for (const c of cases)
      expect(
        code(() => parseTlogProof(c)),
        JSON.stringify(c.slice(0, 80)),
      ).toBe("MALFORMED_TLOG_PROOF");
    expect(parseTlogProof(formatTlogProof({ index: 0, proof: [], checkpoint })).proof).toEqual([]);
  });
});

describe("tracking codes", () => {
  const lh = leafHash(utf8('{"ballot":1}'));

  it("full and human forms", () => {
    expect(toHex(lh)).toBe("982c79531241cb8255fe0a38019e5fdfeb4ddbb7ba3ca33c37675b3cd57e78d1");
    expect(trackingCode(lh)).toBe(
      "982c79531241cb8255fe0a38019e5fdfeb4ddbb7ba3ca33c37675b3cd57e78d1",
    );
    expect(humanTrackingCode(lh)).toBe("TAWH-SUYS-IHFY-EVP6-BI4A-DHS7");
    const b = new Uint8Array(32);
    b.set(Uint8Array.from({ length: 15 }, (_, i) => i));
    expect(humanTrackingCode(b)).toBe("AAAQ-EAYE-AUDA-OCAJ-BIFQ-YDIO");
    expect(humanTrackingCode(lh)).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){5}$/);
  });

  it("parses either form, case-insensitive, dashes optional", () => {
    const full = parseTrackingCode(trackingCode(lh).toUpperCase());
    expect(toHex(full.full!)).toBe(toHex(lh));
    expect(toHex(full.prefix)).toBe(toHex(lh.slice(0, 15)));
    for (const s of [
      "TAWH-SUYS-IHFY-EVP6-BI4A-DHS7",
      "tawhsuysihfyevp6bi4adhs7",
      " tawh-suys ihfy-evp6-bi4a-dhs7 ",
    ]) {
      const p = parseTrackingCode(s);
      expect(p.full).toBeUndefined();
      expect(toHex(p.prefix)).toBe(toHex(lh.slice(0, 15)));
      expect(trackingCodeMatches(p, lh)).toBe(true);
      expect(trackingCodeMatches(p, leafHash(utf8("other")))).toBe(false);
    }
    expect(trackingCodeMatches(full, lh)).toBe(true);
    const other = fromHex(trackingCode(lh).replace(/1$/, "2"));
    expect(trackingCodeMatches(full, other)).toBe(false);
    expect(trackingCodeMatches(parseTrackingCode(humanTrackingCode(lh)), other)).toBe(true); // same prefix
  });

  it("rejects malformed codes", () => {
    for (const s of [
      "",
      "TAWH-SUYS-IHFY-EVP6-BI4A-DHS",
      "TAWH-SUYS-IHFY-EVP6-BI4A-DHS7A",
      "TAWH-SUYS-IHFY-EVP6-BI4A-DHS1",
      "0AWHSUYSIHFYEVP6BI4ADHS7",
      trackingCode(lh).slice(1),
      trackingCode(lh) + "0",
      trackingCode(lh).replace("9", "g"),
    ])
      expect(
        code(() => parseTrackingCode(s)),
        s,
      ).toBe("MALFORMED_TRACKING_CODE");
    expect(code(() => trackingCode(new Uint8Array(31)))).toBe("BAD_HASH_SIZE");
  });
});
