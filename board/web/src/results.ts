/**
 * Results: the election's title, a contents list (the contests on every ballot, then each ballot
 * style's own contests: one style per entidad in INE's elections), per contest a bar chart (SVG)
 * and a table of the totals published in the `result` entries with the blank ballots (the
 * contest's counted ballots, from the board's turnout per style, less its marks, for contests of
 * one mark) so that the total adds up to the ballots, what the board checked before accepting
 * them, and how to verify them independently (the record download under its real file name, the
 * urna-verify commands, and where the official trust file comes from), and "Certified by": each
 * auditing firm's attestation, verified in the browser (certified.ts).
 */
import type { AuditorInfo, ResultBody } from "@urna/schemas";
import type { Certification } from "../../../verifier/src/attest/certification.js";
import { resultTableOf } from "../../../verifier/src/attest/certification.js";
import {
  certifyFromBoard,
  verifiedCheckpoint,
  type VerifiedCheckpoint,
} from "../../../verifier/src/attest/certify-board.js";
import { CERT_TEXTS, certifiedView } from "./certified.js";
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

interface ManifestView {
  title: string;
  authority: string;
  contests: { id: string; title: string; maxSelections: number }[];
  ballotStyles: { id: string; contests: string[] }[];
  auditors?: AuditorInfo[];
}

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
let manifest: ManifestView | undefined;
let certs: Certification[] | undefined;
const PAGE = 500;

