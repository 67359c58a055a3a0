/**
 * Results: per contest, a bar chart (SVG) and a table of the totals published in the `result`
 * entries, what the board checked before accepting them, and how to verify them independently
 * (the record download and the urna-verify command).
 */
import {
  type EntryJson,
  type Status,
  api,
  boardBase,
  errMsg,
  fmt,
  getEntries,
  getJson,
  h,
  param,
  phaseLabel,
  replace,
  startPage,
  t,
} from "./common.js";

interface ResultContest {
  contest: string;
  title: string;
  options: { option: string; label: string; votes: number }[];
}

const app = document.getElementById("app") as HTMLElement;
const id = param("id");
let status: Status | undefined;
let error: string | undefined;
let loaded = false;
let results: ResultContest[] = [];
let custodians: number[] = [];
let tallyBallots: number | undefined;
let shares = 0;
const PAGE = 500;

const SVG = "http://www.w3.org/2000/svg";
function svg(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function chart(c: ResultContest): SVGElement {
  const total = c.options.reduce((s, o) => s + o.votes, 0);
  const max = Math.max(1, ...c.options.map((o) => o.votes));
  const row = 30;
  const labelW = 190;
  const barW = 420;
  const s = svg("svg", {
    class: "chart",
    viewBox: `0 0 ${labelW + barW + 120} ${c.options.length * row + 8}`,
    role: "img",
    "aria-label": t("res.chartLabel", {
      title: c.title,
      list: c.options.map((o) => `${o.label} ${fmt(o.votes)}`).join(", "),
    }),
  });
  c.options.forEach((o, i) => {
    const y = i * row + 4;
    const w = Math.round((o.votes / max) * barW);
    const pct = total ? ((o.votes / total) * 100).toFixed(1) : "0.0";
    s.append(
      svg(
        "text",
        { x: labelW - 8, y: y + 17, "text-anchor": "end" },
        o.label.length > 26 ? o.label.slice(0, 25) + "…" : o.label,
      ),
      svg("rect", { class: "track", x: labelW, y, width: barW, height: row - 8, rx: 3 }),
      svg("rect", { class: "bar", x: labelW, y, width: w, height: row - 8, rx: 3 }),
      svg("text", { x: labelW + barW + 8, y: y + 17 }, `${fmt(o.votes)} (${pct}%)`),
    );
  });
  return s;
}

function contestView(c: ResultContest): HTMLElement {
  const total = c.options.reduce((s, o) => s + o.votes, 0);
  return h(
    "section",
    { class: "contest", "data-contest": c.contest },
    h("h2", {}, c.title),
    chart(c) as unknown as HTMLElement,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        {},
        h("caption", { class: "sr-only" }, c.title),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, t("res.col.option")),
            h("th", { scope: "col", class: "num" }, t("res.col.votes")),
            h("th", { scope: "col", class: "num" }, "%"),
          ),
        ),
        h(
          "tbody",
          {},
          ...c.options.map((o) =>
            h(
              "tr",
              { "data-option": o.option },
              h("th", { scope: "row" }, o.label),
              h("td", { class: "num votes", "data-votes": o.votes }, fmt(o.votes)),
              h("td", { class: "num" }, total ? ((o.votes / total) * 100).toFixed(1) : "0.0"),
            ),
          ),
        ),
        h(
          "tfoot",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "row" }, t("res.total")),
            h("td", { class: "num" }, fmt(total)),
            h("td", {}),
          ),
        ),
      ),
    ),
  );
}

function render(): void {
  if (!id) return replace(app, h("p", { class: "error", role: "alert" }, t("error.noId")));
  if (error)
    return replace(
      app,
      h("h1", {}, t("res.h1")),
      h("p", { class: "error", role: "alert" }, t("error.load", { msg: error })),
    );
  if (!status || !loaded) return replace(app, h("p", {}, t("loading")));
  const recordUrl = api(`/elections/${encodeURIComponent(id)}/record`);
  const cmdBoard = `urna-verify election --board ${boardBase()} --election ${id} --trust trust.json`;
  const cmdRecord = `mkdir record && tar -xf record.tar -C record\nurna-verify election --record record --trust trust.json`;
  replace(
    app,
    h("h1", {}, t("res.h1")),
    h(
      "p",
      {},
      h("code", {}, id),
      " · ",
      h("span", { class: "badge phase" }, phaseLabel(status.phase)),
    ),
    results.length === 0
      ? h("p", { class: "panel note", id: "no-results" }, t("res.none"))
      : h(
          "div",
          {},
          h(
            "div",
            { class: "panel", id: "tally-status" },
            h("h2", {}, t("res.checkTitle")),
            h(
              "ul",
              {},
              tallyBallots !== undefined
                ? h("li", {}, t("res.ballots", { n: fmt(tallyBallots) }))
                : null,
              h(
                "li",
                {},
                t("res.custodians", { list: custodians.join(", "), shares: fmt(shares) }),
              ),
              h("li", {}, t("res.boardChecked")),
              h("li", {}, t("res.notBrowser")),
            ),
          ),
          ...results.map(contestView),
        ),
    h("h2", {}, t("res.verifyTitle")),
    h("p", {}, t("res.verifyText")),
    h(
      "p",
      {},
      h(
        "a",
        { href: recordUrl, download: `${id}-record.tar`, id: "record-link" },
        t("res.download"),
      ),
    ),
    h("p", {}, t("res.cmdBoard")),
    h("pre", {}, h("code", {}, cmdBoard)),
    h("p", {}, t("res.cmdRecord")),
    h("pre", {}, h("code", {}, cmdRecord)),
  );
}

