import { describe, expect, it } from "vitest";
import type { BallotBody, ChallengedBallotBody } from "@urna/schemas";
import {
  BallotError,
  G,
  IDENTITY,
  ORDER,
  checkBallot,
  checkRevealed,
  decodeCiphertext,
  elementBytes,
  fromBase64,
  scalarToBase64,
  toBase64,
  verifyBallot,
  verifyChallengedBallot,
} from "@urna/verifier";
import {
  ProverError,
  challengeBallot,
  encryptBallot,
  encryptChoice,
  proveRange,
  randomScalar,
} from "../../src/crypto/index.js";
import { setup, signerKey } from "./fixtures.js";

const { manifest, baseHash, key } = setup(5, 3);
const signer = signerKey(7);
const ctx = { baseHash, publicKey: key.publicKey, signer };
const clone = <T>(x: T): T => structuredClone(x);

function ballotError(f: () => unknown): BallotError {
  try {
    f();
  } catch (e) {
    if (e instanceof BallotError) return e;
    throw e;
  }
  throw new Error("did not throw");
}

const choicesAll = {
  presidencia: [0, 1, 0, 0],
  "senaduria-09": [1, 0, 1],
  diputacion: [1, 1, 0, 0, 1],
};
const all = encryptBallot({
  manifest,
  baseHash,
  publicKey: key.publicKey,
  signer,
  style: "all",
  choices: choicesAll,
});

describe("honest ballots verify", () => {
  it("every style, contests with max 1 and max > 1, min > 0, blank where allowed", () => {
    const cases: { style: string; choices: Record<string, number[]> }[] = [
      { style: "ent-09", choices: { presidencia: [0, 0, 0, 0], "senaduria-09": [0, 1, 1] } },
      { style: "ent-09", choices: { presidencia: [1, 0, 0, 0], "senaduria-09": [0, 0, 0] } },
      { style: "ent-15", choices: { presidencia: [0, 0, 0, 1], diputacion: [0, 0, 0, 0, 1] } },
      { style: "ent-15", choices: { presidencia: [0, 0, 1, 0], diputacion: [1, 0, 1, 0, 1] } },
    ];
    for (const c of cases) {
      const { body, nonces } = encryptBallot({
        manifest,
        baseHash,
        publicKey: key.publicKey,
        signer,
        ...c,
      });
      const checked = verifyBallot(manifest, c.style, body, ctx);
      expect(checked.contests.map((x) => x.contest)).toEqual(
        manifest.ballotStyles.find((s) => s.id === c.style)!.contests,
      );
      expect(checked.proofs).toHaveLength(
        checked.contests.reduce((n, x) => n + x.selections.length + 1, 0),
      );
      // The nonces open the ciphertexts.
      checked.contests.forEach((dc) =>
        dc.selections.forEach((ct, j) => {
          const r = nonces[dc.contest][j];
          const m = c.choices[dc.contest][j];
          expect(ct.alpha.equals(G.multiply(r))).toBe(true);
          expect(ct.beta.equals(key.publicKey.multiply(r).add(m ? G : IDENTITY))).toBe(true);
        }),
      );
    }
    verifyBallot(manifest, "all", all.body, ctx);
  });

  it("a challenged ballot verifies and reveals the choices", () => {
    const ch = challengeBallot(all.body, all.nonces, choicesAll);
    expect(ch.revealed.map((r) => r.choices)).toEqual(Object.values(choicesAll));
    verifyChallengedBallot(manifest, "all", ch, ctx);
  });

  it("the prover refuses choices outside the contest's range or not 0/1", () => {
    const bad: Record<string, number[]>[] = [
      { presidencia: [1, 1, 0, 0], "senaduria-09": [0, 0, 0] },
      { presidencia: [2, 0, 0, 0], "senaduria-09": [0, 0, 0] },
      { presidencia: [0, 0, 0], "senaduria-09": [0, 0, 0] },
      { presidencia: [0, 0, 0, 0] },
    ];
    for (const choices of bad) {
      expect(() =>
        encryptBallot({
          manifest,
          baseHash,
          publicKey: key.publicKey,
          signer,
          style: "ent-09",
          choices,
        }),
      ).toThrow(ProverError);
    }
  });
});

