/**
 * @urna/schemas: the JSON Schemas (draft 2020-12) of every urna-v1 object, typed validators
 * compiled once with ajv, and RFC 8785 canonical JSON.
 *
 * Validators never mutate or coerce their input; on success they return the same value, typed.
 * On failure they return the violations, each with the RFC 6901 JSON pointer of the offending
 * value (for a missing or unexpected member, the pointer of that member).
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import defs from "./json/defs.schema.json" with { type: "json" };
import entry from "./json/entry.schema.json" with { type: "json" };
import manifest from "./json/manifest.schema.json" with { type: "json" };
import credentials from "./json/credentials.schema.json" with { type: "json" };
import ceremonyRound1 from "./json/ceremony-round1.schema.json" with { type: "json" };
import ceremonyCertify from "./json/ceremony-certify.schema.json" with { type: "json" };
import ceremonyBlame from "./json/ceremony-blame.schema.json" with { type: "json" };
import electionKey from "./json/election-key.schema.json" with { type: "json" };
import votingTime from "./json/voting-time.schema.json" with { type: "json" };
import ballot from "./json/ballot.schema.json" with { type: "json" };
import ballotChallenged from "./json/ballot-challenged.schema.json" with { type: "json" };
import tally from "./json/tally.schema.json" with { type: "json" };
import decryptionShare from "./json/decryption-share.schema.json" with { type: "json" };
import result from "./json/result.schema.json" with { type: "json" };
import auditAttestation from "./json/audit-attestation.schema.json" with { type: "json" };
import receipt from "./json/receipt.schema.json" with { type: "json" };
import trust from "./json/trust.schema.json" with { type: "json" };
import report from "./json/report.schema.json" with { type: "json" };
import apiError from "./json/api-error.schema.json" with { type: "json" };
import type {
  AnyEntry,
  ApiError,
  EntryBodyMap,
  EntryType,
  Manifest,
  Receipt,
  TrustFile,
  ValidationIssue,
  ValidationResult,
  VerificationReport,
} from "./types.js";

export const VERSION = "0.1.0";
export type * from "./types.js";
export {
  canonicalJson,
  canonicalBytes,
  CanonicalJsonError,
  hasLoneSurrogate,
} from "./canonical.js";

/** Largest log leaf, jcs(entry), in bytes (tlog-tiles entry bundles; protocol.md §5). */
export const MAX_ENTRY_BYTES = 65_535;

/** Every entry type, in protocol.md §6 order. */
export const ENTRY_TYPES: readonly EntryType[] = Object.freeze([
  "manifest",
  "credentials",
  "ceremony.round1",
  "ceremony.certify",
  "ceremony.blame",
  "election.key",
  "voting.open",
  "voting.close",
  "ballot",
  "ballot.challenged",
  "tally",
  "decryption.share",
  "result",
  "audit.attestation",
] as const);

export const isEntryType = (x: unknown): x is EntryType =>
  typeof x === "string" && (ENTRY_TYPES as readonly string[]).includes(x);

/** A JSON Schema document (draft 2020-12). */
export interface JsonSchema {
  readonly $schema: string;
  readonly $id: string;
  readonly [keyword: string]: unknown;
}

export type SchemaName =
  | "defs"
  | "entry"
  | "manifest"
  | "credentials"
  | "ceremonyRound1"
  | "ceremonyCertify"
  | "ceremonyBlame"
  | "electionKey"
  | "votingTime"
  | "ballot"
  | "ballotChallenged"
  | "tally"
  | "decryptionShare"
  | "result"
  | "auditAttestation"
  | "receipt"
  | "trust"
  | "report"
  | "apiError";

/** Every schema as a plain object, keyed by name; `$id`s are `https://urna.example/schemas/v1/<file>.json`. */
export const schemas: Readonly<Record<SchemaName, JsonSchema>> = Object.freeze({
  defs,
  entry,
  manifest,
  credentials,
  ceremonyRound1,
  ceremonyCertify,
  ceremonyBlame,
  electionKey,
  votingTime,
  ballot,
  ballotChallenged,
  tally,
  decryptionShare,
  result,
  auditAttestation,
  receipt,
  trust,
  report,
  apiError,
});

/** The schema name of each entry type's body. */
export const BODY_SCHEMA: Readonly<Record<EntryType, SchemaName>> = Object.freeze({
  manifest: "manifest",
  credentials: "credentials",
  "ceremony.round1": "ceremonyRound1",
  "ceremony.certify": "ceremonyCertify",
  "ceremony.blame": "ceremonyBlame",
  "election.key": "electionKey",
  "voting.open": "votingTime",
  "voting.close": "votingTime",
  ballot: "ballot",
  "ballot.challenged": "ballotChallenged",
  tally: "tally",
  "decryption.share": "decryptionShare",
  result: "result",
  "audit.attestation": "auditAttestation",
});

type Compiled = Record<Exclude<SchemaName, "defs">, ValidateFunction>;
let compiled: Compiled | undefined;

