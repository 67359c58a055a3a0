import { readFileSync } from "node:fs";
import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesToNumberLE, numberToBytesLE } from "@noble/curves/utils.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "@urna/schemas";
import type { BallotBody, Entry, Manifest } from "@urna/schemas";
import { newSigningKey, signEntry, signingPublicKey } from "../../board/src/entry-sign.js";
import { fromHex, toBase64, utf8 } from "../src/bytes.js";
import {
  ENTRY_SIGNING_PREFIX,
  EntryError,
  entryLeaf,
  entrySigningMessage,
  parseLeaf,
  parseLeafJson,
  signingMessageFromLeaf,
  verifyEd25519,
  verifyEntrySignature,
} from "../src/entry.js";
import * as fx from "../../schemas/test/fixtures.js";

const ELECTION = "mx-2024-abroad";
const key = newSigningKey();
const other = newSigningKey();
const ballotEntry = signEntry("ballot", ELECTION, fx.ballot, key.secretKey);
const manifestEntry = signEntry("manifest", ELECTION, fx.manifest, key.secretKey);

const errCode = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    if (e instanceof EntryError) return e.code;
    throw e;
  }
  return undefined;
};
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("the signing message cut from the canonical leaf", () => {
  it("is entrySigningMessage's, byte for byte, and verifies", () => {
    const tricky = signEntry(
      "manifest",
      ELECTION,
      // A body whose members look like the envelope's: only the top-level member is cut.
      { ...fx.manifest, note: ',"signature":"x","signer":"y","type":"z"}' } as Manifest,
      key.secretKey,
    );
    for (const e of [ballotEntry, manifestEntry, tricky]) {
      const m = signingMessageFromLeaf(e, entryLeaf(e));
      expect(m).toEqual(entrySigningMessage(e));
      expect(verifyEntrySignature(e, undefined, m)).toBe(true);
    }
  });

  it("is undefined when the leaf is not the entry's (the caller serialises then)", () => {
    const leaf = entryLeaf(ballotEntry);
    expect(signingMessageFromLeaf(manifestEntry, leaf)).toBeUndefined();
    expect(signingMessageFromLeaf(ballotEntry, leaf.subarray(0, leaf.length - 1))).toBeUndefined();
    const noSig = { ...ballotEntry, signature: 5 } as unknown as Entry;
    expect(signingMessageFromLeaf(noSig, leaf)).toBeUndefined();
  });

  it("a message that is not the entry's fails the signature check", () => {
    const m = signingMessageFromLeaf(ballotEntry, entryLeaf(ballotEntry)) as Uint8Array;
    const changed = Uint8Array.from(m);
    changed[changed.length - 3] ^= 1;
    expect(verifyEntrySignature(ballotEntry, undefined, changed)).toBe(false);
  });
});

