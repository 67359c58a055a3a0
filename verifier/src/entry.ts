/**
 * Log entries, protocol.md §5: the signing message, strict Ed25519 verification, the log leaf
 * and parsing a leaf back (V4 entry format, V5 signatures). Isomorphic: no Node-only APIs.
 *
 *   signature = Ed25519(signer, utf8("urna-v1/entry") || 0x0A || jcs({type, election, body, signer}))
 *   leaf      = jcs(entry)                                   (at most 65,535 bytes)
 */
import { canonicalBytes, MAX_ENTRY_BYTES, validateEntry } from "@urna/schemas";
import type { AnyEntry, Entry } from "@urna/schemas";
import { bytesEqual, concatBytes, fromBase64, fromUtf8, utf8 } from "./bytes.js";
import { verifyEd25519 } from "./ed25519.js";

export { verifyEd25519 };

/** Domain-separation prefix of entry signatures (followed by one 0x0A byte). */
export const ENTRY_SIGNING_PREFIX = "urna-v1/entry";

export type EntryErrorCode =
  "ENTRY_TOO_LARGE" | "BAD_LEAF_JSON" | "NON_CANONICAL_LEAF" | "ENTRY_SCHEMA_INVALID";

export class EntryError extends Error {
  constructor(
    readonly code: EntryErrorCode,
    message: string,
    /** JSON pointer of the offending value, for ENTRY_SCHEMA_INVALID. */
    readonly path?: string,
  ) {
    super(message);
    this.name = "EntryError";
  }
}

/** The signed part of an entry: the envelope without `signature`. */
export type UnsignedEntry = Pick<Entry, "type" | "election" | "body" | "signer">;

const PREFIX = concatBytes(utf8(ENTRY_SIGNING_PREFIX), new Uint8Array([0x0a]));

/**
 * utf8("urna-v1/entry") || 0x0A || jcs({type, election, body, signer}).
 * Throws CanonicalJsonError (NOT_CANONICALIZABLE) if the body has no JSON form.
 */
export function entrySigningMessage(entry: UnsignedEntry): Uint8Array {
  const { type, election, body, signer } = entry;
  return concatBytes(PREFIX, canonicalBytes({ type, election, body, signer }));
}

/**
 * `entrySigningMessage(entry)` cut from `leaf = entryLeaf(entry)` instead of serialising the
 * entry again: jcs orders the members body, election, signature, signer, type, so the signed
 * JSON is the leaf without its `,"signature":…` member. The leaf's last three members are
 * compared with their own serialisation (JCS writes a string as JSON.stringify does) and
 * undefined is returned when they differ (the caller then uses `entrySigningMessage`).
 */
export function signingMessageFromLeaf(entry: Entry, leaf: Uint8Array): Uint8Array | undefined {
  const { signature, signer, type } = entry;
  if (typeof signature !== "string" || typeof signer !== "string" || typeof type !== "string")
    return undefined;
  const kept = utf8(`,"signer":${JSON.stringify(signer)},"type":${JSON.stringify(type)}}`);
  const cut = utf8(`,"signature":${JSON.stringify(signature)}`);
  const head = leaf.length - kept.length - cut.length;
  if (head < 1 || !bytesEqual(leaf.subarray(head), concatBytes(cut, kept))) return undefined;
  const out = new Uint8Array(PREFIX.length + head + kept.length);
  out.set(PREFIX, 0);
  out.set(leaf.subarray(0, head), PREFIX.length);
  out.set(kept, PREFIX.length + head);
  return out;
}

/**
 * Verify `entry.signature` by `entry.signer` (protocol.md §5). False on any malformed field.
 * `verify` is the strict Ed25519 check (default `verifyEd25519`); the board passes an OpenSSL
 * one that decides the same way.
 */
export function verifyEntrySignature(
  entry: Entry,
  verify: (
    signature: Uint8Array,
    message: Uint8Array,
    publicKey: Uint8Array,
  ) => boolean = verifyEd25519,
  /** `entrySigningMessage(entry)` when the caller has it already (`signingMessageFromLeaf`). */
  message?: Uint8Array,
): boolean {
  let sig: Uint8Array, pk: Uint8Array, msg: Uint8Array;
  try {
    sig = fromBase64(entry.signature);
    pk = fromBase64(entry.signer);
    msg = message ?? entrySigningMessage(entry);
  } catch {
    return false;
  }
  return verify(sig, msg, pk);
}

/**
 * The log leaf of an entry: jcs(entry), all five members. Throws EntryError ENTRY_TOO_LARGE
 * past 65,535 bytes, CanonicalJsonError if the entry has no JSON form.
 */
export function entryLeaf(entry: Entry): Uint8Array {
  const { type, election, body, signer, signature } = entry;
  const leaf = canonicalBytes({ type, election, body, signer, signature });
  if (leaf.length > MAX_ENTRY_BYTES)
    throw new EntryError(
      "ENTRY_TOO_LARGE",
      `entry is ${leaf.length} bytes, more than ${MAX_ENTRY_BYTES}`,
    );
  return leaf;
}

/**
 * Parse a leaf as JSON and check that the bytes are exactly their own RFC 8785 form (no
 * whitespace, sorted members, no duplicate members, shortest numbers and escapes, no BOM).
 * No schema check. Throws EntryError ENTRY_TOO_LARGE, BAD_LEAF_JSON or NON_CANONICAL_LEAF.
 */
export function parseLeafJson(bytes: Uint8Array): unknown {
  if (bytes.length > MAX_ENTRY_BYTES)
    throw new EntryError(
      "ENTRY_TOO_LARGE",
      `leaf is ${bytes.length} bytes, more than ${MAX_ENTRY_BYTES}`,
    );
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(bytes));
  } catch (e) {
    throw new EntryError(
      "BAD_LEAF_JSON",
      `leaf is not UTF-8 JSON: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  let canonical: Uint8Array;
  try {
    canonical = canonicalBytes(value);
  } catch (e) {
    throw new EntryError(
      "NON_CANONICAL_LEAF",
      `leaf cannot be canonicalized: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (!bytesEqual(canonical, bytes))
    throw new EntryError("NON_CANONICAL_LEAF", "leaf is not its own RFC 8785 canonical form");
  return value;
}

/**
 * Parse a leaf into an entry: parseLeafJson, then the entry schema (envelope and body for its
 * type). Throws EntryError; ENTRY_SCHEMA_INVALID carries the JSON pointer in `path`.
 * Does not verify the signature (verifyEntrySignature).
 */
export function parseLeaf(bytes: Uint8Array): AnyEntry {
  const value = parseLeafJson(bytes);
  const r = validateEntry(value);
  if (!r.ok) {
    const first = r.errors[0];
    throw new EntryError(
      "ENTRY_SCHEMA_INVALID",
      `${first.path || "/"}: ${first.message}`,
      first.path,
    );
  }
  return r.value;
}
