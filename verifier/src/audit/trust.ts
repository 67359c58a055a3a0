/**
 * The trust file (spec/record.md §Trust file), checked and turned into verifiers. A trust file
 * that does not validate is bad input (exit 2), never a failed check: nothing can be verified
 * without it.
 */
import { validateTrust, type TrustFile } from "@urna/schemas";
import {
  SIG_TYPE_COSIGNATURE_V1,
  SIG_TYPE_ED25519,
  parseVkey,
  type NoteVerifier,
} from "../log/note.js";

export class TrustError extends Error {
  readonly code = "TRUST_INVALID" as const;
  constructor(message: string) {
    super(message);
    this.name = "TrustError";
  }
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
  if (!board.name.endsWith(suffix) || board.name.length === suffix.length)
    throw new TrustError(
      `trust file: board.vkey's name ${board.name} must be the log's origin, <board name>${suffix}`,
    );
  const witnesses = file.witnesses.map((w, i) => {
    let k: NoteVerifier;
    try {
      k = parseVkey(w.vkey);
    } catch (e) {
      throw new TrustError(`trust file: witnesses[${i}].vkey: ${(e as Error).message}`);
    }
    if (k.type !== SIG_TYPE_COSIGNATURE_V1 && k.type !== SIG_TYPE_ED25519)
      throw new TrustError(
        `trust file: witnesses[${i}].vkey must be a cosignature/v1 (type 0x04) key`,
      );
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
  return {
    file,
    election: file.election,
    boardName: board.name.slice(0, -suffix.length),
    origin: board.name,
    board,
    witnesses,
    quorum: file.quorum,
    authority: file.authority,
  };
}

/** Accept either a parsed Trust or a trust file. */
export const asTrust = (t: Trust | TrustFile | unknown): Trust =>
  typeof t === "object" && t !== null && "board" in t && "origin" in t && "boardName" in t
    ? (t as Trust)
    : loadTrust(t);
