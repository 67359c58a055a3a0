/**
 * noble ristretto255 elements on the WebAssembly backend: decoding, encoding, arithmetic and
 * multi-scalar multiplication. The rest of the verifier keeps working with noble's point objects;
 * the 128-byte coordinate form the WASM code uses (./backend.ts) stays with the point objects
 * made here (see `lazyPoint`), so a decoded point goes back into an MSM without a conversion.
 * Every function here needs `wasm()` to be non-null (callers check). Variable time: public
 * data only.
 */
import { ed25519, ristretto255 } from "@noble/curves/ed25519.js";
import { EDWARDS_FIELD, edwardsOf, type EdwardsPoint as EdPoint } from "../noble-internals.js";
import { mem, readBig, reserve, wasm, writeBig } from "./backend.js";

type Element = InstanceType<typeof ristretto255.Point>;
const Ed = ed25519.Point;
const Ristretto = ristretto255.Point;

function need(): NonNullable<ReturnType<typeof wasm>> {
  const w = wasm();
  if (w === null) throw new Error("the WebAssembly backend is not in use");
  return w;
}

/**
 * Points made here carry their 128 coordinate bytes. Converting those to noble's bigint
 * coordinates costs about as much as a WASM point addition, and most points made here are never
 * looked at by noble (they are hashed by their remembered encoding or go back into a WASM MSM),
 * so they are objects of a prototype derived from noble's RistrettoPoint whose Edwards
 * representative (noble's `EDWARDS_FIELD`, the one field its methods read) is built on first
 * access.
 */
interface Lazy {
  wasmCoords: Uint8Array;
  wasmEp: EdPoint | undefined;
  /** The canonical encoding the point was decoded from or encoded to (group.ts `elementBytes`). */
  wasmEnc: Uint8Array | undefined;
}
const LazyProto: object = Object.create(Ristretto.prototype, {
  [EDWARDS_FIELD]: {
    get(this: Lazy): EdPoint {
      const b = this.wasmCoords;
      return (this.wasmEp ??= new Ed(
        readBig(b, 0),
        readBig(b, 32),
        readBig(b, 64),
        readBig(b, 96),
      ));
    },
  },
});
function lazyPoint(b: Uint8Array, enc?: Uint8Array): Element {
  const p = Object.create(LazyProto) as Lazy;
  p.wasmCoords = b;
  p.wasmEp = undefined;
  p.wasmEnc = enc;
  return p as unknown as Element;
}
const lazyOf = (p: Element): Lazy | undefined =>
  Object.getPrototypeOf(p) === LazyProto ? (p as unknown as Lazy) : undefined;
const coordsOf = (p: Element): Uint8Array | undefined => lazyOf(p)?.wasmCoords;

/**
 * Coordinates and encodings are views into shared 64 KiB slabs: a verifier makes millions of
 * points that live for one batch, and one ArrayBuffer each (`slice`) cost more in allocation and
 * garbage collection than the copy. A slab is freed when no point of it is left.
 */
const SLAB_BYTES = 65536;
let slab = new Uint8Array(0);
let slabAt = 0;
function take(bytes: number): Uint8Array {
  if (slabAt + bytes > slab.length) {
    slab = new Uint8Array(SLAB_BYTES);
    slabAt = 0;
  }
  const v = slab.subarray(slabAt, slabAt + bytes);
  slabAt += bytes;
  return v;
}
function copyOut(off: number, bytes: number): Uint8Array {
  const v = take(bytes);
  v.set(mem().subarray(off, off + bytes));
  return v;
}

/** A noble point from 128 coordinate bytes at `off` of linear memory. */
export const pointAt = (off: number): Element => lazyPoint(copyOut(off, 128));

/** The encoding remembered on a point made here (undefined for other points, or none yet). */
export const wasmEncodingOf = (p: Element): Uint8Array | undefined => lazyOf(p)?.wasmEnc;

/**
 * Remember `enc` as the encoding of a point made here (kept as given: the caller hands it over);
 * false for other points (the caller keeps it elsewhere).
 */
export function rememberWasmEncoding(p: Element, enc: Uint8Array): boolean {
  const lazy = lazyOf(p);
  if (lazy === undefined) return false;
  lazy.wasmEnc = enc;
  return true;
}

/** Write the 128 coordinate bytes of `p` at `off`. */
export function putPoint(p: Element, off: number): void {
  const c = coordsOf(p);
  if (c !== undefined) {
    mem().set(c, off);
    return;
  }
  const e = edwardsOf(p);
  writeBig(off, e.X);
  writeBig(off + 32, e.Y);
  writeBig(off + 64, e.Z);
  writeBig(off + 96, e.T);
}

/**
 * Decode a 32-byte encoding per RFC 9496 §4.3.1 (strict: canonical, non-negative s, square,
 * non-negative t, y ≠ 0); undefined if invalid. The identity (all-zero bytes) decodes.
 */
export function decodeWasm(bytes: Uint8Array): Element | undefined {
  const w = need();
  const base = reserve(w, 32 + 128 + 16);
  mem().set(bytes, base);
  if (w.decodeBatch(base, 1, base + 32, base + 160) !== 0) return undefined;
  return lazyPoint(copyOut(base + 32, 128), copyOut(base, 32));
}

