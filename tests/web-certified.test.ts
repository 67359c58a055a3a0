/**
 * "Certified by" (issue 15): the firms' attestations naming their reports, and the results page
 * verifying them in the visitor's browser, on a real board over HTTP.
 *
 * - `report.url` (spec/protocol.md §6.12): a malformed one is refused by the board with its
 *   stable code (`ATTESTATION_REPORT`, or `SCHEMA_INVALID` for the schema's form) and nothing is
 *   written; `urna-verify election --attest --report-url` refuses a bad URL (exit 2) and names
 *   the report it wrote by the SHA-256 of its bytes.
 * - Two honest attestations (Firma A through the library, Firma B through the CLI) pass V18;
 *   the JSON, text and HTML reports list who attested what.
 * - In Chromium: the results page shows both firms verified, with their report links (no request
 *   outside the board); a later attestation whose table hash is not that of the result shown is
 *   NOT verified with its reason; axe-core finds no WCAG 2.1 A/AA violation.
 */
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ed25519 } from "@noble/curves/ed25519.js";
import type { Browser } from "playwright-core";
import type {
  AttestationBody,
  AttestationEntry,
  Entry,
  TrustFile,
  VerificationReport,
} from "@urna/schemas";
import { removeDir, startBoard, type TestBoard } from "../board/test/server/helpers.js";
import { signEntry } from "../board/src/entry-sign.js";
import { verifyElection } from "../verifier/src/audit/verify-election.js";
import { attestReport } from "../verifier/src/attest/attest-node.js";
import { boardSource } from "../verifier/src/record/http.js";
import { toBase64 } from "../verifier/src/bytes.js";
import { reportToText } from "../verifier/src/report/text.js";
import { reportToHtml } from "../verifier/src/report/html.js";
import { parseCheckpoint } from "../verifier/src/log/checkpoint.js";
import { parseNote } from "../verifier/src/log/note.js";
import { runElection } from "./fixtures/board-election.js";
import { runVerifyBin } from "./fixtures/verify-cli.js";
import { check } from "./fixtures/audit.js";
import { cleanupRecords } from "./fixtures/election.js";
import { firmFolder, postEntry } from "./fixtures/attestation.js";
import { ARTIFACTS, hasChromium, launchChromium } from "./fixtures/chromium.js";
import { axeViolations } from "./fixtures/axe.js";

const id = "mx-2024-certified";
const firmA = { name: "Firma A", sk: ed25519.utils.randomSecretKey() };
const firmB = { name: "Firma B", sk: ed25519.utils.randomSecretKey() };
const pub = (sk: Uint8Array) => toBase64(ed25519.getPublicKey(sk));
const urlA = "https://firma-a.example/urna/report.json";
const urlB = "https://firma-b.example/informes/urna.json";
let tb: TestBoard;
let trust: TrustFile;
let browser: Browser | undefined;
/** Firma A's honest attestation (posted in the second describe). */
let honestA: AttestationEntry | undefined;

const sizeOf = async () => parseCheckpoint(parseNote(await tb.client.checkpoint(id)).text).size;
const verify = (): Promise<VerificationReport> =>
  verifyElection({ source: boardSource({ url: tb.url, election: id }), trust, workers: 1 });

const post = (entry: Entry) => postEntry(tb.url, id, entry);

beforeAll(async () => {
  const launching = hasChromium ? launchChromium() : undefined;
  tb = await startBoard({ workers: 1 });
  const ran = await runElection(tb, id, {
    voters: 2,
    ballots: [
      { voter: 0, choices: { presidencia: ["mc"], "senaduria-09": ["a"] } },
      { voter: 1, choices: { presidencia: ["pan-pri-prd"], "senaduria-14": ["x"] } },
    ],
    decrypting: [1, 2],
    auditors: [
      { name: firmA.name, key: pub(firmA.sk) },
      { name: firmB.name, key: pub(firmB.sk) },
    ],
  });
  trust = ran.trust;
  if (launching) browser = await launching;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await tb?.close();
  if (tb) removeDir(tb.dir);
  cleanupRecords();
});

