/**
 * The voter's booth (board/web/src/vote.ts, issue 15) in a real headless Chromium against a board
 * on loopback: cast; challenge then cast (the revealed choices the board holds equal the marks);
 * revote under `last`; a second vote refused under `single` (before marking, and by the board
 * when the other vote lands while the voter marks); voting closed; corrupted, foreign and
 * unregistered credential files; the board unreachable; a ballot cast with key presses only;
 * axe-core (WCAG 2.1 A/AA) clean on every public page; and `GET /` for browsers and API clients.
 * Screenshots go to test-artifacts/web/.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS, CHROMIUM, hasChromium, launchChromium } from "./fixtures/chromium.js";
import { axeViolations } from "./fixtures/axe.js";
import type { Browser, FileChooser, Page } from "playwright-core";
import type { ChallengedBallotBody, Entry } from "@urna/schemas";
import { DiscreteLog, humanTrackingCodeOf, toBase64 } from "@urna/verifier";
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
  newActors,
  openElection,
  removeDir,
  startBoard,
  type TestBoard,
} from "../board/test/server/helpers.js";

/** Votes under `last`; the other election under `single`. */
const idLast = "mx-booth-last";
const idSingle = "mx-booth-single";
let tb: TestBoard;
let browser: Browser;
let actors: Actors;
let last: { creds: VoterCredential[]; states: CustodianStateFile[] };
let single: { creds: VoterCredential[] };
/** The receipt page's link from the first cast (for the accessibility check). */
let receiptCheck = "";

const credFile = (c: VoterCredential) => ({
  name: "credencial.json",
  mimeType: "application/json",
  buffer: Buffer.from(
    JSON.stringify({
      kind: "urna-credential",
      election: c.election,
      style: c.style,
      secretKey: toBase64(c.secretKey),
      publicKey: c.publicKey,
    }),
  ),
});
const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

/** Opens the booth of `election`, watching every request (none may leave the board). */
async function booth(election: string, lang = "es") {
  const page = await browser.newPage();
  const requests: { url: string; body: string }[] = [];
  const errors: string[] = [];
  page.on("request", (r) => requests.push({ url: r.url(), body: r.postData() ?? "" }));
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${tb.url}/web/vote.html?id=${election}&lang=${lang}`);
  return { page, requests, errors };
}

async function loadCredential(page: Page, c: VoterCredential) {
  await page.locator("#cred-file").setInputFiles(credFile(c));
  await page.locator("#ballot").waitFor({ timeout: 10_000 });
}

/** Ticks the options (contest -> option ids), encrypts, and returns the shown tracking code. */
async function markAndEncrypt(page: Page, marks: Record<string, string[]>) {
  for (const [contest, options] of Object.entries(marks))
    for (const o of options) await page.locator(`#opt-${contest}-${o}`).check();
  await page.locator("#encrypt").click();
  return (await page.locator("#tracking-code").textContent({ timeout: 20_000 })) as string;
}

/** Presses Tab until the element with `id` has focus (keyboard only), at most 40 times. */
async function tabTo(page: Page, id: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    if ((await page.evaluate("document.activeElement?.id")) === id) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached #${id}`);
}

