/**
 * Whether a leaf's bytes are their own RFC 8785 canonical form (protocol.md §2, check V4),
 * decided by reading the bytes once instead of re-serialising the parsed value and comparing.
 *
 * The bytes must already have parsed as UTF-8 JSON (the replay parses every leaf once, then
 * asks this). On such bytes JCS form is: no whitespace outside strings; member names in
 * UTF-16 code-unit order, none twice; numbers as ECMAScript's Number-to-String writes them;
 * strings with only the escapes JSON.stringify emits. `true` proves the bytes canonical;
 * `false` means "not proven" (the caller then canonicalises the value, which also gives the
 * precise reason): member names that are not plain ASCII, and `\u` escapes other than control
 * characters, are left to that slower path rather than decoded here.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;

/** The one-character escapes JSON.stringify writes, and the code units they stand for. */
const SHORT_ESCAPES: Readonly<Record<number, number>> = {
  0x22: 0x22, // \"
  0x5c: 0x5c, // \\
  0x62: 0x08, // \b
  0x66: 0x0c, // \f
  0x6e: 0x0a, // \n
  0x72: 0x0d, // \r
  0x74: 0x09, // \t
};
const HEX_LOWER = "0123456789abcdef";
/** The control characters written with a short escape, never as \u00XX. */
const SHORT_FORM = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d]);

class NotProven extends Error {}
const notProven = (): never => {
  throw new NotProven();
};

/** True iff `bytes` (UTF-8 JSON that has parsed) are provably their own RFC 8785 form. */
export function isCanonicalJsonBytes(bytes: Uint8Array): boolean {
  try {
    const end = readValue(bytes, 0);
    return end === bytes.length;
  } catch (e) {
    if (e instanceof NotProven) return false;
    throw e;
  }
}

/** Reads one value at `i`; returns the index after it. */
function readValue(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c === QUOTE) return readString(b, i, false);
  if (c === 0x7b) return readObject(b, i);
  if (c === 0x5b) return readArray(b, i);
  if (c === 0x74) return literal(b, i, "true");
  if (c === 0x66) return literal(b, i, "false");
  if (c === 0x6e) return literal(b, i, "null");
  return readNumber(b, i);
}

function literal(b: Uint8Array, i: number, word: string): number {
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) notProven();
  return i + word.length;
}

function readObject(b: Uint8Array, i: number): number {
  i++;
  if (b[i] === 0x7d) return i + 1;
  let prev: Uint8Array | undefined;
  for (;;) {
    if (b[i] !== QUOTE) notProven();
    const end = readString(b, i, true);
    const name = b.subarray(i + 1, end - 1);
    // ASCII names: byte order is UTF-16 code-unit order; strictly increasing, so none twice.
    if (prev !== undefined && compareBytes(prev, name) >= 0) notProven();
    prev = name;
    i = end;
    if (b[i] !== COLON) notProven();
    i = readValue(b, i + 1);
    if (b[i] === 0x7d) return i + 1;
    if (b[i] !== COMMA) notProven();
    i++;
  }
}

function readArray(b: Uint8Array, i: number): number {
  i++;
  if (b[i] === 0x5d) return i + 1;
  for (;;) {
    i = readValue(b, i);
    if (b[i] === 0x5d) return i + 1;
    if (b[i] !== COMMA) notProven();
    i++;
  }
}

/**
 * A string at `i` (its opening quote); `name`: a member name, which must be printable ASCII
 * without escapes to be proven here.
 */
function readString(b: Uint8Array, i: number, name: boolean): number {
  for (let k = i + 1; k < b.length; k++) {
    const c = b[k];
    if (c === QUOTE) return k + 1;
    if (name && (c < 0x20 || c > 0x7e || c === BACKSLASH)) notProven();
    if (c < 0x20) notProven(); // a raw control character is not JSON; never canonical
    if (c !== BACKSLASH) continue;
    const e = b[++k];
    if (e === 0x75) {
      // \u00XX only for the control characters without a short escape, in lower-case hex.
      if (b[k + 1] !== 0x30 || b[k + 2] !== 0x30) notProven();
      const hi = HEX_LOWER.indexOf(String.fromCharCode(b[k + 3]));
      const lo = HEX_LOWER.indexOf(String.fromCharCode(b[k + 4]));
      if (hi < 0 || hi > 1 || lo < 0 || SHORT_FORM.has(hi * 16 + lo)) notProven();
      k += 4;
    } else if (e === undefined || !(e in SHORT_ESCAPES)) notProven(); // e.g. \/ is never written
  }
  return notProven();
}

function readNumber(b: Uint8Array, i: number): number {
  let k = i;
  while (k < b.length) {
    const c = b[k];
    // digits, '-', '+', '.', 'e', 'E'
    if (
      (c >= 0x30 && c <= 0x39) ||
      c === 0x2d ||
      c === 0x2b ||
      c === 0x2e ||
      c === 0x65 ||
      c === 0x45
    )
      k++;
    else break;
  }
  if (k === i) notProven();
  let token = "";
  for (let j = i; j < k; j++) token += String.fromCharCode(b[j]);
  const n = Number(token);
  // ECMAScript's Number-to-String is JCS's number form (RFC 8785 §3.2.2.3); -0 is written "0".
  if (!Number.isFinite(n) || String(n) !== token) notProven();
  return k;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) if (a[k] !== b[k]) return a[k] - b[k];
  return a.length - b.length;
}
