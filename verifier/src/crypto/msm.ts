/**
 * Random-weight linear combination of verification equations, evaluated with one
 * multi-scalar multiplication (protocol.md §8.2 "Batch verification").
 *
 * Every equation `X = Y` of a proof is moved to the form `Σ s_i·P_i = identity` and multiplied by
 * an independent uniform 128-bit weight z. All terms on G are collected in one scalar (G has
 * noble's precomputed table, so it is multiplied on its own), terms on a point object that
 * occurs in several equations (K, a ciphertext, a verification share) are merged into one
 * scalar per object, and everything else goes to a single MSM: `msm` below for large batches,
 * noble's `mulAddUnsafe` (Strauss-Shamir) for a handful of points. Public data only:
 * variable-time arithmetic is fine here.
 *
 * `msm` is Pippenger's bucket method (as noble's `pippenger`) with two changes that matter
 * for these batches: (1) scalars are recoded into signed digits, which halves the buckets, and
 * (2) each point only takes part in the windows its scalar reaches. Two thirds of the points of
 * a range-proof batch (the commitments a_j, b_j) carry a bare 128-bit weight, so they skip the
 * upper half of the windows. Zero digits are skipped. Its result is compared with noble's
 * `pippenger` in test/crypto/msm.test.ts.
 *
 * On the WebAssembly backend (./wasm/, used when available) `msm` and `MsmAccumulator` run the
 * same signed-digit bucket method in WASM (Straus' method for a dozen points or fewer), with G as
 * one more point; the bigint code below is the fallback and the reference the WASM results are
 * tested against (test/crypto/wasm.test.ts).
 *
 * Soundness: if any equation is false, the combination is the identity with probability at
 * most 2^-128 over the weights (ℓ > 2^128 is prime), so weights MUST be unpredictable to the
 * prover: they come from `crypto.getRandomValues` (via @noble/hashes `randomBytes`).
 */
import { mulAddUnsafe } from "@noble/curves/abstract/curve.js";
import { ed25519 } from "@noble/curves/ed25519.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { G, IDENTITY, ORDER, mod, ristretto255, type Element } from "./group.js";
import { wasm } from "./wasm/backend.js";
import { edwardsOf, fromEdwards as wrap, type EdwardsPoint as EdPoint } from "./noble-internals.js";
import { msmWasm } from "./wasm/points.js";

const Point = ristretto255.Point;
const EdPointCons = ed25519.Point;

/** Scalar as 8 little-endian 32-bit limbs (plus zero limbs for window reads past the top). */
function limbs(s: bigint, out: Uint32Array, off: number): void {
  const hex = s.toString(16).padStart(64, "0");
  for (let k = 0; k < 8; k++) out[off + k] = parseInt(hex.slice(56 - 8 * k, 64 - 8 * k), 16);
  out[off + 8] = 0;
  out[off + 9] = 0;
}

/** w bits (w ≤ 24) of the scalar whose limbs start at `off`, from bit `pos`. */
function bits(l: Uint32Array, off: number, pos: number, w: number): number {
  const k = pos >>> 5;
  const sh = pos & 31;
  let v = l[off + k] >>> sh;
  if (sh + w > 32) v |= l[off + k + 1] << (32 - sh);
  return v & ((1 << w) - 1);
}

/** Cost model: bucket additions + bucket sums, for window w. */
function msmCost(w: number, nShort: number, nLong: number): number {
  const wl = Math.ceil(254 / w);
  const ws = Math.ceil(129 / w);
  return nShort * ws + nLong * wl + wl * 2 * (1 << (w - 1)) + 254 / 8;
}

// Edwards arithmetic (a = −1) in extended coordinates on raw bigints, with products reduced by
// the special form of p = 2^255 − 19 (two folds), about 1.6 times faster than noble's generic
// field. Coordinates are kept below 2^256 and only partly reduced; sums and differences add a
// multiple of p to stay non-negative. Operands of `fmul` stay below 2^259, so its result is
// below 2^255 + 2^17.
const FP = (1n << 255n) - 19n;
const FMASK = (1n << 255n) - 1n;
const P2 = 2n * FP;
const P4 = 4n * FP;
const D2 = 16295367250680780974490674513165176452449235426866156013048779062215315747161n; // 2d mod p
function fmul(a: bigint, b: bigint): bigint {
  const y = a * b;
  const z = (y & FMASK) + (y >> 255n) * 19n;
  return (z & FMASK) + (z >> 255n) * 19n;
}
function fcanon(a: bigint): bigint {
  const r = a % FP;
  return r < 0n ? r + FP : r;
}

