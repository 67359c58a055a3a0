/**
 * The one sum of counted ballots (crypto/tally-accumulator.ts): its laws (order independence,
 * subtract undoes add, merged partial sums equal the sequential sum), the serialised partial sum
 * workers and snapshots carry, and what it refuses, leaving the sums unchanged. The audit's worker
 * slice (`sumBallots`) is checked against the same sequential sum.
 */
import { describe, expect, it } from "vitest";
import type { CiphertextJson, Manifest } from "@urna/schemas";
import {
  G,
  GroupError,
  IDENTITY,
  ORDER,
  TallyAccumulator,
  TallyError,
  ZERO_CIPHERTEXT,
  decodeBallotCiphertexts,
  encodeCiphertext,
  tallyManifestOf,
  type CheckedBallot,
  type EncodedBallot,
  type TallyPartial,
} from "@urna/verifier";
import { sumBallots } from "../../src/audit/tally-sum.js";

const manifest = {
  contests: [
    { id: "c1", options: [{ id: "a" }, { id: "b" }] },
    { id: "c2", options: [{ id: "x" }, { id: "y" }, { id: "z" }] },
  ],
} as unknown as Manifest;

const rnd = (): bigint => {
  const b = crypto.getRandomValues(new Uint8Array(64));
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return (n % (ORDER - 1n)) + 1n;
};
const secret = rnd();
const K = G.multiply(secret);

const enc = (m: number): CiphertextJson => {
  const r = rnd();
  return encodeCiphertext({
    alpha: G.multiply(r),
    beta: (m === 0 ? IDENTITY : G.multiplyUnsafe(BigInt(m))).add(K.multiply(r)),
  });
};

/** Votes per ballot; the last two ballots hold only contest c2 (another ballot style). */
const votes: Record<string, number[]>[] = [
  { c1: [1, 0], c2: [1, 1, 0] },
  { c1: [0, 1], c2: [0, 1, 1] },
  { c1: [1, 0], c2: [1, 1, 1] },
  { c1: [0, 0], c2: [0, 0, 0] },
  { c1: [0, 1], c2: [1, 0, 0] },
  { c2: [0, 0, 1] },
  { c2: [1, 1, 0] },
];
const ballots: EncodedBallot[] = votes.map((v) => ({
  contests: Object.entries(v).map(([contest, ms]) => ({ contest, selections: ms.map(enc) })),
}));
const totals = (vs: typeof votes) => ({
  c1: [0, 1].map((j) => vs.reduce((n, v) => n + (v.c1?.[j] ?? 0), 0)),
  c2: [0, 1, 2].map((j) => vs.reduce((n, v) => n + (v.c2?.[j] ?? 0), 0)),
});

/** Decrypts every sum with the election secret: the totals the accumulator holds. */
function decrypted(acc: TallyAccumulator<{ contests: Manifest["contests"] }>) {
  const out: Record<string, number[]> = {};
  for (const c of manifest.contests)
    out[c.id] = acc.contest(c.id).map((ct) => {
      const m = ct.beta.subtract(ct.alpha.multiplyUnsafe(secret));
      for (let k = 0; k <= votes.length; k++)
        if (m.equals(k === 0 ? IDENTITY : G.multiplyUnsafe(BigInt(k)))) return k;
      throw new Error("not a small total");
    });
  return out;
}

const sequential = (list: readonly EncodedBallot[]) => {
  const acc = new TallyAccumulator(manifest);
  for (const b of list) acc.addEncoded(b);
  return acc;
};

const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof TallyError || e instanceof GroupError) return `${e.name}:${e.code}`;
    throw e;
  }
  throw new Error("did not throw");
};

