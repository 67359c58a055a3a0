/**
 * C2SP tlog-cosignature, Ed25519 cosignature/v1 (signature type 0x04), and
 * witness quorum checks over a cosigned checkpoint.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesEqual, fromUtf8, utf8 } from "../bytes.js";
import { verifyEd25519 } from "../ed25519.js";
import { LogError } from "./errors.js";
import {
  type NoteSignature,
  type NoteVerifier,
  SIG_TYPE_COSIGNATURE_V1,
  encodeVkey,
  formatSignatureLine,
  isValidKeyName,
  keyId,
  parseNote,
} from "./note.js";

/** Largest timestamp representable here (the spec allows up to 2^63-1; we use safe integers). */
const MAX_TIMESTAMP = Number.MAX_SAFE_INTEGER;

function checkTimestamp(t: number): void {
  if (!Number.isSafeInteger(t) || t < 0 || t > MAX_TIMESTAMP)
    throw new LogError(
      "MALFORMED_COSIGNATURE",
      "timestamp must be a non-negative safe integer (POSIX seconds)",
    );
}

/** "cosignature/v1\ntime <t>\n" || checkpoint body (with its final newline, no signature lines). */
export function cosignatureMessage(checkpointBody: string, timestamp: number): Uint8Array {
  checkTimestamp(timestamp);
  if (!checkpointBody.endsWith("\n"))
    throw new LogError("MALFORMED_CHECKPOINT", "checkpoint body must end with a newline");
  return utf8(`cosignature/v1\ntime ${timestamp}\n${checkpointBody}`);
}

/** timestamped_signature = u64 big-endian timestamp || 64-byte Ed25519 signature. */
export function encodeTimestampedSignature(timestamp: number, signature: Uint8Array): Uint8Array {
  checkTimestamp(timestamp);
  if (signature.length !== 64)
    throw new LogError("MALFORMED_COSIGNATURE", "Ed25519 signature must be 64 bytes");
  const out = new Uint8Array(72);
  const hi = Math.floor(timestamp / 2 ** 32);
  const lo = timestamp % 2 ** 32;
  const dv = new DataView(out.buffer);
  dv.setUint32(0, hi);
  dv.setUint32(4, lo);
  out.set(signature, 8);
  return out;
}

export function parseTimestampedSignature(sig: Uint8Array): {
  timestamp: number;
  signature: Uint8Array;
} {
  if (sig.length !== 72)
    throw new LogError("MALFORMED_COSIGNATURE", "Ed25519 cosignature must be 8 + 64 bytes");
  const dv = new DataView(sig.buffer, sig.byteOffset, sig.byteLength);
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  const timestamp = hi * 2 ** 32 + lo;
  if (!Number.isSafeInteger(timestamp))
    throw new LogError("MALFORMED_COSIGNATURE", "timestamp too large");
  return { timestamp, signature: sig.slice(8) };
}

export interface CosignerVerifier extends NoteVerifier {
  readonly type: typeof SIG_TYPE_COSIGNATURE_V1;
  readonly publicKey: Uint8Array;
  /** Verifies and returns the cosignature's timestamp, or undefined if invalid. */
  verifyTimestamped(checkpointBody: string, sig: Uint8Array): number | undefined;
}