/** Decode several encodings at once (undefined for each invalid one). */
export function decodeManyWasm(list: readonly Uint8Array[]): (Element | undefined)[] {
  const w = need();
  const n = list.length;
  const base = reserve(w, n * (32 + 128 + 1));
  const m = mem();
  for (let i = 0; i < n; i++) m.set(list[i], base + 32 * i);
  const out = base + 32 * n;
  const st = out + 128 * n;
  w.decodeBatch(base, n, out, st);
  const res: (Element | undefined)[] = new Array(n);
  for (let i = 0; i < n; i++)
    res[i] =
      m[st + i] === 0
        ? undefined
        : lazyPoint(copyOut(out + 128 * i, 128), copyOut(base + 32 * i, 32));
  return res;
}

/** The 32-byte encoding of `p` (RFC 9496 §4.3.2). */
export function encodeWasm(p: Element): Uint8Array {
  const w = need();
  const base = reserve(w, 160);
  putPoint(p, base);
  w.encodeBatch(base, 1, base + 128);
  return copyOut(base + 128, 32);
}

function binary(op: "add" | "sub", p: Element, q: Element): Element {
  const w = need();
  const base = reserve(w, 384);
  putPoint(p, base);
  putPoint(q, base + 128);
  w[op](base + 256, base, base + 128);
  return pointAt(base + 256);
}
export const addWasm = (p: Element, q: Element): Element => binary("add", p, q);
export const subtractWasm = (p: Element, q: Element): Element => binary("sub", p, q);

/** Σ points (the identity for none), one conversion back to a noble point. */
export function sumWasm(points: readonly Element[]): Element {
  const w = need();
  const n = points.length;
  const base = reserve(w, 128 * (n + 1));
  for (let i = 0; i < n; i++) putPoint(points[i], base + 128 + 128 * i);
  w.sumPoints(base, base + 128, n);
  return pointAt(base);
}

function unary(op: "double" | "negate", p: Element): Element {
  const w = need();
  const base = reserve(w, 256);
  putPoint(p, base);
  w[op](base + 128, base);
  return pointAt(base + 128);
}
export const doubleWasm = (p: Element): Element => unary("double", p);
export const negateWasm = (p: Element): Element => unary("negate", p);

export function equalsWasm(p: Element, q: Element): boolean {
  const w = need();
  const base = reserve(w, 256);
  putPoint(p, base);
  putPoint(q, base + 128);
  return w.equals(base, base + 128) !== 0;
}

/** Cost model of the bucket method: additions into buckets + bucket sums + doublings. */
function windowFor(nShort: number, nLong: number): number {
  let best = Infinity;
  let w = 2;
  for (let c = 2; c <= 16; c++) {
    const wl = Math.ceil(254 / c);
    const ws = Math.ceil(129 / c);
    const cost = nShort * ws + nLong * wl + wl * 2 * (1 << (c - 1)) + 254 / 2;
    if (cost < best) ((best = cost), (w = c));
  }
  return w;
}

const SHORT = 1n << 128n;
/** Up to this many points `msmWasm` uses Straus' method (measured crossover, see wasm.test.ts). */
const STRAUS_MAX_POINTS = 12;

/** a·P + b·Q (a, b in [0, ℓ)), variable time. */
export const doubleScalarMulWasm = (p: Element, a: bigint, q: Element, b: bigint): Element =>
  msmWasm([p, q], [a, b]);

/**
 * Σ scalars[i]·points[i] (scalars in [0, ℓ)) by the signed-digit bucket method in WASM. Returns
 * the point, or only whether it is the identity when `identityOnly` (no conversion back).
 */
export function msmWasm(
  points: readonly Element[],
  scalars: readonly bigint[],
  identityOnly: true,
  window?: number,
): boolean;
export function msmWasm(
  points: readonly Element[],
  scalars: readonly bigint[],
  identityOnly?: false,
  window?: number,
): Element;
export function msmWasm(
  points: readonly Element[],
  scalars: readonly bigint[],
  identityOnly = false,
  window?: number,
): Element | boolean {
  const w = need();
  const n = points.length;
  if (n !== scalars.length) throw new RangeError("points and scalars differ in length");
  let nShort = 0;
  let nLong = 0;
  for (const s of scalars)
    if (s >= SHORT) nLong++;
    else if (s !== 0n) nShort++;
  // A few points: Straus (shared doublings, no buckets); more: Pippenger's buckets.
  const useStraus = window === undefined && n <= STRAUS_MAX_POINTS;
  const win = window ?? windowFor(nShort, nLong);
  const scratch = useStraus ? w.strausScratch(n) : w.msmScratch(n, win);
  const base = reserve(w, 128 + n * 160 + 16 + scratch);
  const pts = base + 128;
  const scs = pts + n * 128;
  for (let i = 0; i < n; i++) {
    putPoint(points[i], pts + 128 * i);
    writeBig(scs + 32 * i, scalars[i]);
  }
  const identity =
    (useStraus
      ? w.straus(base, pts, scs, n, scs + 32 * n + 16)
      : w.msm(base, pts, scs, n, win, scs + 32 * n + 16)) !== 0;
  if (identityOnly) return identity;
  return pointAt(base);
}

/** For tests: the coordinate bytes remembered for `p`, if any. */
export const rememberedCoords = coordsOf;
