/**
 * Live board: the board's own counts (status route: ballots cast, voters, superseded,
 * challenged, credentials registered, turnout per ballot style), its witnessing state (a warning
 * naming each witness that did not cosign, and why), the latest checkpoint's size and root, and
 * the entries as the board appends them (server-sent events on /elections/<id>/events), with
 * links to each entry's raw JSON and inclusion proof. No count is made from the entries this
 * page happened to load.
 */
import {
  type EntryJson,
  type Status,
  api,
  errMsg,
  fmt,
  getJson,
  h,
  param,
  phaseLabel,
  replace,
  startPage,
  t,
  typeLabel,
} from "./common.js";
import { humanTrackingCodeOf } from "../../../verifier/src/log/tracking-code.js";

interface EntryEvent {
  index: number;
  type: string;
  trackingCode: string;
}

const SHOWN = 100;
const STATUS_EVERY_MS = 10_000;
/** With more entries than this already on the log, the stream starts at the last LIVE_TAIL. */
const LIVE_TAIL = 1000;

const app = document.getElementById("app") as HTMLElement;
const id = param("id");
let status: Status | undefined;
let title = "";
let error: string | undefined;
let conn: "connecting" | "open" | "error" = "connecting";
let checkpoint: { size: number; root: string; cosigners: string[] } | undefined;

/**
 * The names on a signed checkpoint's signature lines other than the log's own key (whose name
 * is the origin, the note's first line): the witnesses that cosigned it. Display only; the
 * signatures are verified by receipts and urna-verify, not here.
 */
function cosignersOf(note: string): string[] {
  const origin = note.slice(0, note.indexOf("\n"));
  const sigs = note.slice(note.lastIndexOf("\n\n") + 2).split("\n");
  const names = sigs
    .filter((l) => l.startsWith("\u2014 "))
    .map((l) => l.slice(2, l.lastIndexOf(" ")));
  return [...new Set(names.filter((n) => n !== origin))];
}
const recent: EntryEvent[] = [];
let lastRendered = -1;
let scheduled = false;

const base = () => `/elections/${encodeURIComponent(id ?? "")}`;

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    render();
  });
}

function render(): void {
  if (!id) return replace(app, h("p", { class: "error", role: "alert" }, t("error.noId")));
  if (error)
    return replace(
      app,
      h("h1", {}, t("live.h1")),
      h("p", { class: "error", role: "alert" }, t("error.load", { msg: error })),
    );
  if (!status) return replace(app, h("p", {}, t("loading")));
  const cp = checkpoint ?? { size: status.size, root: status.root, cosigners: [] };
  const newest = recent[recent.length - 1];
  const shown = recent.slice(-SHOWN).reverse();
  const stat = (label: string, value: Node | string, attrs: Record<string, string> = {}) =>
    h("div", { class: "stat", ...attrs }, h("span", {}, label), h("span", { class: "n" }, value));
  replace(
    app,
    h("h1", {}, t("live.h1"), ": ", title || id),
    h("p", {}, h("code", {}, id)),
    h(
      "div",
      { class: "grid" },
      stat(t("live.phase"), phaseLabel(status.phase), { id: "phase" }),
      stat(t("live.size"), fmt(cp.size), { id: "checkpoint-size" }),
      stat(t("live.connection"), t(`live.conn.${conn}`), { id: "connection" }),
    ),
    h("p", {}, h("strong", {}, t("live.root")), " ", h("code", { id: "checkpoint-root" }, cp.root)),
    h(
      "p",
      { id: "latest", "aria-live": "polite" },
      newest
        ? t("live.latest", { n: newest.index, type: typeLabel(newest.type) })
        : t("live.waiting"),
    ),
    witnessView(cp.cosigners),
    h("h2", {}, t("live.counts")),
    countsView(),
    h("h2", {}, t("live.turnout")),
    turnoutView(),
    h("h2", {}, t("live.recent", { n: SHOWN })),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { id: "entries", class: "feed" },
        h("caption", { class: "sr-only" }, t("live.recent", { n: SHOWN })),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col", class: "num" }, "#"),
            h("th", { scope: "col" }, t("live.col.type")),
            h("th", { scope: "col" }, t("live.col.tracking")),
            h("th", { scope: "col" }, t("live.col.links")),
          ),
        ),
        h(
          "tbody",
          {},
          ...shown.map((e) =>
            h(
              "tr",
              {
                "data-index": e.index,
                "data-type": e.type,
                class: e.index > lastRendered && lastRendered >= 0 ? "new" : undefined,
              },
              h("td", { class: "num" }, String(e.index)),
              h("td", {}, typeLabel(e.type)),
              h(
                "td",
                {},
                h("code", { title: e.trackingCode }, humanTrackingCodeOf(e.trackingCode)),
              ),
              h(
                "td",
                {},
                h(
                  "a",
                  {
                    href: api(`${base()}/entries/${e.index}`),
                    "aria-label": t("live.jsonOf", { n: e.index }),
                  },
                  "JSON",
                ),
                " · ",
                h(
                  "a",
                  {
                    href: api(`${base()}/proof/inclusion?index=${e.index}`),
                    "aria-label": t("live.proofOf", { n: e.index }),
                  },
                  t("live.proof"),
                ),
              ),
            ),
          ),
        ),
      ),
    ),
  );
  lastRendered = newest ? newest.index : lastRendered;
}

