/**
 * Signing log entries, protocol.md §5 (the prover side; the verifier's entry.ts checks it with
 * separately written code):
 *
 *   signature = Ed25519(secretKey, utf8("urna-v1/entry") || 0x0A || jcs({type, election, body, signer}))
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { canonicalBytes } from "@urna/schemas";
import type { Entry, EntryBodyMap, EntryType } from "@urna/schemas";
import { toBase64 } from "@urna/verifier";

const PREFIX = new TextEncoder().encode("urna-v1/entry\n");

export interface SigningKey {
  /** 32-byte Ed25519 secret key (RFC 8032 seed). Keep secret. */
  secretKey: Uint8Array;
  /** 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
}

/** A fresh Ed25519 key pair from the platform's cryptographic RNG. */
export function newSigningKey(): SigningKey {
  const secretKey = ed25519.utils.randomSecretKey();
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) };
}

/** The public key of a 32-byte Ed25519 secret key. */
export function signingPublicKey(secretKey: Uint8Array): Uint8Array {
  if (secretKey.length !== 32) throw new TypeError("Ed25519 secret key must be 32 bytes");
  return ed25519.getPublicKey(secretKey);
}

/**
 * Build and sign an entry. `signer` is the public key of `secretKey32`. Throws
 * CanonicalJsonError (NOT_CANONICALIZABLE) if the body has no canonical JSON form.
 */
export function signEntry<T extends EntryType>(
  type: T,
  election: string,
  body: EntryBodyMap[T],
  secretKey32: Uint8Array,
): Entry<T, EntryBodyMap[T]> {
  const signer = toBase64(signingPublicKey(secretKey32));
  const payload = canonicalBytes({ type, election, body, signer });
  const message = new Uint8Array(PREFIX.length + payload.length);
  message.set(PREFIX, 0);
  message.set(payload, PREFIX.length);
  const signature = toBase64(ed25519.sign(message, secretKey32));
  return { type, election, body, signer, signature };
}
