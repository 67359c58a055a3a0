/**
 * Every tampering of a published ceremony is refused with its stable code and culprit, and the
 * structured check names every bad item.
 */
import { describe, expect, it } from "vitest";
import { fromHex, concatBytes, toBase64, toHex } from "../../src/bytes.js";
import { G } from "../../src/crypto/group.js";
import {
  CeremonyError,
  MAX_CIPHERTEXT_SIZE,
  checkCeremonyTranscript,
  checkElectionKey,
  checkRound1,
  electionKeyBody,
  encodeAggregatedSignatures,
  encodeMsg1,
  parseAggregatedSignatures,
  parseMsg1,
  parseRecoveryBundle,
  parseTranscript,
  encodeRecoveryBundle,
  round1FromBody,
  setupFromManifest,
  round1ToBody,
  certifyFromBody,
  blameFromBody,
  transcriptFor,
  u64be,
  verifyCeremonyTranscript,
  type CeremonyInput,
  type CeremonySetup,
  type Round1Message,
} from "../../src/ceremony/index.js";
import { loadVectors, round1Of, setupOf, signaturesOf } from "./vectors.js";

const v = loadVectors().vectors[1]; // 3-of-5
const setup = setupOf(v);
const sessionId = fromHex(v.session_tag);

function fresh(): { round1: Round1Message[]; signatures: Uint8Array[] } {
  return { round1: round1Of(v), signatures: signaturesOf(v) };
}
function replace(
  round1: Round1Message[],
  k: number,
  patch: Partial<Round1Message>,
): Round1Message[] {
  return round1.map((m, idx) => (idx === k ? { ...m, ...patch } : m));
}
function expectRefused(
  input: CeremonyInput,
  code: string,
  custodian: number | null,
  s: CeremonySetup = setup,
): void {
  let err: unknown;
  try {
    verifyCeremonyTranscript(s, input, { sessionId });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(CeremonyError);
  expect((err as CeremonyError).code).toBe(code);
  expect((err as CeremonyError).custodian).toBe(custodian);
  const c = checkCeremonyTranscript(s, input, { sessionId });
  expect(c.ok).toBe(false);
  expect(c.result).toBeNull();
  expect(c.issues).toContainEqual(expect.objectContaining({ code, custodian }));
}
const flip = (b: Uint8Array, at: number): Uint8Array => {
  const c = Uint8Array.from(b);
  c[at] ^= 0x01;
  return c;
};
const other = G.multiply(12345n).toBytes();
const identity = new Uint8Array(32);
const nonCanonical = new Uint8Array(32).fill(0xff);

describe("tampered ceremony transcripts (3-of-5 vector)", () => {
  it("baseline: the untouched transcript verifies", () => {
    const { round1, signatures } = fresh();
    expect(checkCeremonyTranscript(setup, { round1, signatures }, { sessionId }).ok).toBe(true);
  });

  it("a replaced commitment point: CEREMONY_BAD_POP for its sender, and every certification fails", () => {
    const { round1, signatures } = fresh();
    const c = [...round1[1].commitments];
    c[1] = other;
    const input = { round1: replace(round1, 1, { commitments: c }), signatures };
    expectRefused(input, "CEREMONY_BAD_POP", 2);
    const issues = checkCeremonyTranscript(setup, input).issues;
    expect(
      issues.filter((i) => i.code === "CEREMONY_BAD_SIGNATURE").map((i) => i.custodian),
    ).toEqual([1, 2, 3, 4, 5]);
  });

  it("a commitment point that is not a canonical encoding: CEREMONY_BAD_COMMITMENT", () => {
    const { round1, signatures } = fresh();
    const c = [...round1[3].commitments];
    c[2] = nonCanonical;
    expectRefused(
      { round1: replace(round1, 3, { commitments: c }), signatures },
      "CEREMONY_BAD_COMMITMENT",
      4,
    );
  });

  it("an identity commitment point: CEREMONY_BAD_COMMITMENT", () => {
    const { round1, signatures } = fresh();
    for (const k of [0, 2]) {
      const c = [...round1[0].commitments];
      c[k] = identity;
      expectRefused(
        { round1: replace(round1, 0, { commitments: c }), signatures },
        "CEREMONY_BAD_COMMITMENT",
        1,
      );
    }
  });

  it("a wrong number of commitment points (t-1 and t+1): CEREMONY_BAD_COMMITMENT_COUNT", () => {
    const { round1, signatures } = fresh();
    const short = round1[2].commitments.slice(0, 2);
    expectRefused(
      { round1: replace(round1, 2, { commitments: short }), signatures },
      "CEREMONY_BAD_COMMITMENT_COUNT",
      3,
    );
    const long = [...round1[2].commitments, other];
    expectRefused(
      { round1: replace(round1, 2, { commitments: long }), signatures },
      "CEREMONY_BAD_COMMITMENT_COUNT",
      3,
    );
  });

  it("a flipped PoP byte (in R and in z): CEREMONY_BAD_POP", () => {
    const { round1, signatures } = fresh();
    for (const at of [0, 5, 32, 40, 63]) {
      expectRefused(
        { round1: replace(round1, 4, { pop: flip(round1[4].pop, at) }), signatures },
        "CEREMONY_BAD_POP",
        5,
      );
    }
  });

  it("a PoP of the wrong size: CEREMONY_BAD_POP", () => {
    const { round1, signatures } = fresh();
    expectRefused(
      { round1: replace(round1, 4, { pop: round1[4].pop.slice(0, 63) }), signatures },
      "CEREMONY_BAD_POP",
      5,
    );
  });

  it("a replaced ephemeral key: CEREMONY_BAD_POP (the PoP binds E_i)", () => {
    const { round1, signatures } = fresh();
    expectRefused(
      { round1: replace(round1, 1, { ephemeralKey: other }), signatures },
      "CEREMONY_BAD_POP",
      2,
    );
  });

  it("an identity or non-canonical ephemeral key: CEREMONY_BAD_EPHEMERAL_KEY", () => {
    const { round1, signatures } = fresh();
    expectRefused(
      { round1: replace(round1, 1, { ephemeralKey: identity }), signatures },
      "CEREMONY_BAD_EPHEMERAL_KEY",
      2,
    );
    expectRefused(
      { round1: replace(round1, 1, { ephemeralKey: nonCanonical }), signatures },
      "CEREMONY_BAD_EPHEMERAL_KEY",
      2,
    );
  });

  it("a ciphertext length prefix beyond the maximum: CEREMONY_CIPHERTEXT_TOO_LARGE", () => {
    const { round1, signatures } = fresh();
    const bytes = round1.map(encodeMsg1);
    const prefixAt = v.t * 32 + 64 + 32 + (8 + 48) * 2; // the frame of c_{3,3}
    for (const len of [MAX_CIPHERTEXT_SIZE + 1, 2 ** 53, Number.MAX_SAFE_INTEGER]) {
      const b = Uint8Array.from(bytes[2]);
      b.set(u64be(len), prefixAt);
      const tampered = bytes.map((x, k) => (k === 2 ? b : x));
      expectRefused({ round1: tampered, signatures }, "CEREMONY_CIPHERTEXT_TOO_LARGE", 3);
    }
    // 2^64 - 1 as a raw prefix, too.
    const b = Uint8Array.from(bytes[2]);
    b.fill(0xff, prefixAt, prefixAt + 8);
    expect(() => parseMsg1(b, v.n, v.t, 3)).toThrowError(
      expect.objectContaining({ code: "CEREMONY_CIPHERTEXT_TOO_LARGE" }),
    );
    // A lower configured maximum refuses the 48-byte ciphertexts themselves.
    expect(() => parseMsg1(bytes[0], v.n, v.t, 1, { maxCiphertextSize: 47 })).toThrowError(
      expect.objectContaining({ code: "CEREMONY_CIPHERTEXT_TOO_LARGE" }),
    );
  });

  it("framing faults in msg1 bytes: too small, truncated, trailing bytes", () => {
    const bytes = round1Of(v).map(encodeMsg1);
    const at = v.t * 32 + 64 + 32;
    const small = Uint8Array.from(bytes[0]);
    small.set(u64be(47), at);
    expect(() => parseMsg1(small, v.n, v.t, 1)).toThrowError(
      expect.objectContaining({ code: "CEREMONY_CIPHERTEXT_TOO_SMALL" }),
    );
    expect(() => parseMsg1(bytes[0].slice(0, -1), v.n, v.t, 1)).toThrowError(
      expect.objectContaining({ code: "CEREMONY_BAD_FRAME" }),
    );
    expect(() => parseMsg1(concatBytes(bytes[0], Uint8Array.of(0)), v.n, v.t, 1)).toThrowError(
      expect.objectContaining({ code: "CEREMONY_BAD_FRAME", custodian: 1 }),
    );
    expect(() => parseMsg1(bytes[0].slice(0, 100), v.n, v.t, 1)).toThrowError(
      expect.objectContaining({ code: "CEREMONY_BAD_MESSAGE" }),
    );
  });

  it("structured ciphertext faults: wrong count, too small, too large", () => {
    const { round1, signatures } = fresh();
    const cts = [...round1[0].ciphertexts];
    expectRefused(
      { round1: replace(round1, 0, { ciphertexts: cts.slice(1) }), signatures },
      "CEREMONY_BAD_CIPHERTEXT_COUNT",
      1,
    );
    cts[4] = cts[4].slice(0, 47);
    expectRefused(
      { round1: replace(round1, 0, { ciphertexts: cts }), signatures },
      "CEREMONY_CIPHERTEXT_TOO_SMALL",
      1,
    );
    cts[4] = new Uint8Array(MAX_CIPHERTEXT_SIZE + 1);
    expectRefused(
      { round1: replace(round1, 0, { ciphertexts: cts }), signatures },
      "CEREMONY_CIPHERTEXT_TOO_LARGE",
      1,
    );
  });

  it("a flipped certification signature byte: CEREMONY_BAD_SIGNATURE for that signer only", () => {
    for (const [k, at] of [
      [0, 3],
      [2, 33],
      [4, 63],
    ] as const) {
      const { round1, signatures } = fresh();
      signatures[k] = flip(signatures[k], at);
      expectRefused({ round1, signatures }, "CEREMONY_BAD_SIGNATURE", k + 1);
      const c = checkCeremonyTranscript(setup, { round1, signatures });
      expect(c.issues).toHaveLength(1);
    }
  });

  it("swapped signatures and a wrong signature count", () => {
    const { round1, signatures } = fresh();
    [signatures[0], signatures[1]] = [signatures[1], signatures[0]];
    const c = checkCeremonyTranscript(setup, { round1, signatures });
    expect(c.issues.map((i) => [i.code, i.custodian])).toEqual([
      ["CEREMONY_BAD_SIGNATURE", 1],
      ["CEREMONY_BAD_SIGNATURE", 2],
    ]);
    expectRefused({ round1, signatures: signatures.slice(0, 4) }, "CEREMONY_MESSAGE_COUNT", null);
    expectRefused(
      { round1, signatures: encodeAggregatedSignatures(signatures).slice(1) },
      "CEREMONY_MESSAGE_COUNT",
      null,
    );
    expect(() => parseAggregatedSignatures(new Uint8Array(64 * 4), 5)).toThrowError(
      expect.objectContaining({ code: "CEREMONY_BAD_MESSAGE" }),
    );
  });

  it("a missing round-1 message: CEREMONY_MESSAGE_COUNT", () => {
    const { round1, signatures } = fresh();
    expectRefused({ round1: round1.slice(0, 4), signatures }, "CEREMONY_MESSAGE_COUNT", null);
  });

  it("a changed extension breaks every certification; reordered keys break the context", () => {
    const { round1, signatures } = fresh();
    const ext: CeremonySetup = { ...setup, extension: Uint8Array.of(1) };
    expect(checkCeremonyTranscript(ext, { round1, signatures }).issues.map((i) => i.code)).toEqual(
      Array(5).fill("CEREMONY_BAD_SIGNATURE"),
    );
    const swapped: CeremonySetup = {
      ...setup,
      staticKeys: [setup.staticKeys[1], setup.staticKeys[0], ...setup.staticKeys.slice(2)],
    };
    expectRefused({ round1, signatures }, "CEREMONY_CONTEXT_MISMATCH", null, swapped);
  });

  it("a context from another session id: CEREMONY_CONTEXT_MISMATCH", () => {
    const { round1, signatures } = fresh();
    expect(() =>
      verifyCeremonyTranscript(setup, { round1, signatures }, { sessionId: new Uint8Array(64) }),
    ).toThrowError(expect.objectContaining({ code: "CEREMONY_CONTEXT_MISMATCH" }));
  });

  it("bad setups: t > n, t = 0, duplicate or identity static keys", () => {
    const { round1, signatures } = fresh();
    for (const s of [
      { ...setup, t: 6 },
      { ...setup, t: 0 },
      {
        ...setup,
        staticKeys: [setup.staticKeys[0], setup.staticKeys[0], ...setup.staticKeys.slice(2)],
      },
      { ...setup, staticKeys: [identity, ...setup.staticKeys.slice(1)] },
    ]) {
      const c = checkCeremonyTranscript(s, { round1, signatures });
      expect(c.issues.map((i) => i.code)).toEqual(["CEREMONY_BAD_SETUP"]);
    }
  });

  it("names every bad item, not only the first", () => {
    const { round1, signatures } = fresh();
    let r = replace(round1, 0, { pop: flip(round1[0].pop, 40) });
    r = replace(r, 2, { ephemeralKey: identity });
    signatures[3] = flip(signatures[3], 10);
    const c = checkCeremonyTranscript(setup, { round1: r, signatures });
    expect(c.issues.map((i) => [i.code, i.custodian])).toEqual([
      ["CEREMONY_BAD_POP", 1],
      ["CEREMONY_BAD_EPHEMERAL_KEY", 3],
      ...[1, 2, 3, 4, 5].map((k) => ["CEREMONY_BAD_SIGNATURE", k]),
    ]);
    // checkRound1 alone, as the board's write path uses it.
    expect(checkRound1(setup, 2, round1[1]).issues).toEqual([]);
    expect(checkRound1(setup, 1, r[0]).issues.map((i) => i.code)).toEqual(["CEREMONY_BAD_POP"]);
  });

  it("a forged election.key body: CEREMONY_KEY_MISMATCH", () => {
    const { round1, signatures } = fresh();
    const res = verifyCeremonyTranscript(setup, { round1, signatures });
    const body = electionKeyBody(res);
    expect(() =>
      checkElectionKey(res, { ...body, publicKey: body.verificationShares[0] }),
    ).toThrowError(expect.objectContaining({ code: "CEREMONY_KEY_MISMATCH" }));
    const shares = [...body.verificationShares];
    [shares[1], shares[2]] = [shares[2], shares[1]];
    expect(() => checkElectionKey(res, { ...body, verificationShares: shares })).toThrowError(
      expect.objectContaining({ code: "CEREMONY_KEY_MISMATCH", custodian: 2 }),
    );
    expect(() =>
      checkElectionKey(res, { ...body, verificationShares: shares.slice(1) }),
    ).toThrowError(expect.objectContaining({ code: "CEREMONY_KEY_MISMATCH" }));
    expect(() => checkElectionKey(res, { ...body, extra: 1 })).toThrowError(
      expect.objectContaining({ code: "CEREMONY_BAD_MESSAGE" }),
    );
  });

  it("entry bodies decode strictly", () => {
    const m = round1Of(v)[0];
    const body = round1ToBody(1, m);
    const back = round1FromBody(JSON.parse(JSON.stringify(body)));
    expect(back.custodian).toBe(1);
    expect(encodeMsg1(back.message)).toEqual(encodeMsg1(m));
    for (const bad of [
      { ...body, pop: body.pop.slice(0, -1) },
      { ...body, pop: " " + body.pop },
      { ...body, custodian: 0 },
      { ...body, custodian: "1" },
      { ...body, extra: true },
      { ...body, ciphertexts: "x" },
    ]) {
      expect(() => round1FromBody(bad)).toThrowError(
        expect.objectContaining({ code: "CEREMONY_BAD_MESSAGE" }),
      );
    }
    expect(() => certifyFromBody({ custodian: 1 })).toThrowError(
      expect.objectContaining({ code: "CEREMONY_BAD_MESSAGE" }),
    );
    expect(() =>
      blameFromBody({
        custodian: 1,
        accused: 2,
        reason: "other",
        ecdhEphemeral: "",
        ecdhStatic: "",
        proof: "",
      }),
    ).toThrowError(expect.objectContaining({ code: "CEREMONY_BAD_MESSAGE" }));
  });

  it("setupFromManifest builds the §2 setup and refuses bad custodian lists", () => {
    const custodians = setup.staticKeys.map((k, i) => ({ index: i + 1, dkgKey: toBase64(k) }));
    const s = setupFromManifest({ custodians, threshold: 3 }, sessionId);
    expect(toHex(s.context)).toBe(v.context);
    expect([s.n, s.t, s.extension.length]).toEqual([5, 3, 0]);
    const { round1, signatures } = fresh();
    expect(checkCeremonyTranscript(s, { round1, signatures }, { sessionId }).ok).toBe(true);
    const code = (f: () => unknown) => {
      try {
        f();
        return "no error";
      } catch (e) {
        return (e as CeremonyError).code;
      }
    };
    expect(
      code(() =>
        setupFromManifest({ custodians: [custodians[1], custodians[0]], threshold: 1 }, sessionId),
      ),
    ).toBe("CEREMONY_BAD_SETUP");
    expect(code(() => setupFromManifest({ custodians, threshold: 6 }, sessionId))).toBe(
      "CEREMONY_BAD_SETUP",
    );
    expect(
      code(() =>
        setupFromManifest({ custodians: [{ index: 1, dkgKey: "AAAA" }], threshold: 1 }, sessionId),
      ),
    ).toBe("CEREMONY_BAD_SETUP");
  });

  it("transcripts and recovery bundles parse exactly", () => {
    const T = transcriptFor(setup, round1Of(v));
    expect(() => parseTranscript(concatBytes(T, Uint8Array.of(0)))).toThrowError(
      expect.objectContaining({ code: "CEREMONY_BAD_TRANSCRIPT" }),
    );
    expect(() => parseTranscript(T.slice(0, -1))).toThrowError(
      expect.objectContaining({ code: "CEREMONY_BAD_TRANSCRIPT" }),
    );
    const wrong = Uint8Array.from(T);
    wrong[8 + 9] ^= 0x20; // "COCKTAIL(ristretto255..." : another ciphersuite id
    expect(() => parseTranscript(wrong)).toThrowError(
      expect.objectContaining({ code: "CEREMONY_WRONG_CIPHERSUITE" }),
    );
    const bundle = encodeRecoveryBundle(round1Of(v).map((m) => m.ciphertexts[0]));
    expect(parseRecoveryBundle(bundle, 5)).toHaveLength(5);
    expect(() => parseRecoveryBundle(concatBytes(bundle, Uint8Array.of(1)), 5)).toThrowError(
      expect.objectContaining({ code: "CEREMONY_BAD_FRAME" }),
    );
    expect(() => parseRecoveryBundle(bundle, 6)).toThrowError(
      expect.objectContaining({ code: "CEREMONY_BAD_FRAME" }),
    );
  });
});