/** The board's counts (status route), each with a stable id for tests and assistive tech. */
function countsView(): HTMLElement {
  const c = status?.counts ?? {};
  const stat = (key: string) =>
    h(
      "div",
      { class: "stat", id: `count-${key}`, "data-count": c[key] ?? "" },
      h("span", {}, t(`live.count.${key}`)),
      h("span", { class: "n" }, c[key] === undefined ? "—" : fmt(c[key])),
    );
  return h(
    "div",
    { class: "grid", id: "counts" },
    ...["credentials", "voters", "ballots", "superseded", "challenged"].map(stat),
  );
}

function turnoutView(): HTMLElement {
  const rows = Object.entries(status?.turnout ?? {});
  const pct = (v: number, n: number) => (n ? ((v / n) * 100).toFixed(1) : "0.0");
  const num = (v: number, attrs: Record<string, string | number> = {}) =>
    h("td", { class: "num", ...attrs }, fmt(v));
  const total = rows.reduce(
    (a, [, r]) => ({ credentials: a.credentials + r.credentials, voters: a.voters + r.voters }),
    { credentials: 0, voters: 0 },
  );
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { id: "turnout" },
      h("caption", { class: "sr-only" }, t("live.turnout")),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, t("live.col.style")),
          h("th", { scope: "col", class: "num" }, t("live.count.credentials")),
          h("th", { scope: "col", class: "num" }, t("live.count.voters")),
          h("th", { scope: "col", class: "num" }, t("live.col.turnout")),
        ),
      ),
      h(
        "tbody",
        {},
        ...rows.map(([style, r]) =>
          h(
            "tr",
            { "data-style": style },
            h("th", { scope: "row" }, h("code", {}, style)),
            num(r.credentials, { "data-credentials": r.credentials }),
            num(r.voters, { "data-voters": r.voters }),
            h("td", { class: "num" }, `${pct(r.voters, r.credentials)} %`),
          ),
        ),
      ),
      h(
        "tfoot",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "row" }, t("live.total")),
          num(total.credentials),
          num(total.voters),
          h("td", { class: "num" }, `${pct(total.voters, total.credentials)} %`),
        ),
      ),
    ),
  );
}

/**
 * The witnesses: from the board's witnessing state when it has one (which witnesses cosigned
 * the last checkpoint it sent them, and why the others did not), else the names on the
 * checkpoint's cosignature lines. A missing cosignature is a visible warning.
 */
