/**
 * The observers' pages tell the truth (issue 16 item 5), in a real headless Chromium against a
 * board on loopback with two witnesses, one of them down: the live page's counts are the
 * board's own (status route: credentials, voters, ballots, superseded, challenged, turnout per
 * ballot style), also after a ballot posted while it is open; the witness that did not cosign is
 * named with the reason, from the board's witnessing state; the results page shows the
 * election's title, a contents list, blank ballots so that each contest's total is its counted
 * ballots, the record's real file name in the commands and where the trust file comes from; no
 * page request ends in a 404 (favicon included).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS, CHROMIUM, hasChromium, launchChromium } from "./fixtures/chromium.js";
import type { Browser, Page } from "playwright-core";
import type { ResultBody } from "@urna/schemas";
import {
  DiscreteLog,
  encodePrivateKey,
  encodeVkey,
  generateSeed,
  parsePrivateKey,
} from "@urna/verifier";
import { createWitness } from "@urna/verifier/node";
import {
  type BoardClient,
  castBallot,
  closeVoting,
  createElection,
  generateCredentials,
  publishCredentials,
  postDecryptionShare,
  postResult,
  postTally,
  type CustodianStateFile,
  type VoterCredential,
} from "../board/src/actors/index.js";
import {
  manifestFor,
  newActors,
  openElection,
  removeDir,
  startBoard,
  type Actors,
  type TestBoard,
} from "../board/test/server/helpers.js";

const NAME = "board.observer.test";
const id = "mx-2024-observer";
const dir = mkdtempSync(join(tmpdir(), "urna-web-observer-"));
const boardKey = encodePrivateKey(NAME, generateSeed());
const electionVkey = encodeVkey(`${NAME}/elections/${id}`, parsePrivateKey(boardKey).publicKey);
const up = createWitness({
  dataDir: join(dir, "w1"),
  name: "w1.test",
  signingSeed: generateSeed(),
  logs: [electionVkey],
});
const down = createWitness({
  dataDir: join(dir, "w2"),
  name: "w-down.test",
  signingSeed: generateSeed(),
  logs: [],
});

interface Status {
  size: number;
  counts: Record<string, number>;
  turnout: Record<string, { credentials: number; voters: number }>;
  witnessing: {
    quorum: number;
    quorumMet: boolean;
    size: number;
    witnesses: { name: string; cosigned: boolean; error?: string }[];
  };
}

let tb: TestBoard;
let listening: { url: string; close(): Promise<void> };
let browser: Browser;
let actors: Actors;
let creds: VoterCredential[];
/** Credentials registered (one per batch) besides the voters', to make the log long. */
const EXTRA = 1100;
let extra: { key: string; style: string }[] = [];
let states: CustodianStateFile[];
let result: ResultBody;

const statusOf = async () =>
  (await (await fetch(`${tb.url}/elections/${id}/status`)).json()) as Status;
/** Choices for a voter of either style of manifestFor (senaduria-14 needs one mark). */
const choicesOf = (c: VoterCredential, pres: string[]): Record<string, string[]> =>
  c.style === "ent-09"
    ? { presidencia: pres, "senaduria-09": ["a", "b"] }
    : { presidencia: pres, "senaduria-14": ["x"] };
const vote = (i: number, pres: string[], opts: { challengeFirst?: boolean } = {}) =>
  castBallot(tb.client as BoardClient, creds[i], choicesOf(creds[i], pres), opts);
/** Every response of a page with status 404. */
const notFound = (page: Page) => {
  const list: string[] = [];
  page.on("response", (r) => {
    if (r.status() === 404) list.push(r.url());
  });
  return list;
};

