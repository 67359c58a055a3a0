/**
 * The urna-v1 group: ristretto255 (RFC 9496) with SHA-512, from @noble/curves.
 *
 * Every element and scalar that comes from outside goes through `decodeElement` /
 * `decodeScalar`, which reject non-canonical encodings and, where asked, the identity or zero.
 * Decoding is the strict RFC 9496 §4.3.1 decoder (canonical field element, non-negative s,
 * square, non-negative t, y ≠ 0) of ./ristretto-codec.ts, which computes exactly what noble's
 * `fromBytes` computes (and encodes as its `toBytes`), with faster field reductions;
 * test/crypto/group.test.ts checks every invalid encoding of RFC 9496 Appendix A.2 and
 * ristretto-codec.test.ts the equality with noble. We do not re-encode to compare: that would
 * double the cost of a decode (an inverse square root), the dominant cost of verifying ballots.
 *
 * Encoding an element costs another inverse square root, so the 32 bytes an element was decoded
 * from are remembered (on the point object for WASM points, ./wasm/points.ts; a WeakMap keyed by
 * the point object for the others) and `encodeElement` returns them
 * instead of re-encoding; points computed here (sums, products) are encoded once and remembered.
 *
 * Public verification may use variable-time operations (`multiplyUnsafe`); provers use the
 * constant-time `multiply` for secrets.
 *
 * Decoding and encoding run on the WebAssembly backend (./wasm/) when it is available, else on
 * ./ristretto-codec.ts; both are the same strict RFC 9496 functions (test/crypto/wasm*.test.ts).
 */
import { ristretto255 } from "@noble/curves/ed25519.js";
import { concatBytes, fromBase64, toBase64, utf8 } from "../bytes.js";
import { sha512 } from "../sha2.js";
import { decodeRistretto, encodeRistretto } from "./ristretto-codec.js";
import { wasm } from "./wasm/backend.js";
import {
  addWasm,
  decodeWasm,
  encodeWasm,
  rememberWasmEncoding,
  subtractWasm,
  wasmEncodingOf,
} from "./wasm/points.js";

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
      | "BAD_BASE64"
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

/** The canonical encoding each point object was decoded from or last encoded to. */
const encodings = new WeakMap<Element, Uint8Array>();

/**
 * How many elements `decodeElement` decoded and `elementBytes` encoded (each an inverse square
 * root, the dominant cost of verifying ballots), for benchmarks and capacity planning.
 */
export const groupCounters = { decodes: 0, encodes: 0 };

/** Decode a 32-byte canonical ristretto255 encoding (RFC 9496 §4.3.1, strict). */
export function decodeElement(bytes: Uint8Array, opts: { allowIdentity?: boolean } = {}): Element {
  if (bytes.length !== ELEMENT_BYTES)
    throw new GroupError("BAD_ELEMENT_ENCODING", `element must be ${ELEMENT_BYTES} bytes`);
  groupCounters.decodes++;
  if (wasm() !== null) {
    // The WASM point keeps a copy of its encoding itself (no WeakMap entry).
    const p = decodeWasm(bytes);
    if (p === undefined)
      throw new GroupError("BAD_ELEMENT_ENCODING", "not a canonical ristretto255 encoding");
    checkIdentity(bytes, opts);
    return p;
  }
  const p = decodeRistretto(bytes);
  if (p === undefined)
    throw new GroupError("BAD_ELEMENT_ENCODING", "not a canonical ristretto255 encoding");
  checkIdentity(bytes, opts);
  encodings.set(p, Uint8Array.from(bytes));
  return p;
}

/** The identity's only canonical encoding is 32 zero bytes (s = 0). */
function checkIdentity(bytes: Uint8Array, opts: { allowIdentity?: boolean }): void {
  if (!opts.allowIdentity && isZero32(bytes))
    throw new GroupError("IDENTITY_NOT_ALLOWED", "the identity element is not allowed here");
}

function isZero32(b: Uint8Array): boolean {
  let x = 0;
  for (let i = 0; i < 32; i++) x |= b[i];
  return x === 0;
}

/**
 * The 32-byte canonical encoding of `p` (RFC 9496 §4.3.2). Remembered per point object, so the
 * caller MUST NOT mutate the returned array (use `encodeElement` for a fresh copy).
 */
export function elementBytes(p: Element): Uint8Array {
  let b = wasmEncodingOf(p) ?? encodings.get(p);
  if (b === undefined) {
    groupCounters.encodes++;
    b = wasm() !== null ? encodeWasm(p) : encodeRistretto(p);
    if (!rememberWasmEncoding(p, b)) encodings.set(p, b);
  }
  return b;
}

/** p + q: on the WASM backend when available (straight-line code there), else noble's `add`. */
export const addElements = (p: Element, q: Element): Element =>
  wasm() !== null ? addWasm(p, q) : p.add(q);

/** p − q: on the WASM backend when available, else noble's `subtract`. */
export const subtractElements = (p: Element, q: Element): Element =>
  wasm() !== null ? subtractWasm(p, q) : p.subtract(q);

/** A fresh copy of the canonical encoding of `p`. */
export const encodeElement = (p: Element): Uint8Array => Uint8Array.from(elementBytes(p));

