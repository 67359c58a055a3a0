/**
 * The trust file (spec/record.md §Trust file), checked and turned into verifiers. A trust file
 * that does not validate is bad input (exit 2), never a failed check: nothing can be verified
 * without it. A well-formed trust file for another election is not bad input: V2 fails.
 */
import { validateTrust, type TrustFile } from "@urna/schemas";
import { bytesEqual } from "../bytes.js";
import {
  SIG_TYPE_COSIGNATURE_V1,
  SIG_TYPE_ED25519,
  parseVkey,
  type NoteVerifier,
} from "../log/note.js";

/**
 * TRUST_INVALID: schema or key syntax; TRUST_WITNESS_NOT_COSIGNER: a witness key that is not
 * cosignature/v1; TRUST_WITNESS_IS_BOARD: a witness key with the board key's bytes.
 */
export type TrustErrorCode =
  "TRUST_INVALID" | "TRUST_WITNESS_NOT_COSIGNER" | "TRUST_WITNESS_IS_BOARD";

export class TrustError extends Error {
  readonly code: TrustErrorCode;
  constructor(message: string, code: TrustErrorCode = "TRUST_INVALID") {
    super(message);
    this.name = "TrustError";
    this.code = code;
  }
}

/** What a version 2 trust file pins of the official election (spec/record.md §Trust file). */
export interface TrustPins {
  baseHash: string;
  registrar: string;
  custodians: string[];
  registered: ReadonlyMap<string, number>;
}

export interface Trust {
  file: TrustFile;
  election: string;
  /** The board's name: the vkey's name without `/elections/<election>`. */
  boardName: string;
  /** The log's origin, `<board name>/elections/<election>`: the board vkey's name (spec/log.md §3). */
  origin: string;
  board: NoteVerifier;
  witnesses: NoteVerifier[];
  quorum: number;
  authority: string;
  /** Version 2 only; absent in a version 1 trust file (reported as a warning). */
  pins?: TrustPins;
  /**
   * Set when the board vkey's name is not `<board name>/elections/<election>`: the trust file
   * is for another election than its `election` says; V2 fails (the record is still checked).
   */
  originProblem?: string;
}

/**
 * Why a witness key cannot count toward the quorum (spec/record.md §Trust file), or undefined:
 * it must be a cosignature/v1 key and its key bytes must not be the board's.
 */
export function witnessKeyProblem(
  board: NoteVerifier,
  w: NoteVerifier,
): { code: "TRUST_WITNESS_NOT_COSIGNER" | "TRUST_WITNESS_IS_BOARD"; message: string } | undefined {
  if (w.type !== SIG_TYPE_COSIGNATURE_V1)
    return {
      code: "TRUST_WITNESS_NOT_COSIGNER",
      message: `witness ${w.name} is not a cosignature/v1 (type 0x04) key`,
    };
  if (!w.publicKey || !board.publicKey || bytesEqual(w.publicKey, board.publicKey))
    return {
      code: "TRUST_WITNESS_IS_BOARD",
      message: `witness ${w.name} has the board's key`,
    };
  return undefined;
}

/** Validate a trust file (parsed JSON) and parse its keys. Throws TrustError. */
export function loadTrust(json: unknown): Trust {
  const v = validateTrust(json);
  if (!v.ok)
    throw new TrustError(
      `trust file: ${v.errors.map((e) => `${e.path || "/"} ${e.message}`).join("; ")}`,
    );
  const file = v.value;
  let board: NoteVerifier;
  try {
    board = parseVkey(file.board.vkey);
  } catch (e) {
    throw new TrustError(`trust file: board.vkey: ${(e as Error).message}`);
  }
  if (board.type !== SIG_TYPE_ED25519)
    throw new TrustError("trust file: board.vkey must be an Ed25519 (type 0x01) key");
  const suffix = `/elections/${file.election}`;
  const originOk = board.name.endsWith(suffix) && board.name.length > suffix.length;
  const witnesses = file.witnesses.map((w, i) => {
    let k: NoteVerifier;
    try {
      k = parseVkey(w.vkey);
    } catch (e) {
      throw new TrustError(`trust file: witnesses[${i}].vkey: ${(e as Error).message}`);
    }
    const bad = witnessKeyProblem(board, k);
    if (bad) throw new TrustError(`trust file: witnesses[${i}].vkey: ${bad.message}`, bad.code);
    return k;
  });
  const names = new Set<string>();
  for (const w of witnesses) {
    if (names.has(w.name)) throw new TrustError(`trust file: two witnesses are named ${w.name}`);
    names.add(w.name);
  }
  if (file.quorum > witnesses.length)
    throw new TrustError(
      `trust file: quorum ${file.quorum} exceeds the ${witnesses.length} witnesses`,
    );
  const trust: Trust = {
    file,
    election: file.election,
    boardName: originOk ? board.name.slice(0, -suffix.length) : board.name,
    origin: board.name,
    board,
    witnesses,
    quorum: file.quorum,
    authority: file.authority,
  };
  if (!originOk)
    trust.originProblem = `the board vkey's name ${board.name} is not <board name>${suffix}: the trust file's key is for another election`;
  const pins = pinsOf(file);
  if (pins) trust.pins = pins;
  return trust;
}

function pinsOf(file: TrustFile): TrustPins | undefined {
  // The schema makes the four pins present together, exactly in version 2.
  if (!file.manifest || !file.registrar || !file.custodians || !file.registered) return undefined;
  return {
    baseHash: file.manifest.baseHash,
    registrar: file.registrar,
    custodians: [...file.custodians],
    registered: new Map(Object.entries(file.registered)),
  };
}

/** Accept either a parsed Trust or a trust file. */
export const asTrust = (t: Trust | TrustFile | unknown): Trust =>
  typeof t === "object" && t !== null && "board" in t && "origin" in t && "boardName" in t
    ? (t as Trust)
    : loadTrust(t);
