import { describe, expect, it } from "vitest";
import { DiscreteLog, G, IDENTITY, MAX_VOTES, TallyError } from "@urna/verifier";

const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof TallyError) return e.code;
    throw e;
  }
  throw new Error("did not throw");
};
const P = (n: number) => (n === 0 ? IDENTITY : G.multiplyUnsafe(BigInt(n)));

describe("DiscreteLog (baby-step giant-step)", () => {
  it("small table: finds every value at the edges of baby and giant steps", () => {
    const d = new DiscreteLog({ babySteps: 1000, max: 1_000_000 });
    for (const v of [0, 1, 2, 999, 1000, 1001, 12_345, 999_999, 1_000_000])
      expect(d.solve(P(v))).toBe(v);
    for (let i = 0; i < 20; i++) {
      const v = Math.floor(Math.random() * 1_000_001);
      expect(d.solve(P(v))).toBe(v);
    }
    expect(code(() => d.solve(P(1_000_001)))).toBe("DLOG_OUT_OF_RANGE");
    expect(code(() => d.solve(P(1_000_999)))).toBe("DLOG_OUT_OF_RANGE");
    expect(code(() => d.solve(G.multiplyUnsafe(2n ** 200n)))).toBe("DLOG_OUT_OF_RANGE");
    expect(code(() => d.solve(G.negate()))).toBe("DLOG_OUT_OF_RANGE");
  });

  it("works on any representative of a ristretto element (decoded, computed)", () => {
    const d = new DiscreteLog({ babySteps: 64, max: 10_000 });
    const p = P(4321);
    const decoded = (G.constructor as unknown as { fromBytes(b: Uint8Array): typeof p }).fromBytes(
      p.toBytes(),
    );
    expect(d.solve(decoded)).toBe(4321);
    expect(d.solve(P(5000).subtract(P(679)))).toBe(4321);
  });

  it("the shared default instance covers [0, 10^8]: 0, 1, 12345, 10^8 found; 10^8 + 1 refused", () => {
    const d = DiscreteLog.shared();
    expect(d).toBe(DiscreteLog.shared());
    expect(d.max).toBe(MAX_VOTES);
    expect(MAX_VOTES).toBe(100_000_000);
    for (const v of [0, 1, 12_345, 100_000_000, 99_999_999, 131_072, 131_071])
      expect(d.solve(P(v))).toBe(v);
    expect(code(() => d.solve(P(100_000_001)))).toBe("DLOG_OUT_OF_RANGE");
    expect(d.tableBytes).toBeLessThanOrEqual(32 * 2 ** 20);
  });
});
