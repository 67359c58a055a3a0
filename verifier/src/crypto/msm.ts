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
 * Soundness: if any equation is false, the combination is the identity with probability at
 * most 2^-128 over the weights (ℓ > 2^128 is prime), so weights MUST be unpredictable to the
 * prover: they come from `crypto.getRandomValues` (via @noble/hashes `randomBytes`).
 */
import { mulAddUnsafe } from "@noble/curves/abstract/curve.js";
import type { ed25519 } from "@noble/curves/ed25519.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { G, IDENTITY, ORDER, mod, ristretto255, type Element } from "./group.js";

const Point = ristretto255.Point;
type EdPoint = InstanceType<typeof ed25519.Point>;
/** The Edwards representative behind a ristretto255 element (a protected field in noble). */
const edwardsOf = (p: Element): EdPoint => (p as unknown as { ep: EdPoint }).ep;
const wrap = (ep: EdPoint): Element => new Point(ep);

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
  const half = 1 << (w - 1);
  const full = 1 << w;
  const windowsLong = Math.ceil(254 / w);
  const windowsShort = Math.ceil(129 / w);

  // Signed digits d ∈ [−2^(w−1), 2^(w−1)] for every window of every point.
  const l = new Uint32Array(10);
  const digits = new Int32Array(m * windowsLong);
  const pos: EdPoint[] = new Array(m);
  const neg: EdPoint[] = new Array(m);
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
    pos[k] = edwardsOf(points[i]);
    neg[k] = pos[k].negate();
  }

  const buckets: (EdPoint | undefined)[] = new Array(half);
  let acc: EdPoint | undefined;
  for (let t = windowsLong - 1; t >= 0; t--) {
    if (acc) for (let j = 0; j < w; j++) acc = acc.double();
    buckets.fill(undefined);
    const upto = t < windowsShort ? m : nLong;
    for (let k = 0; k < upto; k++) {
      const d = digits[k * windowsLong + t];
      if (d === 0) continue;
      const b = d > 0 ? d - 1 : -d - 1;
      const p = d > 0 ? pos[k] : neg[k];
      const cur = buckets[b];
      buckets[b] = cur ? cur.add(p) : p;
    }
    let running: EdPoint | undefined;
    let sum: EdPoint | undefined;
    for (let b = half - 1; b >= 0; b--) {
      const cur = buckets[b];
      if (cur) running = running ? running.add(cur) : cur;
      if (running) sum = sum ? sum.add(running) : running;
    }
    if (sum) acc = acc ? acc.add(sum) : sum;
  }
  return acc ? wrap(acc) : IDENTITY;
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
    const n = this.points.length;
    const scalars = new Array<bigint>(n);
    for (let i = 0; i < n; i++) {
      const s = this.scalars[i];
      scalars[i] = s >= 0n && s < ORDER ? s : mod(s);
    }
    const gs = mod(this.g);
    let acc: Element =
      n === 0
        ? IDENTITY
        : n <= STRAUSS_MAX_POINTS
          ? mulAddUnsafe(Point, this.points, scalars)
          : msm(this.points, scalars);
    if (gs !== 0n) acc = acc.add(G.multiplyUnsafe(gs));
    return acc;
  }

  isIdentity(): boolean {
    return this.evaluate().equals(IDENTITY);
  }
}
