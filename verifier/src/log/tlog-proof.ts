/**
 * C2SP tlog-proof (c2sp.org/tlog-proof@v1): an offline-verifiable proof that
 * a leaf is in a log, under a signed (and cosigned) checkpoint. This is the
 * core of an urna voter receipt.
 */
import { fromBase64, toBase64 } from "../bytes.js";
import { type Checkpoint, openCheckpoint, parseDecimal } from "./checkpoint.js";
import { type QuorumResult, verifyWitnessQuorum } from "./cosignature.js";
import { LogError } from "./errors.js";
import { HASH_SIZE } from "./merkle-hash.js";
import { verifyInclusion } from "./merkle.js";
import { type NoteVerifier, parseNote } from "./note.js";

export const TLOG_PROOF_HEADER = "c2sp.org/tlog-proof@v1";
/** A tree of at most 2^53 leaves has inclusion proofs of at most 53 hashes; 63 as tlog-witness allows. */
const MAX_PROOF_LINES = 63;

export interface TlogProof {
  /** Opaque, unauthenticated extra data (absent in urna v1 receipts). */
  extra?: Uint8Array;
  index: number;
  /** Inclusion proof, leaf's sibling first. */
  proof: Uint8Array[];
  /** The signed checkpoint note, verbatim (with cosignatures). */
  checkpoint: string;
}

function bad(msg: string): never {
  throw new LogError("MALFORMED_TLOG_PROOF", msg);
}

export function formatTlogProof(p: TlogProof): string {
  if (!Number.isSafeInteger(p.index) || p.index < 0)
    bad("index must be a non-negative safe integer");
  if (p.proof.length > MAX_PROOF_LINES) bad("too many proof hashes");
  for (const h of p.proof)
    if (h.length !== HASH_SIZE) bad(`proof hashes must be ${HASH_SIZE} bytes`);
  parseNote(p.checkpoint); // must be a well-formed signed note
  let out = TLOG_PROOF_HEADER + "\n";
  if (p.extra !== undefined) {
    if (p.extra.length === 0) bad("extra data must not be empty");
    out += `extra ${toBase64(p.extra)}\n`;
  }
  out += `index ${p.index}\n`;
  for (const h of p.proof) out += toBase64(h) + "\n";
  return out + "\n" + p.checkpoint;
}

/**
 * Parses the proof text. The checkpoint is returned verbatim and only checked
 * to be non-empty here; verifyTlogProof checks it fully.
 */
export function parseTlogProof(text: string): TlogProof {
  if (typeof text !== "string") bad("proof must be a string");
  const split = text.indexOf("\n\n");
  if (split < 0) bad("no empty line before the checkpoint");
  const lines = text.slice(0, split).split("\n");
  const checkpoint = text.slice(split + 2);
  if (checkpoint.length === 0) bad("missing checkpoint");
  if (lines[0] !== TLOG_PROOF_HEADER) bad(`first line must be ${TLOG_PROOF_HEADER}`);
  let i = 1;
  let extra: Uint8Array | undefined;
  if (lines[i]?.startsWith("extra ")) {
    try {
      extra = fromBase64(lines[i].slice(6));
    } catch {
      bad("extra data is not valid base64");
    }
    if (extra.length === 0) bad("extra data must not be empty");
    i++;
  }
  const idx = lines[i];
  if (idx === undefined || !idx.startsWith("index ")) bad("missing index line");
  const index = parseDecimal(idx.slice(6));
  if (index === undefined) bad("index must be a decimal with no leading zeroes");
  i++;
  const proofLines = lines.slice(i);
  if (proofLines.length > MAX_PROOF_LINES) bad("too many proof lines");
  const proof = proofLines.map((l) => {
    let h: Uint8Array;
    try {
      h = fromBase64(l);
    } catch {
      bad("proof line is not valid base64");
    }
    if (h.length !== HASH_SIZE) bad(`proof hashes must be ${HASH_SIZE} bytes`);
    return h;
  });
  return extra === undefined ? { index, proof, checkpoint } : { extra, index, proof, checkpoint };
}

export interface TlogProofOptions {
  /** Required checkpoint origin (e.g. `<board>/elections/<id>`). */
  origin?: string;
  /** Trusted witness (cosigner) verifiers. */
  witnesses?: NoteVerifier[];
  /** Number of valid witness cosignatures required (default 0). */
  quorum?: number;
  /** Ignore cosignatures timestamped after this POSIX time. */
  notAfter?: number;
}

export interface VerifiedTlogProof {
  index: number;
  checkpoint: Checkpoint;
  /** Unauthenticated extra data, if present. */
  extra?: Uint8Array;
  witnesses: QuorumResult;
}

/**
 * Verifies a tlog-proof for `leafHash` (step 1, computing the leaf hash, is
 * the caller's): the checkpoint is signed by the log key (and has the expected
 * origin), at least `quorum` trusted witnesses cosigned it, and the inclusion
 * proof binds the leaf at `index` to the checkpoint's root. Throws LogError.
 */
export function verifyTlogProof(
  proofText: string,
  leafHash: Uint8Array,
  logVerifier: NoteVerifier,
  opts: TlogProofOptions = {},
): VerifiedTlogProof {
  const p = parseTlogProof(proofText);
  const { checkpoint } = openCheckpoint(
    p.checkpoint,
    logVerifier,
    opts.origin === undefined ? {} : { origin: opts.origin },
  );
  const quorum = opts.quorum ?? 0;
  const witnesses = verifyWitnessQuorum(
    p.checkpoint,
    opts.witnesses ?? [],
    quorum,
    opts.notAfter === undefined ? {} : { notAfter: opts.notAfter },
  );
  if (!witnesses.ok)
    throw new LogError(
      "WITNESS_QUORUM_NOT_MET",
      `${witnesses.count} valid witness cosignatures, need ${quorum}`,
    );
  verifyInclusion(leafHash, p.index, checkpoint.size, p.proof, checkpoint.root);
  const out: VerifiedTlogProof = { index: p.index, checkpoint, witnesses };
  if (p.extra !== undefined) out.extra = p.extra;
  return out;
}
