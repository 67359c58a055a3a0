/**
 * The one place urna reaches past @noble/curves' public API.
 *
 * noble's ristretto255 point keeps its Edwards representative in a protected field, `ep`. The
 * multi-scalar multiplication (./msm.ts), the discrete-log search (./dlog.ts), the encoder
 * (./ristretto-codec.ts) and the WebAssembly backend's lazy points (./wasm/points.ts) need that
 * representative's projective coordinates without a round trip through the 32-byte encoding
 * (one decoding costs a square root; these paths handle millions of points). noble exposes no
 * public accessor, so every such access goes through this module, and
 * verifier/test/crypto/noble-internals.test.ts fails loudly when an upgrade moves the field or
 * changes its meaning. The package is pinned to the exact version this was tested with
 * (`NOBLE_CURVES_TESTED`, and `"@noble/curves": "<exact>"` in verifier/ and board/
 * package.json): bump both together, after the test passes.
 */
import { ed25519, ristretto255 } from "@noble/curves/ed25519.js";

/** The @noble/curves release whose private layout this module was checked against. */
export const NOBLE_CURVES_TESTED = "2.4.0";

/** The name of noble's protected field holding a ristretto255 point's Edwards representative. */
export const EDWARDS_FIELD = "ep";

export type RistrettoElement = InstanceType<typeof ristretto255.Point>;
export type EdwardsPoint = InstanceType<typeof ed25519.Point>;

const Ristretto = ristretto255.Point;

/** The Edwards representative behind a ristretto255 element (any of the coset's 4 points). */
export const edwardsOf = (p: RistrettoElement): EdwardsPoint =>
  (p as unknown as Record<typeof EDWARDS_FIELD, EdwardsPoint>)[EDWARDS_FIELD];

/**
 * The ristretto255 element whose representative is `ep`. noble's constructor is public in type
 * but documented as internal: the caller vouches that `ep` is a valid point of the curve (every
 * caller here builds it from arithmetic on valid points, never from outside bytes).
 */
export const fromEdwards = (ep: EdwardsPoint): RistrettoElement => new Ristretto(ep);
