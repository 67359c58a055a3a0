/**
 * The conformance corpus generator (conformance/README.md):
 *
 *   node --import tsx conformance/generate.ts [OUT_DIR]     (default: conformance/corpus)
 *
 * Writes, deterministically (fixed seed: ./deterministic.ts), one folder per case of
 * ./cases.ts — `checkpoint`, `entries.jsonl`, `trust.json` and, for receipt cases,
 * `receipt.json` — and `cases.json`, the list of cases with the checks each must fail. The same
 * code and seed always write the same bytes; CI regenerates the corpus and compares it with the
 * committed one (tests/conformance.test.ts).
 */
import "./deterministic.js";
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { canonicalJson, type TrustFile } from "@urna/schemas";
import { generateElection, resign, type GeneratedElection } from "../tests/fixtures/election.js";
import { attestReport } from "../verifier/src/attest/attest-node.js";
import { verifyElection } from "../verifier/src/audit/verify-election.js";
import { inlineRunner } from "../verifier/src/audit/runner.js";
import { VERIFIER_VERSION } from "../verifier/src/audit/version.js";
import { folderSource } from "../verifier/src/record/folder-node.js";
import { CASES, type Base, type CaseContext } from "./cases.js";
import { CORPUS_SEED } from "./deterministic.js";
import { Tamper } from "./tamper.js";

export const CORPUS_FORMAT = "urna-conformance-v1";

const here = dirname(fileURLToPath(import.meta.url));

async function base(b: Base, dir: string): Promise<GeneratedElection> {
  const policy = b === "last" ? "last" : "single";
  const g = await generateElection({
    voters: 20,
    revotePolicy: policy,
    custodians: 3,
    threshold: 2,
    challenged: 2,
    revotes: policy === "last" ? 2 : 0,
    abstain: 1,
    witnesses: 2,
    quorum: 2,
    receipts: false,
    seed: b === "single" ? 1 : b === "last" ? 2 : 3,
    dir,
    ...(b === "attested" ? { auditors: ["Firma A", "Firma B"] } : {}),
  });
  if (b === "attested") await attestAll(g);
  return g;
}

/** Each firm verifies the record as it then is and appends its attestation (re-signed log). */
async function attestAll(g: GeneratedElection): Promise<void> {
  for (const firm of g.keys.auditors ?? []) {
    const report = await verifyElection({
      source: folderSource(g.dir),
      trust: g.trust,
      runner: inlineRunner(),
    });
    const entry = attestReport(report, firm.secretKey, {
      firm: firm.name,
      opinion: `${firm.name}: sin observaciones.`,
      version: VERIFIER_VERSION,
    });
    appendFileSync(join(g.dir, "entries.jsonl"), `${canonicalJson(entry)}\n`);
    resign(g.dir, g.keys.board, g.keys.witnesses);
  }
  g.at.size += g.keys.auditors?.length ?? 0;
}

const json = (v: unknown) => JSON.stringify(v, null, 2) + "\n";

export async function generateCorpus(out: string, log: (s: string) => void = () => {}) {
  const work = mkdtempSync(join(tmpdir(), "urna-conformance-"));
  try {
    const bases = new Map<Base, GeneratedElection>();
    for (const b of ["single", "last"] as const) {
      bases.set(b, await base(b, join(work, b)));
      log(`base record ${b}: ${bases.get(b)!.at.size} entries`);
    }
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const listed = [];
    for (const def of CASES) {
      // Made when first needed (its cases come last): the earlier cases' random bytes stay.
      if (!bases.has(def.base)) bases.set(def.base, await base(def.base, join(work, def.base)));
      const g = bases.get(def.base)!;
      const dir = join(out, def.id);
      mkdirSync(dir);
      for (const f of ["checkpoint", "entries.jsonl"])
        writeFileSync(join(dir, f), readFileSync(join(g.dir, f)));
      const trust = structuredClone(g.trust) as TrustFile;
      const ctx: CaseContext = { t: new Tamper(g, dir), g, trust, items: [] };
      def.tamper(ctx);
      writeFileSync(join(dir, "trust.json"), json(ctx.trust));
      if (def.kind === "receipt") {
        if (!ctx.receipt) throw new Error(`conformance: receipt case ${def.id} made no receipt`);
        writeFileSync(join(dir, "receipt.json"), json(ctx.receipt));
      }
      listed.push({
        id: def.id,
        kind: def.kind,
        base: def.base,
        how: def.how,
        changed: def.changed,
        rule: def.rule,
        fail: def.fail,
        items: ctx.items,
      });
      log(`case ${def.id}`);
    }
    writeFileSync(
      join(out, "cases.json"),
      json({ format: CORPUS_FORMAT, seed: CORPUS_SEED, cases: listed }),
    );
    return listed.length;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? join(here, "corpus"));
  generateCorpus(out, (s) => process.stderr.write(s + "\n")).then(
    (n) => process.stderr.write(`wrote ${n} cases to ${out}\n`),
    (e: unknown) => {
      process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