interface Ext {
  X: bigint;
  Y: bigint;
  Z: bigint;
  T: bigint;
}
/** A point ready to be added: (Y+X, Y−X, 2Z, 2d·T); `z1` when Z = 1 (decoded points). */
interface Cached {
  ypx: bigint;
  ymx: bigint;
  z2: bigint;
  t2d: bigint;
  z1: boolean;
}
function cache(p: Ext): Cached {
  return { ypx: p.Y + p.X, ymx: p.Y - p.X + P2, z2: p.Z << 1n, t2d: fmul(p.T, D2), z1: p.Z === 1n };
}
const negCached = (c: Cached): Cached => ({
  ypx: c.ymx,
  ymx: c.ypx,
  z2: c.z2,
  t2d: P2 - c.t2d,
  z1: c.z1,
});

/** p + q (add-2008-hwcd-3 for a = −1). */
function addCached(p: Ext, q: Cached): Ext {
  const A = fmul(p.Y - p.X + P2, q.ymx);
  const B = fmul(p.Y + p.X, q.ypx);
  const C = fmul(p.T, q.t2d);
  const D = q.z1 ? p.Z << 1n : fmul(p.Z, q.z2);
  const E = B - A + P2;
  const F = D - C + P2;
  const G = D + C;
  const H = B + A;
  return { X: fmul(E, F), Y: fmul(G, H), Z: fmul(F, G), T: fmul(E, H) };
}
const addExt = (p: Ext, q: Ext): Ext => addCached(p, cache(q));

/** 2p (dbl-2008-hwcd for a = −1). */
function double(p: Ext): Ext {
  const A = fmul(p.X, p.X);
  const B = fmul(p.Y, p.Y);
  const C = fmul(p.Z, p.Z) << 1n;
  const E = fmul(p.X + p.Y, p.X + p.Y) - A - B + P4;
  const G = B - A + P2;
  const F = G - C + P4;
  const H = P4 - A - B;
  return { X: fmul(E, F), Y: fmul(G, H), Z: fmul(F, G), T: fmul(E, H) };
}

/**
 * Σ scalars[i]·points[i] for scalars in [0, ℓ): signed-digit Pippenger in which a point whose
 * scalar is below 2^128 only takes part in the windows below bit 129. Variable time. The window
 * width is chosen by a cost model unless `window` is given (for benchmarks).
 */
export function msm(
  points: readonly Element[],
  scalars: readonly bigint[],
  window?: number,
): Element {
  const n = points.length;
  if (n !== scalars.length) throw new RangeError("points and scalars differ in length");
  if (window !== undefined && (!Number.isInteger(window) || window < 2 || window > 20))
    throw new RangeError("window must be in [2, 20]");
  if (wasm() !== null && (window === undefined || window <= 16))
    return n === 0 ? IDENTITY : msmWasm(points, scalars, false, window);
  const SHORT = 1n << 128n;
  // Order: long scalars first, then short ones, zero scalars dropped.
  const order: number[] = [];
  let nLong = 0;
  for (let i = 0; i < n; i++) if (scalars[i] >= SHORT) (order.push(i), nLong++);
  for (let i = 0; i < n; i++) if (scalars[i] !== 0n && scalars[i] < SHORT) order.push(i);
  const m = order.length;
  if (m === 0) return IDENTITY;
  let w = 2;
  let best = Infinity;
  for (let c = 2; c <= 20; c++) {
    const cost = msmCost(c, m - nLong, nLong);
    if (cost < best) ((best = cost), (w = c));
  }
  if (window !== undefined) {
    if (!Number.isInteger(window) || window < 2 || window > 20)
      throw new RangeError("window must be in [2, 20]");
    w = window;
  }
  const half = 1 << (w - 1);
  const full = 1 << w;
  const windowsLong = Math.ceil(254 / w);
  const windowsShort = Math.ceil(129 / w);

  // Signed digits d ∈ [−2^(w−1), 2^(w−1)] for every window of every point.
  const l = new Uint32Array(10);
  const digits = new Int32Array(m * windowsLong);
  const pos: Cached[] = new Array(m);
  const neg: Cached[] = new Array(m);
  for (let k = 0; k < m; k++) {
    const i = order[k];
    limbs(scalars[i], l, 0);
    const nw = k < nLong ? windowsLong : windowsShort;
    let carry = 0;
    for (let t = 0; t < nw; t++) {
      let d = bits(l, 0, t * w, w) + carry;
      if (d > half) {
        d -= full;
        carry = 1;
      } else carry = 0;
      digits[k * windowsLong + t] = d;
    }
    pos[k] = cache(edwardsOf(points[i]));
    neg[k] = negCached(pos[k]);
  }

  const buckets: (Ext | undefined)[] = new Array(half);
  let acc: Ext | undefined;
  for (let t = windowsLong - 1; t >= 0; t--) {
    if (acc) for (let j = 0; j < w; j++) acc = double(acc);
    buckets.fill(undefined);
    const upto = t < windowsShort ? m : nLong;
    for (let k = 0; k < upto; k++) {
      const d = digits[k * windowsLong + t];
      if (d === 0) continue;
      const b = d > 0 ? d - 1 : -d - 1;
      const p = d > 0 ? pos[k] : neg[k];
      const cur = buckets[b];
      buckets[b] = cur ? addCached(cur, p) : fromCached(p, points[order[k]], d > 0);
    }
    let running: Ext | undefined;
    let sum: Ext | undefined;
    for (let b = half - 1; b >= 0; b--) {
      const cur = buckets[b];
      if (cur) running = running ? addExt(running, cur) : cur;
      if (running) sum = sum ? addExt(sum, running) : running;
    }
    if (sum) acc = acc ? addExt(acc, sum) : sum;
  }
  if (!acc) return IDENTITY;
  return wrap(new EdPointCons(fcanon(acc.X), fcanon(acc.Y), fcanon(acc.Z), fcanon(acc.T)));
}