describe("TallyAccumulator laws", () => {
  const all = sequential(ballots);

  it("sums to the voters' totals, whatever the order", () => {
    expect(all.ballots).toBe(votes.length);
    expect(decrypted(all)).toEqual(totals(votes));
    const reversed = sequential([...ballots].reverse());
    const shuffled = sequential([3, 6, 0, 5, 1, 4, 2].map((i) => ballots[i]));
    expect(reversed.toBody()).toEqual(all.toBody());
    expect(shuffled.toBody()).toEqual(all.toBody());
  });

  it("subtract undoes add (revote policy last)", () => {
    const acc = sequential(ballots);
    acc.subtractEncoded(ballots[1]);
    acc.subtract(decodeBallotCiphertexts(ballots[5]));
    const kept = ballots.filter((_, i) => i !== 1 && i !== 5);
    expect(acc.ballots).toBe(kept.length);
    expect(acc.toBody()).toEqual(sequential(kept).toBody());
    expect(decrypted(acc)).toEqual(totals(votes.filter((_, i) => i !== 1 && i !== 5)));
    for (const b of kept) acc.subtractEncoded(b);
    expect(acc.ballots).toBe(0);
    expect(acc.toBody()).toEqual(new TallyAccumulator(manifest).toBody());
  });

  it("partial sums of slices, sent as messages and merged in any order, equal the sequential sum", () => {
    // As the audit's workers do: each slice summed with the manifest's ids only, serialised.
    const shape = tallyManifestOf(manifest);
    const slices = [ballots.slice(0, 3), ballots.slice(3, 4), ballots.slice(4)];
    const partials = slices.map((slice) => {
      const part = new TallyAccumulator(shape);
      for (const b of slice) part.addEncoded(b);
      return structuredClone(part.toPartial());
    });
    const merged = new TallyAccumulator(manifest);
    for (const p of [partials[2], partials[0], partials[1]]) merged.merge(p);
    expect(merged.ballots).toBe(votes.length);
    expect(merged.toBody()).toEqual(all.toBody());

    // Merging an accumulator directly is the same; merging with sign −1 takes it out again.
    const direct = sequential(ballots.slice(0, 3));
    direct.merge(sequential(ballots.slice(3)));
    expect(direct.toBody()).toEqual(all.toBody());
    direct.merge(partials[2], -1);
    expect(direct.toBody()).toEqual(sequential(ballots.slice(0, 4)).toBody());
  });

  it("a partial sum round-trips through JSON; a contest left out is zero", () => {
    const wire = JSON.parse(JSON.stringify(all.toPartial())) as TallyPartial;
    expect(Object.keys(wire.sums)).toEqual(["c1", "c2"]);
    const back = TallyAccumulator.fromPartial(manifest, wire);
    expect(back.ballots).toBe(all.ballots);
    expect(back.toBody()).toEqual(all.toBody());
    expect(decrypted(back)).toEqual(totals(votes));

    const onlyC2 = TallyAccumulator.fromPartial(manifest, {
      ballots: 2,
      sums: { c2: wire.sums.c2 },
    });
    expect(decrypted(onlyC2)).toEqual({ c1: [0, 0], c2: totals(votes).c2 });
  });
});

