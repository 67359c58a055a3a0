/**
 * The voter's credential file (the registrar's `{ kind: "urna-credential", election, style,
 * secretKey, publicKey }`, board/src/actors/keys.ts) read in the browser: anything else is a
 * Refusal with the stable code BAD_CREDENTIAL, before any request is made.
 */
import { fromBase64, toBase64 } from "@urna/verifier";
import { signingPublicKey } from "../../src/entry-sign.js";

/** A refusal shown to the voter: a stable code and what to fill in its message. */
export class Refusal extends Error {
  constructor(
    readonly code: string,
    readonly vars: Record<string, string> = {},
  ) {
    super(code);
  }
}

export interface CredentialFileContents {
  election: string;
  style: string;
  secretKey: Uint8Array;
  /** Derived from the secret key (base64); a file whose own publicKey differs is refused. */
  publicKey: string;
}

const bad = (msg: string): Refusal => new Refusal("BAD_CREDENTIAL", { msg });

export function readCredentialFile(text: string): CredentialFileContents {
  let f: Record<string, unknown>;
  try {
    f = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw bad("not JSON");
  }
  if (typeof f !== "object" || f === null || f.kind !== "urna-credential")
    throw bad('no "kind": "urna-credential"');
  let secretKey: Uint8Array;
  try {
    secretKey = fromBase64(String(f.secretKey));
  } catch {
    throw bad("secretKey is not base64");
  }
  if (secretKey.length !== 32) throw bad("secretKey is not 32 bytes");
  const publicKey = toBase64(signingPublicKey(secretKey));
  if (f.publicKey !== undefined && f.publicKey !== publicKey)
    throw bad("publicKey does not match secretKey");
  return { election: String(f.election), style: String(f.style), secretKey, publicKey };
}
