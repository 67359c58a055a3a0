/**
 * Byte helpers shared by every module. Isomorphic: no Node-only APIs.
 * Bytes travel in JSON as standard base64 with padding (RFC 4648 §4).
 */
import { base64, hex } from "@scure/base";

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const fromUtf8 = (b: Uint8Array): string =>
  new TextDecoder("utf-8", { fatal: true }).decode(b);

export const toBase64 = (b: Uint8Array): string => base64.encode(b);
/** Strict RFC 4648 §4 decoding: padding required, no whitespace, canonical trailing bits. */
export const fromBase64 = (s: string): Uint8Array => {
  const b = base64.decode(s);
  if (base64.encode(b) !== s) throw new Error("non-canonical base64");
  return b;
};
export const toHex = (b: Uint8Array): string => hex.encode(b);
export const fromHex = (s: string): Uint8Array => hex.decode(s);

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Variable-time equality: for public values only. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