/** The extended coordinates of an input point or of its negation. */
function fromCached(_c: Cached, p: Element, positive: boolean): Ext {
  const e = edwardsOf(p);
  return positive
    ? { X: e.X, Y: e.Y, Z: e.Z, T: e.T }
    : { X: FP - e.X, Y: e.Y, Z: e.Z, T: FP - e.T };
}

const WEIGHT_POOL_BYTES = 4096;

/** Independent uniform 128-bit weights from the platform CSPRNG, drawn in pooled blocks. */
export class WeightSource {
  private pool = new Uint8Array(0);
  private view = new DataView(this.pool.buffer);
  private off = 0;
  next(): bigint {
    if (this.off + 16 > this.pool.length) {
      this.pool = randomBytes(WEIGHT_POOL_BYTES);
      this.view = new DataView(this.pool.buffer, this.pool.byteOffset, this.pool.byteLength);
      this.off = 0;
    }
    const hi = this.view.getBigUint64(this.off, false);
    const lo = this.view.getBigUint64(this.off + 8, false);
    this.off += 16;
    return (hi << 64n) | lo;
  }
}

/** Below this many points Strauss-Shamir (`mulAddUnsafe`) beats pippenger's bucket overhead. */
const STRAUSS_MAX_POINTS = 16;

export class MsmAccumulator {
  private readonly points: Element[] = [];
  /** Unreduced: reduced mod ℓ once, in `evaluate`. */
  private readonly scalars: bigint[] = [];
  private readonly shared = new Map<Element, number>();
  private g = 0n;

  /** Number of points in the MSM so far (not counting G). */
  get size(): number {
    return this.points.length;
  }

  /** A term s·p on a point that occurs only here. */
  add(p: Element, s: bigint): void {
    this.points.push(p);
    this.scalars.push(s);
  }

  /** A term s·p on a point object that may occur in other equations (merged by identity). */
  addShared(p: Element, s: bigint): void {
    const i = this.shared.get(p);
    if (i === undefined) {
      this.shared.set(p, this.points.length);
      this.points.push(p);
      this.scalars.push(s);
    } else {
      this.scalars[i] += s;
    }
  }

  /** A term s·G. */
  addG(s: bigint): void {
    this.g += s;
  }

  /** Σ s_i·P_i + s_G·G. */
  evaluate(): Element {
    return this.run(false) as Element;
  }

  isIdentity(): boolean {
    return this.run(true) as boolean;
  }

  private run(identityOnly: boolean): Element | boolean {
    const n = this.points.length;
    const scalars = new Array<bigint>(n);
    for (let i = 0; i < n; i++) {
      const s = this.scalars[i];
      scalars[i] = s >= 0n && s < ORDER ? s : mod(s);
    }
    const gs = mod(this.g);
    if (wasm() !== null) {
      // One MSM with G as one more point (no precomputed table in WASM).
      const pts = gs === 0n ? this.points : [...this.points, G];
      if (gs !== 0n) scalars.push(gs);
      if (pts.length === 0) return identityOnly ? true : IDENTITY;
      return identityOnly ? msmWasm(pts, scalars, true) : msmWasm(pts, scalars, false);
    }
    let acc: Element =
      n === 0
        ? IDENTITY
        : n <= STRAUSS_MAX_POINTS
          ? mulAddUnsafe(Point, this.points, scalars)
          : msm(this.points, scalars);
    if (gs !== 0n) acc = acc.add(G.multiplyUnsafe(gs));
    return identityOnly ? acc.equals(IDENTITY) : acc;
  }
}
