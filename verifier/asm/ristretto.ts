/**
 * ristretto255 (RFC 9496) over edwards25519 (a = −1, extended coordinates of Hisil, Wong, Carter
 * and Dawson) in AssemblyScript, compiled to WebAssembly by verifier/scripts/build-wasm.mjs.
 *
 * Field elements of GF(p), p = 2^255 − 19, are 10 signed 64-bit limbs h_0..h_9 in linear memory
 * (80 bytes), value Σ h_i·2^⌈25.5·i⌉: limbs of even index hold 26 bits, odd index 25 bits once
 * carried. A product of limbs f_i·g_j has weight 2^(e_i + e_j) = 2^e_(i+j) when i or j is even
 * and 2·2^e_(i+j) when both are odd; weights at or above 2^255 fold back with 2^255 ≡ 19. Products
 * are carried (floor shifts) after every multiplication/squaring, so their limbs are below
 * 2^26 / 2^25 (limb 1 may exceed by < 2^16). Multiplication is exact in i64 as long as every limb
 * of both operands is at most 3.2 times its nominal size (10 terms of at most 19·k²·2^52 < 2^63):
 * the formulas below only feed sums or differences of at most two carried values, or carry first.
 *
 * Points are 4 field elements X, Y, Z, T (x = X/Z, y = Y/Z, x·y = T/Z), 320 bytes. Across the
 * JS boundary they travel as 128 bytes: X, Y, Z, T each canonical 32-byte little-endian.
 *
 * Everything here is variable time and is for public data only (verification), except where a
 * function says otherwise.
 */

const FE: usize = 80;
const PT: usize = 320;

// Constants, 32 bytes little-endian (d = −121665/121666, 2d, √−1, 1/√(a − d)), unpacked below.
const D_BYTES = memory.data<u8>([
  163, 120, 89, 19, 202, 77, 235, 117, 171, 216, 65, 65, 77, 10, 112, 0, 152, 232, 121, 119, 121,
  64, 199, 140, 115, 254, 111, 43, 238, 108, 3, 82,
]);
const D2_BYTES = memory.data<u8>([
  89, 241, 178, 38, 148, 155, 214, 235, 86, 177, 131, 130, 154, 20, 224, 0, 48, 209, 243, 238, 242,
  128, 142, 25, 231, 252, 223, 86, 220, 217, 6, 36,
]);
const SQRT_M1_BYTES = memory.data<u8>([
  176, 160, 14, 74, 39, 27, 238, 196, 120, 228, 47, 173, 6, 24, 67, 47, 167, 215, 251, 61, 153, 0,
  77, 43, 11, 223, 193, 79, 128, 36, 131, 43,
]);
const INVSQRT_A_MINUS_D_BYTES = memory.data<u8>([
  234, 64, 93, 128, 170, 253, 200, 153, 190, 114, 65, 90, 23, 22, 47, 157, 64, 216, 1, 254, 145,
  123, 194, 22, 162, 252, 175, 207, 5, 137, 108, 120,
]);

const FD: usize = memory.data(80, 16);
const FD2: usize = memory.data(80, 16);
const FSQRT_M1: usize = memory.data(80, 16);
const FINVSQRT_A_MINUS_D: usize = memory.data(80, 16);
const FONE: usize = memory.data(80, 16);

// Scratch field elements; each function below says which it uses, so that callers do not share.
const T0: usize = memory.data(80, 16);
const T1: usize = memory.data(80, 16);
const T2: usize = memory.data(80, 16);
const T3: usize = memory.data(80, 16);
const T4: usize = memory.data(80, 16);
const T5: usize = memory.data(80, 16);
const T6: usize = memory.data(80, 16);
const T7: usize = memory.data(80, 16);
const T8: usize = memory.data(80, 16);
const T9: usize = memory.data(80, 16);
const T10: usize = memory.data(80, 16);
const T11: usize = memory.data(80, 16);
const T12: usize = memory.data(80, 16);
const T13: usize = memory.data(80, 16);
const T14: usize = memory.data(80, 16);
const T15: usize = memory.data(80, 16);
const T16: usize = memory.data(80, 16);
const T17: usize = memory.data(80, 16);
const BYTES0: usize = memory.data(64, 16);
const BYTES1: usize = memory.data(64, 16);
const SCAL: usize = memory.data(48, 16);
// Point scratch.
const P0: usize = memory.data(320, 16);
const P1: usize = memory.data(320, 16);
const P2: usize = memory.data(320, 16);
const P3: usize = memory.data(320, 16);
const PC: usize = memory.data(320, 16);

const M26: i64 = (1 << 26) - 1;
const M25: i64 = (1 << 25) - 1;

// ---------------------------------------------------------------------------------------------
// Field arithmetic.

/**
 * Carry (floor shifts) h_0..h_9 and store them at h: limbs end below 2^26 / 2^25 (limb 1 < 2^25 + 2^16).
 * Inlined by the compiler into fe_mul and fe_sq (binaryen does not inline it by itself).
 */
// @ts-ignore: decorator
@inline
function carryStore(
  h: usize,
  h0: i64,
  h1: i64,
  h2: i64,
  h3: i64,
  h4: i64,
  h5: i64,
  h6: i64,
  h7: i64,
  h8: i64,
  h9: i64,
): void {
  let c: i64;
  c = h0 >> 26;
  h1 += c;
  h0 &= M26;
  c = h1 >> 25;
  h2 += c;
  h1 &= M25;
  c = h2 >> 26;
  h3 += c;
  h2 &= M26;
  c = h3 >> 25;
  h4 += c;
  h3 &= M25;
  c = h4 >> 26;
  h5 += c;
  h4 &= M26;
  c = h5 >> 25;
  h6 += c;
  h5 &= M25;
  c = h6 >> 26;
  h7 += c;
  h6 &= M26;
  c = h7 >> 25;
  h8 += c;
  h7 &= M25;
  c = h8 >> 26;
  h9 += c;
  h8 &= M26;
  c = h9 >> 25;
  h0 += c * 19;
  h9 &= M25;
  c = h0 >> 26;
  h1 += c;
  h0 &= M26;
  store<i64>(h, h0, 0);
  store<i64>(h, h1, 8);
  store<i64>(h, h2, 16);
  store<i64>(h, h3, 24);
  store<i64>(h, h4, 32);
  store<i64>(h, h5, 40);
  store<i64>(h, h6, 48);
  store<i64>(h, h7, 56);
  store<i64>(h, h8, 64);
  store<i64>(h, h9, 72);
}

/** Carry h in place (a weak reduction: same residue, limbs back to their nominal size). */
export function fe_carry(h: usize): void {
  carryStore(
    h,
    load<i64>(h, 0),
    load<i64>(h, 8),
    load<i64>(h, 16),
    load<i64>(h, 24),
    load<i64>(h, 32),
    load<i64>(h, 40),
    load<i64>(h, 48),
    load<i64>(h, 56),
    load<i64>(h, 64),
    load<i64>(h, 72),
  );
}

function fe_copy(h: usize, f: usize): void {
  memory.copy(h, f, FE);
}
function fe_zero(h: usize): void {
  memory.fill(h, 0, FE);
}
function fe_one(h: usize): void {
  memory.fill(h, 0, FE);
  store<i64>(h, 1);
}

/** h = f + g, limb by limb (not carried). */
export function fe_add(h: usize, f: usize, g: usize): void {
  store<i64>(h, load<i64>(f, 0) + load<i64>(g, 0), 0);
  store<i64>(h, load<i64>(f, 8) + load<i64>(g, 8), 8);
  store<i64>(h, load<i64>(f, 16) + load<i64>(g, 16), 16);
  store<i64>(h, load<i64>(f, 24) + load<i64>(g, 24), 24);
  store<i64>(h, load<i64>(f, 32) + load<i64>(g, 32), 32);
  store<i64>(h, load<i64>(f, 40) + load<i64>(g, 40), 40);
  store<i64>(h, load<i64>(f, 48) + load<i64>(g, 48), 48);
  store<i64>(h, load<i64>(f, 56) + load<i64>(g, 56), 56);
  store<i64>(h, load<i64>(f, 64) + load<i64>(g, 64), 64);
  store<i64>(h, load<i64>(f, 72) + load<i64>(g, 72), 72);
}

