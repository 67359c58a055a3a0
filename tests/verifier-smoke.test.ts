import { describe, expect, it } from "vitest";
import { generateElection } from "./fixtures/election.js";
import { folderSource } from "../verifier/src/record/folder-node.js";
import { verifyElection } from "../verifier/src/audit/verify-election.js";
import { reportToText } from "../verifier/src/report/text.js";

describe("smoke", () => {
  it("generates and verifies", async () => {
    let t = Date.now();
    const g = await generateElection({ voters: 12 });
    console.log("gen ms", Date.now() - t, g.at);
    t = Date.now();
    const r = await verifyElection({ source: folderSource(g.dir), trust: g.trust });
    console.log("verify ms", Date.now() - t);
    console.log(reportToText(r));
    expect(r.ok).toBe(true);
  });
});
