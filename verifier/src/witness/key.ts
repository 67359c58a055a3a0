/**
 * A witness's private key file (isomorphic): the Go signed-note private key form with the
 * cosignature/v1 type byte, `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x04 || 32-byte seed)>`,
 * key ID = SHA-256(name || 0x0A || 0x04 || public key)[:4] (the same as its vkey's).
 */
import { concatBytes, fromBase64, toBase64, toHex } from "../bytes.js";
import { type Cosigner, ed25519Cosigner } from "../log/cosignature.js";
import { LogError } from "../log/errors.js";
import { SIG_TYPE_COSIGNATURE_V1, isValidKeyName } from "../log/note.js";

export function encodeWitnessPrivateKey(name: string, seed: Uint8Array): string {
  if (!isValidKeyName(name)) throw new LogError("BAD_KEY_NAME", `invalid key name ${name}`);
  const c = ed25519Cosigner(name, seed);
  const key = toBase64(concatBytes(Uint8Array.of(SIG_TYPE_COSIGNATURE_V1), seed));
  return `PRIVATE+KEY+${name}+${toHex(c.keyId)}+${key}`;
}

/** Parses a witness private key (surrounding whitespace ignored). Throws LogError BAD_PRIVATE_KEY. */
export function parseWitnessPrivateKey(text: string): {
  name: string;
  seed: Uint8Array;
  cosigner: Cosigner;
} {
  const bad = (msg: string): never => {
    throw new LogError("BAD_PRIVATE_KEY", msg);
  };
  const s = text.trim();
  const m = /^PRIVATE\+KEY\+([^+]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(s);
  if (!m) return bad("expected PRIVATE+KEY+<name>+<key ID>+<base64 key>");
  const [, name, idHex, b64] = m;
  if (!isValidKeyName(name)) bad("invalid key name");
  let raw: Uint8Array;
  try {
    raw = fromBase64(b64);
  } catch {
    return bad("key is not valid base64");
  }
  if (raw.length !== 33 || raw[0] !== SIG_TYPE_COSIGNATURE_V1)
    bad("expected 0x04 || 32-byte Ed25519 seed (a cosignature/v1 key)");
  const seed = raw.slice(1);
  const cosigner = ed25519Cosigner(name, seed);
  if (toHex(cosigner.keyId) !== idHex) bad("key ID does not match the key");
  return { name, seed, cosigner };
}