/** A ballot whose contest `contest` is replaced by ciphertexts of `ms` with proofs made by a lying prover. */
function forged(
  style: string,
  choices: Record<string, number[]>,
  contest: string,
  ms: number[],
  claim: number[],
): BallotBody {
  const body = clone(
    encryptBallot({ manifest, baseHash, publicKey: key.publicKey, signer, style, choices }).body,
  );
  const spec = manifest.contests.find((c) => c.id === contest)!;
  const bc = body.contests.find((c) => c.contest === contest)!;
  let alphaSum = IDENTITY;
  let betaSum = IDENTITY;
  let rSum = 0n;
  bc.selections = ms.map((m, j) => {
    const r = randomScalar();
    // Enc(m; r) for any m, e.g. 2.
    const alpha = G.multiply(r);
    const beta = key.publicKey.multiply(r).add(m === 0 ? IDENTITY : G.multiplyUnsafe(BigInt(m)));
    alphaSum = alphaSum.add(alpha);
    betaSum = betaSum.add(beta);
    rSum += r;
    const claimed = Math.min(Math.max(claim[j], 0), 1);
    const proof = proveRange({
      baseHash,
      publicKey: key.publicKey,
      signer,
      contest,
      option: spec.options[j].id,
      alpha,
      beta,
      lo: 0,
      hi: 1,
      m: claimed,
      r,
    });
    return {
      ciphertext: { alpha: toBase64(elementBytes(alpha)), beta: toBase64(elementBytes(beta)) },
      proof,
    };
  });
  const total = ms.reduce((a, b) => a + b, 0);
  const claimedTotal = Math.min(Math.max(total, spec.minSelections), spec.maxSelections);
  bc.proof = proveRange({
    baseHash,
    publicKey: key.publicKey,
    signer,
    contest,
    option: "",
    alpha: alphaSum,
    beta: betaSum,
    lo: spec.minSelections,
    hi: spec.maxSelections,
    m: claimedTotal,
    r: rSum % ORDER,
  });
  return body;
}

describe("invalid ballots are rejected", () => {
  it("a contest over its maximum (two marks where max is 1)", () => {
    const body = forged(
      "ent-09",
      { presidencia: [0, 0, 0, 0], "senaduria-09": [0, 0, 0] },
      "presidencia",
      [1, 1, 0, 0],
      [1, 1, 0, 0],
    );
    checkBallot(manifest, "ent-09", body, ctx); // structure is fine
    const e = ballotError(() => verifyBallot(manifest, "ent-09", body, ctx));
    expect(e.code).toBe("PROOF_FAILED");
    expect(e.where).toEqual({ contest: "presidencia", option: "" });
    expect(e.detail).toBe("PROOF_EQUATION_FAILED");
  });

  it("a selection encrypting 2", () => {
    const body = forged(
      "ent-09",
      { presidencia: [0, 0, 0, 0], "senaduria-09": [0, 0, 0] },
      "senaduria-09",
      [2, 0, 0],
      [1, 0, 0],
    );
    const e = ballotError(() => verifyBallot(manifest, "ent-09", body, ctx));
    expect(e.code).toBe("PROOF_FAILED");
    expect(e.where).toEqual({ contest: "senaduria-09", option: "x" });
  });

  it("a ballot missing a contest of its style, extra contests, wrong order", () => {
    const missing = clone(all.body);
    missing.contests.splice(1, 1);
    expect(ballotError(() => checkBallot(manifest, "all", missing, ctx)).code).toBe(
      "CONTEST_MISMATCH",
    );
    const extra = clone(all.body);
    extra.contests.push(clone(extra.contests[0]));
    expect(ballotError(() => checkBallot(manifest, "all", extra, ctx)).code).toBe(
      "CONTEST_MISMATCH",
    );
    const swapped = clone(all.body);
    [swapped.contests[0], swapped.contests[1]] = [swapped.contests[1], swapped.contests[0]];
    const e = ballotError(() => checkBallot(manifest, "all", swapped, ctx));
    expect(e.code).toBe("CONTEST_MISMATCH");
    expect(e.where.contest).toBe("senaduria-09");
  });

  it("style: unknown, or not the credential's", () => {
    expect(ballotError(() => checkBallot(manifest, "ent-09", all.body, ctx)).code).toBe(
      "STYLE_MISMATCH",
    );
    expect(
      ballotError(() => checkBallot(manifest, "nope", { ...all.body, style: "nope" }, ctx)).code,
    ).toBe("UNKNOWN_STYLE");
    // Relabelled as another style with the same contests count: contests do not match.
    const relabel = { ...clone(all.body), style: "ent-15" };
    expect(ballotError(() => checkBallot(manifest, "ent-15", relabel, ctx)).code).toBe(
      "CONTEST_MISMATCH",
    );
  });

  it("a selection missing or extra", () => {
    const fewer = clone(all.body);
    fewer.contests[2].selections.pop();
    const e = ballotError(() => checkBallot(manifest, "all", fewer, ctx));
    expect(e.code).toBe("SELECTION_COUNT");
    expect(e.where.contest).toBe("diputacion");
  });

  it("ciphertexts: identity alpha, non-canonical encodings", () => {
    const zero = clone(all.body);
    zero.contests[0].selections[1].ciphertext.alpha = toBase64(new Uint8Array(32));
    let e = ballotError(() => checkBallot(manifest, "all", zero, ctx));
    expect([e.code, e.detail, e.where.option]).toEqual([
      "BAD_CIPHERTEXT",
      "IDENTITY_NOT_ALLOWED",
      "b",
    ]);
    const high = clone(all.body);
    const b = fromBase64(high.contests[0].selections[0].ciphertext.beta);
    b[31] |= 0x80;
    high.contests[0].selections[0].ciphertext.beta = toBase64(b);
    e = ballotError(() => checkBallot(manifest, "all", high, ctx));
    expect([e.code, e.detail]).toEqual(["BAD_CIPHERTEXT", "BAD_ELEMENT_ENCODING"]);
    const b64 = clone(all.body);
    b64.contests[0].selections[0].ciphertext.alpha =
      b64.contests[0].selections[0].ciphertext.alpha.replace(/=$/, "");
    expect(ballotError(() => checkBallot(manifest, "all", b64, ctx)).detail).toBe("BAD_BASE64");
  });

  it("a ballot copied to another voter (other signer) or another election (other base hash) fails", () => {
    expect(
      ballotError(() => verifyBallot(manifest, "all", all.body, { ...ctx, signer: signerKey(8) }))
        .detail,
    ).toBe("PROOF_CHALLENGE_MISMATCH");
    const otherHash = Uint8Array.from(baseHash);
    otherHash[0] ^= 1;
    expect(
      ballotError(() => verifyBallot(manifest, "all", all.body, { ...ctx, baseHash: otherHash }))
        .code,
    ).toBe("PROOF_FAILED");
  });
});

