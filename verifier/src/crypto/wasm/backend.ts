/**
 * The WebAssembly ristretto255 backend (verifier/asm/ristretto.ts, compiled by
 * verifier/scripts/build-wasm.mjs into ./module.generated.ts) and the choice between it and the
 * pure-JS code (@noble/curves plus ./ristretto-codec.ts and ./msm.ts), which stays as the fallback
 * and as the reference the WASM results are tested against.
 *
 * The module is compiled synchronously on first use. Where that is not allowed (a browser's main
 * thread refuses synchronous compilation of large modules) or WebAssembly is missing, or when the
 * JS backend is forced (`setCryptoBackend("js")`, or the environment variable
 * URNA_CRYPTO_BACKEND=js where there is a `process`), every caller silently uses the JS code.
 *
 * Across the boundary a point travels as 128 bytes: its extended coordinates X, Y, Z, T, each
 * canonical 32-byte little-endian. Scalars are 32 bytes little-endian, below 2^253. All of it is
 * variable time and for public data only.
 */
import { fromBase64 } from "../../bytes.js";
import { WASM_BASE64 } from "./module.generated.js";

/** The few WebAssembly JS-API members used here (the verifier's lib has no DOM or Node types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}

interface Exports {
  memory: WasmMemory;
  heapBase(): number;
  decodeBatch(inp: number, n: number, out: number, status: number): number;
  encodeBatch(inp: number, n: number, out: number): void;
  add(out: number, p: number, q: number): void;
  sub(out: number, p: number, q: number): void;
  sumPoints(out: number, pts: number, n: number): void;
  double(out: number, p: number): void;
  negate(out: number, p: number): void;
  equals(p: number, q: number): number;
  isIdentity(p: number): number;
  msmScratch(n: number, w: number): number;
  msm(out: number, pts: number, scs: number, n: number, w: number, scratch: number): number;
  strausScratch(n: number): number;
  straus(out: number, pts: number, scs: number, n: number, scratch: number): number;
  ed25519Verify(a: number, r: number, s: number, k: number, scratch: number): number;
  ctTableBytes(): number;
  ctTableBuild(tab: number, b: number): void;
  ctMulBase(out: number, tab: number, scalar: number): void;
  ctMul(out: number, p: number, scalar: number): void;
}

export type CryptoBackend = "wasm" | "js";

let forced: CryptoBackend | "auto" = envChoice();
let instance: Exports | null | undefined; // undefined: not tried yet; null: unavailable

function envChoice(): CryptoBackend | "auto" {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env?.URNA_CRYPTO_BACKEND;
  return env === "js" || env === "wasm" ? env : "auto";
}

function load(): Exports | null {
  if (instance !== undefined) return instance;
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (api === undefined) return (instance = null);
  try {
    const module = new api.Module(fromBase64(WASM_BASE64));
    instance = new api.Instance(module, {
      env: {
        abort: () => {
          throw new Error("ristretto255 wasm: abort");
        },
      },
    }).exports as unknown as Exports;
  } catch {
    instance = null;
  }
  return instance;
}

/**
 * Choose the backend: "wasm" (throws if WebAssembly cannot be used here), "js", or "auto" (WASM
 * when available). The default is "auto", or URNA_CRYPTO_BACKEND when set to "js" or "wasm".
 */
export function setCryptoBackend(choice: CryptoBackend | "auto"): void {
  if (choice === "wasm" && load() === null)
    throw new Error("the WebAssembly backend is not available here");
  forced = choice;
}

/** The current choice ("auto" unless forced by `setCryptoBackend` or URNA_CRYPTO_BACKEND). */
export const cryptoBackendChoice = (): CryptoBackend | "auto" => forced;

/** The backend in use. */
export function cryptoBackend(): CryptoBackend {
  if (forced === "js") return "js";
  return load() !== null ? "wasm" : "js";
}

/** The WASM exports when the WASM backend is in use, else null (callers then use the JS code). */
export function wasm(): Exports | null {
  return forced === "js" ? null : load();
}

// Linear memory above the module's static data: a bump region reset by each operation.
let u8 = new Uint8Array(0);
let dv = new DataView(u8.buffer);
let heap = 0;

/**
 * Allocate `bytes` of linear memory for good (fixed-base tables): the per-operation region of
 * `reserve` starts after every such allocation.
 */
export function allocate(w: Exports, bytes: number): number {
  if (heap === 0) heap = w.heapBase();
  const at = heap;
  heap += (bytes + 15) & ~15;
  reserve(w, 0);
  return at;
}

/** Make [start, start + bytes) available for one operation and return start; refreshes the views. */
export function reserve(w: Exports, bytes: number): number {
  if (heap === 0) heap = w.heapBase();
  const need = heap + bytes + 64;
  const have = w.memory.buffer.byteLength;
  if (need > have) w.memory.grow(Math.ceil((need - have) / 65536));
  if (u8.buffer !== w.memory.buffer) {
    u8 = new Uint8Array(w.memory.buffer);
    dv = new DataView(w.memory.buffer);
  }
  return heap;
}
export const mem = (): Uint8Array => u8;
export const view = (): DataView => dv;

const M64 = (1n << 64n) - 1n;

/** Write 0 ≤ x < 2^256 as 32 bytes little-endian at `off`. */
export function writeBig(off: number, x: bigint): void {
  dv.setBigUint64(off, x & M64, true);
  dv.setBigUint64(off + 8, (x >> 64n) & M64, true);
  dv.setBigUint64(off + 16, (x >> 128n) & M64, true);
  dv.setBigUint64(off + 24, x >> 192n, true);
}

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) =>
  i.toString(16).padStart(2, "0"),
);

/** 32 bytes little-endian at `off` of `b` as a bigint. */
export function readBig(b: Uint8Array, off: number): bigint {
  let hex = "0x";
  for (let i = off + 31; i >= off; i--) hex += HEX[b[i]];
  return BigInt(hex);
}
