/**
 * The CertEq transcript T (spec, Round 3 step 1):
 *   u64le(len(cs_id)) || cs_id || u64le(len(context)) || context || u32le(n) || u32le(t)
 *   || P_1..P_n || C_1..C_n || PoP_1..PoP_n || E_1..E_n || u64le(len(ext)) || ext
 */
import { bytesEqual, concatBytes } from "../bytes.js";
import { CeremonyError } from "./errors.js";
import type { Round1Message } from "./messages.js";
import type { CeremonySetup } from "./setup.js";
import {
  CIPHERSUITE_ID_BYTES,
  H,
  MAX_PARTICIPANTS,
  POINT_SIZE,
  SIGNATURE_SIZE,
  u32le,
  u64le,
} from "./suite.js";

export interface TranscriptData {
  readonly n: number;
  readonly t: number;
  readonly context: Uint8Array;
  readonly staticKeys: readonly Uint8Array[];
  readonly commitments: readonly (readonly Uint8Array[])[];
  readonly pops: readonly Uint8Array[];
  readonly ephemeralKeys: readonly Uint8Array[];
  readonly extension: Uint8Array;
}

export function encodeTranscript(d: TranscriptData): Uint8Array {
  return concatBytes(
    u64le(CIPHERSUITE_ID_BYTES.length),
    CIPHERSUITE_ID_BYTES,
    u64le(d.context.length),
    d.context,
    u32le(d.n),
    u32le(d.t),
    ...d.staticKeys,
    ...d.commitments.flat(),
    ...d.pops,
    ...d.ephemeralKeys,
    u64le(d.extension.length),
    d.extension,
  );
}

/** T for a setup and its n round-1 messages. */
export const transcriptFor = (setup: CeremonySetup, round1: readonly Round1Message[]): Uint8Array =>
  encodeTranscript({
    n: setup.n,
    t: setup.t,
    context: setup.context,
    staticKeys: setup.staticKeys,
    commitments: round1.map((m) => m.commitments),
    pops: round1.map((m) => m.pop),
    ephemeralKeys: round1.map((m) => m.ephemeralKey),
    extension: setup.extension,
  });

/** SHA-512(T): the "transcript_hash" of the published vectors. */
export const transcriptHash = (T: Uint8Array): Uint8Array => H(T);

/** Parse T exactly. Throws CEREMONY_WRONG_CIPHERSUITE or CEREMONY_BAD_TRANSCRIPT. */
export function parseTranscript(T: Uint8Array): TranscriptData {
  const view = new DataView(T.buffer, T.byteOffset, T.byteLength);
  let o = 0;
  const need = (k: number | bigint, what: string): number => {
    if (BigInt(T.length - o) < BigInt(k))
      throw new CeremonyError("CEREMONY_BAD_TRANSCRIPT", `transcript truncated in ${what}`);
    return Number(k);
  };
  const take = (k: number): Uint8Array => {
    const b = T.slice(o, o + k);
    o += k;
    return b;
  };
  /** Read a u64le length and check that many bytes remain. */
  const readLen = (what: string): number => {
    need(8, `${what} length`);
    const l = view.getBigUint64(o, true);
    o += 8;
    return need(l, what);
  };
  const cs = take(readLen("ciphersuite id"));
  if (!bytesEqual(cs, CIPHERSUITE_ID_BYTES))
    throw new CeremonyError("CEREMONY_WRONG_CIPHERSUITE", "transcript names another ciphersuite");
  const context = take(readLen("context"));
  need(8, "n and t");
  const n = view.getUint32(o, true);
  const t = view.getUint32(o + 4, true);
  o += 8;
  if (n < 1 || n > MAX_PARTICIPANTS || t < 1 || t > n)
    throw new CeremonyError("CEREMONY_BAD_TRANSCRIPT", "transcript n or t out of range");
  need(n * (POINT_SIZE * (2 + t) + SIGNATURE_SIZE), "participant data");
  const staticKeys = Array.from({ length: n }, () => take(POINT_SIZE));
  const commitments = Array.from({ length: n }, () =>
    Array.from({ length: t }, () => take(POINT_SIZE)),
  );
  const pops = Array.from({ length: n }, () => take(SIGNATURE_SIZE));
  const ephemeralKeys = Array.from({ length: n }, () => take(POINT_SIZE));
  const extension = take(readLen("extension"));
  if (o !== T.length)
    throw new CeremonyError("CEREMONY_BAD_TRANSCRIPT", "trailing bytes after the extension");
  return { n, t, context, staticKeys, commitments, pops, ephemeralKeys, extension };
}
