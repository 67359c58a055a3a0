/**
 * The audit and the monitor judge entry 0 against the trust file with one function
 * (entryZeroTrustFindings), so a manifest whose authority is not the trust file's is the same
 * finding in both: V6 INVALID_MANIFEST (spec/verification.md V6). They once disagreed (V5 in
 * the monitor).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { toBase64 } from "../../src/bytes.js";
import { verifyElection } from "../../src/audit/verify-election.js";
import { folderSource } from "../../src/record/folder-node.js";
import { EntryChecker } from "../../src/monitor/checker.js";
import type { TrustFile } from "@urna/schemas";

const dir = new URL("../../../conformance/corpus/honest-single/", import.meta.url);
const trust = JSON.parse(readFileSync(new URL("trust.json", dir), "utf8")) as TrustFile;
const leaf0 = new TextEncoder().encode(
  readFileSync(new URL("entries.jsonl", dir), "utf8").split("\n")[0],
);
const otherAuthority = toBase64(new Uint8Array(32).fill(7));

const summary = (fs: { check?: string; id?: string; code: string }[]) => fs.map((f) => f.code);

describe("the audit and the monitor report entry 0's trust findings alike", () => {
  it("both accept the honest manifest", async () => {
    const m = new EntryChecker({ election: trust.election, authority: trust.authority });
    const r = await m.add(leaf0, {
      verify: false,
      readLeaf: () => Promise.reject(new Error("unused")),
    });
    expect(r.findings).toEqual([]);
  });

  it("both fail V6 INVALID_MANIFEST when the trust file names another authority", async () => {
    const forged: TrustFile = { ...trust, version: 1, authority: otherAuthority };
    delete (forged as Partial<typeof trust>).manifest;
    delete (forged as Partial<typeof trust>).registrar;
    delete (forged as Partial<typeof trust>).custodians;
    delete (forged as Partial<typeof trust>).registered;
    const m = new EntryChecker({ election: trust.election, authority: otherAuthority });
    const r = await m.add(leaf0, {
      verify: false,
      readLeaf: () => Promise.reject(new Error("unused")),
    });
    expect(r.findings.map((f) => [f.check, f.code])).toEqual([["V6", "INVALID_MANIFEST"]]);

    const report = await verifyElection({
      source: folderSource(new URL(".", dir).pathname),
      trust: forged,
    });
    const v6 = report.checks.find((c) => c.id === "V6");
    expect(v6?.status).toBe("fail");
    expect(summary(v6?.failures ?? [])).toContain("INVALID_MANIFEST");
    expect(report.checks.find((c) => c.id === "V5")?.status).toBe("pass");
  });
});
