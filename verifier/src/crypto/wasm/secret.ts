/**
 * Constant-time scalar multiplication on the WASM backend, for the prover's secrets: s·B with a
 * precomputed table for a fixed base B (G, the joint key K), and s·P for any point P. See the
 * comment above `ct_recode` in verifier/asm/ristretto.ts for why the WASM code is constant time.
 *
 * The scalar crosses into WASM memory as 32 bytes written by `writeBig` (BigInt shifts and masks,
 * as in noble's own scalar handling) and is wiped by the WASM code after recoding. The point
 * inputs (B, P) and outputs are public values of the protocol (keys, ciphertexts, commitments).
 * Each function returns undefined when the WASM backend is not in use: callers then use noble's
 * constant-time `multiply`.
 */
import { ristretto255 } from "@noble/curves/ed25519.js";
import { allocate, reserve, wasm, writeBig } from "./backend.js";
import { pointAt, putPoint } from "./points.js";

type Element = InstanceType<typeof ristretto255.Point>;
const ORDER = ristretto255.Point.Fn.ORDER;

/** Fixed-base tables (80 KB each) by point object; at most MAX_TABLES distinct bases. */
const tables = new Map<Element, number>();
const MAX_TABLES = 8;

function checkScalar(s: bigint): void {
  if (s < 0n || s >= ORDER) throw new RangeError("scalar out of range");
}

/**
 * Give `base` (a public point used for many secret multiplications: G, K) a fixed-base table, so
 * that `mulSecretWasm(base, s)` uses it. Returns false when the WASM backend is not in use or
 * MAX_TABLES bases already have one.
 */
export function precomputeSecretBase(base: Element): boolean {
  const w = wasm();
  if (w === null) return false;
  if (tables.has(base)) return true;
  if (tables.size >= MAX_TABLES) return false;
  const tab = allocate(w, w.ctTableBytes());
  const at = reserve(w, 128);
  putPoint(base, at);
  w.ctTableBuild(tab, at);
  tables.set(base, tab);
  return true;
}

/**
 * s·P in constant time for a secret s ∈ [0, ℓ) (0 gives the identity without a branch on s):
 * with P's fixed-base table if `precomputeSecretBase(P)` gave it one, else by a constant-time
 * window method. Undefined when the WASM backend is not in use.
 */
export function mulSecretWasm(P: Element, s: bigint): Element | undefined {
  const w = wasm();
  if (w === null) return undefined;
  checkScalar(s);
  const tab = tables.get(P);
  const at = reserve(w, 128 + 128 + 32);
  writeBig(at + 256, s);
  if (tab !== undefined) w.ctMulBase(at, tab, at + 256);
  else {
    putPoint(P, at + 128);
    w.ctMul(at, at + 128, at + 256);
  }
  return pointAt(at);
}
