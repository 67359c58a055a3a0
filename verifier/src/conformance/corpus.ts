/**
 * The conformance corpus (conformance/README.md): `cases.json` and one folder per case, and
 * how a verifier's verdict on a case is compared with the case's expectation. Pure: the
 * reading of folders and the running of verifiers are in run-node.ts.
 */

/** A location a failure must name: the fields of the report's failure that must be equal. */
export interface ExpectedItem {
  check: string;
  index?: number;
  contest?: string;
  option?: string;
  custodian?: number;
}

export interface ConformanceCase {
  id: string;
  kind: "election" | "receipt";
  base: "single" | "last" | "attested";
  how: "honest" | "malicious" | "naive";
  changed: string;
  rule: string;
  /**
   * The checks (V1-V17) or receipt steps (R1-R5) that must fail, and no other; or ["TRUST"]:
   * the verifier must refuse the trust file itself (exit 2, before any check).
   */
  fail: string[];
  items: ExpectedItem[];
}

export interface CorpusIndex {
  format: "urna-conformance-v1";
  seed: string;
  cases: ConformanceCase[];
}

/** What a verifier said about a case: the failed checks/steps and their failures' locations. */
export interface Verdict {
  failed: string[];
  failures: Record<string, Record<string, unknown>[]>;
}

export interface CaseAgreement {
  id: string;
  agree: boolean;
  expected: string[];
  got: string[];
  /** Expected items no failure of the check named. */
  missing: ExpectedItem[];
  /** The verifier could not be run or its output not read. */
  error?: string;
}

export class CorpusError extends Error {
  readonly code = "CORPUS_INVALID" as const;
}

/** Validates cases.json (parsed JSON). Throws CorpusError. */
export function parseCorpusIndex(json: unknown): CorpusIndex {
  const o = json as Partial<CorpusIndex> | null;
  if (!o || typeof o !== "object" || o.format !== "urna-conformance-v1" || !Array.isArray(o.cases))
    throw new CorpusError("cases.json: not an urna-conformance-v1 index");
  const ids = new Set<string>();
  for (const c of o.cases) {
    if (
      !c ||
      typeof c.id !== "string" ||
      !/^[a-z0-9][a-z0-9-]*$/.test(c.id) ||
      (c.kind !== "election" && c.kind !== "receipt") ||
      !Array.isArray(c.fail) ||
      !c.fail.every((f) => typeof f === "string") ||
      !Array.isArray(c.items)
    )
      throw new CorpusError(`cases.json: malformed case ${JSON.stringify(c?.id)}`);
    if (ids.has(c.id)) throw new CorpusError(`cases.json: case ${c.id} twice`);
    ids.add(c.id);
  }
  return o as CorpusIndex;
}

const sorted = (a: string[]) =>
  [...new Set(a)].sort((x, y) => x.localeCompare(y, "en", { numeric: true }));

/** Compares a verdict with a case's expectation. */
export function compareVerdict(c: ConformanceCase, v: Verdict): CaseAgreement {
  const expected = sorted(c.fail);
  const got = sorted(v.failed);
  const missing = c.items.filter((item) => {
    const fs = v.failures[item.check] ?? [];
    return !fs.some((f) =>
      Object.entries(item).every(([k, want]) => k === "check" || f[k] === want),
    );
  });
  const same = expected.length === got.length && expected.every((x, k) => x === got[k]);
  return { id: c.id, agree: same && missing.length === 0, expected, got, missing };
}

/** A verification report (report.schema.json) or receipt outcome, read as a verdict. */
export function verdictOf(output: unknown): Verdict {
  const o = output as {
    checks?: { id: string; status: string; failures?: Record<string, unknown>[] }[];
    steps?: { id: string; status: string; message?: string }[];
  };
  const failures: Verdict["failures"] = {};
  const failed: string[] = [];
  if (Array.isArray(o?.checks)) {
    for (const ch of o.checks)
      if (ch.status === "fail") {
        failed.push(ch.id);
        failures[ch.id] = ch.failures ?? [];
      }
    return { failed, failures };
  }
  if (Array.isArray(o?.steps)) {
    for (const s of o.steps)
      if (s.status === "fail") {
        failed.push(s.id);
        failures[s.id] = [];
      }
    return { failed, failures };
  }
  throw new CorpusError("the verifier's output is neither a report nor a receipt outcome");
}
