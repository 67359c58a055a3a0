/**
 * The human tracking code (spec/log.md §8, spec/record.md §Receipt): encode/decode round-trip on
 * many leaf hashes, every input form a voter may type, and the error cases with their messages.
 */
import { describe, expect, it } from "vitest";
import { base32nopad } from "@scure/base";
import { fromHex, toHex } from "../../src/bytes.js";
import { LogError } from "../../src/log/errors.js";
import { leafHash } from "../../src/log/merkle-hash.js";
import {
  HUMAN_CODE_BYTES,
  humanTrackingCode,
  humanTrackingCodeOf,
  parseTrackingCode,
  trackingCodeMatches,
} from "../../src/log/tracking-code.js";

const utf8 = (s: string) => new TextEncoder().encode(s);
const err = (f: () => unknown): LogError => {
  try {
    f();
  } catch (e) {
    return e as LogError;
  }
  throw new Error("did not throw");
};

describe("human tracking code", () => {
  it("round-trips: decode(encode(h)) is the first 15 bytes of h, for 500 leaf hashes", () => {
    for (let i = 0; i < 500; i++) {
      const h = leafHash(utf8(`{"ballot":${i}}`));
      const code = humanTrackingCode(h);
      expect(code).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){5}$/);
      expect(humanTrackingCodeOf(toHex(h))).toBe(code);
      expect(humanTrackingCodeOf(toHex(h).toUpperCase())).toBe(code);
      const p = parseTrackingCode(code);
      expect(p.full).toBeUndefined();
      expect(toHex(p.prefix)).toBe(toHex(h.subarray(0, HUMAN_CODE_BYTES)));
      // an independent RFC 4648 base32 of the 15 bytes, grouped by 4
      const ref = base32nopad.encode(h.subarray(0, 15));
      expect(code.replace(/-/g, "")).toBe(ref);
      expect(trackingCodeMatches(p, h)).toBe(true);
    }
  });

  it("the spec's example", () => {
    const h = fromHex("982c79531241cb8255fe0a38019e5fdfeb4ddbb7ba3ca33c37675b3cd57e78d1");
    expect(humanTrackingCodeOf(toHex(h))).toBe("TAWH-SUYS-IHFY-EVP6-BI4A-DHS7");
  });

  it("accepts what a voter types: any case, spaces, dashes, Unicode dashes, no separators", () => {
    const h = leafHash(utf8('{"ballot":1}'));
    for (const s of [
      "TAWH-SUYS-IHFY-EVP6-BI4A-DHS7",
      "tawh-suys-ihfy-evp6-bi4a-dhs7",
      "TawhSuysIhfyEvp6Bi4aDhs7",
      "TAWH SUYS IHFY EVP6 BI4A DHS7",
      "  TAWH‐SUYS–IHFY—EVP6−BI4A-DHS7\n",
    ])
      expect(toHex(parseTrackingCode(s).prefix), s).toBe(toHex(h.subarray(0, 15)));
    // and the full form, in any case and grouping
    const hex = toHex(h);
    const grouped = (hex.toUpperCase().match(/.{8}/g) as string[]).join(" ");
    expect(toHex(parseTrackingCode(grouped).full!)).toBe(hex);
  });

  it("refuses malformed codes with MALFORMED_TRACKING_CODE and a message that helps", () => {
    const look = err(() => parseTrackingCode("TAWH-SUYS-IHFY-EVP6-BI4A-DHS1"));
    expect(look.code).toBe("MALFORMED_TRACKING_CODE");
    expect(look.message).toContain("0, 1, 8 and 9 never appear");
    expect(err(() => parseTrackingCode("0AWH-SUYS-IHFY-EVP6-BI4A-DHS7")).message).toContain(
      "read 0 as O",
    );
    for (const s of [
      "",
      "TAWH-SUYS-IHFY-EVP6-BI4A",
      "TAWH-SUYS-IHFY-EVP6-BI4A-DHS7-AAAA",
      "TAWH_SUYS_IHFY_EVP6_BI4A_DHS7",
      "TAWH-SUYS-IHFY-EVP6-BI4A-DHS!",
      "a".repeat(63),
    ]) {
      const e = err(() => parseTrackingCode(s));
      expect(e.code, s).toBe("MALFORMED_TRACKING_CODE");
      expect(e.message, s).toContain("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX");
    }
    expect(err(() => humanTrackingCodeOf("TAWH-SUYS-IHFY-EVP6-BI4A-DHS7")).code).toBe(
      "MALFORMED_TRACKING_CODE",
    );
    expect(err(() => humanTrackingCodeOf("ab".repeat(31))).code).toBe("MALFORMED_TRACKING_CODE");
  });
});
