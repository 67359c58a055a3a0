/**
 * The entry-type registry (verifier/src/election/entries/registry.ts) is spec/protocol.md in
 * code: one rule per entry type of the schemas, each under its own name; the phases that accept
 * a type are §7's table; the signer rule is the role §6's heading names; and the informative
 * placeholder bodies (voting.open, voting.close) are bodies their schema accepts.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ENTRY_TYPES, validateEntryBody, type EntryType } from "@urna/schemas";
import { ENTRY_RULES, ruleOf } from "../../src/election/entries/registry.js";
import {
  byAuthority,
  byCredential,
  byCustodian,
  byRegistrar,
} from "../../src/election/entries/signers.js";

const protocol = readFileSync(new URL("../../../spec/protocol.md", import.meta.url), "utf8");
const typesIn = (cell: string): string[] => [...cell.matchAll(/`([a-z0-9.]+)`/g)].map((m) => m[1]);

describe("the entry-type registry is spec/protocol.md", () => {
  it("has one rule per entry type, under its own name, and no other", () => {
    expect(Object.keys(ENTRY_RULES).sort()).toEqual([...ENTRY_TYPES].sort());
    for (const t of ENTRY_TYPES) expect(ENTRY_RULES[t].type).toBe(t);
    expect(ruleOf("vote")).toBeUndefined();
    expect(ruleOf("constructor")).toBeUndefined();
  });

  it("accepts each type in exactly the phases of §7's table", () => {
    const table = protocol.slice(protocol.indexOf("## 7. Phases"));
    const rows = [...table.matchAll(/^\| (`[a-z]+`|\(none\)) \|[^|]*\| ([^|]+) \|$/gm)];
    expect(rows.length).toBe(6);
    const phasesOf = new Map<string, string[]>();
    for (const [, phaseCell, accepts] of rows) {
      const phase = typesIn(phaseCell)[0]; // undefined for "(none)": the manifest at entry 0
      for (const t of typesIn(accepts)) {
        const list = phasesOf.get(t) ?? [];
        if (phase) list.push(phase);
        phasesOf.set(t, list);
      }
    }
    expect([...phasesOf.keys()].sort()).toEqual([...ENTRY_TYPES].sort());
    for (const t of ENTRY_TYPES) expect([...ENTRY_RULES[t].phases], t).toEqual(phasesOf.get(t));
  });

  it("checks the signer §6's headings name", () => {
    const bySigner: [RegExp, unknown][] = [
      [/^registrar/, byRegistrar],
      [/^authority/, byAuthority],
      [/^custodian/, byCustodian],
      [/^voter credential/, byCredential],
    ];
    const headings = [...protocol.matchAll(/^### 6\.\d+ (.+) \(([^;)]+)[;)]/gm)];
    let checked = 0;
    for (const [, title, role] of headings) {
      const types = typesIn(title).filter((t): t is EntryType =>
        (ENTRY_TYPES as readonly string[]).includes(t),
      );
      if (types.length === 0 || types.includes("manifest")) continue; // §6.11; entry 0 apart
      const expected = bySigner.find(([re]) => re.test(role))?.[1];
      for (const t of types) {
        checked++;
        if (t === "audit.attestation") {
          expect(role).toMatch(/auditing firm/);
          expect(bySigner.map(([, f]) => f)).not.toContain(ENTRY_RULES[t].signer);
        } else expect(ENTRY_RULES[t].signer, `${t}: ${role}`).toBe(expected);
      }
    }
    expect(checked).toBe(ENTRY_TYPES.length - 1);
  });

  it("gives informative placeholder bodies its schema accepts, and only for voting.open/close", () => {
    const informative = ENTRY_TYPES.filter((t) => ENTRY_RULES[t].informativeBody !== undefined);
    expect(informative).toEqual(["voting.open", "voting.close"]);
    for (const t of informative)
      expect(validateEntryBody(t, ENTRY_RULES[t].informativeBody).ok, t).toBe(true);
  });

  it("marks exactly the entries a credential signs as byCredential", () => {
    const byCred = ENTRY_TYPES.filter((t) => ENTRY_RULES[t].byCredential);
    expect(byCred).toEqual(["ballot", "ballot.challenged"]);
    for (const t of byCred) expect(ENTRY_RULES[t].signer).toBe(byCredential);
  });
});
