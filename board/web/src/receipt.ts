/**
 * Receipt check: the voter's receipt (pasted, or `#r=<base64url JSON>` in the URL) verified in
 * the browser with the verifier's own code (R1..R5, spec/verification.md §Receipt check) against
 * this board's live log. Instead of the receipt the voter may type a tracking code, human
 * (`XXXX-XXXX-…`) or full (64 hex digits): the page fetches the board's receipt for it
 * (`GET /elections/<id>/receipts/<code>`) and checks that. A receipt of another election, or of
 * another board, is named as such and not checked (spec/verification.md §Receipt check).
 *
 * The trust material is taken from the board itself (the election's checkpoint key from
 * /status, the authority key from the manifest, no witnesses unless the URL names them with
 * `&witness=<vkey>&quorum=<n>`): the page says so, since real trust must come from outside.
 */
import type { TrustFile } from "@urna/schemas";
import {
  verifyReceipt,
  type ReceiptOutcome,
  type ReceiptStep,
} from "../../../verifier/src/receipt/verify-receipt.js";
import {
  CONFUSABLE_DIGITS,
  humanTrackingCodeOf,
  parseTrackingCode,
} from "../../../verifier/src/log/tracking-code.js";
import {
  type EntryJson,
  type Status,
  api,
  boardBase,
  currentLang,
  errMsg,
  getJson,
  h,
  param,
  replace,
  startPage,
  t,
} from "./common.js";

const app = document.getElementById("app") as HTMLElement;
let input = "";
let running = false;
let outcome: ReceiptOutcome | undefined;
let error: string | undefined;
let trustShown: TrustFile | undefined;
/** Why the receipt or code was not checked against this election (shown instead of steps). */
let problem: Problem | undefined;
/** The human tracking code of the receipt checked. */
let shownCode: string | undefined;

type Problem =
  | { kind: "otherElection"; receiptElection: string; pageElection: string; link?: string }
  | { kind: "unknownElection"; receiptElection: string }
  | { kind: "otherBoard"; receiptOrigin: string; boardOrigin: string }
  | { kind: "codeNotFound"; code: string; election: string }
  | { kind: "badCode"; confusable: boolean };

/** Raised inside check() to show a problem instead of the steps. */
class ProblemFound extends Error {
  constructor(readonly problem: Problem) {
    super(problem.kind);
  }
}

const enc = encodeURIComponent;

async function statusOf(election: string): Promise<Status | undefined> {
  const res = await fetch(api(`/elections/${enc(election)}/status`), {
    headers: { Accept: "application/json" },
  });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return (await res.json()) as Status;
}

/** The board's receipt for a typed tracking code (either form), or a problem. */
async function receiptForCode(election: string, typed: string): Promise<unknown> {
  let code: string;
  try {
    const p = parseTrackingCode(typed);
    code = p.full ? typed.replace(/[^0-9a-fA-F]/g, "").toLowerCase() : typed;
  } catch (e) {
    throw new ProblemFound({ kind: "badCode", confusable: errMsg(e).endsWith(CONFUSABLE_DIGITS) });
  }
  const res = await fetch(api(`/elections/${enc(election)}/receipts/${enc(code.trim())}`), {
    headers: { Accept: "application/json" },
  });
  if (res.status === 404)
    throw new ProblemFound(
      (await statusOf(election)) === undefined
        ? { kind: "unknownElection", receiptElection: election }
        : { kind: "codeNotFound", code: typed.trim(), election },
    );
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return (await res.json()) as unknown;
}

/**
 * A receipt of another election or another board is said to be so, never checked against this
 * election (its steps would fail as if this board had changed its history).
 */
