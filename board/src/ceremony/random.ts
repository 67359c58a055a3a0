/** Randomness for the ceremony, from crypto.getRandomValues (WebCrypto). */
import { ORDER, bytesToNumberLE } from "@urna/verifier";

/** RandomScalar(), resampled until non-zero: 64 random bytes wide-reduced mod ℓ. */
export function randomNonzeroScalar(): bigint {
  for (;;) {
    const b = globalThis.crypto.getRandomValues(new Uint8Array(64));
    const s = bytesToNumberLE(b) % ORDER;
    b.fill(0);
    if (s !== 0n) return s;
  }
}
