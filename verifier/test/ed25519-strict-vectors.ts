/**
 * Crafted Ed25519 vectors for the strict verification of protocol.md §2, over any message, with
 * the decision the spec fixes for each. Used by every verification path's test (entry
 * signatures on the JS and WebAssembly backends, the board's OpenSSL fast path, checkpoint
 * notes and cosignatures), so that all of them are held to the same table.
 *
 * Built with plain bigint arithmetic on noble's points (not with the code under test): each
 * "valid equation" vector satisfies the cofactorless [S]B = R + [k]A for the points its bytes
 * decode to (leniently, where the encoding is non-canonical), so that only the rule named
 * decides it.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha512 } from "@noble/hashes/sha2.js";

const Point = ed25519.Point;
type Pt = InstanceType<typeof Point>;
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;
export const P = 2n ** 255n - 19n;

export const le = (x: bigint, len = 32): Uint8Array => {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = Number((x >> BigInt(8 * i)) & 0xffn);
  return out;
};
const leNum = (b: Uint8Array): bigint => b.reduceRight((n, x) => (n << 8n) | BigInt(x), 0n);
const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
};
const challenge = (R: Uint8Array, A: Uint8Array, msg: Uint8Array): bigint =>
  leNum(sha512(cat(R, A, msg))) % L;

/** Points of small order: the identity, (0, −1) of order 2, and a point of order 8. */
export const IDENTITY = Point.ZERO;
export const T2 = Point.fromBytes(le(P - 1n)); // y = −1: (0, −1), order 2
export const T8 = Point.fromHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a");

export interface StrictVector {
  name: string;
  publicKey: Uint8Array;
  signature: Uint8Array;
  /** The decision protocol.md §2 fixes. */
  valid: boolean;
}

/** A signature with nonce point R (bytes `rBytes`, whose discrete-log part is r) by secret a. */
function signWith(
  a: bigint,
  aBytes: Uint8Array,
  r: bigint,
  rBytes: Uint8Array,
  msg: Uint8Array,
): Uint8Array {
  const k = challenge(rBytes, aBytes, msg);
  return cat(rBytes, le((((r + k * a) % L) + L) % L));
}

/**
 * A secret a ≥ 1 (searched from `start`) whose key A = a·B + T (T a small-order point) gives
 * k = H(R || A || msg) with `pred(k)`; R's bytes may depend on nothing but `rBytes`.
 */
function keyWith(
  start: bigint,
  T: Pt,
  rBytes: Uint8Array,
  msg: Uint8Array,
  pred: (k: bigint) => boolean,
): { a: bigint; A: Pt; aBytes: Uint8Array; k: bigint } {
  for (let a = start; ; a++) {
    const A = Point.BASE.multiply(a).add(T);
    const aBytes = A.toBytes();
    const k = challenge(rBytes, aBytes, msg);
    if (pred(k)) return { a, A, aBytes, k };
  }
}