describe("entry signatures (protocol.md §5)", () => {
  it("newSigningKey gives a 32-byte key pair", () => {
    expect(key.secretKey.length).toBe(32);
    expect(key.publicKey).toEqual(signingPublicKey(key.secretKey));
    expect(key.secretKey).not.toEqual(other.secretKey);
  });

  it("sign/verify round trip, for every kind of body", () => {
    for (const e of [ballotEntry, manifestEntry]) {
      expect(e.signer).toBe(toBase64(key.publicKey));
      expect(verifyEntrySignature(e)).toBe(true);
    }
    const t = signEntry("voting.open", ELECTION, fx.votingTime, other.secretKey);
    expect(verifyEntrySignature(t)).toBe(true);
  });

  it("the signing message is utf8('urna-v1/entry') || 0x0A || jcs({type, election, body, signer})", () => {
    const msg = entrySigningMessage(ballotEntry);
    const prefix = utf8(`${ENTRY_SIGNING_PREFIX}\n`);
    expect(Array.from(msg.subarray(0, prefix.length))).toEqual(Array.from(prefix));
    expect(msg[13]).toBe(0x0a);
    const rest = new TextDecoder().decode(msg.subarray(prefix.length));
    expect(rest).toBe(
      canonicalJson({
        body: fx.ballot,
        election: ELECTION,
        signer: ballotEntry.signer,
        type: "ballot",
      }),
    );
    expect(rest.startsWith('{"body":')).toBe(true);
    expect(rest).not.toContain('"signature"');
    // Independent check with noble's RFC 8032 verifier over the same bytes.
    expect(ed25519.verify(Buffer.from(ballotEntry.signature, "base64"), msg, key.publicKey)).toBe(
      true,
    );
  });

  it("member order of the in-memory object does not matter", () => {
    const reordered = {
      signature: ballotEntry.signature,
      signer: ballotEntry.signer,
      body: { contests: fx.ballot.contests, style: fx.ballot.style },
      election: ELECTION,
      type: "ballot",
    } as Entry;
    expect(entrySigningMessage(reordered)).toEqual(entrySigningMessage(ballotEntry));
    expect(verifyEntrySignature(reordered)).toBe(true);
  });

  it("changing type, election, body or signer breaks the signature", () => {
    const tampered: Entry[] = [
      { ...ballotEntry, type: "ballot.challenged" },
      { ...ballotEntry, election: "mx-2024-abroad-2" },
      { ...ballotEntry, body: { ...fx.ballot, style: "ent-10" } },
      { ...manifestEntry, body: { ...fx.manifest, threshold: 3 } as Manifest },
      { ...ballotEntry, signer: toBase64(other.publicKey) },
    ];
    // a single bit deep inside a proof
    const deep = structuredClone(fx.ballot) as BallotBody;
    const v = Buffer.from(deep.contests[0].selections[1].proof.v[0], "base64");
    v[0] ^= 1;
    deep.contests[0].selections[1].proof.v[0] = v.toString("base64");
    tampered.push({ ...ballotEntry, body: deep });
    // the same entry signed for another election cannot be replayed here
    const replay = signEntry("ballot", "other-election", fx.ballot, key.secretKey);
    tampered.push({ ...replay, election: ELECTION });
    for (const t of tampered) expect(verifyEntrySignature(t)).toBe(false);
    expect(verifyEntrySignature(ballotEntry)).toBe(true);
  });

  it("a flipped signature bit or a signature by another key fails", () => {
    for (let byte = 0; byte < 64; byte += 9) {
      const s = Buffer.from(ballotEntry.signature, "base64");
      s[byte] ^= 0x40;
      expect(verifyEntrySignature({ ...ballotEntry, signature: s.toString("base64") })).toBe(false);
    }
    const byOther = signEntry("ballot", ELECTION, fx.ballot, other.secretKey);
    expect(verifyEntrySignature({ ...byOther, signer: ballotEntry.signer })).toBe(false);
  });

  it("malformed signer or signature returns false, never throws", () => {
    const bad: Entry[] = [
      { ...ballotEntry, signature: "not base64" },
      { ...ballotEntry, signature: toBase64(new Uint8Array(63)) },
      { ...ballotEntry, signer: toBase64(new Uint8Array(31)) },
      { ...ballotEntry, signer: ballotEntry.signer.slice(0, 43) }, // missing padding
      { ...ballotEntry, body: { x: NaN } },
    ];
    for (const b of bad) expect(verifyEntrySignature(b)).toBe(false);
  });

  it("signEntry refuses a body without canonical JSON", () => {
    expect(() =>
      signEntry("voting.open", ELECTION, { at: undefined as unknown as string }, key.secretKey),
    ).toThrow(/undefined/);
  });
});

