/**
 * spec/schemas.md is true of the schema files: every file it lists exists with the `$id` it
 * gives, every schema file is listed, every entry type maps to the listed body schema (in the
 * table and in entry.json's if/then), only the listed keywords are used (so no `format` is ever
 * asserted), and every `$ref` resolves within the set.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { BODY_SCHEMA, ENTRY_TYPES, schemas } from "../src/index.js";

const root = new URL("../../", import.meta.url);
const spec = readFileSync(new URL("spec/schemas.md", root), "utf8");
const dir = new URL("schemas/src/json/", root);

/** The table of spec/schemas.md §1: file, $id, what it validates. */
const table = [...spec.matchAll(/^\| `([a-z0-9-]+\.schema\.json)` \| `([^`]+)` \| (.*) \|$/gm)].map(
  (m) => ({ file: m[1], id: m[2], what: m[3] }),
);
type Schema = Record<string, unknown>;
const load = (file: string): Schema =>
  JSON.parse(readFileSync(new URL(file, dir), "utf8")) as Schema;

describe("spec/schemas.md", () => {
  it("lists every schema file, each existing, draft 2020-12, with its $id", () => {
    expect(table.length).toBeGreaterThan(0);
    const files = readdirSync(dir).filter((f) => f.endsWith(".schema.json"));
    expect(table.map((r) => r.file).sort()).toEqual(files.sort());
    for (const r of table) {
      expect(existsSync(new URL(r.file, dir)), r.file).toBe(true);
      const s = load(r.file);
      expect(s.$id, r.file).toBe(r.id);
      expect(s.$schema, r.file).toBe("https://json-schema.org/draft/2020-12/schema");
    }
    // …and the package exports exactly these.
    expect(
      Object.values(schemas)
        .map((s) => s.$id)
        .sort(),
    ).toEqual(table.map((r) => r.id).sort());
    expect(spec).toMatch(/all eighteen\s+files/);
    expect(table.length).toBe(19);
  });

  it("maps every entry type to one body schema, as entry.json and @urna/schemas do", () => {
    const byType = new Map<string, string>();
    for (const r of table)
      if (r.what.startsWith("body of "))
        for (const m of r.what.matchAll(/`([a-z.0-9]+)`/g)) byType.set(m[1], r.id);
    expect([...byType.keys()].sort()).toEqual([...ENTRY_TYPES].sort());
    const entry = load("entry.schema.json");
    const props = entry.properties as Record<string, { enum?: string[] }>;
    expect([...(props.type.enum ?? [])].sort()).toEqual([...ENTRY_TYPES].sort());
    const base = "https://urna.example/schemas/v1/";
    for (const t of ENTRY_TYPES) {
      // entry.json's if/then for t names the same schema, resolved against its $id
      const branch = (entry.allOf as Schema[]).filter((b) => {
        const c = ((b.if as Schema).properties as Record<string, Schema>).type;
        return c.const === t || (Array.isArray(c.enum) && (c.enum as string[]).includes(t));
      });
      expect(branch.length, t).toBe(1);
      const ref = (((branch[0].then as Schema).properties as Schema).body as Schema).$ref as string;
      expect(new URL(ref, base + "entry.json").href, t).toBe(byType.get(t));
      expect(schemas[BODY_SCHEMA[t]].$id, t).toBe(byType.get(t));
    }
  });

  it("uses only the keywords it lists (no format), and every $ref resolves within the set", () => {
    const listed = new Set(
      [...spec.slice(spec.indexOf("**Vocabulary.**")).matchAll(/`(\$?[a-zA-Z]+)`/g)]
        .map((m) => m[1])
        .filter((k) => k !== "format"),
    );
    const ids = new Set(table.map((r) => r.id));
    const used = new Set<string>();
    const walk = (s: unknown, base: string): void => {
      if (Array.isArray(s)) return s.forEach((x) => walk(x, base));
      if (s === null || typeof s !== "object") return;
      for (const [k, v] of Object.entries(s)) {
        used.add(k);
        if (k === "$ref") {
          const u = new URL(v as string, base);
          const doc = u.href.split("#")[0];
          expect(ids.has(doc), `${v} from ${base}`).toBe(true);
        }
        if (k === "properties" || k === "$defs" || k === "dependentSchemas")
          for (const x of Object.values(v as object)) walk(x, base);
        else if (!["enum", "const", "required"].includes(k)) walk(v, base);
      }
    };
    for (const r of table) walk(load(r.file), r.id);
    expect(used.has("format")).toBe(false);
    for (const k of used) expect(listed.has(k), k).toBe(true);
  });

  it("patterns are evaluated with the Unicode flag and lengths count code points", () => {
    // "text" is 1..256 characters: 256 astral characters (512 UTF-16 units) are valid.
    const ajv = new Ajv2020({ strict: true, unicodeRegExp: true, schemas: Object.values(schemas) });
    const text = ajv.getSchema("https://urna.example/schemas/v1/defs.json#/$defs/text");
    expect(text?.("😀".repeat(256))).toBe(true);
    expect(text?.("😀".repeat(257))).toBe(false);
  });
});
