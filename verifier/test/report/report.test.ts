/**
 * The report renderers on hand-built reports, bypassing the schema: no control or bidi
 * character reaches the text or HTML output (spec/protocol.md §2), and a result is presented
 * only when every check passed (spec/record.md §Verification report).
 */
import { describe, expect, it } from "vitest";
import type { CheckReport, VerificationReport } from "@urna/schemas";
import { schemas, validateReport } from "@urna/schemas";
import { toFailure, type FailureInput } from "../../src/audit/checks.js";
import {
  DISPLAY_FORBIDDEN_CLASS,
  isDisplayText,
  escapeDisplay,
  reportToHtml,
  reportToText,
  verdictOfReport,
} from "../../src/report/index.js";

const ids = Array.from({ length: 17 }, (_, k) => `V${k + 1}`);
const checks = (status: (id: string) => CheckReport["status"]): CheckReport[] =>
  ids.map((id) => ({ id, title: `check ${id}`, status: status(id), items: 1, failures: [] }));

// Two labels that would rewrite the counts on a terminal or a page: an ANSI sequence that
// moves the cursor back and prints another number, and a right-to-left override.
const ANSI = "Morena\u001b[2K\r\u001b[1A    Morena        99,999";
const BIDI = "PAN \u202e0001\u202c";

function report(over: Partial<VerificationReport> = {}): VerificationReport {
  return {
    version: 1,
    verifier: "urna-verify test",
    election: "e",
    checkpoint: { origin: "b/elections/e", size: 10, root: "A".repeat(43) + "=" },
    startedAt: "2024-06-03T08:15:30Z",
    durationMs: 5,
    ok: true,
    complete: true,
    checks: checks(() => "pass"),
    result: {
      custodians: [1, 2],
      contests: [
        {
          contest: "presidencia",
          title: "Presidencia \u202eAIDNEDISERP",
          options: [
            { option: "morena", label: ANSI, votes: 10 },
            { option: "pan", label: BIDI, votes: 20 },
          ],
        },
      ],
    },
    ...over,
  };
}

const RAW =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/u;

describe("text and HTML reports escape every display string", () => {
  it("prints a label carrying ANSI escapes or a bidi override escaped, in text and HTML", () => {
    const r = report();
    r.checks[3].failures.push({ code: "SCHEMA_INVALID", message: "SCHEMA_INVALID: x\u001b[31my" });
    r.checks[3].status = "pass"; // a hand-built report: the renderer must not trust anything
    const text = reportToText(r);
    expect(text).not.toMatch(RAW);
    expect(text).toContain("Morena\\u{001B}[2K\\u{000D}\\u{001B}[1A");
    expect(text).toContain("PAN \\u{202E}0001\\u{202C}");
    expect(text).toContain("x\\u{001B}[31my");
    const html = reportToHtml(r);
    expect(html).not.toMatch(RAW);
    expect(html).toContain("PAN \\u{202E}0001\\u{202C}");
  });

  it("escapes every string field, not only labels", () => {
    const r = report({
      verifier: "v\u001b]0;owned\u0007",
      election: "e\u202e",
      checks: checks(() => "pass").map((c) => ({
        ...c,
        title: `${c.title}\u2066`,
        reason: "\u009b2J",
      })),
    });
    const text = reportToText(r);
    const html = reportToHtml(r, { firms: [{ firm: "F\u202e" }, { auditor: "A\u001b" }] });
    expect(text).not.toMatch(RAW);
    expect(html).not.toMatch(RAW);
  });

  it("escapes exactly the class the schemas refuse", () => {
    const defs = schemas.defs as unknown as { $defs: { displayText: { pattern: string } } };
    expect(defs.$defs.displayText.pattern).toBe(`^[^${DISPLAY_FORBIDDEN_CLASS.slice(1, -1)}]*$`);
    const schema = new RegExp(defs.$defs.displayText.pattern, "u");
    for (let cp = 0; cp < 0x10000; cp++) {
      if (cp >= 0xd800 && cp < 0xe000) continue;
      const ch = String.fromCodePoint(cp);
      expect(isDisplayText(ch), `U+${cp.toString(16)}`).toBe(schema.test(ch));
      expect(escapeDisplay(ch) === ch, `U+${cp.toString(16)}`).toBe(schema.test(ch));
    }
  });

  it("escapeDisplay leaves ordinary text alone", () => {
    const s = "Xóchitl Gálvez Ruiz · عربي עברית ✓ 👍";
    expect(escapeDisplay(s)).toBe(s);
  });
});

describe("a result is presented only when every check passed", () => {
  for (const dep of ["V1", "V2", "V3", "V4", "V12", "V13", "V14", "V15", "V16", "V17"])
    it(`not when ${dep} failed, even if the report carries one`, () => {
      const r = report({ ok: false, checks: checks((id) => (id === dep ? "fail" : "pass")) });
      const v = verdictOfReport(r);
      expect(v.result).toBeUndefined();
      expect(v.noResult).toMatch(new RegExp(`No verified result: ${dep} failed`));
      const text = reportToText(r);
      expect(text).not.toMatch(/Result \(decrypted/);
      expect(text).not.toMatch(/\b20\b/);
      expect(text).toContain(`No verified result: ${dep} failed`);
      const html = reportToHtml(r);
      expect(html).not.toContain("Decrypted by custodians");
      expect(html).toContain(`No verified result: ${dep} failed`);
    });

  it("not when checks were skipped: the election is not finished", () => {
    const r = report({
      complete: false,
      checks: checks((id) => (["V14", "V15", "V16", "V17"].includes(id) ? "skip" : "pass")),
    });
    r.checks[13].reason = "the election is in phase voting: no tally yet";
    const text = reportToText(r);
    expect(text).toContain(
      "No verified result: the election is not finished (V14, V15, V16, V17 skipped: the election is in phase voting: no tally yet).",
    );
    expect(text).not.toContain("All checks passed");
    expect(reportToHtml(r)).toContain("ELECTION NOT FINISHED");
  });

  it("when every check passed", () => {
    const text = reportToText(report());
    expect(text).toMatch(/Result \(decrypted by custodians 1, 2\)/);
    expect(text).toContain("All checks passed.");
    expect(reportToHtml(report())).toContain("Decrypted by custodians 1, 2");
  });
});

describe("failures carry a stable code", () => {
  it("toFailure: code field, message starting with the code, display-safe", () => {
    const f = toFailure({ code: "INVALID_PROOF", message: "bad \u202eproof", index: 3 });
    expect(f).toEqual({
      code: "INVALID_PROOF",
      index: 3,
      message: "INVALID_PROOF: bad \\u{202E}proof",
    });
    expect(toFailure({ code: "not a code" as FailureInput["code"], message: "m" }).code).toBe(
      "VERIFIER_ERROR",
    );
    const r = report({ ok: false, result: undefined });
    r.checks[0] = { ...r.checks[0], status: "fail", failures: [f] };
    expect(validateReport(r).ok).toBe(true);
    const { code: _c, ...noCode } = f;
    void _c;
    r.checks[0].failures = [noCode as typeof f];
    expect(validateReport(r).ok).toBe(false);
  });
});
