#!/usr/bin/env node
/**
 * Builds the board's public web pages (board/web/: elections, live board, booth, receipt check,
 * results) into board/dist/web/: one minified ESM bundle
 * per page (esbuild, platform browser), with the verifier's receipt check bundled in; one HTML
 * file per page from the shared page.template.html (header, navigation, language toggle), and
 * the CSS copied as it is. Usage: node board/scripts/build-web.mjs [--outdir DIR]
 *
 * The JSON Schema validators are compiled here, at build time, with ajv's standalone code
 * generation: in the bundle, `ajv/dist/2020.js` (as imported by @urna/schemas) is replaced by a
 * module whose `Ajv2020#getSchema(id)` returns those precompiled functions, so no code is
 * generated in the browser and the pages' Content-Security-Policy needs no 'unsafe-eval'.
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { precompiledAjvPlugin } from "./precompiled-ajv.mjs";

const boardDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const root = resolve(boardDir, "..");
const webDir = join(boardDir, "web");
const i = process.argv.indexOf("--outdir");
const outdir = i > 0 ? resolve(process.argv[i + 1]) : join(boardDir, "dist", "web");

/** Each page and its Spanish title (the default language; the page script translates it). */
const TITLES = {
  index: "Elecciones",
  election: "Tablero en vivo",
  receipt: "Verificar comprobante",
  results: "Resultados",
  vote: "Votar",
};
export const PAGES = Object.keys(TITLES);

/** Resolve the workspace packages to their sources, so the bundle never needs their dist/. */
const workspaceSources = {
  name: "urna-workspace-sources",
  setup(b) {
    b.onResolve({ filter: /^@urna\/(schemas|verifier)$/ }, (args) => ({
      path: join(root, args.path.slice("@urna/".length), "src", "index.ts"),
    }));
  },
};

mkdirSync(outdir, { recursive: true });
const started = Date.now();
await build({
  entryPoints: Object.fromEntries(PAGES.map((p) => [p, join(webDir, "src", `${p}.ts`)])),
  outdir,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["es2022"],
  minify: true,
  sourcemap: false,
  legalComments: "none",
  logLevel: "warning",
  plugins: [workspaceSources, precompiledAjvPlugin(root)],
});
const template = readFileSync(join(webDir, "page.template.html"), "utf8");
for (const [page, title] of Object.entries(TITLES))
  writeFileSync(
    join(outdir, `${page}.html`),
    template.replaceAll("{{page}}", page).replaceAll("{{title}}", title),
  );
for (const f of readdirSync(webDir))
  if (f.endsWith(".css") || f.endsWith(".svg")) copyFileSync(join(webDir, f), join(outdir, f));
console.log(`web pages built in ${Date.now() - started} ms -> ${outdir}`);
