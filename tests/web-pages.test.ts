/**
 * The board's public web pages (board/web/, issue 8) in a real headless Chromium (Debian's
 * /usr/bin/chromium driven by playwright-core), against a board on loopback running a small
 * election through the actors: the live page shows a new ballot as it is posted, the receipt
 * page verifies a receipt in the browser (all of R1..R5 pass) and names the failing step of a
 * tampered one, the results page shows the published totals, and the language toggle works.
 * Screenshots go to test-artifacts/web/.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS, CHROMIUM, hasChromium, launchChromium } from "./fixtures/chromium.js";
import type { Browser, Page } from "playwright-core";
import type { Receipt, ResultBody } from "@urna/schemas";
import { DiscreteLog, humanTrackingCodeOf } from "@urna/verifier";
import {
  type BoardClient,
  castBallot,
  closeVoting,
  createElection,
  postDecryptionShare,
  postResult,
  postTally,
  type CustodianStateFile,
  type VoterCredential,
} from "../board/src/actors/index.js";
import {
  type Actors,
  manifestFor,
  openElection,
  newActors,
  removeDir,
  startBoard,
  type TestBoard,
} from "../board/test/server/helpers.js";

const id = "mx-2024-web";
/** A second election on the same board: its receipt is "of another election" on id's page. */
const id2 = "mx-2024-web-otra";
let otherReceipt: Receipt;
let tb: TestBoard;
let browser: Browser;
let actors: Actors;
let creds: VoterCredential[];
let states: CustodianStateFile[];
const receipts: Receipt[] = [];
let result: ResultBody;

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
const b64url = (s: string) => Buffer.from(s, "utf8").toString("base64url");
const vote = async (c: VoterCredential, choices: Record<string, string[]>) => {
  const r = await castBallot(tb.client as BoardClient, c, choices);
  receipts.push(r.cast.receipt as Receipt);
  return r.cast;
};

