/**
 * The voter's booth (issue 15): the voter loads their credential file (file picker or drag and
 * drop; it is read in the browser and never sent), marks the ballot of their style, and the
 * browser encrypts and proves it with the same code as `urna voter cast` (board/src/actors/
 * ballot.ts; the verifier's WebAssembly backend where the page may compile it, else the JS one).
 * Before posting anything the page shows the tracking code; the voter then either challenges
 * (posts `ballot.challenged`, sees the revealed choices the board now holds next to their marks,
 * and gets a fresh encryption) or casts (posts `ballot`, gets the receipt as JSON and as a
 * printable page). Every refusal is shown with its stable code (spec/api.md §Errors).
 */
import type { ChallengedBallotBody, Contest, Entry } from "@urna/schemas";
import { canonicalBytes } from "@urna/schemas";
import {
  cryptoBackend,
  decodeElement,
  fromBase64,
  leafHash,
  styleContests,
  toBase64,
  toHex,
  verifyChallengedBallot,
} from "@urna/verifier";
import { humanTrackingCodeOf } from "../../../verifier/src/log/tracking-code.js";
import type { EncryptedBallot } from "../../src/crypto/encrypt.js";
import {
  type VoterCredential,
  ballotEntry,
  challengedEntry,
  encryptFor,
  loadVotingView,
} from "../../src/actors/ballot.js";
import { BoardApiError, BoardClient, type ReceiptJson } from "../../src/actors/client.js";
import type { ElectionView } from "../../src/actors/view.js";
import { Refusal, readCredentialFile } from "./credential-file.js";
import { VOTE_TEXTS } from "./vote-texts.js";
import { boardBase, errMsg, h, param, phaseLabel, replace, startPage, t } from "./common.js";

type Step =
  | { kind: "start" }
  | { kind: "mark" }
  | { kind: "busy"; what: "v.encrypting" | "v.posting" }
  | { kind: "encrypted"; enc: EncryptedBallot; entry: Entry; code: string }
  | {
      kind: "challenged";
      receipt: ReceiptJson;
      revealed: ChallengedBallotBody["revealed"];
      problem?: string;
    }
  | { kind: "cast"; receipt: ReceiptJson; revote: boolean; differs?: string };

const app = document.getElementById("app") as HTMLElement;
const id = param("id") ?? "";
const client = new BoardClient(boardBase());
let view: ElectionView | undefined;
let phase = "";
let cred: VoterCredential | undefined;
let contests: Contest[] = [];
/** The voter's marks: contest id -> one 0/1 per option. */
let marks: Record<string, number[]> = {};
let earlierBallots = 0;
let step: Step = { kind: "start" };
let refusal: Refusal | undefined;
let loadError: string | undefined;
/** The verifier's crypto backend in this browser: WebAssembly where the page may compile it. */
const backend = cryptoBackend();

