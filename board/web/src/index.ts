/** Elections page: every election on this board, with its phase and log size. */
import {
  type ElectionSummary,
  errMsg,
  fmt,
  getJson,
  h,
  phaseLabel,
  replace,
  startPage,
  t,
} from "./common.js";

const app = document.getElementById("app") as HTMLElement;
let list: ElectionSummary[] | undefined;
let error: string | undefined;

function render(): void {
  if (error)
    return replace(
      app,
      h("h1", {}, t("index.h1")),
      h("p", { class: "error", role: "alert" }, t("error.load", { msg: error })),
    );
  if (!list) return replace(app, h("p", {}, t("loading")));
  if (list.length === 0)
    return replace(app, h("h1", {}, t("index.h1")), h("p", {}, t("index.none")));
  const q = (id: string) => `?id=${encodeURIComponent(id)}`;
  replace(
    app,
    h("h1", {}, t("index.h1")),
    h("p", {}, t("index.intro")),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { id: "elections" },
        h("caption", { class: "skip-caption" }, t("index.caption")),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, t("index.col.election")),
            h("th", { scope: "col" }, t("index.col.phase")),
            h("th", { scope: "col", class: "num" }, t("index.col.size")),
            h("th", { scope: "col" }, t("index.col.pages")),
          ),
        ),
        h(
          "tbody",
          {},
          ...list.map((e) =>
            h(
              "tr",
              { "data-election": e.id },
              h("td", {}, h("strong", {}, e.title), h("br"), h("code", {}, e.id)),
              h("td", {}, h("span", { class: "badge phase" }, phaseLabel(e.phase))),
              h("td", { class: "num" }, fmt(e.size)),
              h(
                "td",
                {},
                h("a", { href: `election.html${q(e.id)}` }, t("nav.live")),
                " · ",
                h("a", { href: `receipt.html${q(e.id)}` }, t("nav.receipt")),
                " · ",
                h("a", { href: `results.html${q(e.id)}` }, t("nav.results")),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

startPage(
  {
    "title.index": { es: "Elecciones · urna", en: "Elections · urna" },
    "index.h1": { es: "Elecciones en este tablero", en: "Elections on this board" },
    "index.intro": {
      es: "Cada elección es un registro público de solo adición (un árbol de Merkle firmado). Elija una para ver sus entradas en vivo, verificar su comprobante de voto o consultar los resultados.",
      en: "Each election is a public append-only record (a signed Merkle tree). Pick one to watch its entries live, check your ballot receipt, or see the results.",
    },
    "index.none": { es: "Todavía no hay elecciones.", en: "There are no elections yet." },
    "index.caption": { es: "Elecciones", en: "Elections" },
    "index.col.election": { es: "Elección", en: "Election" },
    "index.col.phase": { es: "Fase", en: "Phase" },
    "index.col.size": { es: "Entradas", en: "Entries" },
    "index.col.pages": { es: "Páginas", en: "Pages" },
  },
  render,
);

getJson<ElectionSummary[]>("/elections").then(
  (l) => {
    list = l;
    render();
  },
  (e: unknown) => {
    error = errMsg(e);
    render();
  },
);
