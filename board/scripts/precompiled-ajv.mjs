/**
 * The JSON Schema validators of @urna/schemas, precompiled with ajv's standalone code generation
 * (https://ajv.js.org/standalone.html), as the ESM source of a module that stands in for
 * `ajv/dist/2020.js` in the board's web bundle (build-web.mjs): its `Ajv2020#getSchema(id)`
 * returns the precompiled function for each schema `$id`. No code is generated at run time, so
 * the pages run under a Content-Security-Policy without 'unsafe-eval'.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import Ajv2020Module from "ajv/dist/2020.js";
import standaloneModule from "ajv/dist/standalone/index.js";

/**
 * Must match the options @urna/schemas compiles with (schemas/src/index.ts `validators()`);
 * tests/web-validators.test.ts checks that both give the same verdicts.
 */
export const AJV_OPTIONS = {
  strict: true,
  allErrors: false,
  validateSchema: false,
  unicodeRegExp: true,
};

/** ESM source of every schema's validator, precompiled, behind an `Ajv2020` look-alike. */
export function precompiledAjvModule(root) {
  const Ajv2020 = Ajv2020Module.Ajv2020 ?? Ajv2020Module.default;
  const standaloneCode = standaloneModule.default ?? standaloneModule;
  const dir = join(root, "schemas", "src", "json");
  const schemas = readdirSync(dir)
    .filter((f) => f.endsWith(".schema.json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")));
  const ajv = new Ajv2020({ ...AJV_OPTIONS, code: { source: true, esm: true }, schemas });
  /** export name -> $id */
  const refs = Object.fromEntries(schemas.map((sc, k) => [`urnaSchema${k}`, sc.$id]));
  const byId = Object.entries(refs)
    .map(([name, id]) => `${JSON.stringify(id)}: ${name}`)
    .join(", ");
  return `${standaloneCode(ajv, refs)}
const urnaById = { ${byId} };
/** Stands in for ajv's Ajv2020 in the browser bundle: it only hands out precompiled validators. */
export class Ajv2020 {
  getSchema(id) {
    return Object.prototype.hasOwnProperty.call(urnaById, id) ? urnaById[id] : undefined;
  }
}
`;
}

/** An esbuild plugin that replaces `ajv/dist/2020.js` by the precompiled module. */
export function precompiledAjvPlugin(root) {
  return {
    name: "urna-precompiled-ajv",
    setup(b) {
      b.onResolve({ filter: /^ajv\/dist\/2020(\.js)?$/ }, () => ({
        path: "ajv-2020-precompiled",
        namespace: "urna-precompiled-ajv",
      }));
      b.onLoad({ filter: /.*/, namespace: "urna-precompiled-ajv" }, () => ({
        contents: precompiledAjvModule(root),
        resolveDir: root,
        loader: "js",
      }));
    },
  };
}