function witnessView(cosigners: string[]): HTMLElement {
  const w = status?.witnessing;
  if (!w)
    return h(
      "p",
      { id: "cosigners" },
      h("strong", {}, t("live.cosigners")),
      " ",
      cosigners.length ? cosigners.join(", ") : t("live.noCosigners"),
    );
  const signed = w.witnesses.filter((x) => x.cosigned).map((x) => x.name);
  const missing = w.witnesses.filter((x) => !x.cosigned);
  return h(
    "div",
    {},
    h(
      "p",
      { id: "cosigners" },
      h("strong", {}, t("live.cosigners")),
      " ",
      signed.length ? signed.join(", ") : t("live.none"),
      " ",
      t("live.quorum", { size: fmt(w.size), q: w.quorum, n: w.witnesses.length }),
    ),
    missing.length === 0
      ? null
      : h(
          "div",
          {
            class: `panel warn${w.quorumMet ? "" : " fail"}`,
            id: "witness-warning",
            role: "alert",
            "data-quorum-met": w.quorumMet,
          },
          h(
            "h2",
            {},
            t(w.quorumMet ? "live.warn.some" : "live.warn.quorum", {
              n: missing.length,
              size: fmt(w.size),
            }),
          ),
          h(
            "ul",
            {},
            ...missing.map((x) =>
              h(
                "li",
                { "data-witness": x.name },
                h("strong", {}, x.name),
                ": ",
                x.error ?? t("live.warn.noAnswer"),
                x.cosignedSize !== undefined
                  ? ` (${t("live.warn.last", { size: fmt(x.cosignedSize) })})`
                  : "",
              ),
            ),
          ),
          h("p", {}, t("live.warn.meaning")),
        ),
  );
}

let statusTimer: ReturnType<typeof setTimeout> | undefined;
function refreshStatus(): void {
  if (statusTimer) return;
  statusTimer = setTimeout(() => {
    statusTimer = undefined;
    getJson<Status>(`${base()}/status`).then(
      (s) => {
        status = s;
        schedule();
      },
      () => undefined,
    );
  }, 500);
}

async function start(): Promise<void> {
  if (!id) return;
  try {
    status = await getJson<Status>(`${base()}/status`);
    const m = await getJson<EntryJson>(`${base()}/entries/0`);
    title = typeof m.body.title === "string" ? m.body.title : "";
  } catch (e) {
    error = errMsg(e);
    return render();
  }
  render();
  const after = status.size > LIVE_TAIL ? status.size - LIVE_TAIL - 1 : -1;
  // The counts come from the board's status: refreshed on every checkpoint, and at least every
  // STATUS_EVERY_MS (the witnessing state changes without a new checkpoint).
  setInterval(refreshStatus, STATUS_EVERY_MS);
  // The page shows index, type and tracking code only: the summary view, not every entry in full.
  const es = new EventSource(
    api(`${base()}/events?view=summary${after >= 0 ? `&after=${after}` : ""}`),
  );
  es.addEventListener("open", () => {
    conn = "open";
    schedule();
  });
  es.addEventListener("error", () => {
    conn = "error";
    schedule();
  });
  es.addEventListener("entry", (ev) => {
    const d = JSON.parse((ev as MessageEvent<string>).data) as EntryEvent;
    if (recent.length && d.index <= recent[recent.length - 1].index) return;
    recent.push({ index: d.index, type: d.type, trackingCode: d.trackingCode });
    if (recent.length > SHOWN * 2) recent.splice(0, recent.length - SHOWN);
    conn = "open";
    schedule();
  });
  es.addEventListener("checkpoint", (ev) => {
    const d = JSON.parse((ev as MessageEvent<string>).data) as {
      size: number;
      root: string;
      checkpoint: string;
    };
    checkpoint = { size: d.size, root: d.root, cosigners: cosignersOf(d.checkpoint) };
    refreshStatus();
    schedule();
  });
}