const b64url = (s: string): string =>
  btoa(String.fromCharCode(...new TextEncoder().encode(s)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
const receiptLink = (r: ReceiptJson): string =>
  `receipt.html?id=${encodeURIComponent(id)}#r=${b64url(JSON.stringify(r))}`;
const trackingCodeOf = (e: Entry): string => toHex(leafHash(canonicalBytes(e)));

/** Any error of a step as the refusal the voter sees. */
function refusalOf(e: unknown): Refusal {
  if (e instanceof Refusal) return e;
  if (e instanceof BoardApiError) {
    if (e.code === "WRONG_PHASE") return new Refusal(e.code, { phase: phaseOfMessage(e.message) });
    if (["ALREADY_VOTED", "NOT_ELIGIBLE"].includes(e.code)) return new Refusal(e.code);
    return new Refusal(e.code, { msg: e.message });
  }
  const code = (e as { code?: unknown } | null)?.code;
  if (code === "BOARD_UNREACHABLE" || e instanceof TypeError)
    return new Refusal("BOARD_UNREACHABLE");
  return new Refusal(typeof code === "string" ? code : "ERROR", { msg: errMsg(e) });
}
const phaseOfMessage = (m: string): string => /phase (\w+)/.exec(m)?.[1] ?? phase;

async function load(): Promise<void> {
  try {
    const status = await client.status(id);
    phase = status.phase;
    if (phase !== "voting") throw new Refusal("WRONG_PHASE", { phase });
    view = await loadVotingView(client, id);
  } catch (e) {
    refusal = refusalOf(e);
  }
  render();
}

/** Reads a credential file (text) into the voter's credential, or a Refusal. */
async function takeCredential(text: string): Promise<void> {
  refusal = undefined;
  try {
    if (!view) throw new Refusal("BOARD_UNREACHABLE");
    const f = readCredentialFile(text);
    if (f.election !== id) throw new Refusal("WRONG_ELECTION", { other: f.election, id });
    const publicKey = f.publicKey;
    const style = view.state.styleOf(publicKey);
    if (style === undefined || style !== f.style) throw new Refusal("NOT_ELIGIBLE");
    const sc = styleContests(view.manifest, style);
    if (!sc) throw new Refusal("NOT_ELIGIBLE");
    const lookup = (await (
      await fetch(
        `${boardBase()}/elections/${encodeURIComponent(id)}/credentials/${toHex(fromBase64(publicKey))}`,
      )
    ).json()) as { ballots?: unknown[] };
    earlierBallots = lookup.ballots?.length ?? 0;
    if (earlierBallots > 0 && view.manifest.revotePolicy === "single")
      throw new Refusal("ALREADY_VOTED");
    cred = { election: id, style, secretKey: f.secretKey, publicKey };
    contests = sc;
    marks = Object.fromEntries(sc.map((c) => [c.id, c.options.map(() => 0)]));
    step = { kind: "mark" };
  } catch (e) {
    refusal = refusalOf(e);
  }
  render(step.kind === "mark" ? "mark-h" : "refusal");
}

function encryptNow(): void {
  if (!view || !cred) return;
  const [v, c] = [view, cred];
  refusal = undefined;
  step = { kind: "busy", what: "v.encrypting" };
  render("busy");
  // Let the page paint "Encrypting…" before the proofs take the main thread.
  setTimeout(() => {
    try {
      const enc = encryptFor(v, c, marks);
      const entry = ballotEntry(c, enc.body);
      step = { kind: "encrypted", enc, entry, code: trackingCodeOf(entry) };
    } catch (e) {
      refusal = refusalOf(e);
      step = { kind: "mark" };
    }
    render(step.kind === "encrypted" ? "enc-h" : "refusal");
  }, 30);
}

async function challenge(enc: EncryptedBallot): Promise<void> {
  if (!view || !cred) return;
  const entry = challengedEntry(cred, enc, marks);
  refusal = undefined;
  step = { kind: "busy", what: "v.posting" };
  render("busy");
  try {
    const r = await client.post(entry);
    // What the board holds now, checked here: the revealed choices reproduce the ciphertexts.
    const stored = (await client.entry(id, r.index)) as Entry<
      "ballot.challenged",
      ChallengedBallotBody
    >;
    let problem: string | undefined;
    try {
      verifyChallengedBallot(view.manifest, cred.style, stored.body, {
        baseHash: view.state.baseHash,
        publicKey: decodeElement(fromBase64(view.state.electionKey?.publicKey ?? "")),
        signer: fromBase64(cred.publicKey),
      });
    } catch (e) {
      problem = errMsg(e);
    }
    step = {
      kind: "challenged",
      receipt: r.receipt as ReceiptJson,
      revealed: stored.body.revealed,
      ...(problem ? { problem } : {}),
    };
  } catch (e) {
    refusal = refusalOf(e);
    step = { kind: "mark" };
  }
  render(step.kind === "challenged" ? "ch-h" : "refusal");
}

async function cast(entry: Entry, code: string): Promise<void> {
  refusal = undefined;
  step = { kind: "busy", what: "v.posting" };
  render("busy");
  try {
    const r = await client.post(entry);
    step = {
      kind: "cast",
      receipt: r.receipt as ReceiptJson,
      revote: earlierBallots > 0,
      ...(r.trackingCode !== code ? { differs: humanTrackingCodeOf(r.trackingCode) } : {}),
    };
  } catch (e) {
    refusal = refusalOf(e);
    step = { kind: "mark" };
  }
  render(step.kind === "cast" ? "cast-h" : "refusal");
}

// ---- rendering

const heading = (key: string, hid: string, vars: Record<string, string> = {}) =>
  h("h2", { id: hid, tabindex: -1 }, t(key, vars));

function trustNotes(): HTMLElement {
  return h(
    "section",
    { class: "panel", id: "trust", "aria-labelledby": "trust-h" },
    h("h2", { id: "trust-h" }, t("v.trust.h")),
    h(
      "ul",
      {},
      h("li", {}, t("v.trust.1")),
      h("li", {}, t("v.trust.2")),
      h("li", {}, t("v.trust.3")),
    ),
    h(
      "p",
      { id: "backend", "data-backend": backend },
      t("v.backend", { backend: backend === "wasm" ? "WebAssembly" : "JavaScript" }),
    ),
  );
}

function refusalBox(): HTMLElement | null {
  if (!refusal) return null;
  const key = `err.${refusal.code}` in VOTE_TEXTS ? `err.${refusal.code}` : "err.other";
  return h(
    "div",
    { id: "refusal", role: "alert", class: "fail", tabindex: -1, "data-code": refusal.code },
    h("h2", {}, t("v.err.h")),
    h(
      "p",
      { id: "refusal-text" },
      t(key, {
        msg: refusal.code,
        ...refusal.vars,
        phase: phaseLabel(refusal.vars.phase ?? phase),
      }),
    ),
    h("p", {}, t("v.err.code", { code: refusal.code })),
  );
}

function credentialPicker(): HTMLElement {
  const input = h("input", {
    type: "file",
    id: "cred-file",
    accept: ".json,application/json",
  }) as HTMLInputElement;
  input.addEventListener("change", () => {
    const file = input.files?.[0];
    if (file) void file.text().then(takeCredential);
  });
  const zone = h(
    "div",
    { id: "cred-drop", class: "drop" },
    h("label", { for: "cred-file" }, t("v.cred.label")),
    " ",
    input,
    h("p", {}, t("v.cred.drop")),
  );
  zone.addEventListener("dragover", (ev) => ev.preventDefault());
  zone.addEventListener("drop", (ev) => {
    ev.preventDefault();
    const file = (ev as DragEvent).dataTransfer?.files[0];
    if (file) void file.text().then(takeCredential);
  });
  return h("section", { "aria-labelledby": "cred-h" }, heading("v.cred.h", "cred-h"), zone);
}

function ruleOf(c: Contest): string {
  if (c.minSelections === c.maxSelections) return t("v.rule.exact", { n: String(c.maxSelections) });
  if (c.minSelections === 0) return t("v.rule.upTo", { max: String(c.maxSelections) });
  return t("v.rule.range", { min: String(c.minSelections), max: String(c.maxSelections) });
}

function ballotForm(): HTMLElement {
  const form = h("form", { id: "ballot", novalidate: true });
  for (const c of contests) {
    const fs = h(
      "fieldset",
      { class: "contest", "data-contest": c.id, "aria-describedby": `rule-${c.id}` },
      h("legend", {}, c.title),
      h("p", { id: `rule-${c.id}`, class: "rule" }, ruleOf(c)),
    );
    c.options.forEach((o, j) => {
      const box = h("input", {
        type: "checkbox",
        id: `opt-${c.id}-${o.id}`,
        name: c.id,
        value: o.id,
        checked: marks[c.id][j] === 1,
      }) as HTMLInputElement;
      box.addEventListener("change", () => {
        marks[c.id][j] = box.checked ? 1 : 0;
        const n = marks[c.id].reduce((a, b) => a + b, 0);
        box.setCustomValidity(n > c.maxSelections ? ruleOf(c) : "");
      });
      fs.append(h("div", { class: "option" }, box, " ", h("label", { for: box.id }, o.label)));
    });
    form.append(fs);
  }
  const problems = h("p", { id: "mark-problem", role: "alert", class: "fail" });
  form.append(problems, h("button", { type: "submit", id: "encrypt" }, t("v.encrypt")));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const wrong = contests.find((c) => {
      const n = marks[c.id].reduce((a, b) => a + b, 0);
      return n < c.minSelections || n > c.maxSelections;
    });
    if (wrong) {
      problems.textContent = `${wrong.title}: ${ruleOf(wrong)}`;
      (
        form.querySelector(`fieldset[data-contest="${wrong.id}"] input`) as HTMLElement | null
      )?.focus();
      return;
    }
    encryptNow();
  });
  return h(
    "section",
    { "aria-labelledby": "mark-h" },
    heading("v.mark.h", "mark-h"),
    h("p", { id: "cred-loaded" }, t("v.cred.loaded", { style: cred?.style ?? "" })),
    earlierBallots > 0 ? h("p", { id: "revote-warn", class: "pending" }, t("v.revote.warn")) : null,
    form,
  );
}