/** h = f − g, limb by limb (signed limbs, not carried). */
export function fe_sub(h: usize, f: usize, g: usize): void {
  store<i64>(h, load<i64>(f, 0) - load<i64>(g, 0), 0);
  store<i64>(h, load<i64>(f, 8) - load<i64>(g, 8), 8);
  store<i64>(h, load<i64>(f, 16) - load<i64>(g, 16), 16);
  store<i64>(h, load<i64>(f, 24) - load<i64>(g, 24), 24);
  store<i64>(h, load<i64>(f, 32) - load<i64>(g, 32), 32);
  store<i64>(h, load<i64>(f, 40) - load<i64>(g, 40), 40);
  store<i64>(h, load<i64>(f, 48) - load<i64>(g, 48), 48);
  store<i64>(h, load<i64>(f, 56) - load<i64>(g, 56), 56);
  store<i64>(h, load<i64>(f, 64) - load<i64>(g, 64), 64);
  store<i64>(h, load<i64>(f, 72) - load<i64>(g, 72), 72);
}

/** h = −f. */
export function fe_neg(h: usize, f: usize): void {
  for (let i: usize = 0; i < 80; i += 8) store<i64>(h + i, -load<i64>(f + i));
}

/** Constant-time conditional move: h = b ? f : h, for b ∈ {0, 1} (a mask, no branch). */
export function fe_cmov(h: usize, f: usize, b: i64): void {
  const m: i64 = -b;
  for (let i: usize = 0; i < 80; i += 8) {
    const x = load<i64>(h + i);
    store<i64>(h + i, x ^ ((x ^ load<i64>(f + i)) & m));
  }
}

export function fe_mul(h: usize, f: usize, g: usize): void {
  const f0 = load<i64>(f, 0);
  const f1 = load<i64>(f, 8);
  const f2 = load<i64>(f, 16);
  const f3 = load<i64>(f, 24);
  const f4 = load<i64>(f, 32);
  const f5 = load<i64>(f, 40);
  const f6 = load<i64>(f, 48);
  const f7 = load<i64>(f, 56);
  const f8 = load<i64>(f, 64);
  const f9 = load<i64>(f, 72);
  const g0 = load<i64>(g, 0);
  const g1 = load<i64>(g, 8);
  const g2 = load<i64>(g, 16);
  const g3 = load<i64>(g, 24);
  const g4 = load<i64>(g, 32);
  const g5 = load<i64>(g, 40);
  const g6 = load<i64>(g, 48);
  const g7 = load<i64>(g, 56);
  const g8 = load<i64>(g, 64);
  const g9 = load<i64>(g, 72);
  const g1_19 = g1 * 19;
  const g2_19 = g2 * 19;
  const g3_19 = g3 * 19;
  const g4_19 = g4 * 19;
  const g5_19 = g5 * 19;
  const g6_19 = g6 * 19;
  const g7_19 = g7 * 19;
  const g8_19 = g8 * 19;
  const g9_19 = g9 * 19;
  const f1_2 = f1 * 2;
  const f3_2 = f3 * 2;
  const f5_2 = f5 * 2;
  const f7_2 = f7 * 2;
  const f9_2 = f9 * 2;
  let h0: i64 =
    f0 * g0 +
    f1_2 * g9_19 +
    f2 * g8_19 +
    f3_2 * g7_19 +
    f4 * g6_19 +
    f5_2 * g5_19 +
    f6 * g4_19 +
    f7_2 * g3_19 +
    f8 * g2_19 +
    f9_2 * g1_19;
  let h1: i64 =
    f0 * g1 +
    f1 * g0 +
    f2 * g9_19 +
    f3 * g8_19 +
    f4 * g7_19 +
    f5 * g6_19 +
    f6 * g5_19 +
    f7 * g4_19 +
    f8 * g3_19 +
    f9 * g2_19;
  let h2: i64 =
    f0 * g2 +
    f1_2 * g1 +
    f2 * g0 +
    f3_2 * g9_19 +
    f4 * g8_19 +
    f5_2 * g7_19 +
    f6 * g6_19 +
    f7_2 * g5_19 +
    f8 * g4_19 +
    f9_2 * g3_19;
  let h3: i64 =
    f0 * g3 +
    f1 * g2 +
    f2 * g1 +
    f3 * g0 +
    f4 * g9_19 +
    f5 * g8_19 +
    f6 * g7_19 +
    f7 * g6_19 +
    f8 * g5_19 +
    f9 * g4_19;
  let h4: i64 =
    f0 * g4 +
    f1_2 * g3 +
    f2 * g2 +
    f3_2 * g1 +
    f4 * g0 +
    f5_2 * g9_19 +
    f6 * g8_19 +
    f7_2 * g7_19 +
    f8 * g6_19 +
    f9_2 * g5_19;
  let h5: i64 =
    f0 * g5 +
    f1 * g4 +
    f2 * g3 +
    f3 * g2 +
    f4 * g1 +
    f5 * g0 +
    f6 * g9_19 +
    f7 * g8_19 +
    f8 * g7_19 +
    f9 * g6_19;
  let h6: i64 =
    f0 * g6 +
    f1_2 * g5 +
    f2 * g4 +
    f3_2 * g3 +
    f4 * g2 +
    f5_2 * g1 +
    f6 * g0 +
    f7_2 * g9_19 +
    f8 * g8_19 +
    f9_2 * g7_19;
  let h7: i64 =
    f0 * g7 +
    f1 * g6 +
    f2 * g5 +
    f3 * g4 +
    f4 * g3 +
    f5 * g2 +
    f6 * g1 +
    f7 * g0 +
    f8 * g9_19 +
    f9 * g8_19;
  let h8: i64 =
    f0 * g8 +
    f1_2 * g7 +
    f2 * g6 +
    f3_2 * g5 +
    f4 * g4 +
    f5_2 * g3 +
    f6 * g2 +
    f7_2 * g1 +
    f8 * g0 +
    f9_2 * g9_19;
  let h9: i64 =
    f0 * g9 +
    f1 * g8 +
    f2 * g7 +
    f3 * g6 +
    f4 * g5 +
    f5 * g4 +
    f6 * g3 +
    f7 * g2 +
    f8 * g1 +
    f9 * g0;
  carryStore(h, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9);
}

