/**
 * Display strings (spec/protocol.md §2): the characters no display string may hold, and how a
 * report shows them when it meets one anyway (a string that bypassed the schema, an error
 * message quoting bad input). Every character of the class is printed as `\u{XXXX}`, so a
 * terminal or a page never interprets it: no ANSI escape, no carriage return, no bidi override
 * can make a report show anything but what it says.
 */

/**
 * C0 and C1 controls and DEL; the Arabic letter mark, LRM and RLM; line and paragraph
 * separators; bidi embeddings, overrides and isolates. The same class as the schemas'
 * `displayText` (schemas/src/json/defs.schema.json).
 */
export const DISPLAY_FORBIDDEN_CLASS =
  "[\\u0000-\\u001F\\u007F-\\u009F\\u061C\\u200E\\u200F\\u2028-\\u202E\\u2066-\\u2069]";

const ANY = new RegExp(DISPLAY_FORBIDDEN_CLASS, "u");
const ALL = new RegExp(DISPLAY_FORBIDDEN_CLASS, "gu");

/** True iff `s` is a valid display string (no character of the forbidden class). */
export const isDisplayText = (s: string): boolean => !ANY.test(s);

/** `s` with every forbidden character written as `\u{XXXX}` (hex, upper case). */
export function escapeDisplay(s: string): string {
  return s.replace(
    ALL,
    (c) => `\\u{${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, "0")}}`,
  );
}