function marksList(): HTMLElement {
  return h(
    "ul",
    { id: "marks" },
    ...contests.map((c) => {
      const chosen = c.options.filter((_o, j) => marks[c.id][j] === 1).map((o) => o.label);
      return h(
        "li",
        { "data-contest": c.id },
        `${c.title}: ${chosen.length ? chosen.join(", ") : "—"}`,
      );
    }),
  );
}

function encryptedView(s: Extract<Step, { kind: "encrypted" }>): HTMLElement {
  const castBtn = h("button", { type: "button", id: "cast" }, t("v.cast"));
  castBtn.addEventListener("click", () => void cast(s.entry, s.code));
  const chBtn = h("button", { type: "button", id: "challenge" }, t("v.challenge"));
  chBtn.addEventListener("click", () => void challenge(s.enc));
  const back = h("button", { type: "button", id: "change" }, t("v.change"));
  back.addEventListener("click", () => {
    step = { kind: "mark" };
    render("mark-h");
  });
  return h(
    "section",
    { "aria-labelledby": "enc-h" },
    heading("v.enc.h", "enc-h"),
    h(
      "p",
      {},
      t("v.enc.code"),
      " ",
      h("code", { id: "tracking-code", class: "code" }, humanTrackingCodeOf(s.code)),
    ),
    h("h3", {}, t("v.yourMarks")),
    marksList(),
    h("p", {}, t("v.enc.explain")),
    h("div", { class: "actions" }, castBtn, " ", chBtn, " ", back),
  );
}

