/**
 * Identifiers made from names keep accented letters readable (issue 16 item 7): NFD, combining
 * marks dropped, lower case, other runs one "-" (README, Identifiers). The INE example's
 * contest and option ids follow it.
 */
import { describe, expect, it } from "vitest";
import { idFromName, ineManifest, loadIneData, optionId } from "../examples/ine-manifest.js";

describe("ids from names", () => {
  it("transliterates accented letters instead of cutting the word", () => {
    expect(idFromName("Diputación migrante")).toBe("diputacion-migrante");
    expect(idFromName("Jefatura de Gobierno")).toBe("jefatura-de-gobierno");
    expect(idFromName("Ñuñoa · Peña Güemes")).toBe("nunoa-pena-guemes");
    expect(idFromName("  ¿Qué?  ")).toBe("que");
    expect(optionId("PVEM-PT-MORENA")).toBe("pvem-pt-morena");
    expect(optionId("Candidatura no registrada")).toBe("no-registrada");
  });

  it("the INE manifest's Ciudad de México contests have readable ids", () => {
    const keys = { authority: "a", registrar: "r", custodians: [] };
    const m = ineManifest(loadIneData(), keys, {
      electionId: "mx-ids",
      threshold: 1,
      entidades: ["Ciudad de México"],
    });
    const ids = m.contests.map((c) => c.id);
    expect(ids).toContain("diputacion-migrante-09");
    expect(ids).toContain("jefatura-de-gobierno-09");
    for (const c of m.contests) {
      expect(c.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      for (const o of c.options) expect(o.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    }
  });
});
