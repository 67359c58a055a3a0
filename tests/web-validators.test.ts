/**
 * The web bundle's precompiled JSON Schema validators (board/scripts/precompiled-ajv.mjs, ajv
 * standalone code) give exactly the verdicts and error paths of @urna/schemas compiled at run
 * time: @urna/schemas is bundled here with the same esbuild plugin the web build uses, and both
 * run on every entry of a generated election, its receipts and trust file, and corrupted copies.
 * The bundle must not contain ajv's compiler (no `new Function`).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "esbuild";
import * as runtime from "@urna/schemas";
import type { Entry, EntryType } from "@urna/schemas";
import {
  cleanupRecords,
  generateElection,
  readEntries,
  type GeneratedElection,
} from "./fixtures/election.js";

type Schemas = typeof runtime;
const root = resolve(import.meta.dirname, "..");
let pre: Schemas;
let code: string;
let dir: string;
let g: GeneratedElection;
let entries: Entry[];

beforeAll(async () => {
  const scriptPath = join(root, "board", "scripts", "precompiled-ajv.mjs");
  const { precompiledAjvPlugin } = (await import(pathToFileURL(scriptPath).href)) as {
    precompiledAjvPlugin: (root: string) => import("esbuild").Plugin;
  };
  const out = await build({
    entryPoints: [join(root, "schemas", "src", "index.ts")],
    bundle: true,
    format: "esm",
    platform: "node",
    write: false,
    logLevel: "silent",
    plugins: [precompiledAjvPlugin(root)],
  });
  code = out.outputFiles[0].text;
  dir = mkdtempSync(join(tmpdir(), "urna-webval-"));
  const file = join(dir, "schemas.mjs");
  writeFileSync(file, code);
  pre = (await import(pathToFileURL(file).href)) as Schemas;
  g = await generateElection({
    voters: 4,
    revotePolicy: "last",
    revotes: 1,
    custodians: 3,
    threshold: 2,
    challenged: 1,
    seed: 21,
  });
  entries = readEntries(g.dir);
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  cleanupRecords();
});

/** Corrupted copies of a value: each one a single change a validator must notice. */
function corruptions(x: Record<string, unknown>): unknown[] {
  const out: unknown[] = [];
  for (const k of Object.keys(x)) {
    const drop = { ...x };
    delete drop[k];
    out.push(drop);
    out.push({ ...x, [k]: 12.5 });
    out.push({ ...x, [k]: "not base64 ==" });
    out.push({ ...x, [k]: null });
  }
  out.push({ ...x, extra: 1 });
  return out;
}

describe("precompiled validators (web bundle)", () => {
  it("the bundle carries no ajv compiler", () => {
    expect(code).not.toMatch(/new Function\b/);
    expect(code).not.toContain("ajv/dist/compile");
    expect(code).toContain("urnaSchema");
  });

  it("agree with the run-time validators on every entry, body and corruption", () => {
    let compared = 0;
    let rejected = 0;
    const types = new Set<EntryType>();
    for (const e of entries) {
      types.add(e.type as EntryType);
      const samples: unknown[] = [e, ...corruptions(e as unknown as Record<string, unknown>)];
      if (e.body && typeof e.body === "object")
        for (const body of corruptions(e.body as Record<string, unknown>))
          samples.push({ ...e, body });
      for (const s of samples) {
        const a = pre.validateEntry(s);
        const b = runtime.validateEntry(s);
        expect(a).toEqual(b);
        if (!b.ok) rejected++;
        compared++;
      }
      const body = pre.validateEntryBody(e.type as EntryType, e.body);
      expect(body).toEqual(runtime.validateEntryBody(e.type as EntryType, e.body));
      expect(body.ok).toBe(true);
    }
    // Every entry type of a whole election, and both verdicts, were exercised.
    expect(types.size).toBeGreaterThanOrEqual(12);
    expect(rejected).toBeGreaterThan(compared / 2);
    expect(compared - rejected).toBeGreaterThanOrEqual(entries.length);
  });

  it("agree on receipts, the trust file and the manifest", () => {
    for (const r of g.receipts.slice(0, 4)) {
      const samples = [r, ...corruptions(r as unknown as Record<string, unknown>)];
      for (const s of samples) expect(pre.validateReceipt(s)).toEqual(runtime.validateReceipt(s));
      expect(pre.validateReceipt(r).ok).toBe(true);
    }
    const trust = g.trust as unknown as Record<string, unknown>;
    for (const s of [trust, ...corruptions(trust)])
      expect(pre.validateTrust(s)).toEqual(runtime.validateTrust(s));
    expect(pre.validateTrust(trust).ok).toBe(true);
    const m = g.manifest as unknown as Record<string, unknown>;
    for (const s of [m, ...corruptions(m)])
      expect(pre.validateManifest(s)).toEqual(runtime.validateManifest(s));
  });
});
