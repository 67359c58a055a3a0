/**
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha), no associated data: the COCKTAIL(Ristretto255,
 * SHA-512) AEAD, from @noble/ciphers (audited, isomorphic). Output is ciphertext || 16-byte tag.
 */
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";

const TAG = 16;

function checkSizes(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== 32) throw new RangeError("XChaCha20-Poly1305 key must be 32 bytes");
  if (nonce.length !== 24) throw new RangeError("XChaCha20-Poly1305 nonce must be 24 bytes");
}

/** Encrypt: ciphertext || 16-byte tag. */
export function xchacha20poly1305Seal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  checkSizes(key, nonce);
  return xchacha20poly1305(key, nonce).encrypt(plaintext);
}

/** Decrypt and authenticate; null when the tag does not verify. */
export function xchacha20poly1305Open(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array | null {
  checkSizes(key, nonce);
  if (ciphertext.length < TAG) return null;
  try {
    return xchacha20poly1305(key, nonce).decrypt(ciphertext);
  } catch {
    return null;
  }
}