export function fe_sq(h: usize, f: usize): void {
  const f0 = load<i64>(f, 0);
  const f1 = load<i64>(f, 8);
  const f2 = load<i64>(f, 16);
  const f3 = load<i64>(f, 24);
  const f4 = load<i64>(f, 32);
  const f5 = load<i64>(f, 40);
  const f6 = load<i64>(f, 48);
  const f7 = load<i64>(f, 56);
  const f8 = load<i64>(f, 64);
  const f9 = load<i64>(f, 72);
  const f0_2 = f0 * 2;
  const f1_2 = f1 * 2;
  const f2_2 = f2 * 2;
  const f3_2 = f3 * 2;
  const f4_2 = f4 * 2;
  const f5_2 = f5 * 2;
  const f6_2 = f6 * 2;
  const f7_2 = f7 * 2;
  const f8_2 = f8 * 2;
  const f9_2 = f9 * 2;
  const f1_19 = f1 * 19;
  const f2_19 = f2 * 19;
  const f3_19 = f3 * 19;
  const f4_19 = f4 * 19;
  const f5_19 = f5 * 19;
  const f6_19 = f6 * 19;
  const f7_19 = f7 * 19;
  const f8_19 = f8 * 19;
  const f9_19 = f9 * 19;
  const f1_38 = f1 * 38;
  const f3_38 = f3 * 38;
  const f5_38 = f5 * 38;
  const f7_38 = f7 * 38;
  const f9_38 = f9 * 38;
  let h0: i64 = f0 * f0 + f1_2 * f9_38 + f2_2 * f8_19 + f3_2 * f7_38 + f4_2 * f6_19 + f5 * f5_38;
  let h1: i64 = f0_2 * f1 + f2 * f9_38 + f3_2 * f8_19 + f4 * f7_38 + f5_2 * f6_19;
  let h2: i64 = f0_2 * f2 + f1_2 * f1 + f3_2 * f9_38 + f4_2 * f8_19 + f5_2 * f7_38 + f6 * f6_19;
  let h3: i64 = f0_2 * f3 + f1_2 * f2 + f4 * f9_38 + f5_2 * f8_19 + f6 * f7_38;
  let h4: i64 = f0_2 * f4 + f1_2 * f3_2 + f2 * f2 + f5_2 * f9_38 + f6_2 * f8_19 + f7 * f7_38;
  let h5: i64 = f0_2 * f5 + f1_2 * f4 + f2_2 * f3 + f6 * f9_38 + f7_2 * f8_19;
  let h6: i64 = f0_2 * f6 + f1_2 * f5_2 + f2_2 * f4 + f3_2 * f3 + f7_2 * f9_38 + f8 * f8_19;
  let h7: i64 = f0_2 * f7 + f1_2 * f6 + f2_2 * f5 + f3_2 * f4 + f8 * f9_38;
  let h8: i64 = f0_2 * f8 + f1_2 * f7_2 + f2_2 * f6 + f3_2 * f5_2 + f4 * f4 + f9 * f9_38;
  let h9: i64 = f0_2 * f9 + f1_2 * f8 + f2_2 * f7 + f3_2 * f6 + f4_2 * f5;
  carryStore(h, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9);
}

/** h = f^(2^n) (n ≥ 1). */
function fe_sqn(h: usize, f: usize, n: i32): void {
  fe_sq(h, f);
  for (let i = 1; i < n; i++) fe_sq(h, h);
}

/** Limbs from 32 bytes little-endian; bit 255 is ignored (callers check canonicity). */
export function fe_frombytes(h: usize, s: usize): void {
  // Limb i starts at bit e_i = ⌈25.5·i⌉ = 0, 26, 51, 77, 102, 128, 153, 179, 204, 230; a 32-bit
  // load at byte ⌊e_i/8⌋ shifted by e_i mod 8 (≤ 6) always holds the limb's 25 or 26 bits.
  store<i64>(h, <i64>((load<u32>(s, 0) >> 0) & (<u32>M26)), 0);
  store<i64>(h, <i64>((load<u32>(s, 3) >> 2) & (<u32>M25)), 8);
  store<i64>(h, <i64>((load<u32>(s, 6) >> 3) & (<u32>M26)), 16);
  store<i64>(h, <i64>((load<u32>(s, 9) >> 5) & (<u32>M25)), 24);
  store<i64>(h, <i64>((load<u32>(s, 12) >> 6) & (<u32>M26)), 32);
  store<i64>(h, <i64>((load<u32>(s, 16) >> 0) & (<u32>M25)), 40);
  store<i64>(h, <i64>((load<u32>(s, 19) >> 1) & (<u32>M26)), 48);
  store<i64>(h, <i64>((load<u32>(s, 22) >> 3) & (<u32>M25)), 56);
  store<i64>(h, <i64>((load<u32>(s, 25) >> 4) & (<u32>M26)), 64);
  store<i64>(h, <i64>((load<u32>(s, 28) >> 6) & (<u32>M25)), 72);
}

/**
 * The canonical 32-byte little-endian encoding of h (value in [0, p)). Runs a fixed number of
 * carry passes: with limbs below 2^40 in magnitude (everything computed here), the first pass
 * leaves every limb in range except h_0 (off by at most 19·2^16), the second leaves at most a
 * carry of ±1 out of h_9, i.e. ±19 into h_0, which the third absorbs (its own h_9 carry is 0).
 */
export function fe_tobytes(s: usize, f: usize): void {
  let h0 = load<i64>(f, 0),
    h1 = load<i64>(f, 8),
    h2 = load<i64>(f, 16),
    h3 = load<i64>(f, 24),
    h4 = load<i64>(f, 32);
  let h5 = load<i64>(f, 40),
    h6 = load<i64>(f, 48),
    h7 = load<i64>(f, 56),
    h8 = load<i64>(f, 64),
    h9 = load<i64>(f, 72);
  let c: i64;
  for (let pass = 0; pass < 3; pass++) {
    c = h0 >> 26;
    h1 += c;
    h0 &= M26;
    c = h1 >> 25;
    h2 += c;
    h1 &= M25;
    c = h2 >> 26;
    h3 += c;
    h2 &= M26;
    c = h3 >> 25;
    h4 += c;
    h3 &= M25;
    c = h4 >> 26;
    h5 += c;
    h4 &= M26;
    c = h5 >> 25;
    h6 += c;
    h5 &= M25;
    c = h6 >> 26;
    h7 += c;
    h6 &= M26;
    c = h7 >> 25;
    h8 += c;
    h7 &= M25;
    c = h8 >> 26;
    h9 += c;
    h8 &= M26;
    c = h9 >> 25;
    h0 += c * 19;
    h9 &= M25;
  }
  // Now 0 ≤ v < 2^255 (h_0 may still be ≥ 2^26 by at most 19: the carries below absorb it).
  // q = 1 iff v + 19 ≥ 2^255, i.e. v ≥ p; then v − p = v + 19 − 2^255.
  let q: i64 = (h0 + 19) >> 26;
  q = (h1 + q) >> 25;
  q = (h2 + q) >> 26;
  q = (h3 + q) >> 25;
  q = (h4 + q) >> 26;
  q = (h5 + q) >> 25;
  q = (h6 + q) >> 26;
  q = (h7 + q) >> 25;
  q = (h8 + q) >> 26;
  q = (h9 + q) >> 25;
  h0 += 19 * q;
  c = h0 >> 26;
  h1 += c;
  h0 &= M26;
  c = h1 >> 25;
  h2 += c;
  h1 &= M25;
  c = h2 >> 26;
  h3 += c;
  h2 &= M26;
  c = h3 >> 25;
  h4 += c;
  h3 &= M25;
  c = h4 >> 26;
  h5 += c;
  h4 &= M26;
  c = h5 >> 25;
  h6 += c;
  h5 &= M25;
  c = h6 >> 26;
  h7 += c;
  h6 &= M26;
  c = h7 >> 25;
  h8 += c;
  h7 &= M25;
  c = h8 >> 26;
  h9 += c;
  h8 &= M26;
  h9 &= M25; // drops 2^255
  // Pack 255 bits.
  const lo0: u64 = (<u64>h0) | ((<u64>h1) << 26) | ((<u64>h2) << 51);
  const lo1: u64 = ((<u64>h2) >> 13) | ((<u64>h3) << 13) | ((<u64>h4) << 38);
  const lo2: u64 = (<u64>h5) | ((<u64>h6) << 25) | ((<u64>h7) << 51);
  const lo3: u64 = ((<u64>h7) >> 13) | ((<u64>h8) << 12) | ((<u64>h9) << 38);
  store<u64>(s, lo0, 0);
  store<u64>(s, lo1, 8);
  store<u64>(s, lo2, 16);
  store<u64>(s, lo3, 24);
}

