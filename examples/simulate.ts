/**
 * Deterministic simulation of the demo's voters: where they are registered and how they vote,
 * from a seed, shaped after INE's 2024 results abroad (examples/data/ine-2024-abroad.json).
 */
import type { Contest, Manifest } from "@urna/schemas";
import { optionId, type IneData } from "./ine-manifest.js";

/** mulberry32: a small seeded PRNG (not for secrets: the simulation only). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: () => number, items: readonly T[], weights: readonly number[]): T {
  const total = weights.reduce((a, b) => a + b, 0);
  let r = rand() * total;
  for (let i = 0; i < items.length; i++) {
    r -= weights[i];
    if (r < 0) return items[i];
  }
  return items[items.length - 1];
}

/** Where Mexicans abroad registered, roughly: the big sending entidades weigh more. */
const ENTIDAD_WEIGHT: Record<string, number> = {
  "Ciudad de México": 18,
  Jalisco: 12,
  México: 9,
  Michoacán: 8,
  Guanajuato: 7,
  Puebla: 6,
  Oaxaca: 5,
  Guerrero: 4,
  Zacatecas: 4,
  Chiapas: 3,
  "Nuevo León": 3,
  Veracruz: 3,
  Morelos: 2,
  Yucatán: 2,
};

/** The ballot style (`ent-XX`) of each of `n` voters. */
export function assignStyles(data: IneData, n: number, rand: () => number): string[] {
  const styles = data.entidades.map((e) => `ent-${String(e.code).padStart(2, "0")}`);
  const weights = data.entidades.map((e) => ENTIDAD_WEIGHT[e.name] ?? 1);
  return Array.from({ length: n }, () => pick(rand, styles, weights));
}

/** A voter's choices: option ids per contest of the style (empty = blank, allowed: min 0). */
export function simulateChoices(
  data: IneData,
  contests: readonly Contest[],
  rand: () => number,
): Record<string, string[]> {
  const coalitions = Object.values(data.coalitions_2024);
  const figures = data.figures_2024.presidential_abroad_by_candidate;
  const pres =
    data.federal_contests_abroad_2024.find((c) => c.id === "presidencia")?.candidates ?? {};
  // Candidate blocs with their 2024 weight abroad; a coalition's vote is spread over its combinations.
  const blocs: { options: string[]; weight: number }[] = [];
  for (const [candidate, label] of Object.entries(pres)) {
    const parties = label.split("-");
    const coalition = coalitions.find((c) => c.join("-") === label);
    const options = coalition
      ? contests[0].options
          .map((o) => o.label)
          .filter((l) => l.split("-").every((p) => parties.includes(p)))
      : [label];
    blocs.push({ options: options.map(optionId), weight: figures[candidate] ?? 1 });
  }
  blocs.push({ options: ["nulo"], weight: figures["Voto nulo"] ?? 1 });
  blocs.push({ options: ["no-registrada"], weight: 300 });
  const out: Record<string, string[]> = {};
  for (const c of contests) {
    if (rand() < 0.02) {
      out[c.id] = [];
      continue;
    }
    const bloc = pick(
      rand,
      blocs,
      blocs.map((b) => b.weight),
    );
    // Half of a coalition's voters mark the whole coalition, the rest one party or a pair.
    const full = bloc.options.find((o) => o.split("-").length === 3);
    const opt =
      full && rand() < 0.5 ? full : bloc.options[Math.floor(rand() * bloc.options.length)];
    out[c.id] = c.options.some((o) => o.id === opt) ? [opt] : [];
  }
  return out;
}

/** Expected totals: contest -> option -> votes, from the counted voters' choices. */
export function expectedTotals(
  manifest: Manifest,
  counted: Iterable<Record<string, string[]>>,
): Record<string, Record<string, number>> {
  const t: Record<string, Record<string, number>> = {};
  for (const c of manifest.contests) t[c.id] = Object.fromEntries(c.options.map((o) => [o.id, 0]));
  for (const choices of counted)
    for (const [c, opts] of Object.entries(choices)) for (const o of opts) t[c][o]++;
  return t;
}
