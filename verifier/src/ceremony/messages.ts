/**
 * Wire formats of COCKTAIL-DKG: msg1 (round 1), framed ciphertexts, the aggregated CertEq
 * signatures and the recovery bundle C^rec_i. Parsers are exact (no trailing bytes) and bound
 * every length before slicing.
 */
import { concatBytes } from "../bytes.js";
import { CeremonyError } from "./errors.js";
import {
  MAX_CIPHERTEXT_SIZE,
  MIN_CIPHERTEXT_SIZE,
  POINT_SIZE,
  SIGNATURE_SIZE,
  u64be,
} from "./suite.js";

/** msg_{1|i}, split into its fields (all bytes; no validation implied by the type). */
export interface Round1Message {
  /** C_{i,0}..C_{i,t-1}, 32 bytes each. */
  readonly commitments: readonly Uint8Array[];
  /** PoP_i, 64 bytes. */
  readonly pop: Uint8Array;
  /** E_i, 32 bytes. */
  readonly ephemeralKey: Uint8Array;
  /** c_{i,1}..c_{i,n}: raw (unframed) AEAD ciphertexts, recipient order, self-share included. */
  readonly ciphertexts: readonly Uint8Array[];
}

export interface FrameOptions {
  /** Upper bound on one ciphertext; defaults to MAX_CIPHERTEXT_SIZE (64 KiB). */
  maxCiphertextSize?: number;
}

/** len(c) as u64 big-endian || c. */
export const frameCiphertext = (c: Uint8Array): Uint8Array => concatBytes(u64be(c.length), c);

/**
 * Read `count` framed ciphertexts starting at `offset`. Rejects a prefix above the maximum
 * (CEREMONY_CIPHERTEXT_TOO_LARGE), below 48 (CEREMONY_CIPHERTEXT_TOO_SMALL), and truncation
 * (CEREMONY_BAD_FRAME). Returns the ciphertexts and the offset after the last one.
 */
export function readFramedCiphertexts(
  bytes: Uint8Array,
  offset: number,
  count: number,
  custodian: number | null,
  opts: FrameOptions = {},
): { ciphertexts: Uint8Array[]; end: number } {
  const max = opts.maxCiphertextSize ?? MAX_CIPHERTEXT_SIZE;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  let o = offset;
  for (let j = 0; j < count; j++) {
    if (bytes.length - o < 8)
      throw new CeremonyError(
        "CEREMONY_BAD_FRAME",
        `framed ciphertext ${j + 1} is shorter than its length prefix`,
        custodian,
      );
    const len = view.getBigUint64(o, false);
    if (len > BigInt(max))
      throw new CeremonyError(
        "CEREMONY_CIPHERTEXT_TOO_LARGE",
        `ciphertext ${j + 1} length ${len} exceeds ${max}`,
        custodian,
      );
    const L = Number(len);
    if (L < MIN_CIPHERTEXT_SIZE)
      throw new CeremonyError(
        "CEREMONY_CIPHERTEXT_TOO_SMALL",
        `ciphertext ${j + 1} is shorter than ${MIN_CIPHERTEXT_SIZE} bytes`,
        custodian,
      );
    o += 8;
    if (bytes.length - o < L)
      throw new CeremonyError("CEREMONY_BAD_FRAME", `ciphertext ${j + 1} is truncated`, custodian);
    out.push(bytes.slice(o, o + L));
    o += L;
  }
  return { ciphertexts: out, end: o };
}

/** msg_{1|i} = C_i || PoP_i || E_i || frame(c_{i,1}) || ... || frame(c_{i,n}). */
export function encodeMsg1(m: Round1Message): Uint8Array {
  return concatBytes(
    ...m.commitments,
    m.pop,
    m.ephemeralKey,
    ...m.ciphertexts.map(frameCiphertext),
  );
}

/**
 * Parse msg_{1|i} for a ceremony with parameters (n, t). Only sizes are checked here; point
 * validity and the PoP are checked by `checkRound1`.
 */
export function parseMsg1(
  bytes: Uint8Array,
  n: number,
  t: number,
  custodian: number | null = null,
  opts: FrameOptions = {},
): Round1Message {
  const fixed = t * POINT_SIZE + SIGNATURE_SIZE + POINT_SIZE;
  if (bytes.length < fixed)
    throw new CeremonyError("CEREMONY_BAD_MESSAGE", "msg1 is too short", custodian);
  const commitments: Uint8Array[] = [];
  for (let k = 0; k < t; k++) commitments.push(bytes.slice(k * POINT_SIZE, (k + 1) * POINT_SIZE));
  let o = t * POINT_SIZE;
  const pop = bytes.slice(o, o + SIGNATURE_SIZE);
  o += SIGNATURE_SIZE;
  const ephemeralKey = bytes.slice(o, o + POINT_SIZE);
  o += POINT_SIZE;
  const { ciphertexts, end } = readFramedCiphertexts(bytes, o, n, custodian, opts);
  if (end !== bytes.length)
    throw new CeremonyError(
      "CEREMONY_BAD_FRAME",
      "trailing bytes after the last ciphertext",
      custodian,
    );
  return { commitments, pop, ephemeralKey, ciphertexts };
}

/** aggregated_sigs = sig_1 || ... || sig_n. */
export const encodeAggregatedSignatures = (sigs: readonly Uint8Array[]): Uint8Array =>
  concatBytes(...sigs);

export function parseAggregatedSignatures(bytes: Uint8Array, n: number): Uint8Array[] {
  if (bytes.length !== n * SIGNATURE_SIZE)
    throw new CeremonyError(
      "CEREMONY_BAD_MESSAGE",
      `aggregated signatures must be ${n} × ${SIGNATURE_SIZE} bytes`,
    );
  const out: Uint8Array[] = [];
  for (let j = 0; j < n; j++) out.push(bytes.slice(j * SIGNATURE_SIZE, (j + 1) * SIGNATURE_SIZE));
  return out;
}

/** C^rec_i = frame(c_{1,i}) || ... || frame(c_{n,i}). */
export const encodeRecoveryBundle = (ciphertexts: readonly Uint8Array[]): Uint8Array =>
  concatBytes(...ciphertexts.map(frameCiphertext));

/** Parse C^rec_i: exactly n framed ciphertexts, nothing after. */
export function parseRecoveryBundle(
  bytes: Uint8Array,
  n: number,
  opts: FrameOptions = {},
): Uint8Array[] {
  const { ciphertexts, end } = readFramedCiphertexts(bytes, 0, n, null, opts);
  if (end !== bytes.length)
    throw new CeremonyError("CEREMONY_BAD_FRAME", "trailing bytes after the recovery bundle");
  return ciphertexts;
}

/** The recipient-specific projection: the ciphertexts addressed to `recipient` (1-based). */
export const bundleFor = (round1: readonly Round1Message[], recipient: number): Uint8Array[] =>
  round1.map((m) => m.ciphertexts[recipient - 1]);