/** Whether the canonical value of f is odd ("negative", RFC 9496 §4.1). */
function fe_isneg(f: usize): bool {
  fe_tobytes(BYTES0, f);
  return (load<u8>(BYTES0) & 1) == 1;
}
function fe_iszero(f: usize): bool {
  fe_tobytes(BYTES0, f);
  return (
    (load<u64>(BYTES0, 0) | load<u64>(BYTES0, 8) | load<u64>(BYTES0, 16) | load<u64>(BYTES0, 24)) ==
    0
  );
}
/** f ≡ g (mod p). Uses T17. */
function fe_eq(f: usize, g: usize): bool {
  fe_sub(T17, f, g);
  return fe_iszero(T17);
}
/** h = |f| (the non-negative one of ±f). */
function fe_abs(h: usize, f: usize): void {
  if (fe_isneg(f)) fe_neg(h, f);
  else if (h != f) fe_copy(h, f);
}

/** h = z^((p − 5)/8) = z^(2^252 − 3). Uses T0..T2. */
function fe_pow22523(h: usize, z: usize): void {
  fe_sq(T0, z); // z^2
  fe_sqn(T1, T0, 2); // z^8
  fe_mul(T1, z, T1); // z^9
  fe_mul(T0, T0, T1); // z^11
  fe_sq(T0, T0); // z^22
  fe_mul(T0, T1, T0); // z^(2^5 − 1)
  fe_sqn(T1, T0, 5);
  fe_mul(T0, T1, T0); // z^(2^10 − 1)
  fe_sqn(T1, T0, 10);
  fe_mul(T1, T1, T0); // z^(2^20 − 1)
  fe_sqn(T2, T1, 20);
  fe_mul(T1, T2, T1); // z^(2^40 − 1)
  fe_sqn(T1, T1, 10);
  fe_mul(T0, T1, T0); // z^(2^50 − 1)
  fe_sqn(T1, T0, 50);
  fe_mul(T1, T1, T0); // z^(2^100 − 1)
  fe_sqn(T2, T1, 100);
  fe_mul(T1, T2, T1); // z^(2^200 − 1)
  fe_sqn(T1, T1, 50);
  fe_mul(T0, T1, T0); // z^(2^250 − 1)
  fe_sqn(T0, T0, 2); // z^(2^252 − 4)
  fe_mul(h, T0, z); // z^(2^252 − 3)
}

/**
 * SQRT_RATIO_M1(u, v) of RFC 9496 §4.2: r = |√(u/v)| if u/v is square, else |√(i·u/v)|;
 * returns was_square. Uses T0..T6.
 */
function sqrt_ratio_m1(r: usize, u: usize, v: usize): bool {
  fe_sq(T3, v);
  fe_mul(T3, T3, v); // v^3
  fe_sq(T4, T3);
  fe_mul(T4, T4, v); // v^7
  fe_mul(T4, T4, u); // u·v^7
  fe_pow22523(T5, T4);
  fe_mul(T5, T5, T3);
  fe_mul(T5, T5, u); // r = u·v^3·(u·v^7)^((p−5)/8)
  fe_sq(T6, T5);
  fe_mul(T6, T6, v); // check = v·r^2
  const correct = fe_eq(T6, u);
  fe_neg(T4, u);
  const flipped = fe_eq(T6, T4);
  fe_mul(T4, T4, FSQRT_M1);
  const flippedI = fe_eq(T6, T4);
  if (flipped || flippedI) fe_mul(T5, T5, FSQRT_M1);
  fe_abs(r, T5);
  return correct || flipped;
}

// ---------------------------------------------------------------------------------------------
// Points (extended coordinates, 320 bytes: X, Y, Z, T).

function X(p: usize): usize {
  return p;
}
function Y(p: usize): usize {
  return p + 80;
}
function Z(p: usize): usize {
  return p + 160;
}
function T(p: usize): usize {
  return p + 240;
}

function pt_identity(p: usize): void {
  memory.fill(p, 0, PT);
  store<i64>(Y(p), 1);
  store<i64>(Z(p), 1);
}

/** Cached form of p for additions: (Y + X, Y − X, 2Z, 2d·T), carried. */
function pt_cache(c: usize, p: usize): void {
  fe_add(X(c), Y(p), X(p));
  fe_carry(X(c));
  fe_sub(Y(c), Y(p), X(p));
  fe_carry(Y(c));
  fe_add(Z(c), Z(p), Z(p));
  fe_carry(Z(c));
  fe_mul(T(c), T(p), FD2);
}

/**
 * r = p + q (q cached; −q when neg), add-2008-hwcd-3 for a = −1: A = (Y1−X1)(Y2−X2),
 * B = (Y1+X1)(Y2+X2), C = T1·2d·T2, D = Z1·2Z2, E = B−A, F = D−C, G = D+C, H = B+A,
 * X3 = E·F, Y3 = G·H, T3 = E·H, Z3 = F·G. Negating q swaps Y2±X2 and negates T2. r may be p.
 * Uses T7..T14.
 */
function pt_add_cached(r: usize, p: usize, q: usize, neg: bool): void {
  fe_sub(T7, Y(p), X(p));
  fe_mul(T7, T7, neg ? X(q) : Y(q)); // A
  fe_add(T8, Y(p), X(p));
  fe_mul(T8, T8, neg ? Y(q) : X(q)); // B
  fe_mul(T9, T(p), T(q)); // C (of +q)
  fe_mul(T10, Z(p), Z(q)); // D
  fe_sub(T11, T8, T7); // E
  fe_add(T14, T8, T7); // H
  if (neg) {
    fe_add(T12, T10, T9); // F = D + C
    fe_sub(T13, T10, T9); // G = D − C
  } else {
    fe_sub(T12, T10, T9); // F
    fe_add(T13, T10, T9); // G
  }
  fe_mul(X(r), T11, T12);
  fe_mul(Y(r), T13, T14);
  fe_mul(Z(r), T12, T13);
  fe_mul(T(r), T11, T14);
}

/** r = p + q (both extended). Uses PC, T7..T14. */
function pt_add(r: usize, p: usize, q: usize): void {
  pt_cache(PC, q);
  pt_add_cached(r, p, PC, false);
}

/**
 * r = 2p, dbl-2008-hwcd for a = −1: A = X², B = Y², C = 2Z², E = (X+Y)² − A − B, G = B − A,
 * F = G − C, H = −A − B, X3 = E·F, Y3 = G·H, T3 = E·H, Z3 = F·G. r may be p. Uses T7..T13.
 */
function pt_double(r: usize, p: usize): void {
  fe_sq(T7, X(p)); // A
  fe_sq(T8, Y(p)); // B
  fe_sq(T9, Z(p));
  fe_add(T9, T9, T9); // C (2× nominal)
  fe_add(T10, X(p), Y(p));
  fe_sq(T10, T10);
  fe_add(T13, T7, T8); // A + B
  fe_sub(T10, T10, T13); // E (3× nominal)
  fe_sub(T11, T8, T7); // G (2×)
  fe_sub(T12, T11, T9); // F (4×): carry
  fe_carry(T12);
  fe_neg(T13, T13); // H (2×)
  fe_mul(X(r), T10, T12);
  fe_mul(Y(r), T11, T13);
  fe_mul(Z(r), T12, T11);
  fe_mul(T(r), T10, T13);
}

function pt_neg(r: usize, p: usize): void {
  fe_neg(X(r), X(p));
  if (r != p) {
    fe_copy(Y(r), Y(p));
    fe_copy(Z(r), Z(p));
  }
  fe_neg(T(r), T(p));
}

/** Ristretto equality: X1·Y2 = Y1·X2 or Y1·Y2 = X1·X2 (RFC 9496 §4.5). Uses T15, T16 (+T17). */
function pt_eq(p: usize, q: usize): bool {
  fe_mul(T15, X(p), Y(q));
  fe_mul(T16, Y(p), X(q));
  if (fe_eq(T15, T16)) return true;
  fe_mul(T15, Y(p), Y(q));
  fe_mul(T16, X(p), X(q));
  return fe_eq(T15, T16);
}

/** Whether p is the ristretto identity (X = 0 or Y = 0). */
function pt_is_identity(p: usize): bool {
  return fe_iszero(X(p)) || fe_iszero(Y(p));
}

