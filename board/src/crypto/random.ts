/**
 * Secret randomness for encryption nonces and proof commitments: 64 bytes from
 * crypto.getRandomValues, read little-endian and reduced mod ℓ (bias < 2^-250), resampled
 * until nonzero.
 */
import { randomBytes } from "@noble/hashes/utils.js";
import { ORDER, bytesToNumberLE } from "@urna/verifier";

export function randomScalar(): bigint {
  for (;;) {
    const b = randomBytes(64);
    const s = bytesToNumberLE(b) % ORDER;
    b.fill(0);
    if (s !== 0n) return s;
  }
}