describe("challenged ballots: the revealed nonces and choices must open every ciphertext", () => {
  const base = (): ChallengedBallotBody => challengeBallot(all.body, all.nonces, choicesAll);

  it("a wrong choice, a wrong nonce, a choice of 2, a bad nonce encoding", () => {
    let ch = base();
    ch.revealed[0].choices = [1, 0, 0, 0];
    let e = ballotError(() => verifyChallengedBallot(manifest, "all", ch, ctx));
    expect([e.code, e.where]).toEqual([
      "CIPHERTEXT_MISMATCH",
      { contest: "presidencia", option: "a" },
    ]);

    ch = base();
    ch.revealed[1].nonces[2] = scalarToBase64(randomScalar());
    e = ballotError(() => verifyChallengedBallot(manifest, "all", ch, ctx));
    expect([e.code, e.where]).toEqual([
      "CIPHERTEXT_MISMATCH",
      { contest: "senaduria-09", option: "z" },
    ]);

    ch = base();
    ch.revealed[0].choices[0] = 2;
    expect(ballotError(() => verifyChallengedBallot(manifest, "all", ch, ctx)).code).toBe(
      "BAD_CHOICE",
    );

    ch = base();
    ch.revealed[0].nonces[0] = toBase64(new Uint8Array(32));
    e = ballotError(() => verifyChallengedBallot(manifest, "all", ch, ctx));
    expect([e.code, e.detail]).toEqual(["BAD_NONCE", "ZERO_NOT_ALLOWED"]);
  });

  it("revealed contests missing, out of order, or with the wrong number of nonces", () => {
    let ch = base();
    ch.revealed.pop();
    expect(ballotError(() => verifyChallengedBallot(manifest, "all", ch, ctx)).code).toBe(
      "REVEALED_MISMATCH",
    );
    ch = base();
    ch.revealed.reverse();
    expect(ballotError(() => verifyChallengedBallot(manifest, "all", ch, ctx)).code).toBe(
      "REVEALED_MISMATCH",
    );
    ch = base();
    ch.revealed[2].nonces.pop();
    expect(ballotError(() => verifyChallengedBallot(manifest, "all", ch, ctx)).code).toBe(
      "REVEALED_MISMATCH",
    );
  });

  it("a contest sum outside [min, max] is caught by the Benaloh check itself", () => {
    // All-zero ciphertexts for diputacion (min 1): build the ciphertexts by hand, then check only the reveal step.
    const ch = base();
    const dip = ch.ballot.contests[2];
    const rs = dip.selections.map(() => randomScalar());
    dip.selections.forEach((s, j) => {
      const { alpha, beta } = encryptChoice(key.publicKey, 0, rs[j]);
      s.ciphertext = { alpha: toBase64(elementBytes(alpha)), beta: toBase64(elementBytes(beta)) };
    });
    ch.revealed[2] = {
      contest: "diputacion",
      choices: [0, 0, 0, 0, 0],
      nonces: rs.map(scalarToBase64),
    };
    // Proofs no longer match the new ciphertexts, so the full check fails at the proofs...
    expect(ballotError(() => verifyChallengedBallot(manifest, "all", ch, ctx)).code).toBe(
      "PROOF_FAILED",
    );
    // ...and the reveal check alone names the range violation.
    const checked = checkBallot(manifest, "all", ch.ballot, ctx);
    expect(
      decodeCiphertext(dip.selections[0].ciphertext).alpha.equals(
        checked.contests[2].selections[0].alpha,
      ),
    ).toBe(true);
    const contests = manifest.ballotStyles[2].contests.map((id) =>
      manifest.contests.find((c) => c.id === id)!,
    );
    const e = ballotError(() => checkRevealed(contests, checked, ch.revealed, key.publicKey));
    expect([e.code, e.where.contest]).toEqual(["CONTEST_SUM_OUT_OF_RANGE", "diputacion"]);
  });
});