async function sameElection(receipt: unknown, pageElection: string | null): Promise<string> {
  const r = (receipt ?? {}) as { election?: unknown; origin?: unknown };
  const re = typeof r.election === "string" ? r.election : "";
  const election = pageElection ?? re;
  if (!election) throw new Error(t("error.noId"));
  if (re && re !== election) {
    const has = (await statusOf(re)) !== undefined;
    throw new ProblemFound({
      kind: "otherElection",
      receiptElection: re,
      pageElection: election,
      ...(has
        ? {
            link: `receipt.html?id=${enc(re)}&lang=${currentLang()}#r=${toBase64Url(JSON.stringify(receipt))}`,
          }
        : {}),
    });
  }
  const status = await statusOf(election);
  if (!status) throw new ProblemFound({ kind: "unknownElection", receiptElection: election });
  if (typeof r.origin === "string" && r.origin !== status.origin)
    throw new ProblemFound({
      kind: "otherBoard",
      receiptOrigin: r.origin,
      boardOrigin: status.origin,
    });
  return election;
}

function toBase64Url(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(s: string): string {
  const b64 = s
    .replace(/-/g, "+")
    .replace(/_/g, "/")
    .padEnd(Math.ceil(s.length / 4) * 4, "=");
  const bin = atob(b64);
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

function receiptFromHash(): string | undefined {
  const m = /^#r=([A-Za-z0-9_-]+=*)$/.exec(location.hash);
  if (!m) return undefined;
  try {
    return JSON.stringify(JSON.parse(fromBase64Url(m[1])), null, 2);
  } catch {
    return undefined;
  }
}

async function trustFor(election: string): Promise<TrustFile> {
  const base = `/elections/${encodeURIComponent(election)}`;
  const status = await getJson<Status>(`${base}/status`);
  const manifest = await getJson<EntryJson>(`${base}/entries/0`);
  const witnesses = new URLSearchParams(location.search)
    .getAll("witness")
    .map((vkey) => ({ vkey }));
  const q = Number(param("quorum") ?? "0");
  return {
    version: 1,
    election,
    board: { vkey: status.vkey },
    authority: String(manifest.body.authority),
    witnesses,
    quorum: Number.isInteger(q) && q >= 0 ? q : 0,
  };
}

async function check(): Promise<void> {
  const text =
    (document.getElementById("receipt-input") as HTMLTextAreaElement | null)?.value ?? input;
  input = text;
  outcome = undefined;
  error = undefined;
  problem = undefined;
  shownCode = undefined;
  running = true;
  render();
  try {
    let receipt: unknown;
    const trimmed = text.trim();
    if (trimmed.startsWith("{"))
      try {
        receipt = JSON.parse(trimmed);
      } catch {
        throw new Error(t("rc.notJson"));
      }
    else {
      const pageElection = param("id");
      if (!pageElection) throw new Error(t("error.noId"));
      receipt = await receiptForCode(pageElection, trimmed);
    }
    const election = await sameElection(receipt, param("id"));
    const hex = (receipt as { trackingCode?: unknown }).trackingCode;
    if (typeof hex === "string" && /^[0-9a-f]{64}$/.test(hex)) shownCode = humanTrackingCodeOf(hex);
    const trust = await trustFor(election);
    trustShown = trust;
    outcome = await verifyReceipt({ receipt, trust, board: { url: boardBase(), election } });
  } catch (e) {
    if (e instanceof ProblemFound) problem = e.problem;
    else error = errMsg(e);
  }
  running = false;
  render();
  document.getElementById("outcome")?.focus();
}

function stepView(s: ReceiptStep): HTMLElement {
  return h(
    "li",
    { class: s.status, "data-step": s.id, "data-status": s.status },
    h(
      "div",
      { class: "step-head" },
      h("span", {}, `${s.id} · ${t(`rc.${s.id}.title`)}`),
      h("span", { class: `badge ${s.status}` }, t(`rc.status.${s.status}`)),
    ),
    h("p", {}, t(`rc.${s.id}.${s.status}`)),
    h("details", {}, h("summary", {}, t("rc.details")), h("p", { class: "mono" }, s.message)),
  );
}

function problemView(p: Problem): HTMLElement {
  const text =
    p.kind === "otherElection"
      ? t("rc.otherElection", { r: p.receiptElection, p: p.pageElection })
      : p.kind === "unknownElection"
        ? t("rc.unknownElection", { r: p.receiptElection })
        : p.kind === "otherBoard"
          ? t("rc.otherBoard", { r: p.receiptOrigin, b: p.boardOrigin })
          : p.kind === "codeNotFound"
            ? t("rc.codeNotFound", { code: p.code, p: p.election })
            : t(p.confusable ? "rc.badCodeDigits" : "rc.badCode");
  return h(
    "div",
    { class: "panel note", id: "rc-problem", role: "alert", "data-kind": p.kind },
    h("p", { id: "rc-problem-text" }, text),
    p.kind === "otherElection" && p.link
      ? h(
          "p",
          {},
          h(
            "a",
            { href: p.link, id: "rc-other-link" },
            t("rc.otherElectionLink", { r: p.receiptElection }),
          ),
        )
      : null,
  );
}

function render(): void {
  const ok = outcome?.ok;
  replace(
    app,
    h("h1", {}, t("rc.h1")),
    h("p", {}, t("rc.intro")),
    h(
      "div",
      { class: "panel note", id: "trust-note" },
      h("strong", {}, t("rc.trustTitle")),
      " ",
      t("rc.trustText"),
    ),
    h(
      "form",
      { id: "receipt-form", novalidate: true },
      h("label", { for: "receipt-input" }, t("rc.label")),
      h("textarea", {
        id: "receipt-input",
        spellcheck: "false",
        "aria-describedby": "receipt-help",
      }),
      h("p", { id: "receipt-help" }, t("rc.help")),
      h(
        "button",
        { type: "submit", id: "check", disabled: running },
        running ? t("rc.running") : t("rc.check"),
      ),
    ),
    h(
      "section",
      {
        id: "outcome",
        tabindex: "-1",
        "aria-live": "polite",
        "aria-busy": running ? "true" : "false",
      },
      error
        ? h("p", { class: "error", role: "alert", id: "rc-error" }, t("rc.error", { msg: error }))
        : null,
      problem ? problemView(problem) : null,
      outcome
        ? h(
            "div",
            {},
            h("h2", {}, t("rc.outcome")),
            shownCode
              ? h(
                  "p",
                  {},
                  t("rc.code"),
                  " ",
                  h("code", { id: "rc-code", class: "tracking" }, shownCode),
                )
              : null,
            h(
              "p",
              { class: `summary ${ok ? "pass" : "fail"}`, id: "summary", "data-ok": String(ok) },
              ok
                ? outcome.steps.some((s) => s.status === "pending")
                  ? t("rc.okPending")
                  : t("rc.ok")
                : t("rc.bad"),
            ),
            h("ol", { class: "steps", id: "steps" }, ...outcome.steps.map(stepView)),
          )
        : null,
      trustShown
        ? h(
            "details",
            {},
            h("summary", {}, t("rc.trustUsed")),
            h("pre", {}, JSON.stringify(trustShown, null, 2)),
          )
        : null,
    ),
  );
  const nta = document.getElementById("receipt-input") as HTMLTextAreaElement;
  nta.value = input;
  nta.addEventListener("input", () => (input = nta.value));
  document.getElementById("receipt-form")?.addEventListener("submit", (e) => {
    e.preventDefault();
    void check();
  });
}

const S = (es: string, en: string) => ({ es, en });
startPage(
  {
    "title.receipt": S("Verificar comprobante · urna", "Check a receipt · urna"),
    "rc.h1": S("Verificar su comprobante de voto", "Check your ballot receipt"),
    "rc.intro": S(
      "Pegue el comprobante que recibió al votar. Su navegador comprobará, sin enviar el comprobante a nadie, que su boleta está en el registro público y que se cuenta.",
      "Paste the receipt you got when you voted. Your browser checks, without sending the receipt anywhere, that your ballot is on the public record and is counted.",
    ),
    "rc.trustTitle": S("Atención:", "Note:"),
    "rc.trustText": S(
      "en esta página las llaves de confianza (la llave del tablero y la de la autoridad electoral) se toman del propio tablero. Para una verificación independiente, compare esas llaves con las publicadas oficialmente, o use urna-verify receipt con el archivo de confianza oficial. Su navegador descarga solo su boleta y pruebas criptográficas, no el registro completo; confía en que el tablero le muestre todas las boletas de su credencial. Para comprobar también eso, use urna-verify receipt con el registro completo (--record).",
      "on this page the trust keys (the board's key and the electoral authority's key) are taken from the board itself. For an independent check, compare them with the officially published keys, or use urna-verify receipt with the official trust file. Your browser downloads only your ballot and cryptographic proofs, not the whole record; it relies on the board to show every ballot of your credential. To check that too, use urna-verify receipt with the full record (--record).",
    ),
    "rc.label": S("Comprobante (JSON) o código de seguimiento", "Receipt (JSON) or tracking code"),
    "rc.help": S(
      'Pegue el comprobante, un texto JSON que empieza con {"version": 1, …}, o escriba su código de seguimiento: 24 letras y cifras en grupos de cuatro (por ejemplo TAWH-SUYS-IHFY-EVP6-BI4A-DHS7; mayúsculas o minúsculas, con o sin guiones) o el código completo de 64 caracteres hexadecimales. Con solo el código se comprueba que su boleta está en el registro y se cuenta; el comprobante completo prueba además que el registro no cambió desde que votó.',
      'Paste the receipt, a JSON text that starts with {"version": 1, …}, or type your tracking code: 24 letters and digits in groups of four (for example TAWH-SUYS-IHFY-EVP6-BI4A-DHS7; any case, dashes optional) or the full 64-character hex code. With the code alone the page checks that your ballot is on the record and counted; the full receipt also proves that the record has not changed since you voted.',
    ),
    "rc.code": S("Código de seguimiento:", "Tracking code:"),
    "rc.otherElection": S(
      "Este comprobante es de otra elección: «{r}». Esta página verifica la elección «{p}», así que no lo comprueba aquí. Esto no indica ningún problema con su voto ni con el tablero.",
      "This receipt is for another election: “{r}”. This page checks the election “{p}”, so it does not check it here. This does not mean anything is wrong with your vote or with the board.",
    ),
    "rc.otherElectionLink": S(
      "Verificarlo en la página de la elección «{r}»",
      "Check it on the page of the election “{r}”",
    ),
    "rc.unknownElection": S(
      "Este comprobante es de la elección «{r}», que este tablero no tiene. Verifíquelo en el tablero donde votó.",
      "This receipt is for the election “{r}”, which this board does not hold. Check it on the board where you voted.",
    ),
    "rc.otherBoard": S(
      "Este comprobante es de otro tablero ({r}), no de este ({b}). Verifíquelo en el tablero donde votó.",
      "This receipt is from another board ({r}), not from this one ({b}). Check it on the board where you voted.",
    ),
    "rc.codeNotFound": S(
      "Ninguna boleta de la elección «{p}» tiene el código de seguimiento {code}. Revise cada carácter (los códigos usan las letras A–Z y las cifras 2–7) y que sea la elección en que votó. Si está seguro del código, conserve su comprobante y repórtelo.",
      "No ballot of the election “{p}” has the tracking code {code}. Check every character (codes use the letters A–Z and the digits 2–7) and that this is the election you voted in. If you are sure of the code, keep your receipt and report it.",
    ),
    "rc.badCode": S(
      "Eso no es un código de seguimiento: escriba 24 letras y cifras (XXXX-XXXX-XXXX-XXXX-XXXX-XXXX) o el código completo de 64 caracteres hexadecimales, o pegue el comprobante JSON.",
      "That is not a tracking code: type 24 letters and digits (XXXX-XXXX-XXXX-XXXX-XXXX-XXXX) or the full 64-character hex code, or paste the JSON receipt.",
    ),
    "rc.badCodeDigits": S(
      "Los códigos de seguimiento solo usan las letras A–Z y las cifras 2–7: 0, 1, 8 y 9 nunca aparecen. Probablemente sea O en lugar de 0, I en lugar de 1 o B en lugar de 8.",
      "Tracking codes use only the letters A–Z and the digits 2–7: 0, 1, 8 and 9 never appear. It is probably O for 0, I for 1 or B for 8.",
    ),
    "rc.check": S("Verificar", "Check"),
    "rc.running": S("Verificando…", "Checking…"),
    "rc.notJson": S("el texto pegado no es JSON válido", "the pasted text is not valid JSON"),
    "rc.error": S("No se pudo verificar: {msg}", "Could not check: {msg}"),
    "rc.outcome": S("Resultado de la verificación", "Outcome of the check"),
    "rc.ok": S(
      "Todo en orden: su boleta está en el registro y se cuenta.",
      "All good: your ballot is on the record and is counted.",
    ),
    "rc.okPending": S(
      "Todo en orden hasta ahora: su boleta está en el registro; al cierre de la votación se confirmará que se cuenta.",
      "All good so far: your ballot is on the record; once voting closes it will be confirmed that it is counted.",
    ),
    "rc.bad": S(
      "Hay un problema: al menos un paso falló (vea abajo).",
      "There is a problem: at least one step failed (see below).",
    ),
    "rc.status.pass": S("Correcto", "Pass"),
    "rc.status.fail": S("Falló", "Fail"),
    "rc.status.pending": S("Pendiente", "Pending"),
    "rc.details": S("Detalle técnico", "Technical detail"),
    "rc.trustUsed": S("Llaves de confianza usadas", "Trust keys used"),
    "rc.R1.title": S("Firmado", "Signed"),
    "rc.R1.pass": S(
      "El punto de control de su comprobante está firmado con la llave de este tablero.",
      "Your receipt's checkpoint is signed with this board's key.",
    ),
    "rc.R1.fail": S(
      "La firma del punto de control de su comprobante no es válida: el comprobante no es de este tablero o fue alterado.",
      "Your receipt's checkpoint signature is not valid: the receipt is not from this board, or it was altered.",
    ),
    "rc.R2.title": S("Incluido", "Included"),
    "rc.R2.pass": S(
      "La prueba de inclusión coloca su boleta en el árbol firmado, en la posición indicada.",
      "The inclusion proof places your ballot in the signed tree, at the stated position.",
    ),
    "rc.R2.fail": S(
      "La prueba de inclusión no coloca su código de seguimiento en esa posición del árbol firmado.",
      "The inclusion proof does not place your tracking code at that position of the signed tree.",
    ),
    "rc.R3.title": S("Consistente", "Consistent"),
    "rc.R3.pass": S(
      "El registro actual continúa al de su comprobante: nada se borró ni se cambió desde entonces.",
      "Today's record extends the one on your receipt: nothing was removed or changed since.",
    ),
    "rc.R3.fail": S(
      "El registro actual no es una continuación del de su comprobante: el tablero cambió su historia.",
      "Today's record does not extend the one on your receipt: the board changed its history.",
    ),
    "rc.R4.title": S("Presente", "Present"),
    "rc.R4.pass": S(
      "La entrada en esa posición del registro actual tiene su código de seguimiento.",
      "The entry at that position of today's record has your tracking code.",
    ),
    "rc.R4.fail": S(
      "La entrada en esa posición del registro actual no tiene su código de seguimiento.",
      "The entry at that position of today's record does not have your tracking code.",
    ),
    "rc.R5.title": S("Contado", "Counted"),
    "rc.R5.pass": S(
      "Su boleta se cuenta: se emitió durante la votación y ninguna boleta posterior suya la sustituyó.",
      "Your ballot is counted: it was cast while voting was open and no later ballot of yours replaced it.",
    ),
    "rc.R5.fail": S(
      "Esta boleta no se cuenta (por ejemplo, porque fue auditada o la sustituyó una boleta posterior suya): vea el detalle.",
      "This ballot is not counted (for example because it was challenged, or a later ballot of yours replaced it): see the detail.",
    ),
    "rc.R5.pending": S(
      "La votación sigue abierta: al cierre se sabrá si esta es la boleta que se cuenta.",
      "Voting is still open: once it closes it will be known whether this is the ballot that counts.",
    ),
  },
  render,
);

const fromHash = receiptFromHash();
if (fromHash) {
  input = fromHash;
  render();
  void check();
}
