import { describe, expect, it } from "vitest";
import type { Manifest } from "@urna/schemas";
import {
  DiscreteLog,
  G,
  IDENTITY,
  ORDER,
  TallyAccumulator,
  TallyError,
  checkTallyContest,
  checkVotes,
  combineShares,
  decryptWithShares,
  encryptedTallyOf,
  lagrangeCoefficient,
  mod,
  type Ciphertext,
  type Element,
} from "@urna/verifier";

const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof TallyError) return e.code;
    throw e;
  }
  throw new Error("did not throw");
};

const rnd = (): bigint => {
  const b = crypto.getRandomValues(new Uint8Array(64));
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return (n % (ORDER - 1n)) + 1n;
};

/** Shamir: f of degree k−1; s_i = f(i); K = f(0)·G. */
function shamir(n: number, k: number) {
  const coeffs = Array.from({ length: k }, rnd);
  const f = (x: bigint) => coeffs.reduceRight((acc, c) => mod(acc * x + c), 0n);
  return {
    s: coeffs[0],
    K: G.multiply(coeffs[0]),
    shares: Array.from({ length: n }, (_, i) => f(BigInt(i + 1))),
    f,
  };
}

const enc = (K: Element, m: number): Ciphertext => {
  const r = rnd();
  return {
    alpha: G.multiply(r),
    beta: (m === 0 ? IDENTITY : G.multiplyUnsafe(BigInt(m))).add(K.multiply(r)),
  };
};

const manifest = {
  contests: [
    {
      id: "c1",
      title: "C1",
      minSelections: 0,
      maxSelections: 1,
      options: [
        { id: "a", label: "A" },
        { id: "b", label: "B" },
      ],
    },
    {
      id: "c2",
      title: "C2",
      minSelections: 0,
      maxSelections: 3,
      options: [
        { id: "x", label: "X" },
        { id: "y", label: "Y" },
        { id: "z", label: "Z" },
      ],
    },
  ],
  ballotStyles: [{ id: "s", contests: ["c1", "c2"] }],
} as unknown as Manifest;

describe("Lagrange coefficients (protocol.md §10.3)", () => {
  it("interpolate f(0) from any k points of a degree k−1 polynomial", () => {
    const { s, shares } = shamir(5, 3);
    for (const S of [
      [1, 2, 3],
      [1, 3, 5],
      [2, 4, 5],
      [5, 1, 3],
    ]) {
      let acc = 0n;
      for (const i of S) acc = mod(acc + lagrangeCoefficient(S, i) * shares[i - 1]);
      expect(acc).toBe(s);
    }
  });
  it("λ for S = {1, 2}: λ_1 = 2, λ_2 = −1", () => {
    expect(lagrangeCoefficient([1, 2], 1)).toBe(2n);
    expect(lagrangeCoefficient([1, 2], 2)).toBe(ORDER - 1n);
  });
  it("refuses duplicate or bad indices and an index outside the set", () => {
    expect(code(() => lagrangeCoefficient([1, 1, 2], 1))).toBe("DUPLICATE_CUSTODIAN");
    expect(code(() => lagrangeCoefficient([0, 1], 1))).toBe("BAD_CUSTODIAN_INDEX");
    expect(code(() => lagrangeCoefficient([1, 2.5], 1))).toBe("BAD_CUSTODIAN_INDEX");
    expect(code(() => lagrangeCoefficient([1, 2], 3))).toBe("BAD_CUSTODIAN_INDEX");
  });
});

