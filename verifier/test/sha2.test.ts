import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sha256, sha256Noble, sha2Backend, sha512, sha512Noble } from "../src/sha2.js";

const fips = (alg: string, parts: Uint8Array[]): string => {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return h.digest("hex");
};
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

describe("sha2: OpenSSL in Node, @noble/hashes elsewhere, the same function", () => {
  it("runs on node:crypto in Node", () => {
    expect(sha2Backend()).toBe("node");
  });

  it("the FIPS 180-4 test vector 'abc'", () => {
    const abc = new TextEncoder().encode("abc");
    expect(hex(sha256(abc))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    expect(hex(sha512Noble(abc))).toBe(hex(sha512(abc)));
    expect(hex(sha512(abc)).slice(0, 32)).toBe("ddaf35a193617abacc417349ae204131");
  });

  it("hashes the concatenation of its parts, as noble and OpenSSL do, for many lengths", () => {
    for (let n = 0; n < 300; n += 7) {
      const parts = [randomBytes(n), randomBytes(n % 5), randomBytes(129 - (n % 129))].map(
        (b) => new Uint8Array(b),
      );
      for (const list of [parts, parts.slice(0, 1), []]) {
        expect(hex(sha512(...list))).toBe(fips("sha512", list));
        expect(hex(sha512Noble(...list))).toBe(fips("sha512", list));
        expect(hex(sha256(...list))).toBe(fips("sha256", list));
        expect(hex(sha256Noble(...list))).toBe(fips("sha256", list));
      }
    }
  });

  it("returns plain Uint8Arrays that compare equal to noble's", () => {
    const data = new Uint8Array(randomBytes(100));
    const a = sha512(data);
    expect(Object.getPrototypeOf(a)).toBe(Uint8Array.prototype);
    expect(a).toEqual(sha512Noble(data));
    expect(sha256(data, data)).toEqual(sha256Noble(data, data));
  });

  it("hashes a part that is a view into a larger buffer by its own bytes only", () => {
    const big = new Uint8Array(randomBytes(64));
    const view = big.subarray(10, 42);
    expect(sha512(view)).toEqual(sha512Noble(Uint8Array.from(view)));
  });
});
