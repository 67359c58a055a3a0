/**
 * Tracking codes: how a voter names their ballot (spec/log.md §8, spec/record.md §Receipt). The
 * full code is the lowercase hex of the ballot entry's 32-byte RFC 6962 leaf hash; the human
 * code, the one shown to voters everywhere (CLI lines, pages, receipt files), is the first 15
 * bytes (120 bits) in RFC 4648 base32, six groups of 4 joined by "-", with no check character.
 */
import { base32nopad } from "@scure/base";
import { fromHex, toHex } from "../bytes.js";
import { LogError } from "./errors.js";
import { HASH_SIZE } from "./merkle-hash.js";

export const HUMAN_CODE_BYTES = 15;

function checkLeafHash(h: Uint8Array): void {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE)
    throw new LogError("BAD_HASH_SIZE", `leaf hash must be ${HASH_SIZE} bytes`);
}

/** Lowercase hex of the 32-byte leaf hash (64 characters). */
export function trackingCode(leafHash: Uint8Array): string {
  checkLeafHash(leafHash);
  return toHex(leafHash);
}

/** e.g. ABCD-EFGH-IJKL-MNOP-QRST-UVWX: base32 of the first 15 bytes, groups of 4. */
export function humanTrackingCode(leafHash: Uint8Array): string {
  checkLeafHash(leafHash);
  const s = base32nopad.encode(leafHash.subarray(0, HUMAN_CODE_BYTES));
  return s.match(/.{4}/g)!.join("-");
}

/** The human code of a full tracking code (64 hex digits, any case). */
export function humanTrackingCodeOf(trackingCodeHex: string): string {
  if (typeof trackingCodeHex !== "string" || !/^[0-9a-fA-F]{64}$/.test(trackingCodeHex))
    throw new LogError("MALFORMED_TRACKING_CODE", "a full tracking code is 64 hex digits");
  return humanTrackingCode(fromHex(trackingCodeHex.toLowerCase()));
}

/** Why a 24-character code with 0, 1, 8 or 9 is refused (pages translate it by equality). */
export const CONFUSABLE_DIGITS =
  "a tracking code uses only the letters A-Z and the digits 2-7: 0, 1, 8 and 9 never appear (read 0 as O, 1 as I, 8 as B)";

/** Separators a voter may type or paste: white space, "-" and the Unicode dashes and minus. */
const SEPARATORS = /[\s\-\u2010-\u2015\u2212]/g;

export interface ParsedTrackingCode {
  /** The full leaf hash, when the full code was given. */
  full?: Uint8Array;
  /** The first 15 bytes of the leaf hash. */
  prefix: Uint8Array;
}

/**
 * Accepts either form, case-insensitive, with or without separators (spaces, "-", Unicode dashes).
 * A 24-character code holding 0, 1, 8 or 9 (never in the alphabet) is refused with a message
 * naming the letters they resemble, never silently mapped.
 */
export function parseTrackingCode(s: string): ParsedTrackingCode {
  if (typeof s !== "string")
    throw new LogError("MALFORMED_TRACKING_CODE", "tracking code must be a string");
  const c = s.replace(SEPARATORS, "");
  if (/^[0-9a-fA-F]{64}$/.test(c)) {
    const full = fromHex(c.toLowerCase());
    return { full, prefix: full.slice(0, HUMAN_CODE_BYTES) };
  }
  if (/^[A-Za-z2-7]{24}$/.test(c)) {
    const prefix = base32nopad.decode(c.toUpperCase());
    if (prefix.length !== HUMAN_CODE_BYTES)
      throw new LogError("MALFORMED_TRACKING_CODE", "bad human code");
    return { prefix };
  }
  if (c.length === 24 && /^[A-Za-z0-9]+$/.test(c))
    throw new LogError("MALFORMED_TRACKING_CODE", CONFUSABLE_DIGITS);
  throw new LogError(
    "MALFORMED_TRACKING_CODE",
    "expected 24 letters and digits (XXXX-XXXX-XXXX-XXXX-XXXX-XXXX) or 64 hex digits",
  );
}

/** True if the parsed code names this leaf hash. */
export function trackingCodeMatches(code: ParsedTrackingCode, leafHash: Uint8Array): boolean {
  checkLeafHash(leafHash);
  if (code.full) return toHex(code.full) === toHex(leafHash);
  return toHex(code.prefix) === toHex(leafHash.subarray(0, HUMAN_CODE_BYTES));
}
