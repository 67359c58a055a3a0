/**
 * The board's Ed25519 note signer on node:crypto (OpenSSL): the same
 * signatures as the verifier's portable ed25519Signer (Ed25519 is
 * deterministic; tests check byte equality), about 15x faster, which matters
 * because the sequencer signs one checkpoint per batch.
 */
import { createPrivateKey, createPublicKey, sign as edSign } from "node:crypto";
import {
  type Ed25519NoteSigner,
  LogError,
  SIG_TYPE_ED25519,
  ed25519Verifier,
  encodeVkey,
  isValidKeyName,
  keyId,
} from "@urna/verifier";

// PKCS#8 DER prefix of an Ed25519 private key (RFC 8410): the 32-byte seed follows.
const PKCS8_ED25519 = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

/** A note signer that can also sign off the main thread. */
export interface AsyncNoteSigner extends Ed25519NoteSigner {
  /** The same signature as sign(msg), computed in libuv's thread pool (node:crypto's async sign). */
  signAsync(msg: Uint8Array): Promise<Uint8Array>;
}

export const hasSignAsync = (k: object): k is AsyncNoteSigner =>
  typeof (k as Partial<AsyncNoteSigner>).signAsync === "function";

/** An Ed25519 note signer (key name `name`) from a 32-byte RFC 8032 seed. */
export function nodeEd25519Signer(name: string, seed: Uint8Array): AsyncNoteSigner {
  if (!isValidKeyName(name))
    throw new LogError("BAD_KEY_NAME", `invalid key name ${JSON.stringify(name)}`);
  if (!(seed instanceof Uint8Array) || seed.length !== 32)
    throw new LogError("BAD_PRIVATE_KEY", "Ed25519 seed must be 32 bytes");
  const der = new Uint8Array(PKCS8_ED25519.length + 32);
  der.set(PKCS8_ED25519);
  der.set(seed, PKCS8_ED25519.length);
  const key = createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" });
  der.fill(0);
  const spki = createPublicKey(key).export({ format: "der", type: "spki" });
  const publicKey = new Uint8Array(spki.subarray(spki.length - 32));
  return {
    name,
    keyId: keyId(name, SIG_TYPE_ED25519, publicKey),
    publicKey,
    vkey: encodeVkey(name, publicKey, SIG_TYPE_ED25519),
    verifier: ed25519Verifier(name, publicKey),
    sign: (msg: Uint8Array) => new Uint8Array(edSign(null, msg, key)),
    signAsync: (msg: Uint8Array) =>
      new Promise<Uint8Array>((resolve, reject) =>
        edSign(null, msg, key, (err, sig) =>
          err ? reject(err) : resolve(new Uint8Array(sig.buffer, sig.byteOffset, sig.byteLength)),
        ),
      ),
  };
}