/** A note verifier for Ed25519 cosignature/v1 (type 0x04): verifies over the note text (the checkpoint body). */
export function cosignerVerifier(name: string, publicKey: Uint8Array): CosignerVerifier {
  if (!isValidKeyName(name))
    throw new LogError("BAD_KEY_NAME", `invalid key name ${JSON.stringify(name)}`);
  if (
    !(publicKey instanceof Uint8Array) ||
    publicKey.length !== 32 ||
    !ed25519.utils.isValidPublicKey(publicKey, false)
  )
    throw new LogError("BAD_VKEY", "invalid Ed25519 public key");
  const pk = publicKey.slice();
  const verifyTimestamped = (checkpointBody: string, sig: Uint8Array): number | undefined => {
    try {
      const { timestamp, signature } = parseTimestampedSignature(sig);
      // protocol.md §2's strict rule, as for entry and checkpoint signatures.
      return verifyEd25519(signature, cosignatureMessage(checkpointBody, timestamp), pk)
        ? timestamp
        : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    name,
    keyId: keyId(name, SIG_TYPE_COSIGNATURE_V1, pk),
    type: SIG_TYPE_COSIGNATURE_V1,
    publicKey: pk,
    verifyTimestamped,
    verify: (msg: Uint8Array, sig: Uint8Array) => {
      let body: string;
      try {
        body = fromUtf8(msg);
      } catch {
        return false;
      }
      return verifyTimestamped(body, sig) !== undefined;
    },
  };
}

/** The cosigner's vkey: `<name>+<keyid>+<base64(0x04 || publicKey)>`. */
export const encodeCosignerVkey = (name: string, publicKey: Uint8Array): string =>
  encodeVkey(name, publicKey, SIG_TYPE_COSIGNATURE_V1);

export interface Cosigner {
  readonly name: string;
  readonly keyId: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly vkey: string;
  readonly verifier: CosignerVerifier;
  cosign(checkpointBody: string, timestamp: number): NoteSignature;
}

/** A cosigner (witness) key from a 32-byte Ed25519 seed. */
export function ed25519Cosigner(name: string, seed: Uint8Array): Cosigner {
  if (!(seed instanceof Uint8Array) || seed.length !== 32)
    throw new LogError("BAD_PRIVATE_KEY", "Ed25519 seed must be 32 bytes");
  const sk = seed.slice();
  const publicKey = ed25519.getPublicKey(sk);
  const verifier = cosignerVerifier(name, publicKey);
  return {
    name,
    keyId: verifier.keyId,
    publicKey,
    vkey: encodeCosignerVkey(name, publicKey),
    verifier,
    cosign: (checkpointBody, timestamp) => cosign(checkpointBody, name, sk, timestamp),
  };
}

/** Produces a cosignature/v1 signature line value over a checkpoint body. */
export function cosign(
  checkpointBody: string,
  name: string,
  seed: Uint8Array,
  timestamp: number,
): NoteSignature {
  if (seed.length !== 32) throw new LogError("BAD_PRIVATE_KEY", "Ed25519 seed must be 32 bytes");
  const publicKey = ed25519.getPublicKey(seed);
  const sig = ed25519.sign(cosignatureMessage(checkpointBody, timestamp), seed);
  return {
    name,
    keyId: keyId(name, SIG_TYPE_COSIGNATURE_V1, publicKey),
    signature: encodeTimestampedSignature(timestamp, sig),
  };
}

/**
 * Verifies one cosignature (name and key ID must match the key) and returns
 * its timestamp. Throws COSIGNATURE_INVALID / UNKNOWN_KEY / MALFORMED_COSIGNATURE.
 */
export function verifyCosignature(
  checkpointBody: string,
  sig: NoteSignature,
  verifier: CosignerVerifier,
): { timestamp: number } {
  if (sig.name !== verifier.name || !bytesEqual(sig.keyId, verifier.keyId))
    throw new LogError(
      "UNKNOWN_KEY",
      `signature by ${sig.name} is not from cosigner ${verifier.name}`,
    );
  parseTimestampedSignature(sig.signature);
  const t = verifier.verifyTimestamped(checkpointBody, sig.signature);
  if (t === undefined)
    throw new LogError("COSIGNATURE_INVALID", `cosignature by ${sig.name} does not verify`);
  return { timestamp: t };
}

export interface QuorumResult {
  /** Number of distinct trusted witnesses with a valid cosignature. */
  count: number;
  ok: boolean;
  /** Names of witnesses with a valid cosignature. */
  valid: string[];
  /** Names of trusted witnesses whose cosignature line failed to verify. */
  invalid: string[];
  /** Timestamp of each valid cosignature, by witness name. */
  timestamps: Record<string, number>;
}

/**
 * Counts valid cosignatures by trusted witnesses on a signed checkpoint.
 * Unknown signatures (including the log's own) are ignored; a trusted
 * witness counts at most once; an invalid line from a trusted witness does
 * not count (and is reported) but does not make the others fail, so that an
 * injected bad line cannot veto a valid quorum. With `notAfter` (POSIX
 * seconds), cosignatures timestamped later are not counted.
 */
export function verifyWitnessQuorum(
  signedNote: string,
  witnesses: NoteVerifier[],
  quorum: number,
  opts: { notAfter?: number } = {},
): QuorumResult {
  if (!Number.isSafeInteger(quorum) || quorum < 0)
    throw new LogError("WITNESS_QUORUM_NOT_MET", "quorum must be a non-negative integer");
  const n = parseNote(signedNote);
  const msg = utf8(n.text);
  const valid: string[] = [];
  const invalid: string[] = [];
  const timestamps: Record<string, number> = {};
  const done = new Set<NoteVerifier>();
  for (const s of n.signatures) {
    const w = witnesses.find((w) => w.name === s.name && bytesEqual(w.keyId, s.keyId));
    if (!w || done.has(w)) continue;
    let ok: boolean;
    let ts: number | undefined;
    if (isCosignerVerifier(w)) {
      ts = w.verifyTimestamped(n.text, s.signature);
      ok = ts !== undefined && (opts.notAfter === undefined || ts <= opts.notAfter);
    } else {
      ok = w.verify(msg, s.signature);
    }
    if (ok) {
      done.add(w);
      valid.push(w.name);
      if (ts !== undefined) timestamps[w.name] = ts;
    } else if (!invalid.includes(w.name)) invalid.push(w.name);
  }
  return {
    count: valid.length,
    ok: valid.length >= quorum,
    valid,
    invalid: invalid.filter((x) => !valid.includes(x)),
    timestamps,
  };
}

function isCosignerVerifier(v: NoteVerifier): v is CosignerVerifier {
  return (
    v.type === SIG_TYPE_COSIGNATURE_V1 &&
    typeof (v as Partial<CosignerVerifier>).verifyTimestamped === "function"
  );
}

/** Signature lines as a witness returns them (tlog-witness add-checkpoint response body). */
export function formatCosignatureLines(sigs: NoteSignature[]): string {
  return sigs.map(formatSignatureLine).join("");
}
