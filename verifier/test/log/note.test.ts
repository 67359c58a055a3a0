import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { fromBase64, toBase64, toHex, utf8 } from "../../src/bytes.js";
import {
  type Checkpoint,
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
} from "../../src/log/checkpoint.js";
import { ed25519Cosigner } from "../../src/log/cosignature.js";
import { LogError } from "../../src/log/errors.js";
import {
  addSignatures,
  ed25519Signer,
  encodePrivateKey,
  encodeVkey,
  formatNote,
  keyId,
  parseNote,
  parsePrivateKey,
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

const seed = (n: number) => sha256(utf8(`urna test seed ${n}`));

// c2sp.org/signed-note, "Verifier keys / Example" (copied from the spec text).
const SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
const SPEC_NOTE =
  "This is an example message.\n\n" +
  "\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

// c2sp.org/signed-note, opening example (no vkey published for it).
const SPEC_POEM =
  "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n\n" +
  "\u2014 quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n";

// c2sp.org/tlog-checkpoint and tlog-cosignature examples.
const SPEC_CHECKPOINT_BODY =
  "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
const SPEC_COSIGNED =
  SPEC_CHECKPOINT_BODY +
  "\n\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n" +
  "\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n";

describe("signed-note spec example", () => {
  const v = parseVkey(SPEC_VKEY);

  it("parses the vkey and verifies the example note", () => {
    expect(v.name).toBe("example.com/foo");
    expect(toHex(v.keyId)).toBe("530d903a");
    expect(v.type).toBe(1);
    const r = verifyNote(SPEC_NOTE, [v]);
    expect(r.text).toBe("This is an example message.\n");
    expect(r.verified).toEqual([v]);
    expect(encodeVkey(v.name, v.publicKey!)).toBe(SPEC_VKEY);
  });

  it("changing any single byte of the note makes it fail", () => {
    const bytes = utf8(SPEC_NOTE);
    const dec = new TextDecoder("utf-8"); // replacement chars for invalid UTF-8: still a changed note
    let checked = 0;
    for (let i = 0; i < bytes.length; i++) {
      for (const mask of [0x01, 0x20, 0x80]) {
        const b = bytes.slice();
        b[i] ^= mask;
        const s = dec.decode(b);
        expect(() => verifyNote(s, [v]), `byte ${i} ^ ${mask}`).toThrow(LogError);
        checked++;
      }
    }
    expect(checked).toBe(bytes.length * 3);
  });

  it("parses the poem example (text with an inner blank line)", () => {
    const n = parseNote(SPEC_POEM);
    expect(n.text).toBe(
      "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n",
    );
    expect(n.signatures).toHaveLength(1);
    expect(n.signatures[0].name).toBe("quasimodo.example/salvatore");
    expect(n.signatures[0].signature).toHaveLength(64);
    expect(formatNote(n.text, n.signatures)).toBe(SPEC_POEM);
    // not signed by the example key
    expect(code(() => verifyNote(SPEC_POEM, [v]))).toBe("NO_VALID_SIGNATURE");
  });
});

describe("signed notes: keys, signing, verification rules", () => {
  const alice = ed25519Signer("alice.example/log", seed(1));
  const bob = ed25519Signer("bob.example/w", seed(2));

  it("key IDs follow SHA-256(name || 0x0A || type || key)[:4]", () => {
    const want = sha256(
      new Uint8Array([...utf8("alice.example/log"), 0x0a, 0x01, ...alice.publicKey]),
    ).slice(0, 4);
    expect(toHex(alice.keyId)).toBe(toHex(want));
    expect(toHex(keyId("alice.example/log", 1, alice.publicKey))).toBe(toHex(want));
    expect(toHex(keyId("alice.example/log", 4, alice.publicKey))).not.toBe(toHex(want));
  });

  it("vkey and private key round trip", () => {
    const v = parseVkey(alice.vkey);
    expect(toHex(v.keyId)).toBe(toHex(alice.keyId));
    const sk = encodePrivateKey("alice.example/log", seed(1));
    expect(sk.startsWith(`PRIVATE+KEY+alice.example/log+${toHex(alice.keyId)}+`)).toBe(true);
    const s2 = parsePrivateKey(sk);
    expect(s2.vkey).toBe(alice.vkey);
    const note = signNote("hello\n", [s2]);
    expect(verifyNote(note, [v]).text).toBe("hello\n");
  });

  it("vkeys and private keys whose base64 contains '+' round-trip (40 keys)", () => {
    let withPlus = 0;
    for (let i = 0; i < 40; i++) {
      const s = ed25519Signer("k.example", seed(100 + i));
      const sk = encodePrivateKey("k.example", seed(100 + i));
      if (s.vkey.split("+").length > 3 || sk.split("+").length > 5) withPlus++;
      expect(toHex(parseVkey(s.vkey).publicKey!)).toBe(toHex(s.publicKey));
      expect(parsePrivateKey(sk).vkey).toBe(s.vkey);
    }
    expect(withPlus).toBeGreaterThan(0);
  });

  it("rejects malformed vkeys and private keys", () => {
    const [name, id, key] = alice.vkey.split("+");
    const raw = fromBase64(key);
    const cases = [
      `${name}+${id}`,
      `${name}+${id}+${key}+x`,
      `+${id}+${key}`,
      `al ice+${id}+${key}`,
      `${name}+${id.toUpperCase()}+${key}`,
      `${name}+00000000+${key}`,
      `${name}+${id}+${key.slice(0, -1)}`,
      `${name}+${id}+${toBase64(raw.slice(0, 20))}`,
      `${name}+${id}+${toBase64(Uint8Array.of(0x09, ...raw.slice(1)))}`,
      `${name}+${id}+${toBase64(Uint8Array.of(0x01, ...raw.slice(1), 0))}`,
      `other.example+${id}+${key}`,
    ];
    for (const c of cases)
      expect(
        code(() => parseVkey(c)),
        c,
      ).toBe("BAD_VKEY");
    const sk = encodePrivateKey("alice.example/log", seed(1));
    for (const c of [
      sk.replace("PRIVATE+KEY", "PRIVATE+KY"),
      sk.replace(/\+[0-9a-f]{8}\+/, "+00000000+"),
      sk.slice(0, -4) + "AAA=",
    ])
      expect(
        code(() => parsePrivateKey(c)),
        c,
      ).toBe("BAD_PRIVATE_KEY");
  });

  it("ignores unknown keys, including same name with another ID and same ID with another name", () => {
    const note = signNote("text\n", [alice]);
    expect(code(() => verifyNote(note, [bob.verifier]))).toBe("NO_VALID_SIGNATURE");
    const n = parseNote(note);
    // same name, different key ID (unknown, ignored) next to a valid one
    const sameName = {
      ...n.signatures[0],
      keyId: Uint8Array.of(1, 2, 3, 4),
      signature: new Uint8Array(64),
    };
    expect(
      verifyNote(formatNote(n.text, [sameName, n.signatures[0]]), [alice.verifier]).verified,
    ).toHaveLength(1);
    // same ID, different name: ignored
    const sameId = { ...n.signatures[0], name: "mallory.example" };
    expect(code(() => verifyNote(formatNote(n.text, [sameId]), [alice.verifier]))).toBe(
      "NO_VALID_SIGNATURE",
    );
    // known key with a bad signature: the whole note is rejected
    const badSig = {
      ...n.signatures[0],
      signature: n.signatures[0].signature.map((x, i) => (i === 0 ? x ^ 1 : x)),
    };
    expect(
      code(() => verifyNote(formatNote(n.text, [badSig, n.signatures[0]]), [alice.verifier])),
    ).toBe("INVALID_SIGNATURE");
  });

  it("multiple signatures and addSignatures", () => {
    const note = signNote("multi\nline\n\ntext\n", [alice, bob]);
    const r = verifyNote(note, [alice.verifier, bob.verifier]);
    expect(r.verified.map((v) => v.name)).toEqual([alice.name, bob.name]);
    const one = signNote("x\n", [alice]);
    const extra = parseNote(signNote("x\n", [bob])).signatures;
    expect(verifyNote(addSignatures(one, extra), [bob.verifier]).verified[0].name).toBe(bob.name);
  });

  it("rejects malformed notes", () => {
    const good = signNote("text\n", [alice]);
    const sigLine = good.slice(good.indexOf("\u2014"));
    const cases = [
      "",
      "text\n",
      "text\n\n",
      good.slice(0, -1),
      "text\n" + sigLine, // no blank line
      "text\n\n" + sigLine.replace("\u2014 ", "- "),
      "text\n\n" + sigLine.replace("\u2014 ", "\u2014"),
      "text\n\n" + sigLine.replace(" ", "  "),
      "te\txt\n\n" + sigLine,
      "text\r\n\n" + sigLine,
      "text\n\n" + sigLine.replace(/ [^ ]+\n$/, " AAAA\n"),
      "text\n\n" + sigLine.replace(/=\n$/, "\n"),
      "text\n\n" + sigLine + "\n",
      "text\n\n" + sigLine.repeat(101),
    ];
    for (const c of cases)
      expect(
        code(() => parseNote(c)),
        JSON.stringify(c),
      ).toBe("MALFORMED_NOTE");
    expect(parseNote("text\n\n" + sigLine.repeat(16)).signatures).toHaveLength(16);
    expect(code(() => signNote("no newline", [alice]))).toBe("MALFORMED_NOTE");
    expect(code(() => ed25519Signer("bad name", seed(1)))).toBe("BAD_KEY_NAME");
    expect(code(() => ed25519Signer("a+b", seed(1)))).toBe("BAD_KEY_NAME");
  });
});

describe("checkpoints", () => {
  it("parses the tlog-checkpoint example and round-trips it", () => {
    const c = parseCheckpoint(SPEC_CHECKPOINT_BODY);
    expect(c.origin).toBe("example.com/behind-the-sofa");
    expect(c.size).toBe(20852163);
    expect(toBase64(c.root)).toBe("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
    expect(c.extensions).toEqual([]);
    expect(formatCheckpoint(c)).toBe(SPEC_CHECKPOINT_BODY);
    const n = parseNote(SPEC_COSIGNED);
    expect(parseCheckpoint(n.text).size).toBe(20852163);
    expect(n.signatures.map((s) => s.name)).toEqual([
      "example.com/behind-the-sofa",
      "witness.example.com/w1",
    ]);
  });

  it("extension lines and size 0", () => {
    const root = sha256(new Uint8Array(0));
    const c: Checkpoint = {
      origin: "urna.example/elections/e1",
      size: 0,
      root,
      extensions: ["ext one", "two"],
    };
    const body = formatCheckpoint(c);
    expect(body).toBe(`urna.example/elections/e1\n0\n${toBase64(root)}\next one\ntwo\n`);
    expect(parseCheckpoint(body)).toEqual(c);
    expect(parseCheckpoint("o\n9007199254740991\n" + toBase64(root) + "\n").size).toBe(
      Number.MAX_SAFE_INTEGER,
    );
  });

  it("rejects every malformed case", () => {
    const r = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
    const cases: Record<string, string> = {
      "no final newline": `o\n1\n${r}`,
      "two lines": `o\n1\n`,
      "one line": `o\n`,
      empty: ``,
      "empty origin": `\n1\n${r}\n`,
      "empty size": `o\n\n${r}\n`,
      "empty root": `o\n1\n\n`,
      "leading zero": `o\n01\n${r}\n`,
      "plus sign": `o\n+1\n${r}\n`,
      "minus sign": `o\n-1\n${r}\n`,
      "hex size": `o\n0x10\n${r}\n`,
      "size with space": `o\n1 \n${r}\n`,
      "size with exponent": `o\n1e3\n${r}\n`,
      "size above 2^53": `o\n9007199254740992\n${r}\n`,
      "huge size": `o\n123456789012345678901234567890\n${r}\n`,
      "root bad base64": `o\n1\n${r.replace("C", "*")}\n`,
      "root without padding": `o\n1\n${r.slice(0, -1)}\n`,
      "root non-canonical": `o\n1\n${r.slice(0, -2)}J=\n`,
      "root 31 bytes": `o\n1\n${toBase64(new Uint8Array(31))}\n`,
      "root 33 bytes": `o\n1\n${toBase64(new Uint8Array(33))}\n`,
      "empty extension line": `o\n1\n${r}\n\next\n`,
      "trailing empty line": `o\n1\n${r}\n\n`,
      CRLF: `o\r\n1\r\n${r}\r\n`,
      "tab in origin": `o\tx\n1\n${r}\n`,
    };
    for (const [name, body] of Object.entries(cases))
      expect(
        code(() => parseCheckpoint(body)),
        name,
      ).toBe("MALFORMED_CHECKPOINT");
  });

  it("openCheckpoint requires the log's own signature and the origin", () => {
    const log = ed25519Signer("urna.example", seed(3));
    const other = ed25519Signer("urna.example", seed(4));
    const body = formatCheckpoint({
      origin: "urna.example/elections/e1",
      size: 5,
      root: sha256(utf8("r")),
      extensions: [],
    });
    const signed = signNote(body, [log]);
    const o = openCheckpoint(signed, log.verifier, { origin: "urna.example/elections/e1" });
    expect(o.checkpoint.size).toBe(5);
    expect(o.body).toBe(body);
    expect(o.note.signatures).toHaveLength(1);
    expect(code(() => openCheckpoint(signed, other.verifier))).toBe("NO_VALID_SIGNATURE");
    expect(
      code(() => openCheckpoint(signed, log.verifier, { origin: "urna.example/elections/e2" })),
    ).toBe("WRONG_ORIGIN");
    expect(code(() => openCheckpoint(signNote("not\na checkpoint\n", [log]), log.verifier))).toBe(
      "MALFORMED_CHECKPOINT",
    );
    expect(code(() => openCheckpoint(signed.replace("\n5\n", "\n6\n"), log.verifier))).toBe(
      "INVALID_SIGNATURE",
    );
  });
});

describe("spec/log.md examples", () => {
  it("board and witness example keys", () => {
    const bseed = sha256(utf8("urna example board key"));
    const b = ed25519Signer("urna.example", bseed);
    expect(b.vkey).toBe("urna.example+d970bfcd+AWZzH/ohuSHqRuvjqhfahQDwj1X5DrIdAbtlxGGuwobC");
    expect(encodePrivateKey("urna.example", bseed)).toBe(
      "PRIVATE+KEY+urna.example+d970bfcd+AUVE09fYJODyW9DXUGQkAbkinJhzl2qSaw/ix/OGjIyO",
    );
    const w = ed25519Cosigner("witness1.example", sha256(utf8("urna example witness key")));
    expect(w.vkey).toBe("witness1.example+7dd5b828+BGNpb4pWC4bE9w6t+1ImVA8X9iqcQmE7S9sdntA/Bxtk");
    expect(parseVkey(w.vkey).type).toBe(4);
  });

  it("a vkey splits on its first two '+' only: the base64 key may contain '+'", () => {
    const vkey = "witness1.example+7dd5b828+BGNpb4pWC4bE9w6t+1ImVA8X9iqcQmE7S9sdntA/Bxtk";
    const v = parseVkey(vkey);
    expect(v.name).toBe("witness1.example");
    expect(toHex(v.keyId)).toBe("7dd5b828");
    expect(toBase64(Uint8Array.of(v.type as number, ...(v.publicKey as Uint8Array)))).toBe(
      "BGNpb4pWC4bE9w6t+1ImVA8X9iqcQmE7S9sdntA/Bxtk",
    );
    // A '+' cannot be in the name: the split makes the name end there and the rest fails.
    expect(
      code(() => parseVkey(`witness+1.example+7dd5b828+${vkey.split("+").slice(2).join("+")}`)),
    ).toBe("BAD_VKEY");
  });
});