/** 128 bytes (X, Y, Z, T canonical LE) into a point. */
function pt_load(p: usize, b: usize): void {
  fe_frombytes(X(p), b);
  fe_frombytes(Y(p), b + 32);
  fe_frombytes(Z(p), b + 64);
  fe_frombytes(T(p), b + 96);
}
/** A point into 128 bytes (X, Y, Z, T canonical LE). */
function pt_store(b: usize, p: usize): void {
  fe_tobytes(b, X(p));
  fe_tobytes(b + 32, Y(p));
  fe_tobytes(b + 64, Z(p));
  fe_tobytes(b + 96, T(p));
}

// ---------------------------------------------------------------------------------------------
// ristretto255 decoding and encoding (RFC 9496 §4.3).

/**
 * Decode 32 bytes at `inp` (RFC 9496 §4.3.1, strict) into a point at `out` (extended, Z = 1).
 * Returns 0 if the encoding is invalid (not canonical, negative s, not square, negative t or
 * y = 0), 1 for a valid element, 2 for the identity (the all-zero encoding, its only one).
 * Uses T0..T6, T15..T17 and BYTES0/1.
 */
function decode(out: usize, inp: usize): i32 {
  // 1. s must be the canonical encoding of a field element, 2. non-negative (even).
  if ((load<u8>(inp) & 1) != 0) return 0;
  fe_frombytes(T15, inp);
  fe_tobytes(BYTES1, T15);
  if (
    load<u64>(BYTES1, 0) != load<u64>(inp, 0) ||
    load<u64>(BYTES1, 8) != load<u64>(inp, 8) ||
    load<u64>(BYTES1, 16) != load<u64>(inp, 16) ||
    load<u64>(BYTES1, 24) != load<u64>(inp, 24)
  )
    return 0;
  const s = T15;
  // Working values live in the output point's limbs until the end (X = x, Y = y, Z = 1, T = t).
  const u1 = X(out),
    u2 = Y(out),
    v = Z(out),
    w = T(out);
  fe_sq(T16, s); // s²
  fe_sub(u1, FONE, T16); // u1 = 1 − s²
  fe_carry(u1);
  fe_add(u2, FONE, T16); // u2 = 1 + s²
  fe_carry(u2);
  fe_sq(w, u2); // u2²
  fe_sq(v, u1);
  fe_mul(v, v, FD); // d·u1²
  fe_add(v, v, w);
  fe_neg(v, v); // v = −(d·u1²) − u2²
  fe_carry(v);
  fe_mul(T16, v, w); // v·u2²
  const wasSquare = sqrt_ratio_m1(T16, FONE, T16); // T16 = invsqrt
  fe_mul(T17, T16, u2); // den_x
  fe_mul(w, T16, T17);
  fe_mul(w, w, v); // den_y
  fe_mul(Y(out), u1, w); // y = u1·den_y (u2 is no longer needed)
  fe_add(T16, s, s);
  fe_mul(T16, T16, T17); // 2s·den_x
  fe_abs(X(out), T16); // x (u1 is no longer needed)
  fe_mul(T(out), X(out), Y(out)); // t = x·y
  fe_one(Z(out));
  if (!wasSquare || fe_isneg(T(out)) || fe_iszero(Y(out))) return 0;
  return fe_iszero(s) ? 2 : 1;
}

/** Encode the point p (RFC 9496 §4.3.2) into 32 bytes at `out`. Uses T0..T6, T15..T17, P3. */
function encode(out: usize, p: usize): void {
  const u1 = X(P3),
    u2 = Y(P3),
    den1 = Z(P3),
    den2 = T(P3);
  fe_add(T15, Z(p), Y(p));
  fe_sub(T16, Z(p), Y(p));
  fe_mul(u1, T15, T16); // u1 = (Z + Y)(Z − Y)
  fe_mul(u2, X(p), Y(p)); // u2 = X·Y
  fe_sq(T15, u2);
  fe_mul(T15, T15, u1);
  sqrt_ratio_m1(T15, FONE, T15); // invsqrt
  fe_mul(den1, T15, u1);
  fe_mul(den2, T15, u2);
  fe_mul(T16, den1, den2);
  fe_mul(T16, T16, T(p)); // z_inv
  fe_mul(T15, T(p), T16);
  const rotate = fe_isneg(T15);
  let x: usize, y: usize, denInv: usize;
  if (rotate) {
    fe_mul(T0, Y(p), FSQRT_M1); // x = iY
    fe_mul(T1, X(p), FSQRT_M1); // y = iX
    fe_mul(T2, den1, FINVSQRT_A_MINUS_D); // enchanted denominator
    x = T0;
    y = T1;
    denInv = T2;
  } else {
    x = X(p);
    fe_copy(T1, Y(p));
    y = T1;
    denInv = den2;
  }
  fe_mul(T15, x, T16);
  if (fe_isneg(T15)) fe_neg(y, y);
  fe_sub(T15, Z(p), y);
  fe_mul(T15, T15, denInv);
  fe_abs(T15, T15);
  fe_tobytes(out, T15);
}

// ---------------------------------------------------------------------------------------------
// Exported operations on the JS-facing 128-byte form (X, Y, Z, T canonical LE).

/** Where the caller's memory starts (everything below is static data). */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

/**
 * Decode n encodings (32 bytes each, from `inp`) into n points of 128 bytes at `out` and a status
 * byte each at `status` (0 invalid, 1 valid, 2 identity). Returns the number of invalid ones.
 */
export function decodeBatch(inp: usize, n: i32, out: usize, status: usize): i32 {
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const st = decode(P0, inp + <usize>i * 32);
    store<u8>(status + <usize>i, <u8>st);
    if (st == 0) {
      bad++;
      memory.fill(out + <usize>i * 128, 0, 128);
    } else pt_store(out + <usize>i * 128, P0);
  }
  return bad;
}

/** Encode n points (128 bytes each) into n × 32 bytes. */
export function encodeBatch(inp: usize, n: i32, out: usize): void {
  for (let i = 0; i < n; i++) {
    pt_load(P1, inp + <usize>i * 128);
    encode(out + <usize>i * 32, P1);
  }
}

/** out = p + q. */
export function add(out: usize, p: usize, q: usize): void {
  pt_load(P1, p);
  pt_load(P2, q);
  pt_add(P1, P1, P2);
  pt_store(out, P1);
}
/** out = Σ of n points (128 bytes each, at `pts`); the identity for n = 0. */
export function sumPoints(out: usize, pts: usize, n: i32): void {
  if (n == 0) pt_identity(P1);
  else pt_load(P1, pts);
  for (let i = 1; i < n; i++) {
    pt_load(P2, pts + <usize>i * 128);
    pt_add(P1, P1, P2);
  }
  pt_store(out, P1);
}
/** out = p − q. */
export function sub(out: usize, p: usize, q: usize): void {
  pt_load(P1, p);
  pt_load(P2, q);
  pt_neg(P2, P2);
  pt_add(P1, P1, P2);
  pt_store(out, P1);
}
/** out = 2p. */
export function double(out: usize, p: usize): void {
  pt_load(P1, p);
  pt_double(P1, P1);
  pt_store(out, P1);
}
/** out = −p. */
export function negate(out: usize, p: usize): void {
  pt_load(P1, p);
  pt_neg(P1, P1);
  pt_store(out, P1);
}
/** Ristretto equality of two points. */
export function equals(p: usize, q: usize): bool {
  pt_load(P1, p);
  pt_load(P2, q);
  return pt_eq(P1, P2);
}
/** Whether p is the identity. */
export function isIdentity(p: usize): bool {
  pt_load(P1, p);
  return pt_is_identity(P1);
}

// ---------------------------------------------------------------------------------------------
// Variable-time multi-scalar multiplication (public data only).

/** Bytes of scratch `msm` needs for n points and window w. */
export function msmScratch(n: i32, w: i32): usize {
  const windows = (254 + w - 1) / w;
  const half: i32 = 1 << (w - 1);
  return <usize>n * (2 * PT) + <usize>n * <usize>windows * 4 + <usize>half * (PT + 1) + 64;
}

