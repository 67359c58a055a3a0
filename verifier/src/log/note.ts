/**
 * C2SP signed-note (c2sp.org/signed-note@v1.0.0): parsing, formatting,
 * Ed25519 signing and verification, vkeys and private keys.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesEqual, concatBytes, fromBase64, fromHex, toBase64, toHex, utf8 } from "../bytes.js";
import { verifyEd25519 } from "../ed25519.js";
import { cosignerVerifier } from "./cosignature.js";
import { LogError } from "./errors.js";

/** Signature type identifiers (signed-note "Signature types"). */
export const SIG_TYPE_ED25519 = 0x01;
export const SIG_TYPE_COSIGNATURE_V1 = 0x04;

/** Upper bound on signature lines accepted in one note (the spec requires at least 16). */
export const MAX_NOTE_SIGNATURES = 100;
/** Upper bound on a note's size in characters. */
export const MAX_NOTE_SIZE = 1 << 20;

export interface NoteSignature {
  name: string;
  /** 4-byte key ID. */
  keyId: Uint8Array;
  /** Signature bytes after the key ID. */
  signature: Uint8Array;
}

export interface Note {
  /** The note text, including its final newline. */
  text: string;
  signatures: NoteSignature[];
}

export interface NoteVerifier {
  readonly name: string;
  readonly keyId: Uint8Array;
  /** Signature type byte, when known. */
  readonly type?: number;
  /** Public key material, when known. */
  readonly publicKey?: Uint8Array;
  verify(msg: Uint8Array, sig: Uint8Array): boolean;
}

export interface NoteSigner {
  readonly name: string;
  readonly keyId: Uint8Array;
  sign(msg: Uint8Array): Uint8Array;
}

export interface Ed25519NoteSigner extends NoteSigner {
  readonly publicKey: Uint8Array;
  /** `<name>+<keyid>+<base64(0x01 || publicKey)>` */
  readonly vkey: string;
  readonly verifier: NoteVerifier;
}

const SIG_PREFIX = "\u2014 "; // em dash, space

// Unicode spaces (Go's unicode.IsSpace set, which JS \s covers except U+0085) and plus.
const BAD_NAME_CHAR = /[\s\u0085+]/u;

/** Key names must be non-empty and contain no Unicode spaces nor "+". */
export function isValidKeyName(name: string): boolean {
  return (
    typeof name === "string" &&
    name.length > 0 &&
    !BAD_NAME_CHAR.test(name) &&
    !hasControl(name, false)
  );
}

function checkKeyName(name: string): void {
  if (!isValidKeyName(name))
    throw new LogError("BAD_KEY_NAME", `invalid key name ${JSON.stringify(name)}`);
}

function hasControl(s: string, allowNewline: boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && !(allowNewline && c === 0x0a)) return true;
    // Lone surrogates cannot be encoded as UTF-8.
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return true;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

/** key ID = SHA-256(name || 0x0A || type || publicKey)[:4] */
export function keyId(name: string, type: number, publicKey: Uint8Array): Uint8Array {
  return sha256(concatBytes(utf8(name), Uint8Array.of(0x0a, type), publicKey)).slice(0, 4);
}

/** Checks that a note text is well formed: valid, no control characters but newline, ends in newline. */
function checkText(text: string): void {
  if (typeof text !== "string" || !text.endsWith("\n"))
    throw new LogError("MALFORMED_NOTE", "note text must end with a newline");
  if (hasControl(text, true))
    throw new LogError("MALFORMED_NOTE", "note text contains control characters or invalid UTF-16");
}

/** Parses a signed note. Does not verify anything. */
export function parseNote(note: string): Note {
  if (typeof note !== "string") throw new LogError("MALFORMED_NOTE", "note must be a string");
  if (note.length > MAX_NOTE_SIZE) throw new LogError("MALFORMED_NOTE", "note too large");
  if (hasControl(note, true))
    throw new LogError("MALFORMED_NOTE", "note contains control characters or invalid UTF-16");
  if (!note.endsWith("\n")) throw new LogError("MALFORMED_NOTE", "note must end with a newline");
  const split = note.lastIndexOf("\n\n");
  if (split < 0) throw new LogError("MALFORMED_NOTE", "no blank line before the signatures");
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block.length === 0) throw new LogError("MALFORMED_NOTE", "no signature lines");
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > MAX_NOTE_SIGNATURES)
    throw new LogError("MALFORMED_NOTE", "too many signatures");
  const signatures = lines.map(parseSignatureLine);
  return { text, signatures };
}

/** Parses one signature line without its newline: "— <name> <base64>". */
export function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(SIG_PREFIX))
    throw new LogError("MALFORMED_NOTE", "signature line must start with an em dash and a space");
  const rest = line.slice(SIG_PREFIX.length);
  const sp = rest.indexOf(" ");
  if (sp < 0) throw new LogError("MALFORMED_NOTE", "signature line without a signature");
  const name = rest.slice(0, sp);
  if (!isValidKeyName(name))
    throw new LogError("MALFORMED_NOTE", "invalid key name in signature line");
  let raw: Uint8Array;
  try {
    raw = fromBase64(rest.slice(sp + 1));
  } catch (e) {
    throw new LogError("MALFORMED_NOTE", "signature is not valid base64", { cause: e });
  }
  if (raw.length < 5) throw new LogError("MALFORMED_NOTE", "signature too short");
  return { name, keyId: raw.slice(0, 4), signature: raw.slice(4) };
}

