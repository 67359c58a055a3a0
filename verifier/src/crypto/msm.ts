/**
 * Random-weight linear combination of verification equations, evaluated with one
 * multi-scalar multiplication (protocol.md §8.2 "Batch verification").
 *
 * Every equation `X = Y` of a proof is moved to the form `Σ s_i·P_i = identity` and multiplied by
 * an independent uniform 128-bit weight z. All terms on G are collected in one scalar (G has
 * noble's precomputed table, so it is multiplied on its own), terms on a point object that
 * occurs in several equations (K, a ciphertext, a verification share) are merged into one
 * scalar per object, and everything else goes to a single MSM: noble's `pippenger` for large
 * batches, `mulAddUnsafe` (Strauss-Shamir) for a handful of points. Public data only:
 * variable-time arithmetic is fine here.
 *
 * Soundness: if any equation is false, the combination is the identity with probability at
 * most 2^-128 over the weights (ℓ > 2^128 is prime), so weights MUST be unpredictable to the
 * prover: they come from `crypto.getRandomValues` (via @noble/hashes `randomBytes`).
 */
import { mulAddUnsafe, pippenger } from "@noble/curves/abstract/curve.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { G, IDENTITY, ORDER, mod, ristretto255, type Element } from "./group.js";

const Point = ristretto255.Point;
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
          : pippenger(Point, this.points, scalars);
    if (gs !== 0n) acc = acc.add(G.multiplyUnsafe(gs));
    return acc;
  }

  isIdentity(): boolean {
    return this.evaluate().equals(IDENTITY);
  }
}
