/** Loader for the CCTV COCKTAIL-DKG vectors (COCKTAIL(Ristretto255, SHA-512)). Test helper. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fromHex } from "../../src/bytes.js";
import type { CeremonySetup } from "../../src/ceremony/setup.js";
import type { Round1Message } from "../../src/ceremony/messages.js";

export interface PopIntermediate {
  message: string;
  nonce_input: string;
  nonce: string;
  nonce_commitment: string;
  challenge_input: string;
  challenge: string;
}
export interface Round1Vector {
  participant_id: number;
  ephemeral_public_key: string;
  vss_commitment: string[];
  pop: string;
  pop_intermediate: PopIntermediate;
  encrypted_shares: string[];
}
export interface Vector {
  n: number;
  t: number;
  session_tag: string;
  context: string;
  extension: string;
  payloads?: string[];
  config: { static_secret_keys: string[]; static_public_keys: string[] };
  round1: Round1Vector[];
  round2: { participant_id: number; secret_share: string; verification_share: string }[];
  round3: { transcript_hash: string; signatures: { signer_id: number; signature: string }[] };
  group_public_key: string;
  recovery?: {
    participant_id: number;
    ciphertexts: string[];
    recovered_secret_share: string;
    recovered_verification_share: string;
  };
}
export interface VectorFile {
  ciphersuite: string;
  seed: string;
  vectors: Vector[];
}

export const VECTOR_PATH = fileURLToPath(
  new URL("../vectors/cocktail-dkg/cocktail-dkg-ristretto255-sha512.json", import.meta.url),
);
export const loadVectors = (): VectorFile =>
  JSON.parse(readFileSync(VECTOR_PATH, "utf8")) as VectorFile;

export const vectorName = (v: Vector): string =>
  `${v.t}-of-${v.n}${v.payloads ? " with payload extension" : ""}`;

export const setupOf = (v: Vector): CeremonySetup => ({
  n: v.n,
  t: v.t,
  staticKeys: v.config.static_public_keys.map(fromHex),
  context: fromHex(v.context),
  extension: fromHex(v.extension),
});

export const round1Of = (v: Vector): Round1Message[] =>
  v.round1.map((r) => ({
    commitments: r.vss_commitment.map(fromHex),
    pop: fromHex(r.pop),
    ephemeralKey: fromHex(r.ephemeral_public_key),
    ciphertexts: r.encrypted_shares.map(fromHex),
  }));

export const signaturesOf = (v: Vector): Uint8Array[] =>
  v.round3.signatures.map((s) => fromHex(s.signature));
