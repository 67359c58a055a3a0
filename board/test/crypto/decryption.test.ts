import { describe, expect, it } from "vitest";
import type { DecryptionShareBody } from "@urna/schemas";
import {
  DiscreteLog,
  G,
  IDENTITY,
  ORDER,
  ProofError,
  TallyError,
  checkVotes,
  decodeShare,
  decodeTallyCiphertext,
  fromBase64,
  toBase64,
  verifyDecryptionShare,
} from "@urna/verifier";
import {
  computeResult,
  computeTally,
  decryptionShare,
  encryptBallot,
} from "../../src/crypto/index.js";
import { setup, signerKey } from "./fixtures.js";

const { manifest, baseHash, key } = setup(5, 3);
const dlog = new DiscreteLog({ babySteps: 1024, max: 100_000_000 });

const votes: { style: string; choices: Record<string, number[]> }[] = [
  { style: "ent-09", choices: { presidencia: [1, 0, 0, 0], "senaduria-09": [1, 1, 0] } },
  { style: "ent-09", choices: { presidencia: [0, 1, 0, 0], "senaduria-09": [0, 1, 0] } },
  { style: "ent-09", choices: { presidencia: [1, 0, 0, 0], "senaduria-09": [0, 0, 0] } },
  { style: "ent-09", choices: { presidencia: [0, 0, 0, 0], "senaduria-09": [0, 1, 1] } },
];
const ballots = votes.map(
  (v, n) =>
    encryptBallot({ manifest, baseHash, publicKey: key.publicKey, signer: signerKey(50 + n), ...v })
      .body,
);
// No ballot has style ent-15 or all: diputacion's tally is (identity, identity).
const tally = computeTally(manifest, ballots);
const expected: Record<string, number[]> = {
  presidencia: [2, 1, 0, 0],
  "senaduria-09": [1, 3, 1],
  diputacion: [0, 0, 0, 0, 0],
};

const shareOf = (i: number, secret = key.shares[i - 1]): DecryptionShareBody =>
  decryptionShare({ baseHash, publicKey: key.publicKey, custodian: i, secretShare: secret, tally });
const allShares = [1, 2, 3, 4, 5].map((i) => shareOf(i));
const verify = { baseHash, publicKey: key.publicKey, verificationShares: key.verificationShares };

describe("tally, decryption shares and result", () => {
  it("the tally covers every contest; an uncontested one is (identity, identity)", () => {
    expect(tally.ballots).toBe(4);
    expect(tally.contests.map((c) => c.contest)).toEqual([
      "presidencia",
      "senaduria-09",
      "diputacion",
    ]);
    const zero = toBase64(new Uint8Array(32));
    for (const o of tally.contests[2].options)
      expect(o.ciphertext).toEqual({ alpha: zero, beta: zero });
  });

  it("every share verifies, including identity shares of an empty option", () => {
    for (const body of allShares) {
      expect(body.custodian).toBeGreaterThan(0);
      body.contests.forEach((sc, ci) =>
        sc.options.forEach((so, oi) => {
          const ct = decodeTallyCiphertext(tally.contests[ci].options[oi].ciphertext);
          const share = decodeShare(so.share, ct);
          if (ci === 2) {
            expect(share.equals(IDENTITY)).toBe(true);
            expect(so.proof.b).toBe(toBase64(new Uint8Array(32)));
          }
          verifyDecryptionShare({
            baseHash,
            publicKey: key.publicKey,
            custodian: body.custodian,
            verificationShare: key.verificationShares[body.custodian - 1],
            ciphertext: ct,
            share,
            proof: so.proof,
          });
        }),
      );
    }
  });

  it("any 3 of 5 custodians give the same, correct result", () => {
    const subsets = [
      [1, 2, 3],
      [1, 2, 5],
      [1, 4, 5],
      [2, 3, 4],
      [3, 4, 5],
      [2, 5, 3],
    ];
    for (const S of subsets) {
      const result = computeResult(
        manifest,
        tally,
        S.map((i) => allShares[i - 1]),
        3,
        { dlog, verify },
      );
      expect(result.custodians).toEqual([...S].sort());
      expect(
        Object.fromEntries(result.contests.map((c) => [c.contest, c.options.map((o) => o.votes)])),
      ).toEqual(expected);
      expect(result.contests[0]).toMatchObject({
        title: "Presidencia",
        options: [{ option: "a", label: "A", votes: 2 }, { option: "b", label: "B" }, {}, {}],
      });
    }
  });

  it("checkVotes accepts the published votes and nothing else", () => {
    const ct = decodeTallyCiphertext(tally.contests[1].options[1].ciphertext);
    const sh = [1, 3, 4].map((i) => ({
      custodian: i,
      share: decodeShare(allShares[i - 1].contests[1].options[1].share, ct),
    }));
    expect(checkVotes(ct, sh, 3, 3)).toBe(true);
    expect(checkVotes(ct, sh, 3, 2)).toBe(false);
    expect(checkVotes(ct, sh, 3, -1)).toBe(false);
    expect(checkVotes(ct, sh, 3, 1.5)).toBe(false);
  });

  it("k − 1 custodians cannot decrypt: THRESHOLD_NOT_MET", () => {
    let err: unknown;
    try {
      computeResult(manifest, tally, [allShares[0], allShares[3]], 3, { dlog });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TallyError);
    expect((err as TallyError).code).toBe("THRESHOLD_NOT_MET");
  });

  it("a wrong share is caught by its proof, and the result uses another custodian", () => {
    const wrong = shareOf(2, (key.shares[1] + 7n) % ORDER);
    const ct = decodeTallyCiphertext(tally.contests[0].options[0].ciphertext);
    let err: unknown;
    try {
      verifyDecryptionShare({
        baseHash,
        publicKey: key.publicKey,
        custodian: 2,
        verificationShare: key.verificationShares[1],
        ciphertext: ct,
        share: decodeShare(wrong.contests[0].options[0].share, ct),
        proof: wrong.contests[0].options[0].proof,
      });
    } catch (e) {
      err = e;
    }
    expect((err as ProofError).code).toBe("PROOF_EQUATION_FAILED");
    const result = computeResult(
      manifest,
      tally,
      [allShares[0], wrong, allShares[2], allShares[3]],
      3,
      { dlog, verify },
    );
    expect(result.custodians).toEqual([1, 3, 4]);
    expect(result.contests[1].options.map((o) => o.votes)).toEqual(expected["senaduria-09"]);
    // Without verification, the wrong share makes the total leave [0, 10^8] (or be wrong).
    const small = new DiscreteLog({ babySteps: 1024, max: 1_000_000 });
    expect(() =>
      computeResult(manifest, tally, [allShares[0], wrong, allShares[2]], 3, { dlog: small }),
    ).toThrow(TallyError);
  });

  it("an identity alpha needs an identity share: SHARE_IDENTITY_MISMATCH", () => {
    const ct = decodeTallyCiphertext(tally.contests[2].options[0].ciphertext);
    let err: unknown;
    try {
      decodeShare(toBase64(G.toBytes()), ct);
    } catch (e) {
      err = e;
    }
    expect((err as ProofError).code).toBe("SHARE_IDENTITY_MISMATCH");
    const nonzero = decodeTallyCiphertext(tally.contests[0].options[0].ciphertext);
    expect(() => decodeShare(toBase64(new Uint8Array(32)), nonzero)).toThrow(ProofError);
    expect(fromBase64(allShares[0].contests[2].options[0].share)).toEqual(new Uint8Array(32));
  });
});