export function formatSignatureLine(sig: NoteSignature): string {
  checkKeyName(sig.name);
  if (sig.keyId.length !== 4) throw new LogError("MALFORMED_NOTE", "key ID must be 4 bytes");
  return `${SIG_PREFIX}${sig.name} ${toBase64(concatBytes(sig.keyId, sig.signature))}\n`;
}

/** Formats a signed note from its text (ending in a newline) and signatures. */
export function formatNote(text: string, signatures: NoteSignature[]): string {
  checkText(text);
  if (signatures.length === 0)
    throw new LogError("MALFORMED_NOTE", "a signed note needs at least one signature");
  return text + "\n" + signatures.map(formatSignatureLine).join("");
}

// ---------------------------------------------------------------------------
// Keys

function ed25519Verify(publicKey: Uint8Array) {
  return (msg: Uint8Array, sig: Uint8Array): boolean => {
    // protocol.md §2's strict rule, the same as for entry signatures: canonical A and R,
    // S < ℓ, A not of small order, cofactorless equation (noble's own verify is cofactored).
    return verifyEd25519(sig, msg, publicKey);
  };
}

function checkEd25519PublicKey(publicKey: Uint8Array, code: "BAD_VKEY" | "BAD_PRIVATE_KEY"): void {
  if (
    !(publicKey instanceof Uint8Array) ||
    publicKey.length !== 32 ||
    !ed25519.utils.isValidPublicKey(publicKey, false)
  )
    throw new LogError(code, "invalid Ed25519 public key");
}

/** An Ed25519 (type 0x01) note verifier. */
export function ed25519Verifier(name: string, publicKey: Uint8Array): NoteVerifier {
  checkKeyName(name);
  checkEd25519PublicKey(publicKey, "BAD_VKEY");
  const pk = publicKey.slice();
  return {
    name,
    keyId: keyId(name, SIG_TYPE_ED25519, pk),
    type: SIG_TYPE_ED25519,
    publicKey: pk,
    verify: ed25519Verify(pk),
  };
}

/** Verifier constructors for further signature types (0x01 and 0x04 are built in). */
const verifierFactories = new Map<number, (name: string, publicKey: Uint8Array) => NoteVerifier>();

export function registerVerifierType(
  type: number,
  make: (name: string, publicKey: Uint8Array) => NoteVerifier,
): void {
  verifierFactories.set(type, make);
}

/** Splits at the first n-1 "+" characters (the last field, base64, may contain "+"). */
function splitPlus(s: string, n: number): string[] | undefined {
  const out: string[] = [];
  let rest = s;
  for (let i = 0; i < n - 1; i++) {
    const j = rest.indexOf("+");
    if (j < 0) return undefined;
    out.push(rest.slice(0, j));
    rest = rest.slice(j + 1);
  }
  out.push(rest);
  return out;
}

/** `<name>+<hex key ID>+<base64(type || publicKey)>` */
export function encodeVkey(
  name: string,
  publicKey: Uint8Array,
  type: number = SIG_TYPE_ED25519,
): string {
  checkKeyName(name);
  return `${name}+${toHex(keyId(name, type, publicKey))}+${toBase64(concatBytes(Uint8Array.of(type), publicKey))}`;
}

/** Parses a vkey into a verifier. Supports Ed25519 (0x01) and Ed25519 cosignature/v1 (0x04). */
export function parseVkey(vkey: string): NoteVerifier {
  if (typeof vkey !== "string") throw new LogError("BAD_VKEY", "vkey must be a string");
  // name and key ID contain no "+"; the base64 key may.
  const parts = splitPlus(vkey, 3);
  if (!parts) throw new LogError("BAD_VKEY", "vkey must be <name>+<key ID>+<key>");
  const [name, idHex, keyB64] = parts;
  if (!isValidKeyName(name)) throw new LogError("BAD_VKEY", "invalid key name");
  if (!/^[0-9a-f]{8}$/.test(idHex))
    throw new LogError("BAD_VKEY", "key ID must be 8 lowercase hex digits");
  let key: Uint8Array;
  try {
    key = fromBase64(keyB64);
  } catch (e) {
    throw new LogError("BAD_VKEY", "key is not valid base64", { cause: e });
  }
  if (key.length < 2) throw new LogError("BAD_VKEY", "key too short");
  const type = key[0];
  const make =
    type === SIG_TYPE_ED25519
      ? ed25519Verifier
      : type === SIG_TYPE_COSIGNATURE_V1
        ? cosignerVerifier
        : verifierFactories.get(type);
  if (!make)
    throw new LogError(
      "BAD_VKEY",
      `unsupported signature type 0x${type.toString(16).padStart(2, "0")}`,
    );
  let v: NoteVerifier;
  try {
    v = make(name, key.slice(1));
  } catch (e) {
    if (e instanceof LogError) throw new LogError("BAD_VKEY", e.message, { cause: e });
    throw e;
  }
  if (!bytesEqual(v.keyId, fromHex(idHex)))
    throw new LogError("BAD_VKEY", "key ID does not match the key");
  return v;
}