describe.skipIf(!hasChromium)("the voter's booth in headless Chromium", () => {
  beforeAll(async () => {
    const launching = await launchChromium();
    tb = await startBoard({ workers: 1 });
    actors = newActors(2);
    await createElection(
      tb.client,
      manifestFor(idLast, actors, { threshold: 2, revotePolicy: "last" }),
      actors.authority.secretKey,
    );
    last = await openElection(tb.client, idLast, actors, 4);
    await createElection(
      tb.client,
      manifestFor(idSingle, actors, { threshold: 2 }),
      actors.authority.secretKey,
    );
    single = await openElection(tb.client, idSingle, actors, 2);
    browser = await launching;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await tb?.close();
    if (tb) removeDir(tb.dir);
  });

  it("casts a ballot: tracking code shown before, receipt after, the credential never sent", async () => {
    const c = last.creds[0];
    const { page, requests, errors } = await booth(idLast);
    await expect(page.locator("#trust").textContent()).resolves.toContain("Nunca comparta");
    // the verifier's WebAssembly backend (the booth's CSP allows compiling it, and only that)
    expect(await page.locator("#backend").getAttribute("data-backend")).toBe("wasm");
    await loadCredential(page, c);
    expect(await page.locator('fieldset[data-contest="presidencia"] .rule').textContent()).toBe(
      "Marque hasta 1 (puede dejarla en blanco).",
    );
    expect(await page.locator("fieldset.contest").count()).toBe(2); // exactly the style's ballot
    await shot(page, "booth-marking");
    expect(await axeViolations(page)).toEqual([]);
    const code = await markAndEncrypt(page, { presidencia: ["mc"], "senaduria-09": ["a", "c"] });
    await page.locator("#cast").click();
    await page.locator("#cast-code").waitFor({ timeout: 20_000 });
    expect(await page.locator("#cast-code").textContent()).toBe(code);
    const receipt = await tb.client.receipt(idLast, code);
    const entry = await tb.client.entry(idLast, receipt.index);
    expect(entry.type).toBe("ballot");
    expect(entry.signer).toBe(c.publicKey);
    expect(humanTrackingCodeOf(receipt.trackingCode)).toBe(code);
    expect(await page.locator("#revote-note").count()).toBe(0);
    const check = (await page.locator("#check-receipt-link").getAttribute("href")) as string;
    expect(check.startsWith(`receipt.html?id=${idLast}#r=`)).toBe(true);
    receiptCheck = check;
    expect(await axeViolations(page)).toEqual([]);
    const dl = page.waitForEvent("download");
    await page.locator("#download-receipt").click();
    const saved = JSON.parse(readFileSync((await (await dl).path()) as string, "utf8"));
    expect(saved.trackingCode).toBe(receipt.trackingCode);
    await shot(page, "booth-cast");
    // the printable receipt: the tracking code and the check's address, without the rest
    await page.emulateMedia({ media: "print" });
    expect(await page.locator("#cast-code").isVisible()).toBe(true);
    expect(await page.locator("#printable-receipt").textContent()).toContain(
      `/web/receipt.html?id=${idLast}`,
    );
    for (const hidden of ["#trust", "header.top", "#download-receipt"])
      expect(await page.locator(hidden).isVisible(), hidden).toBe(false);
    await shot(page, "booth-receipt-print");
    await page.emulateMedia({ media: "screen" });
    const secret = toBase64(c.secretKey);
    expect(requests.every((r) => r.url.startsWith(tb.url))).toBe(true);
    expect(requests.some((r) => r.body.includes(secret))).toBe(false);
    expect(errors).toEqual([]);
    // the receipt link verifies in the receipt page
    await page.goto(`${tb.url}/web/${check}`);
    await page.locator("#summary").waitFor({ timeout: 20_000 });
    expect(await page.locator("#summary").getAttribute("data-ok")).toBe("true");
    await page.close();
  }, 60_000);

  it("challenges, shows the revealed choices equal to the marks, encrypts afresh, then casts", async () => {
    const c = last.creds[1]; // ent-14
    const { page } = await booth(idLast, "en");
    await loadCredential(page, c);
    const first = await markAndEncrypt(page, {
      presidencia: ["pan-pri-prd"],
      "senaduria-14": ["y"],
    });
    await page.locator("#challenge").click();
    await page.locator("#revealed").waitFor({ timeout: 20_000 });
    expect(await page.locator("#ch-check").getAttribute("data-ok")).toBe("true");
    expect(await page.locator("#ch-match").getAttribute("data-same")).toBe("true");
    const rows = page.locator("#revealed tbody tr");
    expect(await rows.count()).toBe(6);
    for (const row of await rows.all())
      expect(await row.getAttribute("data-revealed")).toBe(await row.getAttribute("data-marked"));
    // what the board holds is the opened ballot with exactly those choices
    const chCode = (await page.locator("#ch-code").textContent()) as string;
    expect(chCode).not.toBe(first); // the opened ballot is another entry
    const r = await tb.client.receipt(idLast, chCode);
    const opened = (await tb.client.entry(idLast, r.index)) as Entry<
      "ballot.challenged",
      ChallengedBallotBody
    >;
    expect(opened.type).toBe("ballot.challenged");
    expect(opened.body.revealed.map((x) => [x.contest, x.choices])).toEqual([
      ["presidencia", [1, 0, 0, 0]],
      ["senaduria-14", [0, 1]],
    ]);
    expect(await page.locator("#ch-receipt-link").getAttribute("href")).toContain("receipt.html");
    await shot(page, "booth-challenged");
    expect(await axeViolations(page)).toEqual([]);
    await page.locator("#encrypt-again").click();
    const second = (await page
      .locator("#tracking-code")
      .textContent({ timeout: 20_000 })) as string;
    expect(second).not.toBe(first);
    await page.locator("#cast").click();
    await page.locator("#cast-code").waitFor({ timeout: 20_000 });
    expect(await page.locator("#cast-code").textContent()).toBe(second);
    await page.close();
  }, 60_000);

  it("says under `last` that the earlier ballot no longer counts", async () => {
    const c = last.creds[2];
    await castBallot(tb.client as BoardClient, c, { presidencia: ["mc"] });
    const { page } = await booth(idLast);
    await loadCredential(page, c);
    expect(await page.locator("#revote-warn").textContent()).toContain(
      "la anterior dejará de contar",
    );
    await markAndEncrypt(page, { presidencia: ["nulo"] });
    await page.locator("#cast").click();
    await page.locator("#revote-note").waitFor({ timeout: 20_000 });
    expect(await page.locator("#revote-note").textContent()).toContain("ya no cuenta");
    const status = await tb.client.status(idLast);
    expect((status.counts as unknown as { superseded: number }).superseded).toBe(1);
    await page.close();
  }, 60_000);

  it("refuses a second vote under `single`: on loading, and when the board refuses the cast", async () => {
    const [a, b] = single.creds;
    // b: loaded and marked, then its vote lands from elsewhere before the voter casts here
    const { page } = await booth(idSingle);
    await loadCredential(page, b);
    await markAndEncrypt(page, { presidencia: ["mc"], "senaduria-14": ["x"] });
    await castBallot(tb.client as BoardClient, b, {
      presidencia: ["pan-pri-prd"],
      "senaduria-14": ["y"],
    });
    await page.locator("#cast").click();
    await page.locator('#refusal[data-code="ALREADY_VOTED"]').waitFor({ timeout: 20_000 });
    expect(await page.locator("#refusal-text").textContent()).toBe(
      "Esta credencial ya emitió su voto y en esta elección solo se permite un voto por credencial.",
    );
    await shot(page, "booth-already-voted");
    // a: voted already; loading the credential says so at once
    await castBallot(tb.client as BoardClient, a, { presidencia: ["mc"] });
    await page.goto(`${tb.url}/web/vote.html?id=${idSingle}&lang=en`);
    await page.locator("#cred-file").setInputFiles(credFile(a));
    await page.locator('#refusal[data-code="ALREADY_VOTED"]').waitFor({ timeout: 10_000 });
    expect(await page.locator("#ballot").count()).toBe(0);
    await page.close();
  }, 60_000);

  it("names corrupted, foreign and unregistered credential files, and a board it cannot reach", async () => {
    const { page } = await booth(idLast, "en");
    await page.locator("#cred-drop").waitFor({ timeout: 10_000 });
    const c = last.creds[3];
    const good = JSON.parse(credFile(c).buffer.toString("utf8"));
    const drop = (text: string) =>
      page.evaluate(`{
        const dt = new DataTransfer();
        dt.items.add(new File([${JSON.stringify(text)}], "credential.json"));
        document.getElementById("cred-drop").dispatchEvent(
          new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }),
        );
      }`);
    const cases: [string, string, string][] = [
      [
        JSON.stringify({ ...good, secretKey: good.secretKey.slice(0, 20) }),
        "BAD_CREDENTIAL",
        "corrupted",
      ],
      ['{"kind": "urna-credential", "secretKey"', "BAD_CREDENTIAL", "not JSON"],
      [JSON.stringify({ ...good, election: idSingle }), "WRONG_ELECTION", idSingle],
      [
        JSON.stringify({
          ...good,
          secretKey: toBase64(new Uint8Array(32).fill(7)),
          publicKey: undefined,
        }),
        "NOT_ELIGIBLE",
        "not registered",
      ],
    ];
    for (const [text, code, says] of cases) {
      await drop(text);
      await page.locator(`#refusal[data-code="${code}"]`).waitFor({ timeout: 10_000 });
      expect(await page.locator("#refusal").textContent(), code).toContain(says);
      expect(await page.locator("#refusal").textContent()).toContain(`Code: ${code}`);
      expect(await page.locator("#ballot").count()).toBe(0);
    }
    await shot(page, "booth-bad-credential");
    expect(await axeViolations(page)).toEqual([]);
    // the good file by drag and drop; then the board is unreachable when casting
    await drop(JSON.stringify(good));
    await page.locator("#ballot").waitFor({ timeout: 10_000 });
    await markAndEncrypt(page, { presidencia: ["mc"], "senaduria-14": ["x"] });
    const before = (await tb.client.status(idLast)).size;
    await page.route("**/entries", (route) => route.abort("connectionrefused"));
    await page.locator("#cast").click();
    await page.locator('#refusal[data-code="BOARD_UNREACHABLE"]').waitFor({ timeout: 10_000 });
    expect(await page.locator("#refusal-text").textContent()).toContain("Nothing was sent");
    expect((await tb.client.status(idLast)).size).toBe(before);
    await page.close();
  }, 60_000);

  it("casts a ballot with the keyboard alone", async () => {
    const c = last.creds[3];
    const page = await browser.newPage();
    // File-chooser interception is switched on before the page loads: asked for only right before
    // the key press, it raced the press on a loaded machine and the dialog went unseen (CI, once).
    const choosers: FileChooser[] = [];
    page.on("filechooser", (fc) => choosers.push(fc));
    await page.goto(`${tb.url}/web/vote.html?id=${idLast}&lang=es`);
    await page.locator("#cred-file").waitFor();
    let chooser: FileChooser | undefined;
    for (let attempt = 0; attempt < 3 && !chooser; attempt++) {
      await tabTo(page, "cred-file");
      await page.keyboard.press("Space"); // opens the system's file dialog
      for (let t = 0; t < 50 && !choosers.length; t++) await page.waitForTimeout(100);
      chooser = choosers.shift();
    }
    expect(chooser, "Space on the focused file input opens the file dialog").toBeDefined();
    await chooser!.setFiles(credFile(c));
    await page.locator("#ballot").waitFor({ timeout: 10_000 });
    await tabTo(page, "opt-presidencia-pvem-pt-morena");
    await page.keyboard.press("Space");
    await tabTo(page, "opt-senaduria-14-y");
    await page.keyboard.press("Space");
    await tabTo(page, "encrypt");
    await page.keyboard.press("Enter");
    await page.locator("#tracking-code").waitFor({ timeout: 20_000 });
    await tabTo(page, "cast");
    await page.keyboard.press("Enter");
    const code = (await page.locator("#cast-code").textContent({ timeout: 20_000 })) as string;
    const receipt = await tb.client.receipt(idLast, code);
    expect((await tb.client.entry(idLast, receipt.index)).signer).toBe(c.publicKey);
    await page.close();
  }, 60_000);

  it("refuses when voting is closed or not open yet, with its code", async () => {
    await closeVoting(tb.client, idSingle, actors.authority.secretKey);
    const { page } = await booth(idSingle, "en");
    await page.locator('#refusal[data-code="WRONG_PHASE"]').waitFor({ timeout: 10_000 });
    expect(await page.locator("#refusal-text").textContent()).toBe(
      "Voting is not open: no ballots are accepted now (phase: “Voting closed”).",
    );
    expect(await page.locator("#cred-file").count()).toBe(0);
    await shot(page, "booth-closed");
    // not open yet: the same refusal, naming the phase
    await createElection(
      tb.client,
      manifestFor("mx-booth-setup", actors, { threshold: 2 }),
      actors.authority.secretKey,
    );
    await page.goto(`${tb.url}/web/vote.html?id=mx-booth-setup&lang=es`);
    await page.locator('#refusal[data-code="WRONG_PHASE"]').waitFor({ timeout: 10_000 });
    expect(await page.locator("#refusal-text").textContent()).toBe(
      "La votación no está abierta: no se reciben boletas ahora (fase: «Preparación»).",
    );
    await page.close();
  }, 60_000);

  it("passes axe-core (WCAG 2.1 A/AA) on every public page", async () => {
    await closeVoting(tb.client, idLast, actors.authority.secretKey);
    await postTally(tb.client, idLast, actors.authority.secretKey);
    for (const i of [1, 2])
      await postDecryptionShare(tb.client, idLast, actors.custodians[i - 1], last.states[i - 1], {
        insecureNoTrust: true,
      });
    await postResult(tb.client, idLast, actors.authority.secretKey, {
      dlog: new DiscreteLog({ max: 100, babySteps: 16 }),
    });
    const pages: [string, string][] = [
      ["elections", `/web/?lang=es`],
      ["live-board", `/web/election.html?id=${idLast}&lang=en`],
      ["booth", `/web/vote.html?id=${idSingle}&lang=es`],
      ["receipt", `/web/${receiptCheck}`],
      ["results", `/web/results.html?id=${idLast}&lang=es`],
    ];
    const ready: Record<string, string> = {
      elections: `tr[data-election="${idLast}"]`,
      "live-board": "#connection",
      booth: "#refusal",
      receipt: "#summary",
      results: "section.contest",
    };
    for (const [name, path] of pages) {
      const page = await browser.newPage();
      await page.goto(`${tb.url}${path}`);
      await page.locator(ready[name]).first().waitFor({ timeout: 20_000 });
      await shot(page, `axe-${name}`);
      expect(await axeViolations(page), name).toEqual([]);
      await page.close();
    }
  }, 60_000);
});

