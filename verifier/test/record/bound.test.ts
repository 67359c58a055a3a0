import { describe, expect, it } from "vitest";
import { utf8 } from "../../src/bytes.js";
import { leafHash } from "../../src/log/merkle-hash.js";
import { BoundLeaves } from "../../src/record/bound.js";
import { type RecordSource, memorySource } from "../../src/record/source.js";

const leaves = Array.from({ length: 1500 }, (_, i) => utf8(`{"leaf":${i}}`));

/** A source whose n-th read (from 1) of leaf `at` yields `other` instead. */
function flipping(at: number, nth: number, other: Uint8Array): RecordSource {
  const inner = memorySource("cp", leaves);
  let reads = 0;
  return {
    ...inner,
    async *leaves(start = 0, end = leaves.length) {
      let i = start;
      for await (const l of inner.leaves(start, end)) {
        yield i === at && ++reads === nth ? other : l;
        i++;
      }
    },
  };
}

const collect = async (it: AsyncIterable<{ leaf: Uint8Array }>) => {
  const out: Uint8Array[] = [];
  for await (const x of it) out.push(x.leaf);
  return out;
};

describe("BoundLeaves", () => {
  it("records every leaf hash on the first read and serves the same leaves again", async () => {
    const b = new BoundLeaves(memorySource("cp", leaves));
    expect(await collect(b.leaves())).toEqual(leaves);
    expect(b.count).toBe(leaves.length);
    expect(b.hash(1234)).toEqual(leafHash(leaves[1234]));
    expect(await collect(b.leaves(1000, 1010))).toEqual(leaves.slice(1000, 1010));
  });

  it("a re-read leaf with other bytes is LEAF_CHANGED, before it is yielded", async () => {
    const b = new BoundLeaves(flipping(700, 2, utf8(`{"leaf":"other"}`)));
    await collect(b.leaves());
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const x of b.leaves(690, 710)) seen.push(x.index);
      })(),
    ).rejects.toMatchObject({ code: "LEAF_CHANGED" });
    expect(seen).toEqual(Array.from({ length: 10 }, (_, k) => 690 + k));
  });

  it("a read past the recorded leaves (a gap) is BAD_RANGE", async () => {
    const b = new BoundLeaves(memorySource("cp", leaves));
    await collect(b.leaves(0, 10));
    await expect(collect(b.leaves(11, 12))).rejects.toMatchObject({ code: "BAD_RANGE" });
    expect(await collect(b.leaves(10, 12))).toEqual(leaves.slice(10, 12));
    expect(() => b.hash(12)).toThrow(/not been read/);
  });
});