describe("an attestation's report link (protocol.md §6.12)", () => {
  it("the board refuses a malformed report with a stable code, and writes nothing", async () => {
    const honest = attestReport(await verify(), firmA.sk, { firm: firmA.name, version: "t" });
    const size = await sizeOf();
    const sha256 = "a".repeat(64);
    const cases: [unknown, number, string][] = [
      [{ url: "https://user:pw@firma-a.example/r.json", sha256 }, 422, "ATTESTATION_REPORT"],
      [{ url: "https://:443/r.json", sha256 }, 422, "ATTESTATION_REPORT"],
      [{ url: "http://firma-a.example/r.json", sha256 }, 400, "SCHEMA_INVALID"],
      [{ url: "javascript:alert(1)", sha256 }, 400, "SCHEMA_INVALID"],
      [{ url: "/report.json", sha256 }, 400, "SCHEMA_INVALID"],
      [{ url: "https://firma-a.example/a b", sha256 }, 400, "SCHEMA_INVALID"],
      [{ url: urlA, sha256: "A".repeat(64) }, 400, "SCHEMA_INVALID"],
      [{ url: urlA }, 400, "SCHEMA_INVALID"],
    ];
    for (const [report, status, code] of cases) {
      const e = signEntry(
        "audit.attestation",
        id,
        { ...honest.body, report: report as AttestationBody["report"] },
        firmA.sk,
      );
      expect(await post(e), JSON.stringify(report)).toEqual({ status, code });
    }
    expect(await sizeOf()).toBe(size);
  });

  it("urna-verify --report-url: exit 2 on a bad URL or without --report-json", async () => {
    const { dir, key, trust: trustFile } = firmFolder("urna-cert-usage-", firmA.sk, trust);
    const base = ["election", "--record", dir, "--trust", trustFile];
    const firm = ["--attest", key, "--firm", firmA.name];
    const noJson = await runVerifyBin([...base, ...firm, "--report-url", urlA]);
    expect(noJson.code).toBe(2);
    expect(noJson.stderr).toContain("--report-json");
    const bad = await runVerifyBin([
      ...base,
      ...firm,
      ...["--report-json", join(dir, "r.json"), "--report-url", "ftp://x.example/r"],
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("scheme is not https");
    const noAttest = await runVerifyBin([...base, "--report-url", urlA]);
    expect(noAttest.code).toBe(2);
  });
});

describe("two firms certify; the reports and the results page show it", () => {
  it("Firma A (library) and Firma B (CLI, --report-url) attest; V18 passes; reports list both", async () => {
    const ra = await verify();
    expect(ra.ok, reportToText(ra)).toBe(true);
    const raBytes = new TextEncoder().encode(JSON.stringify(ra));
    const a = attestReport(ra, firmA.sk, {
      firm: firmA.name,
      version: "t",
      report: { url: urlA, sha256: createHash("sha256").update(raBytes).digest("hex") },
    });
    expect(await post(a)).toEqual({ status: 201, code: undefined });
    honestA = a;

    const { dir, key, trust: trustFile } = firmFolder("urna-cert-b-", firmB.sk, trust);
    const out = join(dir, "b.json");
    const reportFile = join(dir, "report.json");
    const run = await runVerifyBin([
      "election",
      ...["--board", tb.url, "--election", id, "--trust", trustFile, "--quiet"],
      ...["--workers", "1", "--attest", key, "--firm", firmB.name, "--attest-out", out],
      ...["--opinion", "Sin observaciones.", "--report-json", reportFile, "--report-url", urlB],
    ]);
    expect(run.code, run.stderr).toBe(0);
    const b = JSON.parse(readFileSync(out, "utf8")) as AttestationEntry;
    expect(b.body.report).toEqual({
      url: urlB,
      sha256: createHash("sha256").update(readFileSync(reportFile)).digest("hex"),
    });
    expect((await runVerifyBin(["attest", "post", out, "--board", tb.url])).code).toBe(0);

    const r = await verify();
    expect(r.ok && r.complete, reportToText(r)).toBe(true);
    expect(check(r, "V18")).toMatchObject({ status: "pass", items: 2 });
    expect(r.attestations?.map((x) => [x.firm, x.status, x.report?.url])).toEqual([
      [firmA.name, "pass", urlA],
      [firmB.name, "pass", urlB],
    ]);
    const en = reportToText(r, { lang: "en" });
    expect(en).toContain("Auditing firms' attestations");
    expect(en).toMatch(/Firma A \(entry \d+\)\s+V18: pass/);
    expect(en).toContain(`report: ${urlB}`);
    const es = reportToText(r, { lang: "es" });
    expect(es).toContain("Atestaciones de las firmas auditoras");
    expect(es).toMatch(/Firma B \(entrada \d+\)\s+V18: pasa/);
    expect(es).toContain("opinión: Sin observaciones.");
    const html = reportToHtml(r, { lang: "es" });
    expect(html).toMatch(/<dl id="attestations"><dt>Firma A \(entrada \d+\)<\/dt><dd>V18: pasa/);
    expect(html).toContain("Firma B");
  }, 120_000);

  it.skipIf(!hasChromium)(
    "the results page shows both firms verified, with their report links",
    async () => {
      const page = await (browser as Browser).newPage();
      const requests: string[] = [];
      page.on("request", (q) => requests.push(q.url()));
      await page.goto(`${tb.url}/web/results.html?id=${id}&lang=en`);
      const certs = page.locator("#certified li.cert");
      await certs.nth(1).waitFor({ timeout: 20_000 });
      await page.locator('#certified li.cert[data-verified="yes"]').nth(1).waitFor();
      expect(await page.locator("#certified-h").textContent()).toBe("Certified by");
      expect(await certs.evaluateAll((ls) => ls.map((l) => l.getAttribute("data-firm")))).toEqual([
        firmA.name,
        firmB.name,
      ]);
      const links = page.locator("#certified a.report-link");
      expect(
        await links.evaluateAll((ls) =>
          ls.map((l) => [l.getAttribute("href"), l.getAttribute("rel")]),
        ),
      ).toEqual([
        [urlA, "noopener noreferrer"],
        [urlB, "noopener noreferrer"],
      ]);
      expect(await certs.nth(1).textContent()).toContain("Sin observaciones.");
      expect(await certs.nth(0).textContent()).toContain("17 of 17 pass");
      expect(requests.filter((u) => !u.startsWith(tb.url))).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS, "results-certified.png"), fullPage: true });
      expect(await axeViolations(page)).toEqual([]);
      await page.goto(`${tb.url}/web/results.html?id=${id}&lang=es`);
      await page
        .locator('#certified li.cert[data-verified="yes"]')
        .nth(1)
        .waitFor({ timeout: 20_000 });
      expect(await page.locator("#certified-h").textContent()).toBe("Certificado por");
      expect(await axeViolations(page)).toEqual([]);
      await page.close();
    },
    60_000,
  );

  it.skipIf(!hasChromium)(
    "an attestation whose table hash is not the result shown is NOT verified, with its reason",
    async () => {
      const honest = honestA as AttestationEntry;
      const lying = signEntry(
        "audit.attestation",
        id,
        { ...honest.body, tableSha256: "0".repeat(64), opinion: "otra tabla" },
        firmA.sk,
      );
      expect((await post(lying)).status).toBe(201); // the board cannot recompute it: V18 does
      const page = await (browser as Browser).newPage();
      await page.goto(`${tb.url}/web/results.html?id=${id}&lang=en`);
      const bad = page.locator('#certified li.cert[data-verified="no"]');
      await bad.waitFor({ timeout: 20_000 });
      expect(await page.locator('#certified li.cert[data-verified="yes"]').count()).toBe(2);
      expect(await bad.count()).toBe(1);
      expect(await bad.getAttribute("data-firm")).toBe(firmA.name);
      expect(await bad.locator("[data-verdict]").textContent()).toBe("NOT verified");
      expect(await bad.locator('.reasons li[data-code="TABLE_MISMATCH"]').textContent()).toContain(
        "does not match the result shown",
      );
      await page.screenshot({ path: join(ARTIFACTS, "results-not-verified.png"), fullPage: true });
      expect(await axeViolations(page)).toEqual([]);
      await page.close();
    },
    60_000,
  );
});