describe("TallyAccumulator refusals leave the sums unchanged", () => {
  const bad = (sums: TallyPartial["sums"], ballots = 1) => ({ ballots, sums });
  const good = sequential(ballots.slice(0, 2)).toPartial();

  /** Runs `f` on an accumulator of two ballots and returns its refusal; the sums must not move. */
  function refusedUnchanged(f: (acc: TallyAccumulator) => unknown): string {
    const acc = sequential(ballots.slice(0, 2));
    const before = acc.toPartial();
    const why = refusal(() => f(acc));
    expect(acc.toPartial()).toEqual(before);
    return why;
  }

  it("a partial sum with a ciphertext that does not decode: its GroupError", () => {
    const notBase64 = { ...good.sums.c2[1], alpha: "not base64!" };
    const notAPoint = { ...good.sums.c2[1], beta: Buffer.alloc(32, 0xff).toString("base64") };
    for (const [ct, code] of [
      [notBase64, "GroupError:BAD_BASE64"],
      [notAPoint, "GroupError:BAD_ELEMENT_ENCODING"],
    ] as const) {
      // c1 is fine and comes first: nothing of it may be added either.
      const sums = { c1: good.sums.c1, c2: [good.sums.c2[0], ct, good.sums.c2[2]] };
      expect(refusedUnchanged((acc) => acc.merge(bad(sums)))).toBe(code);
      expect(refusal(() => TallyAccumulator.fromPartial(manifest, bad(sums)))).toBe(code);
    }
  });

  it("a malformed partial sum: BAD_PARTIAL, UNKNOWN_CONTEST, BALLOT_SHAPE", () => {
    const cases: [unknown, string][] = [
      [null, "TallyError:BAD_PARTIAL"],
      [{ sums: good.sums }, "TallyError:BAD_PARTIAL"],
      [{ ballots: 1.5, sums: good.sums }, "TallyError:BAD_PARTIAL"],
      [{ ballots: 1, sums: [good.sums.c1] }, "TallyError:BAD_PARTIAL"],
      [bad({ ...good.sums, c9: good.sums.c1 }), "TallyError:UNKNOWN_CONTEST"],
      [bad({ c1: good.sums.c1, c2: good.sums.c2.slice(1) }), "TallyError:BALLOT_SHAPE"],
      [
        bad({ c1: good.sums.c1, c2: "x" as unknown as CiphertextJson[] }),
        "TallyError:BALLOT_SHAPE",
      ],
    ];
    for (const [partial, code] of cases)
      expect(refusedUnchanged((acc) => acc.merge(partial as TallyPartial))).toBe(code);
  });

  it("a ballot whose last contest does not decode or does not fit adds nothing", () => {
    const [c1, c2] = ballots[2].contests;
    const identityAlpha = encodeCiphertext({ alpha: IDENTITY, beta: G });
    const cases: [EncodedBallot, string][] = [
      [
        {
          contests: [
            c1,
            { ...c2, selections: [c2.selections[0], identityAlpha, c2.selections[2]] },
          ],
        },
        "GroupError:IDENTITY_NOT_ALLOWED",
      ],
      [
        { contests: [c1, { ...c2, selections: c2.selections.slice(1) }] },
        "TallyError:BALLOT_SHAPE",
      ],
      [{ contests: [c1, { ...c2, contest: "c9" }] }, "TallyError:UNKNOWN_CONTEST"],
    ];
    for (const [b, code] of cases) {
      expect(refusedUnchanged((acc) => acc.addEncoded(b))).toBe(code);
      expect(refusedUnchanged((acc) => acc.subtractEncoded(b))).toBe(code);
    }
  });
});

describe("the audit's worker slice (sumBallots)", () => {
  it("sums the decodable ballots, lists the others by index, and merges to the sequential sum", () => {
    const broken: EncodedBallot = {
      contests: [
        ballots[0].contests[0],
        { contest: "c2", selections: [enc(1), { ...enc(0), alpha: "AAAA" }, enc(0)] },
      ],
    };
    const job = {
      manifest: tallyManifestOf(manifest),
      ballots: [
        { index: 10, ...ballots[0] },
        { index: 11, ...broken },
        ...ballots.slice(1).map((b, k) => ({ index: 12 + k, ...b })),
      ],
    };
    // Ballot 12's ciphertexts come already decoded (as the proof check leaves them).
    const known: CheckedBallot = {
      style: "s",
      proofs: [],
      contests: decodeBallotCiphertexts(ballots[1]).contests.map((c) => ({
        contest: c.contest,
        selections: [...c.selections],
        sum: ZERO_CIPHERTEXT,
      })),
    };
    const r = sumBallots(structuredClone(job), new Map([[12, known]]));
    expect(r.bad.map((b) => b.index)).toEqual([11]);
    expect(r.bad[0].message).toMatch(/does not decode/);
    const acc = new TallyAccumulator(manifest);
    acc.merge(structuredClone(r.partial));
    expect(acc.ballots).toBe(ballots.length);
    expect(acc.toBody()).toEqual(sequential(ballots).toBody());
  });
});
