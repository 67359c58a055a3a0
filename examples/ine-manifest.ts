/**
 * A manifest modelled on INE's 2024 vote from abroad (examples/data/ine-2024-abroad.json):
 * Presidencia de la República for everyone, the Senaduría of the voter's entidad, and the local
 * contests on the abroad ballot (Gubernatura in six entidades; Jefatura de Gobierno and the
 * diputación migrante in Ciudad de México). Options are the parties, the coalition
 * combinations, "Candidatura no registrada" and "Voto nulo"; one selection at most. One ballot
 * style per entidad. `entidades` limits the election to some entidades (default: all 32);
 * `options: "compact"` lists each coalition once, as a whole, instead of every combination.
 */
import { readFileSync } from "node:fs";
import type { Contest, Manifest, RevotePolicy } from "@urna/schemas";

export interface IneData {
  entidades: { code: number; name: string }[];
  coalitions_2024: Record<string, string[]>;
  ballot_options_with_coalitions: { options: string[] };
  federal_contests_abroad_2024: { id: string; name: string; candidates?: Record<string, string> }[];
  local_contests_abroad_2024: { gubernatura: string[]; "Ciudad de México": string[] };
  figures_2024: { presidential_abroad_by_candidate: Record<string, number> };
}

export const loadIneData = (): IneData =>
  JSON.parse(
    readFileSync(new URL("./data/ine-2024-abroad.json", import.meta.url), "utf8"),
  ) as IneData;

/**
 * An id from a name (README §Public web pages, "Identifiers"): letters transliterated (NFD, combining marks
 * dropped: "Diputación" -> "diputacion", "Ñ" -> "n"), lower case, every other run of characters
 * one "-", none at either end. "Diputación migrante" -> "diputacion-migrante".
 */
export function idFromName(name: string): string {
  return name
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** "PAN-PRI-PRD" -> "pan-pri-prd", "Candidatura no registrada" -> "no-registrada". */
export function optionId(label: string): string {
  if (label === "Candidatura no registrada") return "no-registrada";
  if (label === "Voto nulo") return "nulo";
  return idFromName(label);
}

const code2 = (n: number) => String(n).padStart(2, "0");

function contest(id: string, title: string, labels: string[]): Contest {
  return {
    id,
    title,
    minSelections: 0,
    maxSelections: 1,
    options: labels.map((label) => ({ id: optionId(label), label })),
  };
}

export interface ManifestKeys {
  authority: string;
  registrar: string;
  custodians: { name: string; signingKey: string; dkgKey: string }[];
}

export function ineManifest(
  data: IneData,
  keys: ManifestKeys,
  opts: {
    electionId: string;
    threshold: number;
    revotePolicy?: RevotePolicy;
    entidades?: string[];
    /** "all": every coalition combination (17 options); "compact": the parties, each whole coalition, "Candidatura no registrada" and "Voto nulo" (11). */
    options?: "all" | "compact";
  },
): Manifest {
  const coalitions = Object.values(data.coalitions_2024);
  const full = new Set(coalitions.map((c) => c.join("-")));
  const labels = data.ballot_options_with_coalitions.options.filter(
    (l) => opts.options !== "compact" || !l.includes("-") || full.has(l),
  );
  const pres = data.federal_contests_abroad_2024.find((c) => c.id === "presidencia");
  const contests: Contest[] = [
    contest("presidencia", pres?.name ?? "Presidencia de la República", labels),
  ];
  const styles: Manifest["ballotStyles"] = [];
  const gub = new Set(data.local_contests_abroad_2024.gubernatura);
  const only = opts.entidades ? new Set(opts.entidades) : undefined;
  for (const e of data.entidades) {
    if (only && !only.has(e.name)) continue;
    const c = code2(e.code);
    const own = [contest(`senaduria-${c}`, `Senaduría de ${e.name}`, labels)];
    if (gub.has(e.name)) own.push(contest(`gubernatura-${c}`, `Gubernatura de ${e.name}`, labels));
    if (e.name === "Ciudad de México")
      for (const title of data.local_contests_abroad_2024["Ciudad de México"])
        own.push(contest(`${idFromName(title)}-${c}`, `${title} de la Ciudad de México`, labels));
    contests.push(...own);
    styles.push({ id: `ent-${c}`, contests: ["presidencia", ...own.map((o) => o.id)] });
  }
  return {
    electionId: opts.electionId,
    title: "Proceso Electoral 2023-2024: voto de las y los mexicanos residentes en el extranjero",
    suite: "urna-v1",
    authority: keys.authority,
    registrar: keys.registrar,
    custodians: keys.custodians.map((c, i) => ({ index: i + 1, ...c })),
    threshold: opts.threshold,
    revotePolicy: opts.revotePolicy ?? "single",
    contests,
    ballotStyles: styles,
  };
}
