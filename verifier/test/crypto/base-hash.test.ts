import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { describe, expect, it } from "vitest";
import type { Manifest } from "@urna/schemas";
import { baseHash, toHex } from "@urna/verifier";

const manifest: Manifest = {
  electionId: "mx-test",
  title: "Prueba — voto",
  suite: "urna-v1",
  authority: "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",
  registrar: "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=",
  custodians: [],
  threshold: 1,
  revotePolicy: "single",
  contests: [
    { id: "c", title: "C", minSelections: 0, maxSelections: 1, options: [{ id: "a", label: "A" }] },
  ],
  ballotStyles: [{ id: "s", contests: ["c"] }],
};

describe("baseHash (protocol.md §4)", () => {
  it("is H('base-hash', utf8(electionId), jcs(manifest))", () => {
    const lp = (b: Buffer) => {
      const n = Buffer.alloc(8);
      n.writeBigUInt64BE(BigInt(b.length));
      return Buffer.concat([n, b]);
    };
    const expected = createHash("sha512")
      .update(
        Buffer.concat([
          lp(Buffer.from("urna-v1/base-hash")),
          lp(Buffer.from("mx-test")),
          lp(Buffer.from(canonicalize(manifest)!, "utf8")),
        ]),
      )
      .digest("hex");
    const h = baseHash("mx-test", manifest);
    expect(h).toHaveLength(64);
    expect(toHex(h)).toBe(expected);
  });
  it("changes with the election id and with any manifest field", () => {
    const h = toHex(baseHash("mx-test", manifest));
    expect(toHex(baseHash("mx-test2", manifest))).not.toBe(h);
    expect(toHex(baseHash("mx-test", { ...manifest, threshold: 2 }))).not.toBe(h);
    // Member order does not matter (JCS).
    const reordered = Object.fromEntries(Object.entries(manifest).reverse()) as unknown as Manifest;
    expect(toHex(baseHash("mx-test", reordered))).toBe(h);
  });
});
