/**
 * Constants and primitive hashes of COCKTAIL(Ristretto255, SHA-512) (c2sp.org/cocktail-dkg).
 * These hashes are the ciphersuite's own, used unchanged; they do not use urna's `urna-v1/` tags.
 */
import { sha512 } from "@noble/hashes/sha2.js";
import { concatBytes, utf8 } from "../bytes.js";
import { bytesToNumberLE, mod } from "../crypto/group.js";

export const CIPHERSUITE_ID = "COCKTAIL(Ristretto255, SHA-512)";
export const CIPHERSUITE_ID_BYTES: Uint8Array = utf8(CIPHERSUITE_ID);
export const H6_PREFIX: Uint8Array = utf8("COCKTAIL-DKG-Ristretto255-SHA512-H6");
export const H7_PREFIX: Uint8Array = utf8("COCKTAIL-DKG-Ristretto255-SHA512-H7");
export const NONCE_PREFIX: Uint8Array = utf8("COCKTAIL-DKG-Ristretto255-SHA512-NONCE");
export const CONTEXT_PREFIX: Uint8Array = utf8("COCKTAIL-DKG-CONTEXT");

export const POINT_SIZE = 32;
export const SCALAR_SIZE = 32;
export const SIGNATURE_SIZE = 64;
export const AEAD_KEY_SIZE = 32;
export const AEAD_NONCE_SIZE = 24;
export const AEAD_TAG_SIZE = 16;
/** scalar_size + AEAD tag: the size of a zero-payload encrypted share. */
export const MIN_CIPHERTEXT_SIZE = SCALAR_SIZE + AEAD_TAG_SIZE;
/** urna's MAX_CIPHERTEXT_SIZE: the spec's SHOULD floor (64 KiB). Entries are smaller anyway. */
export const MAX_CIPHERTEXT_SIZE = 65_536;
/** Largest n urna accepts (the spec allows up to 2^32 - 1; entries bound it far lower). */
export const MAX_PARTICIPANTS = 1024;

export function u32le(x: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, x, true);
  return out;
}
export function u64le(x: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(x), true);
  return out;
}
export function u64be(x: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(x), false);
  return out;
}

/** H: the ciphersuite hash, SHA-512 over the concatenation of the parts. */
export function H(...parts: Uint8Array[]): Uint8Array {
  const h = sha512.create();
  for (const p of parts) h.update(p);
  return h.digest();
}

/** HashToScalar: SHA-512, read little-endian, wide-reduced mod ℓ. */
export const hashToScalar = (...parts: Uint8Array[]): bigint => mod(bytesToNumberLE(H(...parts)));

/** H6(x, E, P_s, P_r, extra) = SHA-512(prefix || x || E || P_s || P_r || u64le(len(extra)) || extra). */
export function h6(
  x: Uint8Array,
  E: Uint8Array,
  Ps: Uint8Array,
  Pr: Uint8Array,
  extra: Uint8Array,
): Uint8Array {
  return H(H6_PREFIX, x, E, Ps, Pr, u64le(extra.length), extra);
}

/**
 * Key and nonce for c_{s,r}: tmp = H6(S^e || S^d, E_s, P_s, P_r, context); key = tmp[0:32],
 * nonce = tmp[32:56]. `ecdhEphemeral` = enc(e_s·P_r) = enc(d_r·E_s); `ecdhStatic` = enc(d_s·P_r).
 */
export function deriveKeyAndNonce(
  ecdhEphemeral: Uint8Array,
  ecdhStatic: Uint8Array,
  senderEphemeral: Uint8Array,
  senderStatic: Uint8Array,
  recipientStatic: Uint8Array,
  context: Uint8Array,
): { key: Uint8Array; nonce: Uint8Array } {
  const tmp = h6(
    concatBytes(ecdhEphemeral, ecdhStatic),
    senderEphemeral,
    senderStatic,
    recipientStatic,
    context,
  );
  return {
    key: tmp.slice(0, AEAD_KEY_SIZE),
    nonce: tmp.slice(AEAD_KEY_SIZE, AEAD_KEY_SIZE + AEAD_NONCE_SIZE),
  };
}

/**
 * The spec's RECOMMENDED context: H("COCKTAIL-DKG-CONTEXT" || u64be(len(session_id)) ||
 * session_id || u64be(len(ciphersuite_id)) || ciphersuite_id || u32le(n) || P_1 || ... || P_n).
 */
export function deriveContext(
  sessionId: Uint8Array,
  staticKeys: readonly Uint8Array[],
): Uint8Array {
  return H(
    CONTEXT_PREFIX,
    u64be(sessionId.length),
    sessionId,
    u64be(CIPHERSUITE_ID_BYTES.length),
    CIPHERSUITE_ID_BYTES,
    u32le(staticKeys.length),
    ...staticKeys,
  );
}

/** Extension derived from broadcast payloads: H(u64le(n) || u64le(len(p_1)) || p_1 || ...). */
export function payloadExtension(payloads: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [u64le(payloads.length)];
  for (const p of payloads) parts.push(u64le(p.length), p);
  return H(...parts);
}

/** The PoP message: context || C_{i,0} || ... || C_{i,t-1} || E_i. */
export const popMessage = (
  context: Uint8Array,
  commitments: readonly Uint8Array[],
  ephemeralKey: Uint8Array,
): Uint8Array => concatBytes(context, ...commitments, ephemeralKey);
