/**
 * Strict Ed25519 verification (RFC 8032 §5.1.7 as protocol.md §2 fixes it: canonical A and R,
 * S < ℓ, A not of small order, cofactorless [S]B = R + [k]A) with the group work in WASM: the same
 * decisions as verifier/src/entry.ts `verifyEd25519` (noble), which test/crypto/wasm-ed25519.test.ts
 * compares it with. Public inputs only (variable time). Returns undefined when the WASM backend
 * is not in use, so that callers fall back to their JS code.
 */
import { sha512 } from "../../sha2.js";
import { mem, reserve, wasm, writeBig } from "./backend.js";

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) =>
  i.toString(16).padStart(2, "0"),
);
function le(b: Uint8Array): bigint {
  let hex = "0x";
  for (let i = b.length - 1; i >= 0; i--) hex += HEX[b[i]];
  return BigInt(hex);
}

export function verifyEd25519Wasm(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean | undefined {
  const w = wasm();
  if (w === null) return undefined;
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  const rBytes = signature.subarray(0, 32);
  const s = le(signature.subarray(32, 64));
  if (s >= L) return false;
  const h = sha512(rBytes, publicKey, message);
  const k = le(h) % L;
  const base = reserve(w, 128 + 64 + w.strausScratch(2) + 64);
  const m = mem();
  m.set(publicKey, base);
  m.set(rBytes, base + 32);
  writeBig(base + 64, s);
  writeBig(base + 96, k);
  return w.ed25519Verify(base, base + 32, base + 64, base + 96, base + 128) === 1;
}
