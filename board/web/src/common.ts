/**
 * Shared by every page: the es/en texts, the language toggle, small DOM helpers and reads of the
 * board's public API (same origin: the pages are served by the board under /web/).
 */
export type Lang = "es" | "en";
export type Dict = Record<string, { es: string; en: string }>;

const COMMON: Dict = {
  "nav.skip": { es: "Saltar al contenido", en: "Skip to content" },
  "nav.elections": { es: "Elecciones", en: "Elections" },
  "nav.live": { es: "Tablero en vivo", en: "Live board" },
  "nav.vote": { es: "Votar", en: "Vote" },
  "nav.receipt": { es: "Verificar comprobante", en: "Check a receipt" },
  "nav.results": { es: "Resultados", en: "Results" },
  "nav.main": { es: "Navegación principal", en: "Main navigation" },
  "lang.switch": { es: "English", en: "Español" },
  "lang.switchLabel": { es: "Cambiar el idioma a inglés", en: "Switch the language to Spanish" },
  brand: { es: "urna · tablero público", en: "urna · public board" },
  footer: {
    es: "Todo lo que muestra esta página viene de la API pública de este tablero. Los datos se pueden verificar de forma independiente con urna-verify.",
    en: "Everything on this page comes from this board's public API. The data can be verified independently with urna-verify.",
  },
  loading: { es: "Cargando…", en: "Loading…" },
  "error.load": {
    es: "No se pudo leer del tablero: {msg}",
    en: "Could not read from the board: {msg}",
  },
  "error.noId": {
    es: "Falta el identificador de la elección (?id=…).",
    en: "The election id is missing (?id=…).",
  },
  "phase.setup": { es: "Preparación", en: "Setup" },
  "phase.voting": { es: "Votación abierta", en: "Voting open" },
  "phase.closed": { es: "Votación cerrada", en: "Voting closed" },
  "phase.tallying": { es: "Cómputo", en: "Tallying" },
  "phase.done": { es: "Concluida", en: "Done" },
  "type.manifest": { es: "Manifiesto", en: "Manifest" },
  "type.credentials": { es: "Credenciales", en: "Credentials" },
  "type.ceremony.round1": { es: "Ceremonia: ronda 1", en: "Ceremony: round 1" },
  "type.ceremony.certify": { es: "Ceremonia: certificación", en: "Ceremony: certification" },
  "type.ceremony.blame": { es: "Ceremonia: queja", en: "Ceremony: complaint" },
  "type.election.key": { es: "Llave de la elección", en: "Election key" },
  "type.voting.open": { es: "Apertura de la votación", en: "Voting opened" },
  "type.voting.close": { es: "Cierre de la votación", en: "Voting closed" },
  "type.ballot": { es: "Boleta emitida", en: "Cast ballot" },
  "type.ballot.challenged": { es: "Boleta auditada", en: "Challenged ballot" },
  "type.tally": { es: "Cómputo cifrado", en: "Encrypted tally" },
  "type.decryption.share": { es: "Parte de descifrado", en: "Decryption share" },
  "type.result": { es: "Resultado", en: "Result" },
};

let dict: Dict = { ...COMMON };
let lang: Lang = initialLang();
const listeners: (() => void)[] = [];

function initialLang(): Lang {
  const q = new URLSearchParams(location.search).get("lang");
  if (q === "es" || q === "en") return q;
  try {
    const s = localStorage.getItem("urna-lang");
    if (s === "es" || s === "en") return s;
  } catch {
    /* storage may be disabled */
  }
  return (navigator.language || "es").toLowerCase().startsWith("en") ? "en" : "es";
}

export const currentLang = (): Lang => lang;

/** The text for `key` in the current language, with {name} placeholders filled. */
export function t(key: string, vars: Record<string, string | number> = {}): string {
  const e = dict[key];
  const s = e ? e[lang] : key;
  return s.replace(/\{(\w+)\}/g, (_m, k: string) => (k in vars ? String(vars[k]) : `{${k}}`));
}

export const fmt = (n: number): string => n.toLocaleString(lang === "es" ? "es-MX" : "en-US");

