import { readFileSync } from "node:fs";
import canonicalize from "canonicalize";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CanonicalJsonError,
  canonicalBytes,
  canonicalJson,
  hasLoneSurrogate,
} from "../src/canonical.js";

const vec = (name: string): string =>
  readFileSync(new URL(`./vectors/rfc8785/${name}`, import.meta.url), "utf8");
const hexBytes = (s: string): Uint8Array =>
  Uint8Array.from(
    s
      .trim()
      .split(/\s+/)
      .map((h) => parseInt(h, 16)),
  );
const f64 = (hex: string): number => {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setBigUint64(0, BigInt(`0x${hex}`));
  return dv.getFloat64(0);
};
const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CanonicalJsonError);
    return (e as CanonicalJsonError).code;
  }
  return undefined;
};

describe("RFC 8785 vectors", () => {
  it("§3.2.2 sample object canonicalizes to the §3.2.4 bytes, byte for byte", () => {
    const input: unknown = JSON.parse(vec("sample-input.json"));
    const expected = hexBytes(vec("sample-output.hex"));
    expect(expected.length).toBe(118);
    expect(canonicalBytes(input)).toEqual(expected);
    // §3.2.3 text, line wrap removed.
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it("§3.2.3 sorts member names by UTF-16 code units", () => {
    const input = JSON.parse(vec("sorting-input.json")) as Record<string, string>;
    const expected = vec("sorting-expected.txt").trim().split("\n");
    expect(expected.length).toBe(7);
    // The canonical text lists the values in exactly the RFC's order. (Re-parsing would not
    // show it: JS enumerates the integer-like key "1" first.)
    let at = -1;
    const text = canonicalJson(input);
    for (const v of expected) {
      const i = text.indexOf(`"${v}"`);
      expect(i).toBeGreaterThan(at);
      at = i;
    }
  });

  const rows = vec("numbers.psv")
    .split("\n")
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => l.split("|"));

  it("Appendix B table has all 26 rows", () => expect(rows.length).toBe(26));

  for (const [bits, json, comment] of rows) {
    if (json === "") {
      it(`Appendix B ${bits} (${comment}) is refused`, () => {
        const n = f64(bits);
        expect(Number.isFinite(n)).toBe(false);
        expect(code(() => canonicalJson(n))).toBe("NOT_CANONICALIZABLE");
        expect(code(() => canonicalJson({ n }))).toBe("NOT_CANONICALIZABLE");
      });
    } else {
      it(`Appendix B ${bits} -> ${json}`, () => {
        expect(canonicalJson(f64(bits))).toBe(json);
        expect(canonicalJson([f64(bits)])).toBe(`[${json}]`);
      });
    }
  }
});

describe("canonicalJson refuses what JCS cannot represent", () => {
  const bad: [string, () => unknown, string][] = [
    ["NaN", () => ({ a: NaN }), "/a"],
    ["Infinity", () => ({ a: [1, -Infinity] }), "/a/1"],
    ["undefined member", () => ({ a: { b: undefined } }), "/a/b"],
    ["undefined root", () => undefined, ""],
    ["undefined array element", () => [1, undefined], "/1"],
    ["array hole", () => [1, , 3], "/1"], // eslint-disable-line no-sparse-arrays
    ["function", () => ({ f: () => 1 }), "/f"],
    ["bigint", () => ({ n: 10n }), "/n"],
    ["symbol", () => ({ s: Symbol("x") }), "/s"],
    ["lone high surrogate", () => ({ s: "a\ud800b" }), "/s"],
    ["lone low surrogate at end", () => ["x\udc00"], "/0"],
    ["lone surrogate in a key", () => ({ ["k\ud83d"]: 1 }), "/k\ud83d"],
    ["Date", () => ({ d: new Date(0) }), "/d"],
    ["Uint8Array", () => ({ b: new Uint8Array(2) }), "/b"],
    ["Map", () => ({ m: new Map() }), "/m"],
    ["toJSON", () => ({ t: { toJSON: () => 1 } }), "/t"],
    ["escaped pointer", () => ({ "a/b": { "c~d": NaN } }), "/a~1b/c~0d"],
  ];
  for (const [name, make, path] of bad) {
    it(name, () => {
      const v = make();
      let err: unknown;
      try {
        canonicalJson(v);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CanonicalJsonError);
      expect((err as CanonicalJsonError).code).toBe("NOT_CANONICALIZABLE");
      expect((err as CanonicalJsonError).path).toBe(path);
      expect(() => canonicalBytes(v)).toThrow(CanonicalJsonError);
    });
  }

  it("refuses cycles", () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = a;
    expect(code(() => canonicalJson(a))).toBe("NOT_CANONICALIZABLE");
  });

  it("accepts shared (non-cyclic) references and null-prototype objects", () => {
    const shared = { z: 1 };
    expect(canonicalJson({ b: shared, a: shared })).toBe('{"a":{"z":1},"b":{"z":1}}');
    const o = Object.create(null) as Record<string, unknown>;
    o.b = 2;
    o.a = 1;
    expect(canonicalJson(o)).toBe('{"a":1,"b":2}');
  });

  it("paired surrogates are fine and emitted as UTF-8", () => {
    expect(canonicalJson("\ud83d\ude00")).toBe('"😀"');
    expect(Array.from(canonicalBytes("\ud83d\ude00"))).toEqual([
      0x22, 0xf0, 0x9f, 0x98, 0x80, 0x22,
    ]);
  });

  it("-0 serializes as 0 and integers keep no fraction", () => {
    expect(canonicalJson({ a: -0, b: 1.0, c: 100 })).toBe('{"a":0,"b":1,"c":100}');
  });
});

describe("the same bytes as RFC 8785's reference algorithm (the canonicalize package)", () => {
  // Member names and strings that exercise the code-unit order, escapes and astral characters.
  const text = fc.oneof(
    fc.string({ unit: "grapheme", maxLength: 8 }),
    fc.string({ unit: "binary", maxLength: 8 }).filter((s) => !hasLoneSurrogate(s)),
    fc.constantFrom(
      "",
      "a",
      "A",
      "\u00e9",
      "\u20ac",
      "\ud83d\ude00",
      "\ufb33",
      "\u007f",
      '"\\/\b\f\n\r\t',
    ),
  );
  const number = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.constantFrom(-0, 1e21, 1e-7, 5e-324, Number.MAX_VALUE, 333333333.3333333),
  );
  const { json } = fc.letrec((tie) => ({
    json: fc.oneof(
      { depthSize: "small" },
      fc.constant(null),
      fc.boolean(),
      number,
      text,
      fc.array(tie("json"), { maxLength: 5 }),
      fc.dictionary(text, tie("json"), { maxKeys: 6 }),
    ),
  }));

  it("on generated JSON values", () => {
    fc.assert(
      fc.property(json, (v) => {
        expect(canonicalJson(v)).toBe(canonicalize(v));
      }),
      { numRuns: 2000 },
    );
  });

  it("on more than 200 members (sorted natively rather than by insertion)", () => {
    const o: Record<string, number> = {};
    for (let i = 0; i < 500; i++)
      o[`k${(i * 7919) % 1000}\u00e9${i % 3 ? "\ud83d\ude00" : ""}`] = i;
    expect(canonicalJson(o)).toBe(canonicalize(o));
  });
});
