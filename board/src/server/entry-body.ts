/**
 * A write request's body -> what the board admits (spec/api.md §Writes): the size limits, then
 * JSON, then the entry schema and its canonical leaf, each refused with its stable code.
 */
import type { AnyEntry } from "@urna/schemas";
import { CanonicalJsonError, validateEntry } from "@urna/schemas";
import { EntryError, entryLeaf } from "@urna/verifier";
import { ApiError } from "./errors.js";

/** Request bodies above this are refused before parsing (an entry's canonical form is at most 65,535 bytes). */
export const MAX_BODY_BYTES = 70 * 1024;
export const MAX_ENTRY_BYTES = 65_535;
/** Bulk requests (`POST /elections/<id>/bulk`): at most this many entries and body bytes. */
export const MAX_BULK_ENTRIES = 1000;
export const MAX_BULK_BYTES = 4 * 1024 * 1024;

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Body bytes -> a schema-valid entry and its canonical leaf, or the API error for the first problem. */
export function parseEntryBody(body: unknown): { entry: AnyEntry; leaf: Uint8Array } {
  if (!(body instanceof Uint8Array) || body.length === 0)
    throw new ApiError("BAD_JSON", "the request body is empty");
  if (body.length > MAX_BODY_BYTES)
    throw new ApiError("ENTRY_TOO_LARGE", `the body exceeds ${MAX_BODY_BYTES} bytes`);
  return entryFromJson(parseJson(body));
}

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(fatalUtf8.decode(body));
  } catch (e) {
    throw new ApiError(
      "BAD_JSON",
      `the body is not JSON: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

/** A parsed JSON value -> a schema-valid entry and its canonical leaf, or the API error. */
export function entryFromJson(value: unknown): { entry: AnyEntry; leaf: Uint8Array } {
  let v;
  try {
    v = validateEntry(value);
  } catch (e) {
    // e.g. a stack overflow on absurdly nested input
    throw new ApiError(
      "SCHEMA_INVALID",
      `the entry cannot be validated: ${e instanceof Error ? e.message : String(e)}`,
      "",
    );
  }
  if (!v.ok) {
    const first = v.errors[0];
    throw new ApiError("SCHEMA_INVALID", `${first.path || "/"}: ${first.message}`, first.path);
  }
  let leaf: Uint8Array;
  try {
    leaf = entryLeaf(v.value);
  } catch (e) {
    if (e instanceof EntryError && e.code === "ENTRY_TOO_LARGE")
      throw new ApiError("ENTRY_TOO_LARGE", e.message);
    if (e instanceof CanonicalJsonError) throw new ApiError("NON_CANONICAL", e.message, e.path);
    throw new ApiError(
      "NON_CANONICAL",
      `the entry cannot be canonicalised: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (leaf.length > MAX_ENTRY_BYTES)
    throw new ApiError(
      "ENTRY_TOO_LARGE",
      `the entry is ${leaf.length} bytes, more than ${MAX_ENTRY_BYTES}`,
    );
  return { entry: v.value, leaf };
}

/**
 * A bulk request's body -> its items (api.md, `POST /elections/<id>/bulk`): a JSON array of 1 to
 * MAX_BULK_ENTRIES entries. The body as a whole is refused (BAD_JSON, BULK_TOO_LARGE,
 * BULK_INVALID); each item is then an entry and its leaf, or its own error (as the single route
 * would answer it), so one bad item does not refuse the others.
 */
export function parseBulkBody(body: unknown): unknown[] {
  if (!(body instanceof Uint8Array) || body.length === 0)
    throw new ApiError("BAD_JSON", "the request body is empty");
  if (body.length > MAX_BULK_BYTES)
    throw new ApiError("BULK_TOO_LARGE", `the body exceeds ${MAX_BULK_BYTES} bytes`);
  const value = parseJson(body);
  if (!Array.isArray(value))
    throw new ApiError("BULK_INVALID", "the body must be a JSON array of entries", "");
  if (value.length === 0 || value.length > MAX_BULK_ENTRIES)
    throw new ApiError(
      "BULK_INVALID",
      `a bulk request holds 1 to ${MAX_BULK_ENTRIES} entries, not ${value.length}`,
      "",
    );
  return value;
}