describe("GET / and the booth's CSP (no browser needed)", () => {
  let board: TestBoard;
  beforeAll(async () => {
    execFileSync(process.execPath, ["board/scripts/build-web.mjs"], { stdio: "pipe" });
    board = await startBoard({ workers: 1 });
  }, 60_000);
  afterAll(async () => {
    await board?.close();
    if (board) removeDir(board.dir);
  });

  it("GET / sends a browser to the site and an API client the board's JSON", async () => {
    const html = await fetch(`${board.url}/`, {
      headers: { Accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" },
      redirect: "manual",
    });
    expect(html.status).toBe(302);
    expect(new URL(html.headers.get("location") as string, `${board.url}/`).pathname).toBe("/web/");
    expect(html.headers.get("vary")).toContain("Accept");
    const csp = (p: string) =>
      fetch(`${board.url}/web/${p}`).then((r) => r.headers.get("content-security-policy"));
    expect(await csp("vote.html")).toContain("script-src 'self' 'wasm-unsafe-eval';");
    expect(await csp("receipt.html")).toContain("script-src 'self';");
    for (const accept of ["application/json", "*/*", undefined]) {
      const res = await fetch(`${board.url}/`, accept ? { headers: { Accept: accept } } : {});
      expect(res.status, String(accept)).toBe(200);
      expect(((await res.json()) as { name: string }).name).toBe("board.test");
    }
  });
});