describe.skipIf(!hasChromium)("observer pages in headless Chromium", () => {
  beforeAll(async () => {
    const launching = await launchChromium();
    listening = await up.listen(0);
    tb = await startBoard({
      name: NAME,
      signingKey: boardKey,
      // The second witness is not running.
      witnesses: [
        { url: listening.url, vkey: up.vkey },
        { url: "http://127.0.0.1:9", vkey: down.vkey },
      ],
      quorum: 1,
      witnessRetryMs: 60_000,
    });
    actors = newActors(3);
    await createElection(
      tb.client,
      manifestFor(id, actors, { threshold: 2, revotePolicy: "last" }),
      actors.authority.secretKey,
    );
    // A log longer than the live page's window (it loads the last 1,000 entries): 1,100
    // credentials registered one per batch before the voters', so that counting the entries the
    // page loaded (what the page once did) would be wrong on every count.
    extra = generateCredentials(id, EXTRA, ["ent-09", "ent-14"]).map((g) => g.public);
    await publishCredentials(tb.client, id, actors.registrar.secretKey, extra, { batchSize: 1 });
    ({ creds, states } = await openElection(tb.client, id, actors, 7));
    await vote(0, ["mc"]);
    await vote(0, ["pan-pri-prd"]); // supersedes the first
    await vote(1, []); // presidencia left blank
    await vote(2, ["mc"], { challengeFirst: true });
    await vote(3, ["nulo"]);
    browser = await launching;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await tb?.close();
    await listening?.close();
    if (tb) removeDir(tb.dir);
    rmSync(dir, { recursive: true, force: true });
  });

  it("the board's status has the counts, the turnout per style and the witnessing state", async () => {
    const s = await statusOf();
    expect(s.size).toBeGreaterThan(EXTRA);
    expect(s.counts).toMatchObject({
      credentials: EXTRA + 7,
      voters: 4,
      ballots: 5,
      superseded: 1,
      challenged: 1,
    });
    const styles = Object.fromEntries(creds.map((c) => [c.style, 0]));
    for (const c of [...creds, ...extra]) styles[c.style]++;
    expect(Object.keys(s.turnout)).toEqual(["ent-09", "ent-14"]);
    expect(s.turnout["ent-09"].credentials).toBe(styles["ent-09"]);
    expect(s.turnout["ent-14"].credentials).toBe(styles["ent-14"]);
    const voted = new Set([0, 1, 2, 3].map((i) => creds[i].style));
    expect(s.turnout["ent-09"].voters + s.turnout["ent-14"].voters).toBe(4);
    expect(voted.size).toBeGreaterThan(0);
    expect(s.witnessing).toMatchObject({ quorum: 1, quorumMet: true, size: s.size });
    expect(s.witnessing.witnesses.find((w) => w.name === "w1.test")?.cosigned).toBe(true);
    const w2 = s.witnessing.witnesses.find((w) => w.name === "w-down.test");
    expect(w2?.cosigned).toBe(false);
    expect(w2?.error).toBeTruthy();
  });

  it("the live page shows the board's counts, follows a new ballot, and names the witness that did not cosign", async () => {
    const page = await browser.newPage();
    const missing = notFound(page);
    await page.goto(`${tb.url}/web/election.html?id=${id}&lang=en`);
    await page.locator("#connection", { hasText: "live" }).waitFor({ timeout: 10_000 });
    const s = await statusOf();
    for (const k of ["credentials", "voters", "ballots", "superseded", "challenged"])
      expect(await page.locator(`#count-${k}`).getAttribute("data-count"), k).toBe(
        String(s.counts[k]),
      );
    for (const [style, r] of Object.entries(s.turnout)) {
      const row = page.locator(`#turnout tr[data-style="${style}"]`);
      expect(await row.locator("td[data-credentials]").getAttribute("data-credentials")).toBe(
        String(r.credentials),
      );
      expect(await row.locator("td[data-voters]").getAttribute("data-voters")).toBe(
        String(r.voters),
      );
    }
    // The warning names the witness that did not cosign, and why.
    const warn = page.locator("#witness-warning");
    expect(await warn.getAttribute("role")).toBe("alert");
    const item = warn.locator('li[data-witness="w-down.test"]');
    expect(await item.textContent()).toContain(
      s.witnessing.witnesses.find((w) => w.name === "w-down.test")?.error,
    );
    expect(await warn.locator("li").count()).toBe(1);
    expect(await page.locator("#cosigners").textContent()).toContain("w1.test");
    // A new voter: the page's counts follow the board's.
    await vote(4, ["mc"]);
    await page.locator('#count-voters[data-count="5"]').waitFor({ timeout: 10_000 });
    expect(await page.locator("#count-ballots").getAttribute("data-count")).toBe("6");
    await page.screenshot({ path: join(ARTIFACTS, "live-witness-warning.png"), fullPage: true });
    expect(missing).toEqual([]);
    await page.close();
  });

  it("finishes the election", async () => {
    await closeVoting(tb.client, id, actors.authority.secretKey);
    await postTally(tb.client, id, actors.authority.secretKey);
    for (const i of [1, 2])
      await postDecryptionShare(tb.client, id, actors.custodians[i - 1], states[i - 1], {
        insecureNoTrust: true,
      });
    const posted = await postResult(tb.client, id, actors.authority.secretKey, {
      dlog: new DiscreteLog({ max: 1000, babySteps: 64 }),
    });
    result = (await tb.client.entry(id, posted[0].index)).body as ResultBody;
  }, 60_000);

  it("the results page: title, contents, blank ballots that make the totals add up, the record's file name, the trust file's source", async () => {
    const page = await browser.newPage();
    const missing = notFound(page);
    await page.goto(`${tb.url}/web/results.html?id=${id}&lang=en`);
    await page.locator("section.contest").first().waitFor({ timeout: 10_000 });
    expect(await page.locator("h1").textContent()).toContain(`Elección de prueba ${id}`);
    // Contents: presidencia on every ballot, then each style's own contest, each a link.
    const contents = page.locator("#contents");
    expect(await contents.locator('li[data-group="all"] a').getAttribute("href")).toBe(
      "#contest-presidencia",
    );
    expect(await contents.locator('li[data-style="ent-09"] a').textContent()).toBe(
      "Senaduría Ciudad de México",
    );
    expect(await contents.locator('li[data-style="ent-14"] a').getAttribute("href")).toBe(
      "#contest-senaduria-14",
    );
    const s = await statusOf();
    const votes = (c: string) =>
      result.contests.find((x) => x.contest === c)!.options.reduce((a, o) => a + o.votes, 0);
    // presidencia: on every ballot; one voter left it blank.
    const pres = page.locator('section[data-contest="presidencia"]');
    expect(await pres.locator("td[data-blank]").getAttribute("data-blank")).toBe("1");
    expect(await pres.locator("td[data-total]").getAttribute("data-total")).toBe(
      String(s.counts.voters),
    );
    expect(votes("presidencia") + 1).toBe(s.counts.voters);
    // senaduria-14 (one mark required): no blank ballot, the total is that style's voters.
    const sen14 = page.locator('section[data-contest="senaduria-14"]');
    expect(await sen14.locator("td[data-blank]").getAttribute("data-blank")).toBe("0");
    expect(await sen14.locator("td[data-total]").getAttribute("data-total")).toBe(
      String(s.turnout["ent-14"].voters),
    );
    // senaduria-09 (up to two marks): no blank count is claimed, and the page says why.
    const sen09 = page.locator('section[data-contest="senaduria-09"]');
    expect(await sen09.locator("td[data-blank]").count()).toBe(0);
    expect(await sen09.textContent()).toContain("up to 2 marks");
    // The commands name the file the board's record route sends.
    const rec = await fetch(`${tb.url}/elections/${id}/record`);
    const file = /filename="([^"]+)"/.exec(rec.headers.get("content-disposition") ?? "")?.[1];
    await rec.body?.cancel();
    expect(file).toBe(`${id}-record.tar`);
    expect(await page.locator("#record-link").getAttribute("download")).toBe(file);
    expect(await page.locator("main").textContent()).toContain(`tar -xf ${file} -C record`);
    expect(await page.locator("#trust-source").textContent()).toContain("electoral authority");
    expect(await page.locator("#trust-authority").textContent()).toBe(actors.authority.publicKey);
    // A heading inside a box keeps a margin from its edge.
    const box = await page.locator("#tally-status").boundingBox();
    const head = await page.locator("#tally-status h2").boundingBox();
    const gap = (head?.y ?? 0) - (box?.y ?? 0);
    expect(gap).toBeGreaterThan(8);
    await page.screenshot({ path: join(ARTIFACTS, "results-contents.png"), fullPage: true });
    expect(missing).toEqual([]);
    await page.close();
  });

  it("no favicon 404: the pages declare an icon, and /favicon.ico leads to it", async () => {
    const r = await fetch(`${tb.url}/favicon.ico`);
    expect(r.status).toBe(200);
    expect(r.url).toBe(`${tb.url}/web/favicon.svg`);
    expect(r.headers.get("content-type")).toContain("image/svg+xml");
    const page = await browser.newPage();
    const missing = notFound(page);
    const icons: string[] = [];
    page.on("request", (q) => {
      if (/favicon/.test(q.url())) icons.push(q.url());
    });
    await page.goto(`${tb.url}/web/?lang=es`);
    await page.locator(`tr[data-election="${id}"]`).waitFor({ timeout: 10_000 });
    expect(await page.locator('link[rel="icon"]').getAttribute("href")).toBe("favicon.svg");
    expect(missing).toEqual([]);
    expect(icons.every((u) => u.endsWith("/web/favicon.svg"))).toBe(true);
    await page.close();
  });
});