/** An Ed25519 note signer from a 32-byte RFC 8032 seed (secret key). */
export function ed25519Signer(name: string, seed: Uint8Array): Ed25519NoteSigner {
  checkKeyName(name);
  if (!(seed instanceof Uint8Array) || seed.length !== 32)
    throw new LogError("BAD_PRIVATE_KEY", "Ed25519 seed must be 32 bytes");
  const sk = seed.slice();
  const publicKey = ed25519.getPublicKey(sk);
  const id = keyId(name, SIG_TYPE_ED25519, publicKey);
  return {
    name,
    keyId: id,
    publicKey,
    vkey: encodeVkey(name, publicKey, SIG_TYPE_ED25519),
    verifier: ed25519Verifier(name, publicKey),
    sign: (msg: Uint8Array) => ed25519.sign(msg, sk),
  };
}

/** `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>` */
export function encodePrivateKey(name: string, seed: Uint8Array): string {
  const s = ed25519Signer(name, seed);
  return `PRIVATE+KEY+${name}+${toHex(s.keyId)}+${toBase64(concatBytes(Uint8Array.of(SIG_TYPE_ED25519), seed))}`;
}

export function parsePrivateKey(key: string): Ed25519NoteSigner {
  if (typeof key !== "string")
    throw new LogError("BAD_PRIVATE_KEY", "private key must be a string");
  const parts = splitPlus(key, 5);
  if (!parts || parts[0] !== "PRIVATE" || parts[1] !== "KEY")
    throw new LogError("BAD_PRIVATE_KEY", "expected PRIVATE+KEY+<name>+<id>+<key>");
  const [, , name, idHex, keyB64] = parts;
  if (!isValidKeyName(name)) throw new LogError("BAD_PRIVATE_KEY", "invalid key name");
  if (!/^[0-9a-f]{8}$/.test(idHex))
    throw new LogError("BAD_PRIVATE_KEY", "key ID must be 8 lowercase hex digits");
  let raw: Uint8Array;
  try {
    raw = fromBase64(keyB64);
  } catch (e) {
    throw new LogError("BAD_PRIVATE_KEY", "key is not valid base64", { cause: e });
  }
  if (raw.length !== 33 || raw[0] !== SIG_TYPE_ED25519)
    throw new LogError("BAD_PRIVATE_KEY", "expected 0x01 || 32-byte Ed25519 seed");
  const s = ed25519Signer(name, raw.slice(1));
  if (toHex(s.keyId) !== idHex)
    throw new LogError("BAD_PRIVATE_KEY", "key ID does not match the key");
  return s;
}

/** Generates a fresh Ed25519 seed (uses the platform CSPRNG). */
export function generateSeed(): Uint8Array {
  return ed25519.utils.randomSecretKey();
}

// ---------------------------------------------------------------------------
// Signing and verification

/** Signs `text` (ending in newline) with each signer; returns the signed note. */
export function signNote(text: string, signers: NoteSigner[]): string {
  checkText(text);
  const msg = utf8(text);
  return formatNote(
    text,
    signers.map((s) => ({ name: s.name, keyId: s.keyId, signature: s.sign(msg) })),
  );
}

/** Adds signatures to an already signed note (e.g. witness cosignatures). */
export function addSignatures(note: string, signatures: NoteSignature[]): string {
  const n = parseNote(note);
  return formatNote(n.text, [...n.signatures, ...signatures]);
}

const matches = (v: NoteVerifier, s: NoteSignature): boolean =>
  v.name === s.name && bytesEqual(v.keyId, s.keyId);

/**
 * Verifies a signed note against known keys. Signatures from unknown keys are
 * ignored; a signature from a known key that fails throws INVALID_SIGNATURE
 * (the spec's SHOULD); if no known key signed, throws NO_VALID_SIGNATURE.
 * Returns the text and the verifiers whose signatures verified (each once).
 */
export function verifyNote(
  note: string,
  verifiers: NoteVerifier[],
): { text: string; verified: NoteVerifier[]; signatures: NoteSignature[] } {
  const n = parseNote(note);
  const msg = utf8(n.text);
  const verified: NoteVerifier[] = [];
  for (const s of n.signatures) {
    const v = verifiers.find((v) => matches(v, s));
    if (!v) continue;
    if (!v.verify(msg, s.signature))
      throw new LogError("INVALID_SIGNATURE", `signature by ${s.name} does not verify`);
    if (!verified.includes(v)) verified.push(v);
  }
  if (verified.length === 0)
    throw new LogError("NO_VALID_SIGNATURE", "no signature from a known key");
  return { text: n.text, verified, signatures: n.signatures };
}
