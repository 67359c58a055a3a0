/**
 * The urna-v1 group: ristretto255 (RFC 9496) with SHA-512, from @noble/curves.
 *
 * Every element and scalar that comes from outside goes through `decodeElement` /
 * `decodeScalar`, which reject non-canonical encodings (RFC 9496 §4.3.1 decoding is strict
 * in noble; we re-encode and compare as a second guard) and, where asked, the identity or zero.
 * Public verification may use variable-time operations (`multiplyUnsafe`); provers use the
 * constant-time `multiply` for secrets.
 */
import { ristretto255 } from "@noble/curves/ed25519.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { bytesEqual, concatBytes, fromBase64, toBase64, utf8 } from "../bytes.js";

const Point = ristretto255.Point;
export { ristretto255 };
export type Element = InstanceType<typeof ristretto255.Point>;
export const G: Element = Point.BASE;
export const IDENTITY: Element = Point.ZERO;
/** Group order ℓ = 2^252 + 27742317777372353535851937790883648493. */
export const ORDER: bigint = Point.Fn.ORDER;
export const ELEMENT_BYTES = 32;
export const SCALAR_BYTES = 32;

export class GroupError extends Error {
  constructor(
    readonly code:
      | "BAD_ELEMENT_ENCODING"
      | "IDENTITY_NOT_ALLOWED"
      | "BAD_SCALAR_ENCODING"
      | "SCALAR_OUT_OF_RANGE"
      | "ZERO_NOT_ALLOWED",
    message: string,
  ) {
    super(message);
    this.name = "GroupError";
  }
}

export const mod = (a: bigint): bigint => {
  const r = a % ORDER;
  return r < 0n ? r + ORDER : r;
};

/** Decode a 32-byte canonical ristretto255 encoding. */
export function decodeElement(bytes: Uint8Array, opts: { allowIdentity?: boolean } = {}): Element {
  if (bytes.length !== ELEMENT_BYTES)
    throw new GroupError("BAD_ELEMENT_ENCODING", `element must be ${ELEMENT_BYTES} bytes`);
  let p: Element;
  try {
    p = Point.fromBytes(bytes);
  } catch {
    throw new GroupError("BAD_ELEMENT_ENCODING", "not a canonical ristretto255 encoding");
  }
  if (!bytesEqual(p.toBytes(), bytes))
    throw new GroupError("BAD_ELEMENT_ENCODING", "not a canonical ristretto255 encoding");
  if (!opts.allowIdentity && p.equals(IDENTITY))
    throw new GroupError("IDENTITY_NOT_ALLOWED", "the identity element is not allowed here");
  return p;
}

export const encodeElement = (p: Element): Uint8Array => p.toBytes();

/** Decode a 32-byte little-endian scalar; values >= ℓ are refused (no reduction). */
export function decodeScalar(bytes: Uint8Array, opts: { allowZero?: boolean } = {}): bigint {
  if (bytes.length !== SCALAR_BYTES)
    throw new GroupError("BAD_SCALAR_ENCODING", `scalar must be ${SCALAR_BYTES} bytes`);
  let s = 0n;
  for (let i = SCALAR_BYTES - 1; i >= 0; i--) s = (s << 8n) | BigInt(bytes[i]);
  if (s >= ORDER) throw new GroupError("SCALAR_OUT_OF_RANGE", "scalar is not below the group order");
  if (!opts.allowZero && s === 0n) throw new GroupError("ZERO_NOT_ALLOWED", "zero scalar not allowed");
  return s;
}

export function encodeScalar(s: bigint): Uint8Array {
  if (s < 0n || s >= ORDER) throw new GroupError("SCALAR_OUT_OF_RANGE", "scalar out of range");
  const out = new Uint8Array(SCALAR_BYTES);
  let v = s;
  for (let i = 0; i < SCALAR_BYTES; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Little-endian bytes to bigint, any length (used to reduce 64-byte digests). */
export function bytesToNumberLE(b: Uint8Array): bigint {
  let s = 0n;
  for (let i = b.length - 1; i >= 0; i--) s = (s << 8n) | BigInt(b[i]);
  return s;
}

export const elementToBase64 = (p: Element): string => toBase64(p.toBytes());
export const elementFromBase64 = (s: string, opts?: { allowIdentity?: boolean }): Element =>
  decodeElement(fromBase64(s), opts);
export const scalarToBase64 = (s: bigint): string => toBase64(encodeScalar(s));
export const scalarFromBase64 = (s: string, opts?: { allowZero?: boolean }): bigint =>
  decodeScalar(fromBase64(s), opts);

/** 8-byte big-endian length prefix: every variable-length hash input is framed with it. */
export function lengthPrefixed(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + b.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(b.length), false);
  out.set(b, 8);
  return out;
}

/**
 * Domain-separated SHA-512: SHA-512(lp("urna-v1/" || tag) || lp(part_1) || ... || lp(part_n)),
 * where lp(x) is x prefixed with its length as 8 bytes big-endian.
 */
export function hashParts(tag: string, parts: Uint8Array[]): Uint8Array {
  const h = sha512.create();
  h.update(lengthPrefixed(utf8(`urna-v1/${tag}`)));
  for (const p of parts) h.update(lengthPrefixed(p));
  return h.digest();
}

/** Hash-to-scalar: the 64-byte domain-separated digest, read little-endian, reduced mod ℓ. */
export const hashToScalar = (tag: string, parts: Uint8Array[]): bigint =>
  mod(bytesToNumberLE(hashParts(tag, parts)));

export { concatBytes };
