/**
 * Small discrete logarithm by baby-step giant-step, protocol.md §10.3: find votes ∈ [0, max]
 * (max = 10^8) with votes·G = P, or fail with TallyError DLOG_OUT_OF_RANGE.
 *
 * Ristretto elements are classes of Edwards points modulo the 4-torsion, so the table is built
 * on Edwards points multiplied by 4, which kills the torsion: 4·P = votes·(4B) exactly, where B
 * is the Ed25519 base point (the representative of G). Baby steps j·(4B), j ∈ [0, m), are kept
 * in an open-addressing hash table keyed by the low 32 bits of the affine x-coordinate (two
 * typed arrays, 8 bytes per slot, load factor ≤ 1/2); giant steps walk 4P − i·m·(4B) for
 * i ∈ [0, ⌊max/m⌋]. Affine coordinates come from batched inversions (Montgomery's trick). A key
 * hit is confirmed with a full check value·G = P before it is returned.
 *
 * Table size: the default m = 2^17 baby steps costs 2 MiB and about a second to build once per
 * process (the shared instance is built lazily on the first `solve`); a total below m is found
 * with the first giant step, and the worst case (10^8) needs ⌈10^8 / 2^17⌉ = 763 giant steps,
 * a few milliseconds. Larger m trades build time (linear) for fewer giant steps.
 */
import { FpInvertBatch } from "@noble/curves/abstract/modular.js";
import { ed25519 } from "@noble/curves/ed25519.js";
import { TallyError } from "./errors.js";
import { G, type Element } from "./group.js";
import { edwardsOf, type EdwardsPoint as EdPoint } from "./noble-internals.js";

const Ed = ed25519.Point;
const Fp = Ed.Fp;

/** The largest total a tally option may decrypt to (protocol.md §10.3). */
export const MAX_VOTES = 100_000_000;
export const DEFAULT_BABY_STEPS = 1 << 17;
const MASK32 = 0xffffffffn;
const CHUNK = 512;

/** Low 32 bits of the affine x-coordinate of each point (one field inversion for the lot). */
function xKeys(points: EdPoint[]): Uint32Array {
  const inv = FpInvertBatch(
    Fp,
    points.map((p) => p.Z),
    true,
  );
  const out = new Uint32Array(points.length);
  for (let i = 0; i < points.length; i++) out[i] = Number(Fp.mul(points[i].X, inv[i]) & MASK32);
  return out;
}

export class DiscreteLog {
  private static instance: DiscreteLog | undefined;

  /** The process-wide instance for [0, 10^8] with the default table, built on first use. */
  static shared(): DiscreteLog {
    return (DiscreteLog.instance ??= new DiscreteLog());
  }

  readonly max: number;
  readonly babySteps: number;
  private keys: Uint32Array | undefined;
  private vals: Int32Array | undefined;
  private mask = 0;
  private stride: EdPoint | undefined;

  constructor(opts: { max?: number; babySteps?: number } = {}) {
    this.max = opts.max ?? MAX_VOTES;
    this.babySteps = opts.babySteps ?? DEFAULT_BABY_STEPS;
    if (!Number.isSafeInteger(this.max) || this.max < 0)
      throw new RangeError("max must be a non-negative integer");
    if (!Number.isInteger(this.babySteps) || this.babySteps < 1 || this.babySteps > 1 << 24)
      throw new RangeError("babySteps must be in [1, 2^24]");
  }

  /** Bytes held by the table once built. */
  get tableBytes(): number {
    return this.keys ? this.keys.byteLength + (this.vals?.byteLength ?? 0) : 0;
  }

  /** Build the baby-step table now (otherwise done by the first `solve`). */
  build(): this {
    if (this.keys) return this;
    const m = this.babySteps;
    let slots = 1;
    while (slots < 2 * m) slots *= 2;
    const keys = new Uint32Array(slots);
    const vals = new Int32Array(slots).fill(-1);
    const mask = slots - 1;
    const step = Ed.BASE.double().double();
    let p: EdPoint = Ed.ZERO;
    for (let start = 0; start < m; start += CHUNK) {
      const n = Math.min(CHUNK, m - start);
      const chunk: EdPoint[] = new Array(n);
      for (let k = 0; k < n; k++) {
        chunk[k] = p;
        p = p.add(step);
      }
      const ks = xKeys(chunk);
      for (let k = 0; k < n; k++) {
        let s = ks[k] & mask;
        while (vals[s] !== -1) s = (s + 1) & mask;
        keys[s] = ks[k];
        vals[s] = start + k;
      }
    }
    this.keys = keys;
    this.vals = vals;
    this.mask = mask;
    // p = m·(4B) now; giant steps subtract it.
    this.stride = p.negate();
    return this;
  }

  /** votes ∈ [0, max] with votes·G = target. Throws TallyError DLOG_OUT_OF_RANGE. */
  solve(target: Element): number {
    this.build();
    const keys = this.keys!;
    const vals = this.vals!;
    const mask = this.mask;
    const stride = this.stride!;
    const m = this.babySteps;
    const giants = Math.floor(this.max / m);
    let q = edwardsOf(target).double().double();
    let size = 1;
    for (let i0 = 0; i0 <= giants;) {
      const n = Math.min(size, giants - i0 + 1);
      const chunk: EdPoint[] = new Array(n);
      for (let k = 0; k < n; k++) {
        chunk[k] = q;
        q = q.add(stride);
      }
      const ks = xKeys(chunk);
      for (let k = 0; k < n; k++) {
        for (let s = ks[k] & mask; vals[s] !== -1; s = (s + 1) & mask) {
          if (keys[s] !== ks[k]) continue;
          const value = (i0 + k) * m + vals[s];
          if (!G.multiplyUnsafe(BigInt(value)).equals(target)) continue; // a 32-bit key collision
          if (value > this.max)
            throw new TallyError("DLOG_OUT_OF_RANGE", `the total ${value} exceeds ${this.max}`);
          return value;
        }
      }
      i0 += n;
      size = Math.min(size * 4, CHUNK);
    }
    throw new TallyError("DLOG_OUT_OF_RANGE", `the total is not in [0, ${this.max}]`);
  }
}