/** Read the log backwards, page by page, until voting.close (results follow it). */
async function load(): Promise<void> {
  if (!id) return;
  try {
    status = await getJson<Status>(`/elections/${encodeURIComponent(id)}/status`);
    const found: EntryJson[] = [];
    let end = status.size;
    let done = status.phase === "setup" || status.phase === "voting";
    while (!done && end > 0) {
      const start = Math.max(0, end - PAGE);
      const page = await getEntries(id, start, end);
      for (let i = page.length - 1; i >= 0; i--) {
        if (page[i].type === "voting.close") {
          done = true;
          break;
        }
        found.unshift(page[i]);
      }
      end = start;
    }
    for (const e of found) {
      if (e.type === "result") {
        const b = e.body as { custodians: number[]; contests: ResultContest[] };
        // Each result entry names its own custodians (protocol.md §6.10): show them all.
        for (const i of b.custodians) if (!custodians.includes(i)) custodians.push(i);
        results.push(...b.contests);
      } else if (e.type === "tally") tallyBallots = (e.body as { ballots: number }).ballots;
      else if (e.type === "decryption.share") shares++;
    }
    results = results.slice();
    loaded = true;
  } catch (e) {
    error = errMsg(e);
  }
  render();
}

const S = (es: string, en: string) => ({ es, en });
startPage(
  {
    "title.results": S("Resultados · urna", "Results · urna"),
    "res.h1": S("Resultados", "Results"),
    "res.none": S(
      "Los resultados todavía no se publican en el registro.",
      "The results are not on the record yet.",
    ),
    "res.col.option": S("Opción", "Option"),
    "res.col.votes": S("Votos", "Votes"),
    "res.total": S("Total", "Total"),
    "res.chartLabel": S("Votos en {title}: {list}", "Votes in {title}: {list}"),
    "res.checkTitle": S("Estado del cómputo", "Tally status"),
    "res.ballots": S(
      "Boletas contadas en el cómputo cifrado: {n}.",
      "Ballots counted in the encrypted tally: {n}.",
    ),
    "res.custodians": S(
      "Descifrado combinado de los custodios {list} ({shares} partes de descifrado publicadas).",
      "Combined decryption by custodians {list} ({shares} decryption shares published).",
    ),
    "res.boardChecked": S(
      "El tablero aceptó el cómputo solo si es la suma homomórfica de las boletas contadas (V14), y el resultado solo si coincide con el descifrado combinado y las etiquetas del manifiesto (V16, V17).",
      "The board accepted the tally only as the homomorphic sum of the counted ballots (V14), and the result only as matching the combined decryption and the manifest's labels (V16, V17).",
    ),
    "res.notBrowser": S(
      "Esta página no repite esas comprobaciones en su navegador: hágalo de forma independiente con urna-verify (abajo).",
      "This page does not redo those checks in your browser: do it independently with urna-verify (below).",
    ),
    "res.verifyTitle": S("Verifíquelo usted mismo", "Verify it yourself"),
    "res.verifyText": S(
      "Descargue el registro completo de la elección y verifíquelo (V1 a V17) con urna-verify y el archivo de confianza oficial (trust.json).",
      "Download the election's full record and verify it (V1 to V17) with urna-verify and the official trust file (trust.json).",
    ),
    "res.download": S("Descargar el registro (tar)", "Download the record (tar)"),
    "res.cmdBoard": S("Directamente contra este tablero:", "Directly against this board:"),
    "res.cmdRecord": S("O sobre el registro descargado:", "Or on the downloaded record:"),
  },
  render,
);
void load();