describe("strict Ed25519 (protocol.md §2)", () => {
  const vectors = JSON.parse(
    readFileSync(new URL("./vectors/rfc8032/ed25519.json", import.meta.url), "utf8"),
  ) as { name: string; secretKey: string; publicKey: string; message: string; signature: string }[];

  for (const v of vectors) {
    it(`${v.name} verifies, and fails on a changed message`, () => {
      const pk = fromHex(v.publicKey);
      expect(signingPublicKey(fromHex(v.secretKey))).toEqual(pk);
      expect(verifyEd25519(fromHex(v.signature), fromHex(v.message), pk)).toBe(true);
      expect(verifyEd25519(fromHex(v.signature), utf8("x"), pk)).toBe(false);
    });
  }

  const v1 = vectors[0];
  const L = ed25519.Point.Fn.ORDER;

  it("refuses a non-canonical S (S + ℓ) that a lax verifier would accept", () => {
    const sig = fromHex(v1.signature);
    const s = bytesToNumberLE(sig.subarray(32)) + L;
    expect(s < 2n ** 256n).toBe(true);
    const malleated = new Uint8Array(64);
    malleated.set(sig.subarray(0, 32));
    malleated.set(numberToBytesLE(s, 32), 32);
    expect(verifyEd25519(malleated, new Uint8Array(0), fromHex(v1.publicKey))).toBe(false);
  });

  it("refuses a small-order public key and a non-canonical key encoding", () => {
    // identity (0, 1): every signature with R = identity, S = 0 satisfies the equation
    const identity = new Uint8Array(32);
    identity[0] = 1;
    const sig = new Uint8Array(64);
    sig.set(identity, 0);
    expect(ed25519.Point.fromBytes(identity).isSmallOrder()).toBe(true);
    expect(verifyEd25519(sig, utf8("anything"), identity)).toBe(false);
    // y = p (non-canonical encoding of y = 0)
    const p = ed25519.Point.Fp.ORDER;
    expect(verifyEd25519(fromHex(v1.signature), new Uint8Array(0), numberToBytesLE(p, 32))).toBe(
      false,
    );
  });

  it("is cofactorless: refuses R with a torsion component that the cofactored check accepts", () => {
    const { scalar: a, pointBytes: A } = ed25519.utils.getExtendedPublicKey(key.secretKey);
    const T = ed25519.Point.fromBytes(new Uint8Array(32)); // y = 0: a point of order 4
    expect(T.isSmallOrder() && !T.is0()).toBe(true);
    const msg = utf8("torsion");
    const r = 123456789n;
    const R = ed25519.Point.BASE.multiply(r).add(T).toBytes();
    const k = bytesToNumberLE(sha512(new Uint8Array([...R, ...A, ...msg]))) % L;
    const S = (r + k * a) % L;
    const sig = new Uint8Array([...R, ...numberToBytesLE(S, 32)]);
    expect(ed25519.verify(sig, msg, A, { zip215: false })).toBe(true); // cofactored
    expect(verifyEd25519(sig, msg, A)).toBe(false); // cofactorless, as the spec fixes
    // the same construction without torsion verifies
    const R0 = ed25519.Point.BASE.multiply(r).toBytes();
    const k0 = bytesToNumberLE(sha512(new Uint8Array([...R0, ...A, ...msg]))) % L;
    const sig0 = new Uint8Array([...R0, ...numberToBytesLE((r + k0 * a) % L, 32)]);
    expect(verifyEd25519(sig0, msg, A)).toBe(true);
  });

  it("agrees with noble's RFC 8032 verifier on honest signatures", () => {
    for (let i = 0; i < 20; i++) {
      const k = newSigningKey();
      const msg = utf8(`message ${i}`);
      const sig = ed25519.sign(msg, k.secretKey);
      expect(verifyEd25519(sig, msg, k.publicKey)).toBe(true);
      expect(ed25519.verify(sig, msg, k.publicKey)).toBe(true);
    }
  });
});