startPage(
  {
    "title.election": { es: "Tablero en vivo · urna", en: "Live board · urna" },
    "live.h1": { es: "Tablero en vivo", en: "Live board" },
    "live.phase": { es: "Fase", en: "Phase" },
    "live.size": { es: "Tamaño del punto de control", en: "Checkpoint size" },
    "live.root": {
      es: "Raíz del árbol (punto de control firmado):",
      en: "Tree root (signed checkpoint):",
    },
    "live.cosigners": { es: "Cofirmado por los testigos:", en: "Cosigned by witnesses:" },
    "live.noCosigners": {
      es: "ninguno (el tablero no tiene testigos configurados, o aún no respondieron)",
      en: "none (the board has no witnesses configured, or they have not answered yet)",
    },
    "live.connection": { es: "Conexión", en: "Connection" },
    "live.conn.connecting": { es: "conectando…", en: "connecting…" },
    "live.conn.open": { es: "en vivo", en: "live" },
    "live.conn.error": { es: "reconectando…", en: "reconnecting…" },
    "live.latest": { es: "Última entrada: n.º {n}, {type}.", en: "Latest entry: #{n}, {type}." },
    "live.waiting": { es: "Esperando entradas…", en: "Waiting for entries…" },
    "live.counts": { es: "Conteos del tablero", en: "The board's counts" },
    "live.count.credentials": { es: "Credenciales registradas", en: "Credentials registered" },
    "live.count.voters": { es: "Votantes que emitieron", en: "Voters who cast" },
    "live.count.ballots": { es: "Boletas emitidas", en: "Ballots cast" },
    "live.count.superseded": { es: "Boletas reemplazadas", en: "Ballots superseded" },
    "live.count.challenged": { es: "Boletas auditadas", en: "Ballots challenged" },
    "live.turnout": { es: "Participación por tipo de boleta", en: "Turnout per ballot style" },
    "live.col.style": { es: "Tipo de boleta", en: "Ballot style" },
    "live.col.turnout": { es: "Participación", en: "Turnout" },
    "live.total": { es: "Total", en: "Total" },
    "live.none": { es: "ninguno", en: "none" },
    "live.quorum": {
      es: "(punto de control {size}; se requieren {q} de {n} testigos)",
      en: "(checkpoint {size}; {q} of {n} witnesses required)",
    },
    "live.warn.some": {
      es: "{n} testigo(s) no cofirmaron el punto de control {size}",
      en: "{n} witness(es) did not cosign checkpoint {size}",
    },
    "live.warn.quorum": {
      es: "Sin quórum de testigos: {n} testigo(s) no cofirmaron el punto de control {size}",
      en: "No witness quorum: {n} witness(es) did not cosign checkpoint {size}",
    },
    "live.warn.noAnswer": { es: "todavía no responde", en: "no answer yet" },
    "live.warn.last": {
      es: "su última cofirma: tamaño {size}",
      en: "its last cosignature: size {size}",
    },
    "live.warn.meaning": {
      es: "Un testigo que no cofirma no detiene el tablero; un punto de control sin el quórum de la elección no da a los comprobantes la garantía de los testigos. El tablero les sigue preguntando.",
      en: "A witness that does not cosign does not stop the board; a checkpoint without the election's quorum does not give receipts the witnesses' guarantee. The board keeps asking them.",
    },
    "live.col.type": { es: "Tipo", en: "Type" },
    "live.col.tracking": { es: "Código de seguimiento", en: "Tracking code" },
    "live.col.links": { es: "Datos", en: "Data" },
    "live.recent": { es: "Entradas recientes (hasta {n})", en: "Recent entries (up to {n})" },
    "live.proof": { es: "prueba de inclusión", en: "inclusion proof" },
    "live.jsonOf": { es: "JSON de la entrada {n}", en: "JSON of entry {n}" },
    "live.proofOf": {
      es: "Prueba de inclusión de la entrada {n}",
      en: "Inclusion proof of entry {n}",
    },
  },
  render,
);
void start();