/** The vectors of protocol.md §2 over `msg`. */
export function strictVectors(msg: Uint8Array): StrictVector[] {
  const out: StrictVector[] = [];
  const a = 0x1234567890abcdefn;
  const A = Point.BASE.multiply(a);
  const aBytes = A.toBytes();
  const r = 0xfedcba987654321n;
  const R = Point.BASE.multiply(r);
  const honest = signWith(a, aBytes, r, R.toBytes(), msg);
  out.push({ name: "honest signature", publicKey: aBytes, signature: honest, valid: true });

  // S ≥ ℓ: the honest S + ℓ (the same point equation modulo ℓ), and S = ℓ.
  const s = leNum(honest.subarray(32));
  out.push({
    name: "S + ℓ (S ≥ ℓ, equation holds mod ℓ)",
    publicKey: aBytes,
    signature: cat(honest.subarray(0, 32), le(s + L)),
    valid: false,
  });
  out.push({
    name: "S = ℓ",
    publicKey: aBytes,
    signature: cat(honest.subarray(0, 32), le(L)),
    valid: false,
  });

  // Non-canonical R: the identity encoded with y = 1 + p (≥ p), and with x = 0 and the sign bit
  // set; S = k·a makes [S]B = R + [k]A hold for R = identity when decoded leniently.
  const rYp = le(1n + P);
  out.push({
    name: "non-canonical R (y ≥ p), equation holds",
    publicKey: aBytes,
    signature: signWith(a, aBytes, 0n, rYp, msg),
    valid: false,
  });
  const rNegZero = le(1n);
  rNegZero[31] |= 0x80;
  out.push({
    name: "non-canonical R (x = 0 with the sign bit), equation holds",
    publicKey: aBytes,
    signature: signWith(a, aBytes, 0n, rNegZero, msg),
    valid: false,
  });

  // Non-canonical A: the identity as y = 1 + p and as x = 0 with the sign bit (with R = identity,
  // S = 0 the equation holds for a lenient decoder), and a y ≥ p encoding of a point of large
  // order.
  for (const [name, pk] of [
    ["non-canonical A (y = 1 + p), equation holds", le(1n + P)],
    ["non-canonical A (x = 0 with the sign bit), equation holds", rNegZero],
  ] as const)
    out.push({
      name,
      publicKey: pk,
      signature: cat(IDENTITY.toBytes(), le(0n)),
      valid: false,
    });
  for (let y = 2n; y < 19n; y++) {
    let pt: Pt;
    try {
      pt = Point.fromBytes(le(y));
    } catch {
      continue;
    }
    if (pt.isSmallOrder()) continue;
    out.push({
      name: `non-canonical A (y = ${y} + p, large order)`,
      publicKey: le(y + P),
      signature: honest,
      valid: false,
    });
    break;
  }

  // Small-order A: the identity with R = identity, S = 0 (the equation holds for every message),
  // and points of order 2 and 8 with an R = [j]T that makes R + [k]A = identity (when one of
  // j = 0..7 does for this message).
  out.push({
    name: "small-order A (identity), equation holds",
    publicKey: IDENTITY.toBytes(),
    signature: cat(IDENTITY.toBytes(), le(0n)),
    valid: false,
  });
  for (const T of [T2, T8]) {
    // R = [−k]T makes R + [k]A = 0 = [0]B; R depends on k, k on R: try R = jT for j = 0..7.
    let found = false;
    for (let j = 0n; j < 8n && !found; j++) {
      const Rj = j === 0n ? IDENTITY : T.multiplyUnsafe(j);
      const rb = Rj.toBytes();
      const k = challenge(rb, T.toBytes(), msg);
      if (!Rj.add(T.multiplyUnsafe(k)).is0()) continue;
      out.push({
        name: `small-order A (order ${T.equals(T2) ? 2 : 8}), equation holds`,
        publicKey: T.toBytes(),
        signature: cat(rb, le(0n)),
        valid: false,
      });
      found = true;
    }
  }

  // Small-order R with a valid (cofactorless) equation: R = identity, S = k·a; and R = (0, −1)
  // with a key A = a·B + (0, −1) of mixed order and k odd, so that R + [k]A = [k·a]B.
  out.push({
    name: "small-order R (identity), equation holds",
    publicKey: aBytes,
    signature: signWith(a, aBytes, 0n, IDENTITY.toBytes(), msg),
    valid: true,
  });
  {
    const rb = T2.toBytes();
    const m = keyWith(7n, T2, rb, msg, (k) => k % 2n === 1n);
    out.push({
      name: "small-order R (order 2) with a mixed-order A, equation holds",
      publicKey: m.aBytes,
      signature: cat(rb, le((m.k * m.a) % L)),
      valid: true,
    });
  }

  // Mixed-order A = a·B + T8 with an honest S = r + k·a: the cofactored equation holds, the
  // cofactorless one does not (k mod 8 ≠ 0); and with k ≡ 0 mod 8 both hold.
  {
    const rb = R.toBytes();
    const m = keyWith(11n, T8, rb, msg, (k) => k % 8n !== 0n);
    out.push({
      name: "mixed-order A, cofactored equation only",
      publicKey: m.aBytes,
      signature: signWith(m.a, m.aBytes, r, rb, msg),
      valid: false,
    });
    const m0 = keyWith(11n, T8, rb, msg, (k) => k % 8n === 0n);
    out.push({
      name: "mixed-order A, cofactorless equation holds (k ≡ 0 mod 8)",
      publicKey: m0.aBytes,
      signature: signWith(m0.a, m0.aBytes, r, rb, msg),
      valid: true,
    });
  }

  // R with a torsion component: R = r·B + T8, S = r + k·a (cofactored only).
  {
    const rb = R.add(T8).toBytes();
    out.push({
      name: "R with a torsion component, cofactored equation only",
      publicKey: aBytes,
      signature: signWith(a, aBytes, r, rb, msg),
      valid: false,
    });
  }
  return out;
}