function challengedView(s: Extract<Step, { kind: "challenged" }>): HTMLElement {
  const rows: HTMLElement[] = [];
  let same = true;
  for (const rc of s.revealed) {
    const c = contests.find((x) => x.id === rc.contest);
    if (!c) continue;
    c.options.forEach((o, j) => {
      const m = marks[c.id][j];
      const r = rc.choices[j];
      if (m !== r) same = false;
      rows.push(
        h(
          "tr",
          { "data-contest": c.id, "data-option": o.id, "data-marked": m, "data-revealed": r },
          h("td", {}, c.title),
          h("th", { scope: "row" }, o.label),
          h("td", {}, t(m ? "v.yes" : "v.no")),
          h("td", {}, t(r ? "v.yes" : "v.no")),
        ),
      );
    });
  }
  const again = h("button", { type: "button", id: "encrypt-again" }, t("v.ch.again"));
  again.addEventListener("click", encryptNow);
  return h(
    "section",
    { "aria-labelledby": "ch-h" },
    heading("v.ch.h", "ch-h"),
    h(
      "p",
      {},
      t("v.ch.code"),
      " ",
      h(
        "code",
        { id: "ch-code", class: "code" },
        s.receipt.humanCode ?? humanTrackingCodeOf(s.receipt.trackingCode),
      ),
    ),
    h(
      "p",
      {
        id: "ch-check",
        class: s.problem ? "fail" : "pass",
        "data-ok": s.problem ? "false" : "true",
      },
      s.problem ? t("v.ch.bad", { msg: s.problem }) : t("v.ch.ok"),
    ),
    h(
      "p",
      { id: "ch-match", class: same ? "pass" : "fail", "data-same": String(same) },
      t(same ? "v.ch.match" : "v.ch.mismatch"),
    ),
    h(
      "table",
      { id: "revealed" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, t("v.ch.contest")),
          h("th", { scope: "col" }, t("v.ch.option")),
          h("th", { scope: "col" }, t("v.ch.marked")),
          h("th", { scope: "col" }, t("v.ch.revealed")),
        ),
      ),
      h("tbody", {}, ...rows),
    ),
    h(
      "p",
      {},
      t("v.ch.other"),
      " ",
      h("a", { id: "ch-receipt-link", href: receiptLink(s.receipt) }, t("v.ch.link")),
    ),
    again,
  );
}

