/**
 * The check registry (verifier/src/election/check-registry.ts) is the spec's text in code: its
 * titles, sections and per-check failure codes equal spec/verification.md's, and the codes a
 * board refuses entries with are rows of spec/api.md's error table.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ADMISSION_CHECKS,
  BOARD_REFUSALS,
  CHECKS,
  CHECK_IDS,
  checkOf,
  isCodeOf,
} from "../src/election/check-registry.js";

const spec = (f: string) => readFileSync(new URL(`../../spec/${f}`, import.meta.url), "utf8");
const verification = spec("verification.md");
const api = spec("api.md");

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
const anchor = (h: string) =>
  h
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, "")
    .replace(/ /g, "-");

describe("the check registry is spec/verification.md", () => {
  it("lists V1-V18 in order, once each", () => {
    expect(CHECK_IDS).toEqual(Array.from({ length: 18 }, (_, i) => `V${i + 1}`));
  });

  it("has each check's title as the spec's bold lead and its section as the heading above it", () => {
    const headings = [...verification.matchAll(/^## (.+)$/gm)].map((m) => ({
      at: m.index,
      anchor: anchor(m[1]),
    }));
    for (const c of CHECKS) {
      const m = new RegExp(`^\\*\\*${c.id} ([^*]+)\\.\\*\\*`, "m").exec(verification);
      expect(m, `${c.id} is defined in spec/verification.md`).not.toBeNull();
      expect(m?.[1]).toBe(c.title);
      const section = headings.filter((h) => h.at < (m?.index ?? 0)).at(-1);
      expect(section?.anchor, `${c.id}'s section`).toBe(c.anchor);
    }
  });

  it("has exactly the §Failure codes table's codes per check", () => {
    const table = verification.slice(verification.indexOf("## Failure codes"));
    const rows = new Map(
      [...table.matchAll(/^\| (V\d+) \| (.*) \|$/gm)].map((m) => [
        m[1],
        [...m[2].matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((x) => x[1]),
      ]),
    );
    expect([...rows.keys()]).toEqual(CHECK_IDS);
    for (const c of CHECKS)
      expect([...c.codes].sort(), c.id).toEqual([...new Set(rows.get(c.id))].sort());
    expect(isCodeOf("V2", "WRONG_ORIGIN")).toBe(true);
    expect(isCodeOf("V5", "WRONG_ORIGIN")).toBe(false);
    expect(isCodeOf("V5", "VERIFIER_ERROR")).toBe(true);
  });

  it("has the admission checks of §Failing entries", () => {
    expect([...ADMISSION_CHECKS]).toEqual(["V4", "V5", "V6", "V7", "V10"]);
    expect(checkOf("V9").admission).toBe(false);
  });

  it("runs only the log checks, V4 and V6 without a manifest", () => {
    expect(CHECKS.filter((c) => c.withoutManifest).map((c) => c.id)).toEqual([
      "V1",
      "V2",
      "V3",
      "V4",
      "V6",
    ]);
  });
});

describe("the board's refusal codes", () => {
  it("are finding codes of some check and rows of spec/api.md's error table", () => {
    const apiCodes = new Set([...api.matchAll(/^\| \d{3} \| `([A-Z_]+)` \|/gm)].map((m) => m[1]));
    for (const code of BOARD_REFUSALS) {
      expect(
        CHECKS.some((c) => (c.codes as readonly string[]).includes(code)),
        code,
      ).toBe(true);
      expect(apiCodes.has(code), `${code} in spec/api.md §Errors`).toBe(true);
    }
  });
});
