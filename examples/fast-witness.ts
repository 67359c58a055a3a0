/**
 * Ed25519 for the demo's witnesses through OpenSSL (node:crypto) instead of the portable code:
 * the log's signature on a checkpoint is checked with the board's strict `verifyEd25519Fast`
 * (the same decisions as the verifier's portable check), and cosignatures are made with
 * node:crypto's Ed25519, which is deterministic (RFC 8032): byte for byte what the verifier's
 * `ed25519Cosigner` makes (tests/demo-witness.test.ts checks both).
 */
import { createPrivateKey, createPublicKey, sign } from "node:crypto";
import {
  type Cosigner,
  type NoteVerifier,
  SIG_TYPE_COSIGNATURE_V1,
  SIG_TYPE_ED25519,
  cosignatureMessage,
  cosignerVerifier,
  encodeCosignerVkey,
  encodeTimestampedSignature,
  keyId,
  parseVkey,
} from "@urna/verifier";
import { verifyEd25519Fast } from "../board/src/server/ed25519-fast.js";

const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/** A cosigner whose signatures come from node:crypto (same bytes as the portable cosigner's). */
export function fastCosigner(name: string, seed: Uint8Array): Cosigner {
  const sk = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, seed]),
    format: "der",
    type: "pkcs8",
  });
  const spki = createPublicKey(sk).export({ format: "der", type: "spki" });
  const publicKey = new Uint8Array(spki.subarray(spki.length - 32));
  const id = keyId(name, SIG_TYPE_COSIGNATURE_V1, publicKey);
  return {
    name,
    keyId: id,
    publicKey,
    vkey: encodeCosignerVkey(name, publicKey),
    verifier: cosignerVerifier(name, publicKey),
    cosign: (body, timestamp) => ({
      name,
      keyId: id,
      signature: encodeTimestampedSignature(
        timestamp,
        new Uint8Array(sign(null, cosignatureMessage(body, timestamp), sk)),
      ),
    }),
  };
}

/** The verifier of a log's Ed25519 note key (vkey), checking signatures with OpenSSL. */
export function fastLogVerifier(vkey: string): NoteVerifier {
  const v = parseVkey(vkey);
  if (v.type !== SIG_TYPE_ED25519 || !v.publicKey)
    throw new Error(`${v.name}: not an Ed25519 note key`);
  const pk = v.publicKey;
  return { ...v, verify: (msg, sig) => verifyEd25519Fast(sig, msg, pk) };
}
