/**
 * RFC 8785 JSON Canonicalization Scheme (JCS), protocol.md §2.
 *
 * We first walk the value ourselves and refuse anything JCS cannot represent *faithfully*
 * instead of letting JSON.stringify drop or coerce it silently: non-finite numbers, `undefined`
 * (as a member value or an array element, including holes), functions, symbols, bigints, lone
 * surrogates (in keys or strings), cycles, and any object that is not a plain object or array
 * (Date, Map, Uint8Array, objects with `toJSON`, ...). What is signed is then exactly what a
 * verifier re-derives from the parsed JSON.
 *
 * What passes that walk is a tree of plain JSON values, and for those RFC 8785 is JSON.stringify
 * with every object's members in UTF-16 code-unit order (§3.2.3): strings and numbers are
 * serialised as ECMAScript's JSON.stringify does (§3.2.2.2, §3.2.2.3), without whitespace. The
 * `safe-stable-stringify` package writes exactly that (its deterministic mode sorts member names
 * with the same code-unit comparison), about 4 times faster than the `canonicalize` package
 * (RFC 8785's ECMAScript reference algorithm), which the tests keep as the reference: both give
 * the same bytes on the RFC's vectors and on generated values (schemas/test/canonical.test.ts).
 */
import { configure } from "safe-stable-stringify";

const stringify = configure({
  deterministic: true,
  circularValue: Error,
  bigint: false,
  strict: true,
});

export class CanonicalJsonError extends Error {
  readonly code = "NOT_CANONICALIZABLE" as const;
  /** JSON pointer (RFC 6901) of the offending value, "" for the root. */
  readonly path: string;
  constructor(message: string, path: string) {
    super(path === "" ? message : `${message} at ${path}`);
    this.name = "CanonicalJsonError";
    this.path = path;
  }
}

const pointerToken = (key: string | number): string =>
  String(key).replace(/~/g, "~0").replace(/\//g, "~1");

/** The JSON pointer of the value reached through `keys` (built only for an error). */
const pointer = (keys: ReadonlyArray<string | number>): string =>
  keys.map((k) => `/${pointerToken(k)}`).join("");

const SURROGATE = /[\ud800-\udfff]/;

/** True when the string contains an unpaired UTF-16 surrogate (not valid Unicode). */
export function hasLoneSurrogate(s: string): boolean {
  if (!SURROGATE.test(s)) return false; // the common case, scanned natively
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d < 0xdc00 || d > 0xdfff) return true;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return true;
    }
  }
  return false;
}

/** Walks `value` (reached through `keys` from the root); throws for anything JCS cannot represent. */
function check(value: unknown, keys: Array<string | number>, stack: Set<object>): void {
  const fail = (message: string): never => {
    throw new CanonicalJsonError(message, pointer(keys));
  };
  switch (typeof value) {
    case "string":
      if (hasLoneSurrogate(value)) fail("lone surrogate in string");
      return;
    case "number":
      if (!Number.isFinite(value)) fail(`non-finite number ${value}`);
      return;
    case "boolean":
      return;
    case "undefined":
      return fail("undefined is not a JSON value");
    case "bigint":
      return fail("bigint is not a JSON value");
    case "function":
      return fail("function is not a JSON value");
    case "symbol":
      return fail("symbol is not a JSON value");
    case "object":
      break;
  }
  if (value === null) return;
  const obj = value as object;
  if (stack.has(obj)) fail("circular reference");
  stack.add(obj);
  if (Array.isArray(obj)) {
    for (let i = 0; i < obj.length; i++) {
      keys.push(i);
      if (!(i in obj)) fail("sparse array (hole)");
      check(obj[i], keys, stack);
      keys.pop();
    }
  } else {
    const proto: unknown = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null)
      fail("only plain objects and arrays are JSON values");
    if (Object.getOwnPropertySymbols(obj).length > 0) fail("symbol-keyed property");
    const rec = obj as Record<string, unknown>;
    if (typeof rec.toJSON === "function") fail("objects with toJSON are not canonicalized");
    for (const key of Object.keys(rec)) {
      keys.push(key);
      if (hasLoneSurrogate(key)) fail("lone surrogate in member name");
      check(rec[key], keys, stack);
      keys.pop();
    }
  }
  stack.delete(obj);
}

/** RFC 8785 canonical JSON text of `value`. Throws CanonicalJsonError (NOT_CANONICALIZABLE). */
export function canonicalJson(value: unknown): string {
  check(value, [], new Set());
  let out: string | undefined;
  try {
    out = stringify(value);
  } catch (e) {
    throw new CanonicalJsonError(e instanceof Error ? e.message : String(e), "");
  }
  if (typeof out !== "string") throw new CanonicalJsonError("value has no JSON form", "");
  return out;
}

const encoder = new TextEncoder();

/** UTF-8 bytes of the RFC 8785 canonical JSON of `value` (RFC 8785 §3.2.4). */
export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalJson(value));
}