/** Fill every [data-i18n], [data-i18n-label] and [data-i18n-placeholder] under `root`. */
export function applyI18n(root: ParentNode = document): void {
  document.documentElement.lang = lang;
  for (const n of root.querySelectorAll<HTMLElement>("[data-i18n]"))
    n.textContent = t(n.dataset.i18n as string);
  for (const n of root.querySelectorAll<HTMLElement>("[data-i18n-label]"))
    n.setAttribute("aria-label", t(n.dataset.i18nLabel as string));
  for (const n of root.querySelectorAll<HTMLElement>("[data-i18n-placeholder]"))
    n.setAttribute("placeholder", t(n.dataset.i18nPlaceholder as string));
}

export function setLang(l: Lang): void {
  lang = l;
  try {
    localStorage.setItem("urna-lang", l);
  } catch {
    /* ignore */
  }
  applyI18n();
  for (const f of listeners) f();
}

/**
 * Start a page: merge its texts, fill the static texts, wire the language toggle and the
 * navigation links (which carry the election id), and call `render` now and on every change of
 * language.
 */
export function startPage(pageDict: Dict, render: () => void): void {
  dict = { ...COMMON, ...pageDict };
  const id = param("id");
  for (const a of document.querySelectorAll<HTMLAnchorElement>("a[data-page]")) {
    const page = a.dataset.page as string;
    if (page !== "index.html" && !id) a.hidden = true;
    else a.href = page + (page !== "index.html" && id ? `?id=${encodeURIComponent(id)}` : "");
    if (
      location.pathname.endsWith("/" + page) ||
      (page === "index.html" && /\/web\/?$/.test(location.pathname))
    )
      a.setAttribute("aria-current", "page");
  }
  const btn = document.getElementById("lang-toggle");
  btn?.addEventListener("click", () => setLang(lang === "es" ? "en" : "es"));
  listeners.push(render);
  applyI18n();
  render();
}

export const param = (name: string): string | null =>
  new URLSearchParams(location.search).get(name);

/** The board's base URL: the pages live under <base>/web/. */
export const boardBase = (): string =>
  location.origin + location.pathname.replace(/\/web(\/.*)?$/, "");

export const api = (path: string): string => boardBase() + path;

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(api(path), { headers: { Accept: "application/json" } });
  const text = await res.text();
  if (!res.ok) {
    let m = `HTTP ${res.status}`;
    try {
      const e = JSON.parse(text) as { error?: { message?: string } };
      if (e.error?.message) m += `: ${e.error.message}`;
    } catch {
      /* not JSON */
    }
    throw new Error(m);
  }
  return JSON.parse(text) as T;
}

/** The leaves start..end-1 as parsed JSON (ndjson). */
export async function getEntries(id: string, start: number, end: number): Promise<EntryJson[]> {
  const res = await fetch(
    api(`/elections/${encodeURIComponent(id)}/entries?start=${start}&end=${end}`),
  );
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return (await res.text())
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as EntryJson);
}

export interface EntryJson {
  type: string;
  election: string;
  body: Record<string, unknown>;
  signer: string;
  signature: string;
}

export interface ElectionSummary {
  id: string;
  title: string;
  phase: string;
  size: number;
}

export interface Status {
  id: string;
  phase: string;
  size: number;
  root: string;
  origin: string;
  vkey: string;
  counts: Record<string, number>;
  /** Per ballot style: credentials registered and voters who cast a ballot. */
  turnout?: Record<string, { credentials: number; voters: number }>;
  /** The board's witnessing state (absent without witnesses). */
  witnessing?: {
    quorum: number;
    size: number;
    quorumMet: boolean;
    witnesses: {
      name: string;
      cosigned: boolean;
      cosignedSize?: number;
      error?: string;
      status?: number;
    }[];
  };
  readOnly?: string;
}

type Child = Node | string | null | undefined | false;

/** document.createElement with attributes (`class`, `aria-*`, …) and children. */
export function h(
  tag: string,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

export function replace(target: HTMLElement, ...children: Child[]): void {
  target.replaceChildren(...children.filter((c): c is Node | string => !!c || c === ""));
}

export const phaseLabel = (p: string): string => (`phase.${p}` in dict ? t(`phase.${p}`) : p);
export const typeLabel = (ty: string): string => (`type.${ty}` in dict ? t(`type.${ty}`) : ty);
export const errMsg = (e: unknown): string => (e instanceof Error ? e.message : String(e));
