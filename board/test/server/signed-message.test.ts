/**
 * The worker pool's compact signature check (crypto-work.ts signedMessage / verifySignedMessage):
 * the signing message cut from the canonical leaf must equal the verifier's entrySigningMessage
 * byte for byte, and the check must decide as the verifier's verifyEntrySignature; a pool posting
 * it to real worker threads must give the same findings as one posting the entry.
 */
import fc from "fast-check";
import { afterAll, describe, expect, test } from "vitest";
import type { Entry } from "@urna/schemas";
import { entryLeaf, entrySigningMessage, verifyEntrySignature } from "@urna/verifier";
import {
  entryWork,
  signedMessage,
  signingMessageFromLeaf,
  verifySignedMessage,
  withEntryBody,
} from "../../src/server/crypto-work.js";
import { CryptoPool } from "../../src/server/worker-pool.js";
import { signEntry } from "../../src/entry-sign.js";

const seed = new Uint8Array(32).fill(9);
const sign = (body: unknown, election = "e1"): Entry =>
  signEntry("voting.open", election, body as { at: string }, seed) as unknown as Entry;

/** Bodies whose strings look like the members the cut relies on, with escapes and non-ASCII. */
const tricky = fc.oneof(
  fc.constantFrom(
    ',"signature":"',
    '","signer":"x","type":"voting.open"}',
    '"signature":"AAAA"',
    '\u2028\u00e9\ud83d\ude00\\"\n',
    "",
  ),
  fc.string(),
);
const body = fc.dictionary(
  fc.oneof(fc.constantFrom("signature", "signer", "type", "body", "at"), fc.string()),
  fc.oneof(tricky, fc.integer(), fc.array(tricky, { maxLength: 3 })),
  { maxKeys: 5 },
);

/** The next base64 digit: flips the lowest bit of a final digit, which holds only padding. */
const bump = (c: string): string => {
  const A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  return A[A.indexOf(c) ^ 1];
};

describe("signing message from the leaf", () => {
  test("equals entrySigningMessage for any body (fast-check)", () => {
    fc.assert(
      fc.property(body, (b) => {
        const e = sign(b);
        const leaf = entryLeaf(e);
        expect(signingMessageFromLeaf(e, leaf)).toEqual(entrySigningMessage(e));
        expect(verifySignedMessage(signedMessage(e, leaf))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  test("a leaf that is not the entry's falls back to the verifier's message", () => {
    const e = sign({ at: "2024-06-02T08:00:00Z" });
    const other = entryLeaf(sign({ at: "x" }, "e2"));
    expect(signingMessageFromLeaf(e, other)).toEqual(entrySigningMessage(e));
    expect(signingMessageFromLeaf(e, new Uint8Array(3))).toEqual(entrySigningMessage(e));
  });

  test("decides as verifyEntrySignature on tampered entries", () => {
    const e = sign({ at: "2024-06-02T08:00:00Z" });
    const variants: Entry[] = [
      e,
      { ...e, election: "e2" },
      { ...e, body: { at: "2024-06-02T08:00:01Z" } } as Entry,
      { ...e, signer: e.signer.replace(/=$/, "") },
      {
        ...e,
        signature:
          e.signature.slice(0, 10) + (e.signature[10] === "A" ? "B" : "A") + e.signature.slice(11),
      },
      { ...e, signature: "A".repeat(86) + "==" },
      { ...e, signature: "not base64!" },
      // Non-zero padding bits: the same bytes to a lenient decoder, refused by the strict one.
      { ...e, signature: e.signature.slice(0, 85) + bump(e.signature[85]) + "==" },
      { ...e, signer: e.signer.slice(0, 42) + bump(e.signer[42]) + "=" },
    ];
    expect(Buffer.from(variants[7].signature, "base64")).toEqual(
      Buffer.from(e.signature, "base64"),
    );
    expect(Buffer.from(variants[8].signer, "base64")).toEqual(Buffer.from(e.signer, "base64"));
    const got = variants.map((v) => {
      let leaf: Uint8Array;
      try {
        leaf = entryLeaf(v);
      } catch {
        leaf = new Uint8Array(0);
      }
      return [verifyEntrySignature(v), verifySignedMessage(signedMessage(v, leaf)).length === 0];
    });
    for (const [a, b] of got) expect(b).toBe(a);
    expect(got.map(([a]) => a)).toEqual([
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe("the entry's body in posted work", () => {
  test("is left out by entryWork and read back from the signing message, equal (fast-check)", () => {
    fc.assert(
      fc.property(body, (b) => {
        const e = sign(b);
        const work = [
          { kind: "ballot", body: e.body, where: { index: 3 } },
          { kind: "other", body: { at: "x" } },
        ];
        const posted = entryWork(work, e);
        expect(posted[0]).not.toHaveProperty("body", e.body);
        expect(JSON.stringify(posted[0])).not.toContain("body");
        expect(posted[1]).toBe(work[1]);
        expect(withEntryBody(posted, signedMessage(e, entryLeaf(e)))).toEqual(work);
      }),
      { numRuns: 200 },
    );
  });

  test("work without the entry's body is posted and received as it is", () => {
    const e = sign({ at: "2024-06-02T08:00:00Z" });
    const work = [{ kind: "result", tally: [1] }];
    expect(entryWork(work, e)).toEqual(work);
    expect(withEntryBody(work, signedMessage(e, entryLeaf(e)))).toBe(work);
  });

  test("the inline pool hands its verifier the work with the body put back", async () => {
    const e = sign({ at: "2024-06-02T08:00:00Z" });
    let seen: unknown[] = [];
    const inline = new CryptoPool({
      size: 0,
      inline: (w) => {
        seen = w;
        return [];
      },
    });
    const work = [{ kind: "ballot", body: e.body }];
    expect(await inline.runSigned(entryWork(work, e), signedMessage(e, entryLeaf(e)))).toEqual([]);
    expect(seen).toEqual(work);
    await inline.close();
  });
});

describe("worker pool", () => {
  const pool = new CryptoPool({ size: 1 });
  const inline = new CryptoPool({ size: 0, inline: () => [] });
  afterAll(async () => {
    await pool.close();
    await inline.close();
  });

  test("runSigned in a worker thread and inline find what run(entry) finds", async () => {
    const e = sign({ at: "2024-06-02T08:00:00Z" });
    const bad = { ...e, body: { at: "2024-06-02T08:00:01Z" } } as Entry;
    for (const v of [e, bad]) {
      const s = signedMessage(v, entryLeaf(v));
      const viaEntry = await pool.run([], v);
      expect(await pool.runSigned([], s)).toEqual(viaEntry);
      expect(await inline.runSigned([], s)).toEqual(viaEntry);
    }
    expect(await pool.run([], e)).toEqual([]);
    expect((await pool.run([], bad))[0]?.code).toBe("BAD_SIGNATURE");
  });
});
