/**
 * Makes the generator's process deterministic. Imported FIRST by generate.ts (ES modules
 * evaluate in import order), before any module that draws randomness:
 *
 * - crypto.getRandomValues is replaced by a SHA-256 counter-mode stream from a fixed seed
 *   (block k = SHA-256("urna-conformance/drbg" || 0x00 || seed || k as 8 bytes big-endian));
 *   every key, nonce and proof commitment of the corpus comes from it;
 * - Date.now returns a fixed instant, advancing 1 ms per call (checkpoint and cosignature
 *   timestamps).
 *
 * For generating the published corpus only: such a process must never hold a real key.
 */
import { createHash } from "node:crypto";

export const CORPUS_SEED = "urna-conformance-v1";
const FIXED_NOW = Date.UTC(2024, 5, 3, 12, 0, 0);

let counter = 0n;
let pool = new Uint8Array(0);
function drbg(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let off = 0;
  while (off < n) {
    if (pool.length === 0) {
      const k = Buffer.alloc(8);
      k.writeBigUInt64BE(counter++);
      pool = new Uint8Array(
        createHash("sha256")
          .update("urna-conformance/drbg\0")
          .update(CORPUS_SEED)
          .update(k)
          .digest(),
      );
    }
    const take = Math.min(pool.length, n - off);
    out.set(pool.subarray(0, take), off);
    pool = pool.subarray(take);
    off += take;
  }
  return out;
}

Object.defineProperty(globalThis.crypto, "getRandomValues", {
  configurable: true,
  value: <T extends ArrayBufferView | null>(array: T): T => {
    if (array === null) return array;
    const view = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    view.set(drbg(view.length));
    return array;
  },
});

let now = FIXED_NOW;
Date.now = () => now++;