describe("tally accumulation and threshold decryption", () => {
  const { K, shares } = shamir(5, 3);
  const votes = [
    { c1: [1, 0], c2: [1, 1, 0] },
    { c1: [0, 1], c2: [0, 1, 1] },
    { c1: [1, 0], c2: [1, 1, 1] },
    { c1: [0, 0], c2: [0, 0, 0] },
  ];
  const ballots = votes.map((v) => ({
    contests: [
      { contest: "c1", selections: v.c1.map((m) => enc(K, m)) },
      { contest: "c2", selections: v.c2.map((m) => enc(K, m)) },
    ],
  }));
  const expected = { c1: [2, 1], c2: [2, 3, 2] };
  const dlog = new DiscreteLog({ babySteps: 256, max: 100_000 });

  const D = (ct: Ciphertext, i: number) =>
    ct.alpha.equals(IDENTITY) ? IDENTITY : ct.alpha.multiply(shares[i - 1]);

  it("sums streamed ballots; any 3 of 5 custodians decrypt the same totals", () => {
    const acc = encryptedTallyOf(manifest, ballots);
    expect(acc.ballots).toBe(4);
    const subsets = [
      [1, 2, 3],
      [1, 2, 4],
      [1, 3, 5],
      [2, 4, 5],
      [3, 4, 5],
      [5, 4, 1],
    ];
    for (const [contest, totals] of Object.entries(expected)) {
      const cts = acc.contest(contest);
      cts.forEach((ct, j) => {
        for (const S of subsets) {
          const sh = S.map((i) => ({ custodian: i, share: D(ct, i) }));
          expect(decryptWithShares(ct, sh, 3, dlog)).toBe(totals[j]);
          expect(checkVotes(ct, sh, 3, totals[j])).toBe(true);
          expect(checkVotes(ct, sh, 3, totals[j] + 1)).toBe(false);
          expect(combineShares(ct, sh).equals(G.multiplyUnsafe(BigInt(totals[j])))).toBe(true);
        }
      });
    }
  });

  it("k − 1 shares cannot decrypt: THRESHOLD_NOT_MET; duplicates are refused", () => {
    const ct = encryptedTallyOf(manifest, ballots).contest("c2")[1];
    const two = [1, 2].map((i) => ({ custodian: i, share: D(ct, i) }));
    expect(code(() => decryptWithShares(ct, two, 3, dlog))).toBe("THRESHOLD_NOT_MET");
    expect(code(() => checkVotes(ct, two, 3, 3))).toBe("THRESHOLD_NOT_MET");
    // Two shares combined as if they were enough do not give the total.
    expect(combineShares(ct, two).equals(G.multiplyUnsafe(3n))).toBe(false);
    const dup = [1, 1, 2].map((i) => ({ custodian: i, share: D(ct, i) }));
    expect(code(() => decryptWithShares(ct, dup, 3, dlog))).toBe("DUPLICATE_CUSTODIAN");
  });

  it("a wrong share gives a wrong combination", () => {
    const ct = encryptedTallyOf(manifest, ballots).contest("c2")[1];
    const sh = [1, 2, 3].map((i) => ({ custodian: i, share: D(ct, i) }));
    sh[1] = { custodian: 2, share: sh[1].share.add(G) };
    expect(checkVotes(ct, sh, 3, 3)).toBe(false);
  });

  it("subtract undoes add (revote policy last); an empty tally is (identity, identity)", () => {
    const acc = new TallyAccumulator(manifest);
    for (const ct of acc.contest("c1"))
      expect(ct.alpha.equals(IDENTITY) && ct.beta.equals(IDENTITY)).toBe(true);
    acc.add(ballots[0]);
    acc.add(ballots[1]);
    acc.subtract(ballots[0]);
    expect(acc.ballots).toBe(1);
    const single = encryptedTallyOf(manifest, [ballots[1]]);
    expect(acc.toBody()).toEqual(single.toBody());
    const body = acc.toBody(["c2"]);
    expect(body.ballots).toBe(1);
    expect(body.contests.map((c) => c.contest)).toEqual(["c2"]);
    expect(checkTallyContest(acc, body.contests[0])).toEqual([]);
  });

  it("checkTallyContest names a wrong ciphertext and a wrong option list", () => {
    const acc = encryptedTallyOf(manifest, ballots);
    const good = acc.toContest("c2");
    const other = encryptedTallyOf(manifest, ballots.slice(1)).toContest("c2");
    const bad = { ...good, options: [good.options[0], other.options[1], good.options[2]] };
    expect(checkTallyContest(acc, bad)).toEqual([
      { contest: "c2", option: "y", reason: expect.any(String) },
    ]);
    const reordered = { ...good, options: [good.options[1], good.options[0], good.options[2]] };
    expect(checkTallyContest(acc, reordered)[0].option).toBe("");
    const garbled = {
      ...good,
      options: [
        {
          ...good.options[0],
          ciphertext: { alpha: "AAAA", beta: good.options[0].ciphertext.beta },
        },
        good.options[1],
        good.options[2],
      ],
    };
    expect(checkTallyContest(acc, garbled)[0].option).toBe("x");
  });

  it("refuses ballots that do not fit the manifest, leaving the sums untouched", () => {
    const acc = new TallyAccumulator(manifest);
    expect(code(() => acc.add({ contests: [{ contest: "nope", selections: [] }] }))).toBe(
      "UNKNOWN_CONTEST",
    );
    expect(
      code(() =>
        acc.add({
          contests: [
            ballots[0].contests[0],
            { contest: "c2", selections: ballots[0].contests[1].selections.slice(1) },
          ],
        }),
      ),
    ).toBe("BALLOT_SHAPE");
    expect(acc.ballots).toBe(0);
    expect(acc.contest("c1")[0].alpha.equals(IDENTITY)).toBe(true);
  });
});
