/**
 * XChaCha20-Poly1305 decryption (draft-irtf-cfrg-xchacha, no associated data), the
 * COCKTAIL(Ristretto255, SHA-512) AEAD, from @noble/ciphers (audited, isomorphic): what an
 * auditor needs to re-open an accused share when it judges a `ceremony.blame`
 * (spec/ceremony.md §3.4, check B). Encryption stays on the participant side (the board).
 */
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import type { AeadOpen } from "./share.js";

const TAG = 16;

/** Decrypt and authenticate ciphertext || 16-byte tag; null when the tag does not verify. */
export const xchacha20poly1305Open: AeadOpen = (key, nonce, ciphertext) => {
  if (key.length !== 32) throw new RangeError("XChaCha20-Poly1305 key must be 32 bytes");
  if (nonce.length !== 24) throw new RangeError("XChaCha20-Poly1305 nonce must be 24 bytes");
  if (ciphertext.length < TAG) return null;
  try {
    return xchacha20poly1305(key, nonce).decrypt(ciphertext);
  } catch {
    return null;
  }
};