/**
 * out (128 bytes) = Σ s_i·P_i for n points (128 bytes each, at `pts`) and scalars (32 bytes LE
 * each, below 2^253, at `scs`): Pippenger's bucket method with signed digits in
 * [−2^(w−1), 2^(w−1)] (buckets for 1..2^(w−1), negative digits add −P), zero digits skipped.
 * `scratch` holds msmScratch(n, w) bytes. Returns whether the result is the identity.
 */
export function msm(out: usize, pts: usize, scs: usize, n: i32, w: i32, scratch: usize): bool {
  const windows = (254 + w - 1) / w;
  const half = 1 << (w - 1);
  const full = 1 << w;
  const mask: u64 = ((<u64>1) << (<u64>w)) - 1;
  const ext = (scratch + 15) & ~15;
  const cached = ext + <usize>n * PT;
  const digits = cached + <usize>n * PT;
  const buckets = digits + <usize>n * <usize>windows * 4;
  const used = buckets + <usize>half * PT;
  for (let i = 0; i < n; i++) {
    const p = ext + <usize>i * PT;
    pt_load(p, pts + <usize>i * 128);
    pt_cache(cached + <usize>i * PT, p);
    // Signed digits of scalar i (zero-padded copy, so reads past bit 255 see zeros).
    memory.copy(SCAL, scs + <usize>i * 32, 32);
    store<u64>(SCAL, 0, 32);
    store<u64>(SCAL, 0, 40);
    let carry = 0;
    const drow = digits + <usize>i * <usize>windows * 4;
    for (let t = 0; t < windows; t++) {
      const pos = t * w;
      let d = <i32>((load<u64>(SCAL + <usize>(pos >> 3)) >> (<u64>(pos & 7))) & mask) + carry;
      if (d > half) {
        d -= full;
        carry = 1;
      } else carry = 0;
      store<i32>(drow + <usize>t * 4, d);
    }
  }
  const acc = P0;
  let accSet = false;
  for (let t = windows - 1; t >= 0; t--) {
    if (accSet) for (let j = 0; j < w; j++) pt_double(acc, acc);
    memory.fill(used, 0, <usize>half);
    let any = false;
    for (let i = 0; i < n; i++) {
      const d = load<i32>(digits + (<usize>i * <usize>windows + <usize>t) * 4);
      if (d == 0) continue;
      const b = d > 0 ? d - 1 : -d - 1;
      const bp = buckets + <usize>b * PT;
      if (load<u8>(used + <usize>b) != 0) {
        pt_add_cached(bp, bp, cached + <usize>i * PT, d < 0);
      } else {
        store<u8>(used + <usize>b, 1);
        if (d > 0) memory.copy(bp, ext + <usize>i * PT, PT);
        else pt_neg(bp, ext + <usize>i * PT);
      }
      any = true;
    }
    if (!any) continue;
    // Σ_b (b+1)·bucket_b = Σ_k running_k with running_k = Σ_{b ≥ k} bucket_b.
    let runSet = false,
      sumSet = false;
    const running = P1,
      sum = P2;
    for (let b = half - 1; b >= 0; b--) {
      const bp = buckets + <usize>b * PT;
      if (load<u8>(used + <usize>b) != 0) {
        if (runSet) pt_add(running, running, bp);
        else {
          memory.copy(running, bp, PT);
          runSet = true;
        }
      }
      if (runSet) {
        if (sumSet) pt_add(sum, sum, running);
        else {
          memory.copy(sum, running, PT);
          sumSet = true;
        }
      }
    }
    if (accSet) pt_add(acc, acc, sum);
    else {
      memory.copy(acc, sum, PT);
      accSet = true;
    }
  }
  if (!accSet) pt_identity(acc);
  pt_store(out, acc);
  return pt_is_identity(acc);
}

/** Bytes of scratch `straus` needs for n points. */
export function strausScratch(n: i32): usize {
  return <usize>n * (8 * PT + 64 * 4) + 64;
}

/**
 * out (128 bytes) = Σ s_i·P_i by Straus' method (interleaved windows) with signed 4-bit digits in
 * [−8, 8] and a table of 1·P_i..8·P_i per point: 252 doublings in all plus one addition per
 * nonzero digit, far cheaper than buckets for a few points. Same inputs as `msm`. Returns
 * whether the result is the identity.
 */
export function straus(out: usize, pts: usize, scs: usize, n: i32, scratch: usize): bool {
  const tables = (scratch + 15) & ~15;
  const digits = tables + <usize>n * 8 * PT;
  for (let i = 0; i < n; i++) {
    const tab = tables + <usize>i * 8 * PT;
    pt_load(P1, pts + <usize>i * 128);
    memory.copy(P2, P1, PT);
    pt_cache(tab, P1);
    for (let j = 1; j < 8; j++) {
      pt_add_cached(P2, P2, tab, false); // (j+1)·P
      pt_cache(tab + <usize>j * PT, P2);
    }
    memory.copy(SCAL, scs + <usize>i * 32, 32);
    store<u64>(SCAL, 0, 32);
    store<u64>(SCAL, 0, 40);
    let carry = 0;
    const drow = digits + <usize>i * 64 * 4;
    for (let t = 0; t < 64; t++) {
      let d = <i32>((load<u8>(SCAL + <usize>(t >> 1)) >> (<u8>((t & 1) * 4))) & 15) + carry;
      if (d > 8) {
        d -= 16;
        carry = 1;
      } else carry = 0;
      store<i32>(drow + <usize>t * 4, d);
    }
  }
  const acc = P0;
  pt_identity(acc);
  let started = false;
  for (let t = 63; t >= 0; t--) {
    if (started) for (let j = 0; j < 4; j++) pt_double(acc, acc);
    for (let i = 0; i < n; i++) {
      const d = load<i32>(digits + (<usize>i * 64 + <usize>t) * 4);
      if (d == 0) continue;
      const e = tables + <usize>i * 8 * PT + <usize>((d > 0 ? d : -d) - 1) * PT;
      pt_add_cached(acc, acc, e, d < 0);
      started = true;
    }
  }
  pt_store(out, acc);
  return pt_is_identity(acc);
}

// ---------------------------------------------------------------------------------------------
// Ed25519 (RFC 8032) signature equation, for the log's entry signatures (public data).

const ED_BASE_BYTES = memory.data<u8>([
  0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
  0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
]);
const ED_BASE: usize = memory.data(320, 16);
const ED_BUF: usize = memory.data(256, 16);

/**
 * Decode an Ed25519 point (RFC 8032 §5.1.3), strictly: y must be canonical (< p) and x = 0 with
 * the sign bit set is refused. Returns false if invalid. Uses T0..T6, T15..T17, BYTES0/1.
 */
function ed_decode(out: usize, inp: usize): bool {
  memory.copy(BYTES1, inp, 32);
  const sign = load<u8>(BYTES1, 31) >> 7;
  store<u8>(BYTES1, load<u8>(BYTES1, 31) & 0x7f, 31);
  fe_frombytes(Y(out), BYTES1);
  fe_tobytes(BYTES0, Y(out));
  if (
    load<u64>(BYTES0, 0) != load<u64>(BYTES1, 0) ||
    load<u64>(BYTES0, 8) != load<u64>(BYTES1, 8) ||
    load<u64>(BYTES0, 16) != load<u64>(BYTES1, 16) ||
    load<u64>(BYTES0, 24) != load<u64>(BYTES1, 24)
  )
    return false;
  fe_sq(T15, Y(out));
  fe_sub(T16, T15, FONE); // u = y² − 1
  fe_carry(T16);
  fe_mul(T15, T15, FD);
  fe_add(T15, T15, FONE); // v = d·y² + 1
  fe_carry(T15);
  if (!sqrt_ratio_m1(X(out), T16, T15)) return false; // x = |√(u/v)|
  const xIsZero = fe_iszero(X(out));
  if (xIsZero && sign == 1) return false;
  if (!xIsZero && sign == 1) fe_neg(X(out), X(out)); // |x| is even; the sign bit asks for odd
  fe_one(Z(out));
  fe_mul(T(out), X(out), Y(out));
  return true;
}

