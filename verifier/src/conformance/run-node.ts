/**
 * `urna-verify conformance DIR [--verifier CMD]`: runs a verifier over every case of a
 * conformance corpus and compares its verdicts with cases.json (Node only).
 *
 * Without --verifier, urna-verify's own checks run in this process. With --verifier CMD, CMD is
 * run through the shell for every case as
 *
 *   CMD election --record CASE --trust CASE/trust.json --json
 *   CMD receipt CASE/receipt.json --record CASE --trust CASE/trust.json --json
 *
 * and must print the JSON report (report.schema.json) or receipt outcome on stdout and exit 0,
 * 1 or 3 (3: nothing failed but the election is not finished, some checks skipped); exit 2
 * means it refused its input (the expectation ["TRUST"]).
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { loadTrust, TrustError } from "../audit/trust.js";
import { verifyElection } from "../audit/verify-election.js";
import { openFolderSource } from "../record/folder-node.js";
import { verifyReceipt } from "../receipt/verify-receipt.js";
import {
  compareVerdict,
  parseCorpusIndex,
  verdictOf,
  type CaseAgreement,
  type ConformanceCase,
  type Verdict,
} from "./corpus.js";

export type CaseRunner = (c: ConformanceCase, dir: string) => Promise<Verdict>;

const REFUSED: Verdict = { failed: ["TRUST"], failures: { TRUST: [] } };

/** urna-verify's own verdict on a case, in process. */
export const ownVerifier: CaseRunner = async (c, dir) => {
  const trustJson: unknown = JSON.parse(await readFile(join(dir, "trust.json"), "utf8"));
  let trust;
  try {
    trust = loadTrust(trustJson);
  } catch (e) {
    if (e instanceof TrustError) return REFUSED;
    throw e;
  }
  const source = await openFolderSource(dir);
  if (c.kind === "receipt") {
    const receipt: unknown = JSON.parse(await readFile(join(dir, "receipt.json"), "utf8"));
    return verdictOf(await verifyReceipt({ receipt, source, trust }));
  }
  return verdictOf(await verifyElection({ source, trust, workers: 1 }));
};

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A verifier command's verdict on a case (see the module comment for the interface). */
export function commandVerifier(cmd: string): CaseRunner {
  return (c, dir) => {
    const trust = quote(join(dir, "trust.json"));
    const args =
      c.kind === "receipt"
        ? `receipt ${quote(join(dir, "receipt.json"))} --record ${quote(dir)} --trust ${trust} --json`
        : `election --record ${quote(dir)} --trust ${trust} --json`;
    return new Promise((resolve, reject) => {
      const child = spawn(`${cmd} ${args}`, { shell: true, stdio: ["ignore", "pipe", "ignore"] });
      const out: Buffer[] = [];
      child.stdout.on("data", (b: Buffer) => out.push(b));
      child.on("error", reject);
      child.on("close", (code) => {
        if (code === 2) return resolve(REFUSED);
        if (code !== 0 && code !== 1 && code !== 3)
          return reject(new Error(`the verifier exited with ${code} on ${c.id}`));
        try {
          resolve(verdictOf(JSON.parse(Buffer.concat(out).toString("utf8"))));
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    });
  };
}

/** Runs `runner` over every case of the corpus in `dir`, in cases.json order. */
export async function runConformance(
  dir: string,
  runner: CaseRunner = ownVerifier,
  onCase: (a: CaseAgreement) => void = () => {},
): Promise<CaseAgreement[]> {
  const index = parseCorpusIndex(JSON.parse(await readFile(join(dir, "cases.json"), "utf8")));
  const out: CaseAgreement[] = [];
  for (const c of index.cases) {
    let a: CaseAgreement;
    try {
      a = compareVerdict(c, await runner(c, join(dir, c.id)));
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      a = { id: c.id, agree: false, expected: c.fail, got: [], missing: [], error };
    }
    out.push(a);
    onCase(a);
  }
  return out;
}