describe.skipIf(!hasChromium)("board web pages in headless Chromium", () => {
  beforeAll(async () => {
    const launching = await launchChromium();
    tb = await startBoard({ workers: 1 });
    const { client } = tb;
    actors = newActors(3);
    await createElection(
      client,
      manifestFor(id, actors, { threshold: 2, revotePolicy: "last" }),
      actors.authority.secretKey,
    );
    ({ creds, states } = await openElection(client, id, actors, 3));
    await vote(creds[0], { presidencia: ["mc"], "senaduria-09": ["a"] });
    await createElection(
      client,
      manifestFor(id2, actors, { threshold: 2 }),
      actors.authority.secretKey,
    );
    const other = await openElection(client, id2, actors, 1);
    const cast = await castBallot(client as BoardClient, other.creds[0], { presidencia: ["mc"] });
    otherReceipt = cast.cast.receipt as Receipt;
    browser = await launching;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await tb?.close();
    if (tb) removeDir(tb.dir);
  });

  it("lists the election, and switches between Spanish and English", async () => {
    const page = await browser.newPage();
    await page.goto(`${tb.url}/web/?lang=es`);
    const row = page.locator(`tr[data-election="${id}"]`);
    await row.waitFor({ timeout: 10_000 });
    await expect(page.locator("h1").textContent()).resolves.toBe("Elecciones en este tablero");
    expect(await row.textContent()).toContain("Votación abierta");
    await page.keyboard.press("Tab"); // skip link first, then reachable controls
    await page.locator("#lang-toggle").focus();
    await page.keyboard.press("Enter");
    await expect(page.locator("h1").textContent()).resolves.toBe("Elections on this board");
    expect(await row.textContent()).toContain("Voting open");
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    await shot(page, "elections-en");
    await page.locator("#lang-toggle").click();
    expect(await page.locator("html").getAttribute("lang")).toBe("es");
    await page.close();
  });

  it("shows a new ballot on the live board within seconds of its post", async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(`${tb.url}/web/election.html?id=${id}&lang=es`);
    await page.locator("#connection", { hasText: "en vivo" }).waitFor({ timeout: 10_000 });
    expect(await page.locator("#count-ballots").getAttribute("data-count")).toBe("1");
    const posted = await vote(creds[1], { presidencia: ["pvem-pt-morena"], "senaduria-14": ["x"] });
    const t0 = Date.now();
    const row = page.locator(`#entries tr[data-index="${posted.index}"]`);
    await row.waitFor({ timeout: 5_000 });
    const seenMs = Date.now() - t0;
    expect(seenMs).toBeLessThan(5_000);
    expect(await row.getAttribute("data-type")).toBe("ballot");
    expect(await row.textContent()).toContain(humanTrackingCodeOf(posted.trackingCode));
    await page.locator('#count-ballots[data-count="2"]').waitFor({ timeout: 5_000 });
    await page
      .locator("#checkpoint-size", { hasText: String(posted.index + 1) })
      .waitFor({ timeout: 5_000 });
    // this board has no witnesses: the page says so rather than listing none silently
    expect(await page.locator("#cosigners").textContent()).toMatch(/none|ninguno/);
    // links to the raw entry and its inclusion proof
    const json = await row.locator("a", { hasText: "JSON" }).getAttribute("href");
    expect(json).toBe(`${tb.url}/elections/${id}/entries/${posted.index}`);
    const res = await fetch(json as string);
    expect(await res.text()).toContain('"type":"ballot"');
    await shot(page, "live-board");
    expect(requests.every((u) => u.startsWith(tb.url))).toBe(true);
    await page.close();
  });

  it("finishes the election", async () => {
    const { client } = tb;
    await vote(creds[2], { presidencia: ["mc"], "senaduria-09": ["a", "b"] });
    await closeVoting(client, id, actors.authority.secretKey);
    await postTally(client, id, actors.authority.secretKey);
    for (const i of [1, 2])
      await postDecryptionShare(client, id, actors.custodians[i - 1], states[i - 1], {
        insecureNoTrust: true,
      });
    const posted = await postResult(client, id, actors.authority.secretKey, {
      dlog: new DiscreteLog({ max: 1000, babySteps: 64 }),
    });
    result = (await client.entry(id, posted[0].index)).body as ResultBody;
    expect(result.contests.length).toBe(3);
  }, 60_000);

  it("verifies a valid receipt in the browser: R1..R5 pass", async () => {
    const page = await browser.newPage();
    const text = JSON.stringify(receipts[1]);
    const requests: string[] = [];
    const problems: string[] = [];
    page.on("request", (r) => requests.push(new URL(r.url()).pathname + new URL(r.url()).search));
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error" || /Content Security Policy/i.test(m.text()))
        problems.push(m.text());
    });
    await page.goto(`${tb.url}/web/receipt.html?id=${id}&lang=en#r=${b64url(text)}`);
    await page.locator("#summary").waitFor({ timeout: 20_000 });
    expect(await page.locator("#summary").getAttribute("data-ok")).toBe("true");
    // Under a CSP without 'unsafe-eval' (precompiled validators), and from proofs only: the
    // credential lookup, never the log's entries range.
    expect(problems).toEqual([]);
    expect(requests.some((u) => u.includes(`/elections/${id}/credentials/`))).toBe(true);
    expect(requests.filter((u) => /\/entries\?|\/tile\/|\/record/.test(u))).toEqual([]);
    for (const s of ["R1", "R2", "R3", "R4", "R5"])
      expect(await page.locator(`li[data-step="${s}"]`).getAttribute("data-status"), s).toBe(
        "pass",
      );
    expect(await page.locator("#trust-note").textContent()).toContain(
      "taken from the board itself",
    );
    expect(await page.locator('li[data-step="R5"]').textContent()).toContain(
      "Your ballot is counted",
    );
    await shot(page, "receipt-valid");
    await page.close();
  });

  it("names the failing step of a tampered receipt", async () => {
    const page = await browser.newPage();
    await page.goto(`${tb.url}/web/receipt.html?id=${id}&lang=es`);
    const r = { ...receipts[0] };
    // another valid-looking leaf hash: the inclusion proof cannot place it at r.index
    r.trackingCode = (r.trackingCode[0] === "0" ? "1" : "0") + r.trackingCode.slice(1);
    await page.locator("#receipt-input").fill(JSON.stringify(r, null, 2));
    await page.locator("#check").click();
    await page.locator("#summary").waitFor({ timeout: 20_000 });
    expect(await page.locator("#summary").getAttribute("data-ok")).toBe("false");
    expect(await page.locator('li[data-step="R1"]').getAttribute("data-status")).toBe("pass");
    expect(await page.locator('li[data-step="R2"]').getAttribute("data-status")).toBe("fail");
    expect(await page.locator('li[data-step="R2"]').textContent()).toContain(
      "no coloca su código de seguimiento",
    );
    expect(await page.locator("#summary").textContent()).toContain("al menos un paso falló");
    await shot(page, "receipt-tampered");
    // not JSON at all: a plain error, no steps
    await page.locator("#receipt-input").fill("{not json");
    await page.locator("#check").click();
    await page.locator("#rc-error").waitFor({ timeout: 5_000 });
    expect(await page.locator("#steps").count()).toBe(0);
    await page.close();
  });

  it("says that a receipt of another election is of another election, and links to its page", async () => {
    const page = await browser.newPage();
    await page.goto(`${tb.url}/web/receipt.html?id=${id}&lang=es`);
    await page.locator("#receipt-input").fill(JSON.stringify(otherReceipt, null, 2));
    await page.locator("#check").click();
    await page.locator("#rc-problem").waitFor({ timeout: 20_000 });
    expect(await page.locator("#rc-problem").getAttribute("data-kind")).toBe("otherElection");
    expect(await page.locator("#rc-problem-text").textContent()).toBe(
      `Este comprobante es de otra elección: «${id2}». Esta página verifica la elección «${id}», así que no lo comprueba aquí. Esto no indica ningún problema con su voto ni con el tablero.`,
    );
    // no step was run, so nothing claims the board changed its history
    expect(await page.locator("#steps").count()).toBe(0);
    expect(await page.locator("main").textContent()).not.toMatch(/historia|history/);
    await shot(page, "receipt-other-election");
    // the link opens the other election's page with the receipt, where it verifies
    await page.locator("#rc-other-link").click();
    await page.locator("#summary").waitFor({ timeout: 20_000 });
    expect(new URL(page.url()).searchParams.get("id")).toBe(id2);
    expect(await page.locator("#summary").getAttribute("data-ok")).toBe("true");
    // in English too
    await page.goto(`${tb.url}/web/receipt.html?id=${id}&lang=en`);
    await page.locator("#receipt-input").fill(JSON.stringify(otherReceipt));
    await page.locator("#check").click();
    await page.locator("#rc-problem").waitFor({ timeout: 20_000 });
    expect(await page.locator("#rc-problem-text").textContent()).toBe(
      `This receipt is for another election: “${id2}”. This page checks the election “${id}”, so it does not check it here. This does not mean anything is wrong with your vote or with the board.`,
    );
    // a receipt of this election id from another board: said so, not checked either
    const foreign = { ...receipts[0], origin: `otro.tablero.example/elections/${id}` };
    await page.locator("#receipt-input").fill(JSON.stringify(foreign));
    await page.locator("#check").click();
    await page.locator('#rc-problem[data-kind="otherBoard"]').waitFor({ timeout: 20_000 });
    expect(await page.locator("#rc-problem-text").textContent()).toMatch(
      new RegExp(
        `^This receipt is from another board \\(otro\\.tablero\\.example/elections/${id}\\), not from this one \\(.+/elections/${id}\\)\\.`,
      ),
    );
    expect(await page.locator("#steps").count()).toBe(0);
    await page.close();
  });

  it("checks a typed tracking code, short (any case, any spacing) or hex, through the board's receipt route", async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on("request", (r) => requests.push(new URL(r.url()).pathname));
    await page.goto(`${tb.url}/web/receipt.html?id=${id}&lang=es`);
    const r = receipts[1];
    const human = humanTrackingCodeOf(r.trackingCode);
    for (const typed of [human.toLowerCase().replace(/-/g, " "), r.trackingCode.toUpperCase()]) {
      await page.locator("#receipt-input").fill(typed);
      await page.locator("#check").click();
      await page.locator("#summary").waitFor({ timeout: 20_000 });
      expect(await page.locator("#summary").getAttribute("data-ok"), typed).toBe("true");
      expect(await page.locator("#rc-code").textContent()).toBe(human);
      for (const s of ["R1", "R2", "R3", "R4", "R5"])
        expect(await page.locator(`li[data-step="${s}"]`).getAttribute("data-status"), s).toBe(
          "pass",
        );
    }
    expect(requests.filter((u) => u.startsWith(`/elections/${id}/receipts/`)).length).toBe(2);
    await shot(page, "receipt-by-code");
    // a well-formed code of no ballot: said so, with what to check
    const absent = "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF";
    await page.locator("#receipt-input").fill(absent);
    await page.locator("#check").click();
    await page.locator("#rc-problem").waitFor({ timeout: 20_000 });
    expect(await page.locator("#rc-problem").getAttribute("data-kind")).toBe("codeNotFound");
    expect(await page.locator("#rc-problem-text").textContent()).toContain(
      `Ninguna boleta de la elección «${id}» tiene el código de seguimiento ${absent}.`,
    );
    // 0 typed for O: the page names the confusion instead of looking it up
    await page.locator("#receipt-input").fill(human.replace(/^./, "0"));
    await page.locator("#check").click();
    await page.locator('#rc-problem[data-kind="badCode"]').waitFor({ timeout: 20_000 });
    expect(await page.locator("#rc-problem-text").textContent()).toContain(
      "0, 1, 8 y 9 nunca aparecen",
    );
    await page.close();
  });

  it("shows the published totals on the results page", async () => {
    const page = await browser.newPage({ viewport: { width: 420, height: 900 } });
    await page.goto(`${tb.url}/web/results.html?id=${id}&lang=es`);
    await page.locator("section.contest").first().waitFor({ timeout: 10_000 });
    expect(await page.locator("section.contest").count()).toBe(result.contests.length);
    for (const c of result.contests)
      for (const o of c.options) {
        const cell = page.locator(
          `section[data-contest="${c.contest}"] tr[data-option="${o.option}"] td.votes`,
        );
        expect(await cell.getAttribute("data-votes"), `${c.contest}/${o.option}`).toBe(
          String(o.votes),
        );
      }
    // the counted ballots: mc twice in presidencia, one vote each elsewhere
    const votes = (c: string, o: string) =>
      result.contests.find((x) => x.contest === c)?.options.find((x) => x.option === o)?.votes;
    expect(votes("presidencia", "mc")).toBe(2);
    expect(votes("senaduria-09", "b")).toBe(1);
    expect(await page.locator("#tally-status").textContent()).toContain("3");
    expect(await page.locator("#record-link").getAttribute("href")).toBe(
      `${tb.url}/elections/${id}/record`,
    );
    expect(await page.locator("main").textContent()).toContain(
      `urna-verify election --board ${tb.url} --election ${id}`,
    );
    await shot(page, "results-mobile");
    await page.close();
  });
});

describe("web router", () => {
  it("serves the built pages with a strict CSP, and says when they are not built", async () => {
    const { default: express } = await import("express");
    const { default: request } = await import("supertest");
    const { webRouter } = await import("../board/src/server/web.js");
    const dir = join(process.cwd(), "test-artifacts", "web-router");
    mkdirSync(dir, { recursive: true });
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>x</title>");
    const app = express().use("/web", webRouter(dir));
    const page = await request(app).get("/web/");
    expect(page.status).toBe(200);
    expect(page.text).toContain("<title>x</title>");
    expect(page.headers["content-security-policy"]).toContain("connect-src 'self'");
    // The validators are precompiled (board/scripts/precompiled-ajv.mjs): no eval of any kind.
    expect(page.headers["content-security-policy"]).toContain("script-src 'self';");
    expect(page.headers["content-security-policy"]).not.toContain("unsafe-eval");
    const missing = await request(app).get("/web/nope.html");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("NOT_FOUND");
    const unbuilt = express().use("/web", webRouter(join(dir, "absent")));
    const r = await request(unbuilt).get("/web/");
    expect(r.status).toBe(404);
    expect(r.body.error.message).toContain("build-web.mjs");
  });
});