/**
 * The Ed25519 verification equation (cofactorless, strict): decodes A (32 bytes at `a`) and R (at
 * `r`), refuses A of small order ([8]A = identity), and checks [S]B = R + [k]A with S and k
 * (32 bytes LE each, below ℓ) at `s` and `k`. Returns 1 if it holds, 0 otherwise. `scratch` holds
 * strausScratch(2) bytes.
 */
export function ed25519Verify(a: usize, r: usize, s: usize, k: usize, scratch: usize): i32 {
  if (!ed_decode(P3, a)) return 0;
  pt_double(P1, P3);
  pt_double(P1, P1);
  pt_double(P1, P1);
  if (fe_iszero(X(P1))) return 0; // small order (X = 0 after ×8 means the identity)
  // Points B and −A, scalars S and k, into the 128-byte form for straus.
  pt_store(ED_BUF, ED_BASE);
  pt_neg(P3, P3);
  pt_store(ED_BUF + 128, P3);
  memory.copy(scratch, s, 32);
  memory.copy(scratch + 32, k, 32);
  const sc = scratch;
  straus(ED_BUF, ED_BUF, sc, 2, scratch + 64); // [S]B − [k]A (straus reads all inputs first)
  pt_load(P3, ED_BUF);
  if (!ed_decode(P2, r)) return 0;
  // Projective equality of Edwards points: X3·Z2 = X2·Z3 and Y3·Z2 = Y2·Z3.
  fe_mul(T15, X(P3), Z(P2));
  fe_mul(T16, X(P2), Z(P3));
  if (!fe_eq(T15, T16)) return 0;
  fe_mul(T15, Y(P3), Z(P2));
  fe_mul(T16, Y(P2), Z(P3));
  return fe_eq(T15, T16) ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Constant-time scalar multiplication, for the prover's secrets (nonces, witnesses, key shares).
//
// Why these are constant time: the field arithmetic above is straight-line code (no branch or
// memory index depends on limb values; `fe_tobytes` runs a fixed number of passes) and wasm's
// i64 add/sub/mul/shift/and take data-independent time on the CPUs we target. The scalar is
// recoded into signed radix-16 digits with arithmetic only (`ct_recode`). Every table lookup
// (`ct_select`) reads all 8 entries of a row and keeps the wanted one with a mask (`fe_cmov`),
// and the sign is applied with masks too, so neither the memory addresses touched nor the branches
// taken depend on the digits. The additions use the complete formulas (pt_add_niels, and
// pt_add_cached with its `neg` flag constant false), so a zero digit (the identity, selected the
// same way) needs no special case. The loops run a fixed number of times. Scalar bytes and
// digits are wiped after use. Fixed-base tables are built from public points (G, K) with
// variable-time code (an inversion per entry), which is fine: nothing secret is involved.

const DIGITS: usize = memory.data(64 * 4, 16);
const SEL: usize = memory.data(320, 16);

/** Signed radix-16 digits e_0..e_63 in [−8, 8] of a 32-byte scalar below 2^255, branch-free. */
function ct_recode(scalar: usize): void {
  for (let i = 0; i < 32; i++) {
    const b = <i32>load<u8>(scalar + <usize>i);
    store<i32>(DIGITS + <usize>(2 * i) * 4, b & 15);
    store<i32>(DIGITS + <usize>(2 * i + 1) * 4, (b >> 4) & 15);
  }
  let carry: i32 = 0;
  for (let i = 0; i < 63; i++) {
    let e = load<i32>(DIGITS + <usize>i * 4) + carry;
    carry = (e + 8) >> 4;
    e -= carry << 4;
    store<i32>(DIGITS + <usize>i * 4, e);
  }
  store<i32>(DIGITS + 63 * 4, load<i32>(DIGITS + 63 * 4) + carry);
}

/** The cached identity (Y+X, Y−X, 2Z, 2dT) = (1, 1, 2, 0). */
function cached_identity(c: usize): void {
  memory.fill(c, 0, PT);
  store<i64>(X(c), 1);
  store<i64>(Y(c), 1);
  store<i64>(Z(c), 2);
}

/** h = b ? f : h for a whole point (40 words), b ∈ {0, 1}, with a mask: constant time. */
function pt_cmov(h: usize, f: usize, b: i64): void {
  const m: i64 = -b;
  for (let i: usize = 0; i < 320; i += 32) {
    const x0 = load<i64>(h + i, 0);
    const x1 = load<i64>(h + i, 8);
    const x2 = load<i64>(h + i, 16);
    const x3 = load<i64>(h + i, 24);
    store<i64>(h + i, x0 ^ ((x0 ^ load<i64>(f + i, 0)) & m), 0);
    store<i64>(h + i, x1 ^ ((x1 ^ load<i64>(f + i, 8)) & m), 8);
    store<i64>(h + i, x2 ^ ((x2 ^ load<i64>(f + i, 16)) & m), 16);
    store<i64>(h + i, x3 ^ ((x3 ^ load<i64>(f + i, 24)) & m), 24);
  }
}

/** SEL = e·Q where `row` holds 1·Q..8·Q cached, e ∈ [−8, 8]; constant time. */
function ct_select(row: usize, e: i32): void {
  const m = e >> 31; // −1 if negative
  const a = (e ^ m) - m; // |e|
  cached_identity(SEL);
  for (let j = 1; j <= 8; j++) {
    const eq = <i64>((((a ^ j) - 1) >>> 31) & 1); // 1 iff a == j (a ^ j in [0, 15])
    pt_cmov(SEL, row + <usize>(j - 1) * PT, eq);
  }
  // −Q in cached form swaps Y+X and Y−X and negates 2dT: applied with the sign mask.
  const neg: i64 = <i64>m;
  for (let i: usize = 0; i < 80; i += 8) {
    const x = load<i64>(X(SEL) + i);
    const y = load<i64>(Y(SEL) + i);
    const t = load<i64>(T(SEL) + i);
    const d = (x ^ y) & neg;
    store<i64>(X(SEL) + i, x ^ d);
    store<i64>(Y(SEL) + i, y ^ d);
    store<i64>(T(SEL) + i, t ^ ((t ^ -t) & neg));
  }
}

// Fixed-base tables hold affine "Niels" points (y + x, y − x, 2d·x·y), 240 bytes each: a lookup
// moves 3 field elements instead of 4 and an addition costs 7 multiplications instead of 8.
const NP: usize = 240;
const NSEL: usize = memory.data(240, 16);

/** Bytes of a fixed-base table: 32 rows of 1·Q_i..8·Q_i (Niels form), Q_i = 256^i·B. */
export function ctTableBytes(): usize {
  return 32 * 8 * NP;
}

/** h = 1/z = z^(p − 2) = z^(2^255 − 21) (0 for z = 0). Uses T0..T2. */
function fe_invert(h: usize, z: usize): void {
  fe_sq(T0, z); // z^2
  fe_sqn(T1, T0, 2); // z^8
  fe_mul(T1, z, T1); // z^9
  fe_mul(T0, T0, T1); // z^11
  fe_sq(T2, T0); // z^22
  fe_mul(T1, T1, T2); // z^(2^5 − 1)
  fe_sqn(T2, T1, 5);
  fe_mul(T1, T2, T1); // z^(2^10 − 1)
  fe_sqn(T2, T1, 10);
  fe_mul(T2, T2, T1); // z^(2^20 − 1)
  fe_sqn(h, T2, 20);
  fe_mul(T2, h, T2); // z^(2^40 − 1)
  fe_sqn(T2, T2, 10);
  fe_mul(T1, T2, T1); // z^(2^50 − 1)
  fe_sqn(T2, T1, 50);
  fe_mul(T2, T2, T1); // z^(2^100 − 1)
  fe_sqn(h, T2, 100);
  fe_mul(T2, h, T2); // z^(2^200 − 1)
  fe_sqn(T2, T2, 50);
  fe_mul(T1, T2, T1); // z^(2^250 − 1)
  fe_sqn(T1, T1, 5); // z^(2^255 − 32)
  fe_mul(h, T1, T0); // z^(2^255 − 21)
}

/** The Niels form of the extended point p at n (public data). Uses T0..T2, T15, T16. */
function pt_niels(n: usize, p: usize): void {
  fe_invert(T15, Z(p));
  fe_mul(T16, X(p), T15); // x
  fe_mul(T15, Y(p), T15); // y
  fe_add(n, T15, T16); // y + x
  fe_carry(n);
  fe_sub(n + 80, T15, T16); // y − x
  fe_carry(n + 80);
  fe_mul(n + 160, T15, T16);
  fe_mul(n + 160, n + 160, FD2); // 2d·x·y
}

/**
 * r = p + q for q in Niels form (add-2008-hwcd-3 with Z2 = 1): A = (Y1−X1)(y2−x2),
 * B = (Y1+X1)(y2+x2), C = T1·2d·x2·y2, D = 2·Z1, then as `pt_add_cached`. r may be p.
 * Straight-line code (constant time). Uses T7..T14.
 */
function pt_add_niels(r: usize, p: usize, q: usize): void {
  fe_sub(T7, Y(p), X(p));
  fe_mul(T7, T7, q + 80); // A
  fe_add(T8, Y(p), X(p));
  fe_mul(T8, T8, q); // B
  fe_mul(T9, T(p), q + 160); // C
  fe_add(T10, Z(p), Z(p)); // D
  fe_sub(T11, T8, T7); // E
  fe_add(T14, T8, T7); // H
  fe_sub(T12, T10, T9); // F
  fe_carry(T12);
  fe_add(T13, T10, T9); // G
  fe_carry(T13);
  fe_mul(X(r), T11, T12);
  fe_mul(Y(r), T13, T14);
  fe_mul(Z(r), T12, T13);
  fe_mul(T(r), T11, T14);
}

/** h = b ? f : h over `bytes` bytes (a multiple of 16), with a mask: constant time. */
function mem_cmov(h: usize, f: usize, b: i64, bytes: usize): void {
  const m: i64 = -b;
  for (let i: usize = 0; i < bytes; i += 16) {
    const x0 = load<i64>(h + i, 0);
    const x1 = load<i64>(h + i, 8);
    store<i64>(h + i, x0 ^ ((x0 ^ load<i64>(f + i, 0)) & m), 0);
    store<i64>(h + i, x1 ^ ((x1 ^ load<i64>(f + i, 8)) & m), 8);
  }
}

/** NSEL = e·Q where `row` holds 1·Q..8·Q in Niels form, e ∈ [−8, 8]; constant time. */
function ct_select_niels(row: usize, e: i32): void {
  const m = e >> 31; // −1 if negative
  const a = (e ^ m) - m; // |e|
  memory.fill(NSEL, 0, NP); // the identity: (1, 1, 0)
  store<i64>(NSEL, 1);
  store<i64>(NSEL + 80, 1);
  for (let j = 1; j <= 8; j++) {
    const eq = <i64>((((a ^ j) - 1) >>> 31) & 1); // 1 iff a == j
    mem_cmov(NSEL, row + <usize>(j - 1) * NP, eq, NP);
  }
  // −Q swaps y + x and y − x and negates 2d·x·y: applied with the sign mask.
  const neg: i64 = <i64>m;
  for (let i: usize = 0; i < 80; i += 8) {
    const x = load<i64>(NSEL + i);
    const y = load<i64>(NSEL + 80 + i);
    const t = load<i64>(NSEL + 160 + i);
    const d = (x ^ y) & neg;
    store<i64>(NSEL + i, x ^ d);
    store<i64>(NSEL + 80 + i, y ^ d);
    store<i64>(NSEL + 160 + i, t ^ ((t ^ -t) & neg));
  }
}

/** Build the fixed-base table of B (128 bytes at `b`) at `tab` (public data: variable time). */
export function ctTableBuild(tab: usize, b: usize): void {
  pt_load(P1, b); // Q_0 = B
  for (let i = 0; i < 32; i++) {
    const row = tab + <usize>i * 8 * NP;
    pt_cache(PC, P1);
    memory.copy(P2, P1, PT);
    pt_niels(row, P2);
    for (let j = 1; j < 8; j++) {
      pt_add_cached(P2, P2, PC, false); // (j+1)·Q_i
      pt_niels(row + <usize>j * NP, P2);
    }
    // Q_{i+1} = 256·Q_i = 2^8·Q_i
    for (let k = 0; k < 8; k++) pt_double(P1, P1);
  }
}

/**
 * out (128 bytes) = s·B for the secret 32-byte scalar s (below 2^253) and the table of B at `tab`:
 * s·B = Σ_i e_{2i}·Q_i + 16·Σ_i e_{2i+1}·Q_i, 64 constant-time lookups and additions, 4
 * doublings. Constant time in s (see above). The scalar bytes at `scalar` are wiped.
 */
export function ctMulBase(out: usize, tab: usize, scalar: usize): void {
  ct_recode(scalar);
  memory.fill(scalar, 0, 32);
  pt_identity(P1);
  for (let i = 1; i < 64; i += 2) {
    ct_select_niels(tab + <usize>(i >> 1) * 8 * NP, load<i32>(DIGITS + <usize>i * 4));
    pt_add_niels(P1, P1, NSEL);
  }
  for (let k = 0; k < 4; k++) pt_double(P1, P1);
  for (let i = 0; i < 64; i += 2) {
    ct_select_niels(tab + <usize>(i >> 1) * 8 * NP, load<i32>(DIGITS + <usize>i * 4));
    pt_add_niels(P1, P1, NSEL);
  }
  pt_store(out, P1);
  memory.fill(DIGITS, 0, 64 * 4);
  memory.fill(NSEL, 0, NP);
  memory.fill(P1, 0, PT);
}

const VTAB: usize = memory.data(8 * 320, 16);

/**
 * out (128 bytes) = s·P for a point P (128 bytes at `p`) and a secret scalar s (32 bytes, below
 * 2^253): a table of 1·P..8·P (built from P alone), then for each of the 64 signed digits from
 * the top: 4 doublings and one constant-time lookup and addition. Constant time in s. The scalar
 * bytes at `scalar` are wiped.
 */
export function ctMul(out: usize, p: usize, scalar: usize): void {
  pt_load(P1, p);
  memory.copy(P2, P1, PT);
  pt_cache(VTAB, P1);
  for (let j = 1; j < 8; j++) {
    pt_add_cached(P2, P2, VTAB, false);
    pt_cache(VTAB + <usize>j * PT, P2);
  }
  ct_recode(scalar);
  memory.fill(scalar, 0, 32);
  pt_identity(P1);
  for (let i = 63; i >= 0; i--) {
    for (let k = 0; k < 4; k++) pt_double(P1, P1);
    ct_select(VTAB, load<i32>(DIGITS + <usize>i * 4));
    pt_add_cached(P1, P1, SEL, false);
  }
  pt_store(out, P1);
  memory.fill(DIGITS, 0, 64 * 4);
  memory.fill(SEL, 0, PT);
  memory.fill(P1, 0, PT);
}

// Unpack the constants.
fe_frombytes(FD, D_BYTES);
fe_frombytes(FD2, D2_BYTES);
fe_frombytes(FSQRT_M1, SQRT_M1_BYTES);
fe_frombytes(FINVSQRT_A_MINUS_D, INVSQRT_A_MINUS_D_BYTES);
fe_one(FONE);
ed_decode(ED_BASE, ED_BASE_BYTES);