const SVG = "http://www.w3.org/2000/svg";
function svg(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** `total`: the percentages' base, the same as the table's (blank ballots included). */
function chart(c: ResultContest, total: number): SVGElement {
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

/** The contest's counted ballots: the voters of every style whose ballot has it. */
function ballotsOf(contest: string): number | undefined {
  const turnout = status?.turnout;
  if (!manifest || !turnout) return undefined;
  let n = 0;
  for (const st of manifest.ballotStyles)
    if (st.contests.includes(contest)) n += turnout[st.id]?.voters ?? 0;
  return n;
}

/**
 * Blank ballots of a contest of at most one mark: its counted ballots less its votes. A contest
 * of several marks per ballot gives no blank count from its totals (undefined).
 */
function blankOf(c: ResultContest, total: number): number | undefined {
  const m = manifest?.contests.find((x) => x.id === c.contest);
  const ballots = ballotsOf(c.contest);
  if (!m || ballots === undefined || m.maxSelections !== 1 || ballots < total) return undefined;
  return ballots - total;
}

const anchorOf = (contest: string) => `contest-${contest}`;

/** Contents: the contests on every ballot, then each ballot style's own contests. */
function contentsView(): HTMLElement | null {
  if (!manifest || results.length === 0) return null;
  const shown = new Set(results.map((r) => r.contest));
  const styles = manifest.ballotStyles;
  const common = manifest.contests.filter((c) => styles.every((st) => st.contests.includes(c.id)));
  const link = (id: string) => {
    const c = manifest?.contests.find((x) => x.id === id);
    return shown.has(id)
      ? h("li", {}, h("a", { href: `#${anchorOf(id)}` }, c?.title ?? id))
      : h("li", {}, c?.title ?? id, " ", t("res.noResult"));
  };
  const isCommon = (id: string) => common.some((c) => c.id === id);
  return h(
    "nav",
    { class: "contents", id: "contents", "aria-labelledby": "contents-h" },
    h("h2", { id: "contents-h" }, t("res.contents")),
    h(
      "ul",
      {},
      common.length
        ? h(
            "li",
            { "data-group": "all" },
            t("res.allBallots"),
            h("ul", {}, ...common.map((c) => link(c.id))),
          )
        : null,
      ...styles
        .filter((st) => st.contests.some((c) => !isCommon(c)))
        .map((st) =>
          h(
            "li",
            { "data-style": st.id },
            t("res.style"),
            " ",
            h("code", {}, st.id),
            h("ul", {}, ...st.contests.filter((c) => !isCommon(c)).map(link)),
          ),
        ),
    ),
  );
}

function contestView(c: ResultContest): HTMLElement {
  const votes = c.options.reduce((s, o) => s + o.votes, 0);
  const blank = blankOf(c, votes);
  const total = votes + (blank ?? 0);
  const ballots = ballotsOf(c.contest);
  const m = manifest?.contests.find((x) => x.id === c.contest);
  return h(
    "section",
    { class: "contest", "data-contest": c.contest, id: anchorOf(c.contest) },
    h("h2", {}, c.title),
    chart(c, total) as unknown as HTMLElement,
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
          blank !== undefined
            ? h(
                "tr",
                { "data-option": "blank" },
                h("th", { scope: "row" }, t("res.blank")),
                h("td", { class: "num blank", "data-blank": blank }, fmt(blank)),
                h("td", { class: "num" }, total ? ((blank / total) * 100).toFixed(1) : "0.0"),
              )
            : null,
          h(
            "tr",
            {},
            h("th", { scope: "row" }, t(blank !== undefined ? "res.totalBallots" : "res.total")),
            h("td", { class: "num total", "data-total": total }, fmt(total)),
            h("td", {}),
          ),
        ),
      ),
    ),
    blank === undefined && ballots !== undefined && m && m.maxSelections !== 1
      ? h(
          "p",
          { class: "note-line" },
          t("res.multi", { ballots: fmt(ballots), max: m.maxSelections }),
        )
      : null,
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
  // The name the board's record route gives the download (Content-Disposition).
  const file = `${id}-record.tar`;
  const cmdBoard = `urna-verify election --board ${boardBase()} --election ${id} --trust trust.json`;
  const cmdRecord = `mkdir record && tar -xf ${file} -C record\nurna-verify election --record record --trust trust.json`;
  replace(
    app,
    h("h1", {}, t("res.h1"), manifest ? ": " : "", manifest?.title ?? ""),
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
          contentsView(),
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
    results.length ? certifiedView(certs) : null,
    h("h2", {}, t("res.verifyTitle")),
    h("p", {}, t("res.verifyText")),
    h(
      "p",
      {},
      h("a", { href: recordUrl, download: file, id: "record-link" }, t("res.download", { file })),
    ),
    h(
      "div",
      { class: "panel", id: "trust-source" },
      h("h3", {}, t("res.trustTitle")),
      h("p", {}, t("res.trustText")),
      manifest
        ? h(
            "p",
            {},
            t("res.trustCompare"),
            " ",
            h("code", { id: "trust-authority" }, manifest.authority),
            status ? " · " : "",
            status ? h("code", { id: "trust-board" }, status.vkey) : "",
          )
        : null,
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
    // The checkpoint the attestations are judged against: signed by the election's key.
    let checkpoint: VerifiedCheckpoint | { error: string };
    try {
      checkpoint = await verifiedCheckpoint(boardBase(), id, status.vkey, status.origin);
    } catch (e) {
      checkpoint = { error: `the board's checkpoint could not be verified: ${errMsg(e)}` };
    }
    if (status.size > 0) {
      const m = await getJson<EntryJson>(`/elections/${encodeURIComponent(id)}/entries/0`);
      if (m.type === "manifest") manifest = m.body as unknown as ManifestView;
    }
    const found: { entry: EntryJson; index: number }[] = [];
    let end = "size" in checkpoint ? checkpoint.size : status.size;
    let done = status.phase === "setup" || status.phase === "voting";
    while (!done && end > 0) {
      const start = Math.max(0, end - PAGE);
      const page = await getEntries(id, start, end);
      for (let i = page.length - 1; i >= 0; i--) {
        if (page[i].type === "voting.close") {
          done = true;
          break;
        }
        found.unshift({ entry: page[i], index: start + i });
      }
      end = start;
    }
    const resultBodies: ResultBody[] = [];
    const attestations: number[] = [];
    let resultEnd = 0;
    for (const { entry: e, index } of found) {
      if (e.type === "audit.attestation") attestations.push(index);
      if (e.type === "result") {
        const b = e.body as { custodians: number[]; contests: ResultContest[] };
        resultBodies.push(b);
        resultEnd = index + 1;
        // Each result entry names its own custodians (protocol.md §6.10): show them all.
        for (const i of b.custodians) if (!custodians.includes(i)) custodians.push(i);
        results.push(...b.contests);
      } else if (e.type === "tally") tallyBallots = (e.body as { ballots: number }).ballots;
      else if (e.type === "decryption.share") shares++;
    }
    results = results.slice();
    loaded = true;
    if (results.length && manifest) {
      render();
      certs = await certifyFromBoard({
        base: boardBase(),
        election: id,
        auditors: manifest.auditors,
        indexes: attestations,
        checkpoint,
        resultEnd,
        result: resultTableOf(manifest.contests, resultBodies),
      });
    }
  } catch (e) {
    error = errMsg(e);
  }
  render();
}

const S = (es: string, en: string) => ({ es, en });
startPage(
  {
    ...CERT_TEXTS,
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
    "res.download": S("Descargar el registro ({file})", "Download the record ({file})"),
    "res.contents": S("Contenido", "Contents"),
    "res.allBallots": S("En todas las boletas:", "On every ballot:"),
    "res.style": S("Boleta", "Ballot"),
    "res.noResult": S("(sin resultado publicado)", "(no result published)"),
    "res.blank": S("Sin marcar (en blanco)", "Unmarked (blank)"),
    "res.totalBallots": S("Total de boletas contadas", "Total ballots counted"),
    "res.multi": S(
      "{ballots} boletas contadas incluyen esta contienda, con hasta {max} marcas cada una: las boletas en blanco no se deducen de los totales.",
      "{ballots} counted ballots include this contest, with up to {max} marks each: blank ballots cannot be told from the totals.",
    ),
    "res.trustTitle": S("El archivo de confianza oficial", "The official trust file"),
    "res.trustText": S(
      "trust.json (llaves del tablero, de los testigos y su quórum, y de la autoridad) lo publica la autoridad electoral por sus canales oficiales, no este tablero: un tablero podría entregar un archivo que confíe en sí mismo. Obténgalo de la autoridad y compare sus llaves con las que el tablero muestra.",
      "trust.json (the board's, the witnesses' and the authority's keys, and the witness quorum) is published by the electoral authority through its official channels, not by this board: a board could hand out a file that trusts itself. Get it from the authority and compare its keys with those the board shows.",
    ),
    "res.trustCompare": S(
      "Llave de la autoridad (manifiesto) y llave del tablero para esta elección:",
      "The authority's key (manifest) and the board's key for this election:",
    ),
    "res.cmdBoard": S("Directamente contra este tablero:", "Directly against this board:"),
    "res.cmdRecord": S("O sobre el registro descargado:", "Or on the downloaded record:"),
  },
  render,
);
void load();