function castView(s: Extract<Step, { kind: "cast" }>): HTMLElement {
  const json = JSON.stringify(s.receipt, null, 2) + "\n";
  const human = s.receipt.humanCode ?? humanTrackingCodeOf(s.receipt.trackingCode);
  const download = h(
    "a",
    {
      id: "download-receipt",
      href: URL.createObjectURL(new Blob([json], { type: "application/json" })),
      download: `urna-receipt-${human}.json`,
    },
    t("v.cast.download"),
  );
  const print = h("button", { type: "button", id: "print-receipt" }, t("v.cast.print"));
  print.addEventListener("click", () => window.print());
  return h(
    "section",
    { "aria-labelledby": "cast-h", id: "printable-receipt" },
    heading("v.cast.h", "cast-h"),
    h("p", {}, t("v.cast.code"), " ", h("code", { id: "cast-code", class: "code" }, human)),
    h("p", {}, t("v.cast.index", { n: String(s.receipt.index) })),
    s.revote ? h("p", { id: "revote-note", class: "pending" }, t("v.cast.revote")) : null,
    s.differs
      ? h("p", { class: "fail", role: "alert" }, t("v.cast.codeDiffers", { got: s.differs }))
      : null,
    h("p", {}, t("v.cast.keep")),
    h(
      "p",
      {},
      h("a", { id: "check-receipt-link", href: receiptLink(s.receipt) }, t("v.cast.check")),
      " ",
      h(
        "code",
        { class: "url" },
        `${location.origin}${location.pathname.replace(/vote\.html$/, "")}receipt.html?id=${id}`,
      ),
    ),
    h("div", { class: "actions no-print" }, download, " ", print),
  );
}

/** Draws the page; `focus` names the element (id) that takes focus after a step changes. */
function render(focus?: string): void {
  if (!id) return replace(app, h("p", { class: "fail" }, t("error.noId")));
  if (loadError) return replace(app, h("p", { class: "fail" }, loadError));
  const title = view?.manifest.title ?? id;
  let body: HTMLElement | null = null;
  if (view && phase === "voting") {
    if (step.kind === "start") body = credentialPicker();
    else if (step.kind === "mark") body = ballotForm();
    else if (step.kind === "busy")
      body = h("p", { id: "busy", role: "status", tabindex: -1 }, t(step.what));
    else if (step.kind === "encrypted") body = encryptedView(step);
    else if (step.kind === "challenged") body = challengedView(step);
    else body = castView(step);
  }
  app.setAttribute("aria-busy", String(step.kind === "busy"));
  replace(app, h("h1", {}, t("v.h1", { title })), refusalBox(), body, trustNotes());
  if (focus) document.getElementById(focus)?.focus();
}

startPage(VOTE_TEXTS, () => render());
if (id) void load();
