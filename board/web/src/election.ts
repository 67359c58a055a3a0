/**
 * Live board: the election's entries as the board appends them (server-sent events on
 * /elections/<id>/events), counted by type, with the latest checkpoint's size and root and links
 * to each entry's raw JSON and inclusion proof.
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
/** With more entries than this already on the log, the stream starts at the last LIVE_TAIL. */
const LIVE_TAIL = 1000;

const app = document.getElementById("app") as HTMLElement;
const id = param("id");
let status: Status | undefined;
let title = "";
let error: string | undefined;
let conn: "connecting" | "open" | "error" = "connecting";
let firstIndex: number | undefined;
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
const counts = new Map<string, number>();
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
      { id: "cosigners" },
      h("strong", {}, t("live.cosigners")),
      " ",
      cp.cosigners.length ? cp.cosigners.join(", ") : t("live.noCosigners"),
    ),
    h(
      "p",
      { id: "latest", "aria-live": "polite" },
      newest
        ? t("live.latest", { n: newest.index, type: typeLabel(newest.type) })
        : t("live.waiting"),
    ),
    h("h2", {}, t("live.byType")),
    firstIndex !== undefined && firstIndex > 0
      ? h("p", { class: "panel note" }, t("live.partial", { n: fmt(firstIndex) }))
      : null,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { id: "counts" },
        h("caption", { class: "sr-only" }, t("live.byType")),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, t("live.col.type")),
            h("th", { scope: "col", class: "num" }, t("live.col.count")),
          ),
        ),
        h(
          "tbody",
          {},
          ...[...counts.entries()].map(([ty, n]) =>
            h(
              "tr",
              { "data-type": ty },
              h("th", { scope: "row" }, typeLabel(ty), " ", h("code", {}, ty)),
              h("td", { class: "num" }, fmt(n)),
            ),
          ),
        ),
      ),
    ),
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
  firstIndex = after + 1;
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
    counts.set(d.type, (counts.get(d.type) ?? 0) + 1);
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
    "live.byType": { es: "Entradas por tipo", en: "Entries by type" },
    "live.partial": {
      es: "El registro es largo: los conteos empiezan en la entrada {n}.",
      en: "The log is long: the counts start at entry {n}.",
    },
    "live.col.type": { es: "Tipo", en: "Type" },
    "live.col.count": { es: "Cantidad", en: "Count" },
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
