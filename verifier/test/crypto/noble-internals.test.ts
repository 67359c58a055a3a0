/**
 * The seam into @noble/curves' private layout (verifier/src/crypto/noble-internals.ts). An
 * upgrade of noble that renames or re-purposes the protected Edwards field, or changes the
 * version without this file being re-checked, fails here by name rather than as wrong proofs.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ed25519, ristretto255 } from "@noble/curves/ed25519.js";
import { describe, expect, it } from "vitest";
import {
  EDWARDS_FIELD,
  NOBLE_CURVES_TESTED,
  edwardsOf,
  fromEdwards,
} from "../../src/crypto/noble-internals.js";

const R = ristretto255.Point;
/** The version of the @noble/curves this code resolves (its package.json, found by walking up). */
function installedVersion(): string {
  let dir = dirname(createRequire(import.meta.url).resolve("@noble/curves/ed25519.js"));
  for (;;) {
    const f = join(dir, "package.json");
    if (existsSync(f)) {
      const pkg = JSON.parse(readFileSync(f, "utf8")) as { name?: string; version: string };
      if (pkg.name === "@noble/curves") return pkg.version;
    }
    if (dirname(dir) === dir) throw new Error("@noble/curves' package.json not found");
    dir = dirname(dir);
  }
}
const installed = installedVersion();
const declared = (pkg: string) =>
  (
    JSON.parse(readFileSync(new URL(`../../../${pkg}/package.json`, import.meta.url), "utf8")) as {
      dependencies: Record<string, string>;
    }
  ).dependencies["@noble/curves"];

describe("noble-internals: the one seam into @noble/curves' private parts", () => {
  it("runs on the exact @noble/curves release it was checked against, pinned in both packages", () => {
    expect(
      installed,
      `@noble/curves ${installed} is installed but noble-internals.ts was checked against ` +
        `${NOBLE_CURVES_TESTED}: re-check the protected field, then bump NOBLE_CURVES_TESTED`,
    ).toBe(NOBLE_CURVES_TESTED);
    expect(declared("verifier")).toBe(NOBLE_CURVES_TESTED);
    expect(declared("board")).toBe(NOBLE_CURVES_TESTED);
  });

  it("finds an Edwards point of the right coset in the protected field", () => {
    expect(Object.keys(R.BASE)).toContain(EDWARDS_FIELD);
    for (const k of [1n, 2n, 7n, 123456789n, R.Fn.ORDER - 1n]) {
      const p = R.BASE.multiply(k);
      const e = edwardsOf(p);
      expect(e).toBeInstanceOf(ed25519.Point);
      e.assertValidity();
      // The same multiple on the Edwards base is in the same 4-torsion coset.
      expect(e.subtract(ed25519.Point.BASE.multiply(k)).clearCofactor().is0()).toBe(true);
    }
  });

  it("builds an element from a representative that noble encodes, compares and adds", () => {
    const k = 987654321n;
    const p = R.BASE.multiply(k);
    const q = fromEdwards(ed25519.Point.BASE.multiply(k));
    expect(q).toBeInstanceOf(R);
    expect(q.equals(p)).toBe(true);
    expect(q.toBytes()).toEqual(p.toBytes());
    expect(q.add(R.BASE).equals(R.BASE.multiply(k + 1n))).toBe(true);
    expect(edwardsOf(q)).toBe(edwardsOf(q));
    // A torsion-shifted representative is the same ristretto255 element.
    const SQRT_M1 = 19681161376707505956807079304988542015446066515923890162744021073123829784752n;
    const t = ed25519.Point.fromAffine({ x: SQRT_M1, y: 0n }); // a point of order 4
    t.assertValidity();
    expect(t.is0()).toBe(false);
    expect(t.double().double().is0()).toBe(true);
    expect(fromEdwards(edwardsOf(p).add(t)).equals(p)).toBe(true);
  });
});