/**
 * Compile every schema once, on first use. The board's web bundle replaces ajv here with
 * validators generated ahead of time (board/scripts/build-web.mjs, ajv standalone code), so
 * that the pages run under a Content-Security-Policy without 'unsafe-eval'; keep these options
 * in step with AJV_OPTIONS there.
 */
function validators(): Compiled {
  if (compiled) return compiled;
  const ajv = new Ajv2020({
    strict: true,
    allErrors: false,
    // The schemas are static and meta-validated by the tests; skipping it here saves startup.
    validateSchema: false,
    unicodeRegExp: true,
    schemas: Object.values(schemas) as object[],
  });
  const get = (name: SchemaName): ValidateFunction => {
    const v = ajv.getSchema(schemas[name].$id);
    if (!v) throw new Error(`schema ${name} did not compile`);
    return v;
  };
  const out = {} as Compiled;
  for (const name of Object.keys(schemas) as SchemaName[])
    if (name !== "defs") out[name] = get(name);
  compiled = out;
  return out;
}

/** Readable messages for the shared patterns (instead of echoing the regular expression). */
const PATTERN_MESSAGES: ReadonlyMap<string, string> = new Map([
  [
    defs.$defs.displayText.pattern,
    "must not contain control characters or bidi controls (a display string, protocol.md §2)",
  ],
  [defs.$defs.bytes32.pattern, "must be canonical base64 of exactly 32 bytes"],
  [defs.$defs.bytes64.pattern, "must be canonical base64 of exactly 64 bytes"],
  [defs.$defs.base64.pattern, "must be canonical base64 (RFC 4648 §4, with padding)"],
  [defs.$defs.id.pattern, "must be an identifier: ^[a-z0-9][a-z0-9-]{0,63}$"],
  [defs.$defs.hash32hex.pattern, "must be 64 lowercase hex digits"],
  [defs.$defs.time.pattern, "must be an RFC 3339 UTC time, YYYY-MM-DDTHH:MM:SS[.fraction]Z"],
]);

const token = (k: unknown): string => String(k).replace(/~/g, "~0").replace(/\//g, "~1");

function issues(errors: readonly ErrorObject[] | null | undefined, prefix = ""): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const e of errors ?? []) {
    // An `if`/`then` failure is reported by its `then` errors; the wrapper adds nothing.
    if (e.keyword === "if") continue;
    let path = prefix + e.instancePath;
    let message = e.message ?? `fails ${e.keyword}`;
    const p = e.params as Record<string, unknown>;
    if (e.keyword === "required") {
      path += `/${token(p.missingProperty)}`;
      message = `missing required member "${String(p.missingProperty)}"`;
    } else if (e.keyword === "additionalProperties") {
      path += `/${token(p.additionalProperty)}`;
      message = `unexpected member "${String(p.additionalProperty)}"`;
    } else if (e.keyword === "propertyNames") {
      path += `/${token(p.propertyName)}`;
    } else if (e.keyword === "pattern") {
      message = PATTERN_MESSAGES.get(String(p.pattern)) ?? message;
    }
    out.push({ path, message });
  }
  if (out.length === 0) out.push({ path: prefix, message: "does not match the schema" });
  return out;
}

function run<T>(name: Exclude<SchemaName, "defs">, x: unknown, prefix = ""): ValidationResult<T> {
  const v = validators()[name];
  if (v(x)) return { ok: true, value: x as T };
  return { ok: false, errors: issues(v.errors, prefix) };
}

/** Validate a log entry: the envelope (protocol.md §5) and the body for its `type` (§6). */
export const validateEntry = (x: unknown): ValidationResult<AnyEntry> => run<AnyEntry>("entry", x);

/** Validate an entry body against the schema of `type`; error paths are relative to the body. */
export function validateEntryBody<T extends EntryType>(
  type: T,
  body: unknown,
): ValidationResult<EntryBodyMap[T]> {
  if (!isEntryType(type))
    return { ok: false, errors: [{ path: "", message: `unknown entry type` }] };
  return run<EntryBodyMap[T]>(BODY_SCHEMA[type] as Exclude<SchemaName, "defs">, body);
}

/** Validate a manifest body (protocol.md §6.1). */
export const validateManifest = (x: unknown): ValidationResult<Manifest> =>
  run<Manifest>("manifest", x);
/** Validate a voter receipt (record.md §Receipt). */
export const validateReceipt = (x: unknown): ValidationResult<Receipt> =>
  run<Receipt>("receipt", x);
/** Validate a trust file (record.md §Trust file). */
export const validateTrust = (x: unknown): ValidationResult<TrustFile> =>
  run<TrustFile>("trust", x);
/** Validate a verification report (record.md §Verification report). */
export const validateReport = (x: unknown): ValidationResult<VerificationReport> =>
  run<VerificationReport>("report", x);
/** Validate an API error body (api.md). */
export const validateApiError = (x: unknown): ValidationResult<ApiError> =>
  run<ApiError>("apiError", x);