describe("log leaves", () => {
  it("entryLeaf is jcs(entry) and parseLeaf inverts it", () => {
    const leaf = entryLeaf(ballotEntry);
    expect(new TextDecoder().decode(leaf)).toBe(canonicalJson(ballotEntry));
    expect(parseLeaf(leaf)).toEqual(ballotEntry);
    expect(parseLeafJson(leaf)).toEqual(ballotEntry);
    expect(verifyEntrySignature(parseLeaf(leaf))).toBe(true);
    expect(parseLeaf(entryLeaf(manifestEntry))).toEqual(manifestEntry);
  });

  it("entryLeaf keeps exactly the five envelope members", () => {
    const withExtra = { ...ballotEntry, extra: 1 } as Entry;
    expect(entryLeaf(withExtra)).toEqual(entryLeaf(ballotEntry));
  });

  it("entryLeaf refuses more than 65,535 bytes", () => {
    const big = signEntry("voting.open", ELECTION, { at: "x".repeat(65_600) }, key.secretKey);
    expect(errCode(() => entryLeaf(big))).toBe("ENTRY_TOO_LARGE");
  });

  const text = canonicalJson(ballotEntry);
  const nonCanonical: [string, string | Uint8Array][] = [
    ["reordered keys", JSON.stringify(ballotEntry)], // insertion order: type, election, body, ...
    ["extra whitespace", JSON.stringify(JSON.parse(text), null, 1)],
    ["one space after a colon", text.replace('"type":', '"type": ')],
    ["trailing newline", `${text}\n`],
    ["leading space", ` ${text}`],
    ["duplicate member", text.replace('{"body":', '{"type":"ballot","body":')],
    ["escaped plain character", text.replace('"type":"ballot"', '"type":"b\\u0061llot"')],
    ["escaped slash", text.replace('"type":"ballot"', '"type":"ballot\\/"')],
    [
      "non-shortest number",
      canonicalJson(manifestEntry).replace('"threshold":2', '"threshold":2.0'),
    ],
    ["exponent number", canonicalJson(manifestEntry).replace('"threshold":2', '"threshold":2e0')],
    ["lone surrogate escape", text.replace('"type":"ballot"', '"type":"\\ud800"')],
    ["byte order mark", new Uint8Array([0xef, 0xbb, 0xbf, ...enc(text)])],
  ];
  for (const [name, leaf] of nonCanonical) {
    it(`parseLeaf refuses ${name} (NON_CANONICAL_LEAF)`, () => {
      const bytes = typeof leaf === "string" ? enc(leaf) : leaf;
      expect(bytes).not.toEqual(enc(text));
      expect(errCode(() => parseLeafJson(bytes))).toBe("NON_CANONICAL_LEAF");
      expect(errCode(() => parseLeaf(bytes))).toBe("NON_CANONICAL_LEAF");
    });
  }

  it("parseLeaf refuses bytes that are not UTF-8 JSON (BAD_LEAF_JSON)", () => {
    expect(errCode(() => parseLeaf(enc(text.slice(0, -1))))).toBe("BAD_LEAF_JSON");
    const invalidUtf8 = enc(text.replace('"type":"ballot"', '"type":"ballo?"'));
    invalidUtf8[invalidUtf8.indexOf(0x3f)] = 0xff;
    expect(errCode(() => parseLeaf(invalidUtf8))).toBe("BAD_LEAF_JSON");
    expect(errCode(() => parseLeaf(new Uint8Array(0)))).toBe("BAD_LEAF_JSON");
  });

  it("parseLeaf refuses more than 65,535 bytes before parsing (ENTRY_TOO_LARGE)", () => {
    expect(errCode(() => parseLeaf(enc(canonicalJson({ s: "x".repeat(65_536) }))))).toBe(
      "ENTRY_TOO_LARGE",
    );
  });

  it("parseLeaf refuses a canonical leaf that breaks the schema, naming the path", () => {
    const bad = { ...ballotEntry, body: { ...fx.ballot, style: "ENT-09" } };
    let err: unknown;
    try {
      parseLeaf(enc(canonicalJson(bad)));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EntryError);
    expect((err as EntryError).code).toBe("ENTRY_SCHEMA_INVALID");
    expect((err as EntryError).path).toBe("/body/style");
    // parseLeafJson alone does not apply the schema
    expect(parseLeafJson(enc(canonicalJson(bad)))).toEqual(bad);
  });
});