/** Decode a 32-byte little-endian scalar; values >= ℓ are refused (no reduction). */
export function decodeScalar(bytes: Uint8Array, opts: { allowZero?: boolean } = {}): bigint {
  if (bytes.length !== SCALAR_BYTES)
    throw new GroupError("BAD_SCALAR_ENCODING", `scalar must be ${SCALAR_BYTES} bytes`);
  const s = bytesToNumberLE(bytes);
  if (s >= ORDER)
    throw new GroupError("SCALAR_OUT_OF_RANGE", "scalar is not below the group order");
  if (!opts.allowZero && s === 0n)
    throw new GroupError("ZERO_NOT_ALLOWED", "zero scalar not allowed");
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
  if (b.length === 0) return 0n;
  if (b.length % 8 === 0) {
    // Scalars (32 bytes) and digests (64): 64 bits at a time, ~2.5× faster than via hex.
    const v = new DataView(b.buffer, b.byteOffset, b.length);
    let r = 0n;
    for (let o = b.length - 8; o >= 0; o -= 8) r = (r << 64n) | v.getBigUint64(o, true);
    return r;
  }
  let hex = "0x";
  for (let i = b.length - 1; i >= 0; i--) hex += HEX_BYTE[b[i]];
  return BigInt(hex);
}
const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) =>
  i.toString(16).padStart(2, "0"),
);

const B64_VALUE = new Int8Array(128).fill(-1);
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  .split("")
  .forEach((c, i) => (B64_VALUE[c.charCodeAt(0)] = i));

/**
 * Fast path for the commonest case, 32 bytes = 44 characters ending in one "=": returns
 * undefined for anything that is not exactly canonical base64 of 32 bytes (the general,
 * equally strict decoder then decides).
 */
function base64_32(s: string): Uint8Array | undefined {
  if (s.charCodeAt(43) !== 61 /* = */) return undefined;
  const out = new Uint8Array(32);
  let o = 0;
  for (let i = 0; i < 40; i += 4) {
    const a = s.charCodeAt(i),
      b = s.charCodeAt(i + 1),
      c = s.charCodeAt(i + 2),
      d = s.charCodeAt(i + 3);
    if ((a | b | c | d) >= 128) return undefined;
    const va = B64_VALUE[a],
      vb = B64_VALUE[b],
      vc = B64_VALUE[c],
      vd = B64_VALUE[d];
    if ((va | vb | vc | vd) < 0) return undefined;
    const n = (va << 18) | (vb << 12) | (vc << 6) | vd;
    out[o++] = n >>> 16;
    out[o++] = (n >>> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  const a = s.charCodeAt(40),
    b = s.charCodeAt(41),
    c = s.charCodeAt(42);
  if ((a | b | c) >= 128) return undefined;
  const va = B64_VALUE[a],
    vb = B64_VALUE[b],
    vc = B64_VALUE[c];
  if ((va | vb | vc) < 0 || (vc & 3) !== 0) return undefined; // canonical: unused low bits are 0
  const n = (va << 12) | (vb << 6) | vc;
  out[30] = n >>> 10;
  out[31] = (n >>> 2) & 0xff;
  return out;
}

/** Strict base64 (RFC 4648 §4) as a GroupError("BAD_BASE64") on failure. */
export function base64Bytes(s: string): Uint8Array {
  if (typeof s !== "string") throw new GroupError("BAD_BASE64", "expected a base64 string");
  if (s.length === 44) {
    const fast = base64_32(s);
    if (fast) return fast;
  }
  try {
    return fromBase64(s);
  } catch {
    throw new GroupError("BAD_BASE64", "not canonical base64 (RFC 4648 §4)");
  }
}

export const elementToBase64 = (p: Element): string => toBase64(elementBytes(p));
export const elementFromBase64 = (s: string, opts?: { allowIdentity?: boolean }): Element =>
  decodeElement(base64Bytes(s), opts);
const decodedKeys = new Map<string, Element>();
const DECODED_KEYS_MAX = 1024;

/**
 * `elementFromBase64` for values that recur across many items (the joint key K, verification
 * shares X_i): decoded once and remembered (up to 1,024 distinct strings, oldest dropped), so
 * that verifying a million ballots does not decode K a million times. Same checks and errors.
 */
export function elementFromBase64Cached(
  s: string,
  opts: { allowIdentity?: boolean } = {},
): Element {
  const key = opts.allowIdentity ? `i:${s}` : s;
  let p = decodedKeys.get(key);
  if (p === undefined) {
    p = elementFromBase64(s, opts);
    if (decodedKeys.size >= DECODED_KEYS_MAX) decodedKeys.delete(decodedKeys.keys().next().value!);
    decodedKeys.set(key, p);
  }
  return p;
}

export const scalarToBase64 = (s: bigint): string => toBase64(encodeScalar(s));
export const scalarFromBase64 = (s: string, opts?: { allowZero?: boolean }): bigint =>
  decodeScalar(base64Bytes(s), opts);

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
  const t = utf8(`urna-v1/${tag}`);
  let n = 8 + t.length;
  for (const p of parts) n += 8 + p.length;
  const buf = new Uint8Array(n);
  const view = new DataView(buf.buffer);
  view.setBigUint64(0, BigInt(t.length), false);
  buf.set(t, 8);
  let o = 8 + t.length;
  for (const p of parts) {
    view.setBigUint64(o, BigInt(p.length), false);
    buf.set(p, o + 8);
    o += 8 + p.length;
  }
  return sha512(buf);
}

/** u32(x): 4 bytes big-endian (protocol.md §2). */
export function u32(x: number): Uint8Array {
  if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw new RangeError("u32 out of range");
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, x, false);
  return out;
}

/** Hash-to-scalar: the 64-byte domain-separated digest, read little-endian, reduced mod ℓ. */
export const hashToScalar = (tag: string, parts: Uint8Array[]): bigint =>
  mod(bytesToNumberLE(hashParts(tag, parts)));

export { concatBytes };
