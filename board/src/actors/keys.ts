/**
 * Key files of the election actors: JSON with base64 fields, written with mode 0600.
 *
 *   signing key (authority, registrar):  { kind: "urna-signing-key", role, secretKey, publicKey }
 *   custodian key:                       { kind: "urna-custodian-key", name, signing: {secretKey, publicKey}, dkg: {secret, public} }
 *   voter credential:                    { kind: "urna-credential", election, style, secretKey, publicKey }
 */
import { readFileSync } from "node:fs";
import { ed25519 } from "@noble/curves/ed25519.js";
import { fromBase64, toBase64 } from "@urna/verifier";
import { generateStaticKey } from "../ceremony/keys.js";
import { decodeScalar, encodeScalar } from "@urna/verifier";
import { type OutputOptions, writeFileDurably } from "./output-file.js";

export class KeyFileError extends Error {
  readonly code = "BAD_KEY_FILE" as const;
}

export interface SigningKeyFile {
  kind: "urna-signing-key";
  role: string;
  secretKey: string;
  publicKey: string;
}

export interface CustodianKeyFile {
  kind: "urna-custodian-key";
  name: string;
  signing: { secretKey: string; publicKey: string };
  dkg: { secret: string; public: string };
}

export interface CredentialFile {
  kind: "urna-credential";
  election: string;
  style: string;
  secretKey: string;
  publicKey: string;
}

/**
 * Writes a secret JSON file (mode 0600) durably; an existing file is left untouched
 * (FILE_EXISTS) unless `force` (output-file.ts).
 */
export function writeSecretJson(path: string, value: unknown, opts: OutputOptions = {}): void {
  writeFileDurably(path, JSON.stringify(value, null, 2) + "\n", { ...opts, mode: 0o600 });
}

export function readJson<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch (e) {
    throw new KeyFileError(`cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function checkKey(b64: unknown, what: string, len = 32): Uint8Array {
  let b: Uint8Array;
  try {
    b = fromBase64(String(b64));
  } catch {
    throw new KeyFileError(`${what} is not base64`);
  }
  if (b.length !== len) throw new KeyFileError(`${what} must be ${len} bytes`);
  return b;
}

export function newSigningKeyFile(role: string): SigningKeyFile {
  const sk = ed25519.utils.randomSecretKey();
  return {
    kind: "urna-signing-key",
    role,
    secretKey: toBase64(sk),
    publicKey: toBase64(ed25519.getPublicKey(sk)),
  };
}

/** Reads a signing key file; returns the 32-byte secret key and the base64 public key (checked to match). */
export function loadSigningKey(path: string): {
  secretKey: Uint8Array;
  publicKey: string;
  role: string;
} {
  const f = readJson<Partial<SigningKeyFile>>(path);
  if (f.kind !== "urna-signing-key")
    throw new KeyFileError(`${path} is not an urna signing key file`);
  const secretKey = checkKey(f.secretKey, "secretKey");
  const publicKey = toBase64(ed25519.getPublicKey(secretKey));
  if (f.publicKey !== undefined && f.publicKey !== publicKey)
    throw new KeyFileError(`${path}: publicKey does not match secretKey`);
  return { secretKey, publicKey, role: String(f.role ?? "") };
}

export function newCustodianKeyFile(name: string): CustodianKeyFile {
  const sk = ed25519.utils.randomSecretKey();
  const dkg = generateStaticKey();
  return {
    kind: "urna-custodian-key",
    name,
    signing: { secretKey: toBase64(sk), publicKey: toBase64(ed25519.getPublicKey(sk)) },
    dkg: { secret: toBase64(encodeScalar(dkg.secret)), public: toBase64(dkg.publicKey) },
  };
}

export interface CustodianKey {
  name: string;
  signingSecret: Uint8Array;
  signingKey: string;
  dkgSecret: bigint;
  dkgKey: string;
}

export function loadCustodianKey(path: string): CustodianKey {
  return custodianKeyFromFile(readJson<Partial<CustodianKeyFile>>(path), path);
}

/** The usable key from a custodian key file's contents (one argument: safe to pass to `map`). */
export const loadCustodianKeyFile = (f: CustodianKeyFile): CustodianKey => custodianKeyFromFile(f);

/** The usable key from a custodian key file's contents. */
export function custodianKeyFromFile(
  f: Partial<CustodianKeyFile>,
  path = "custodian key",
): CustodianKey {
  if (f.kind !== "urna-custodian-key" || !f.signing || !f.dkg)
    throw new KeyFileError(`${path} is not an urna custodian key file`);
  const signingSecret = checkKey(f.signing.secretKey, "signing.secretKey");
  const dkgSecret = decodeScalar(checkKey(f.dkg.secret, "dkg.secret"));
  return {
    name: String(f.name ?? ""),
    signingSecret,
    signingKey: toBase64(ed25519.getPublicKey(signingSecret)),
    dkgSecret,
    dkgKey: String(f.dkg.public),
  };
}

export function loadCredential(path: string): {
  election: string;
  style: string;
  secretKey: Uint8Array;
  publicKey: string;
} {
  const f = readJson<Partial<CredentialFile>>(path);
  if (f.kind !== "urna-credential")
    throw new KeyFileError(`${path} is not an urna credential file`);
  const secretKey = checkKey(f.secretKey, "secretKey");
  return {
    election: String(f.election),
    style: String(f.style),
    secretKey,
    publicKey: toBase64(ed25519.getPublicKey(secretKey)),
  };
}
