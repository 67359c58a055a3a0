/**
 * Benchmark dispatcher: `npm run bench -- <name> [args...]` runs bench/<name>.ts.
 * Each benchmark prints its figures with the machine it ran on.
 */
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const names = readdirSync(here)
  .filter((f) => f.endsWith(".ts") && f !== "run.ts" && !f.startsWith("_"))
  .map((f) => f.slice(0, -3));
const [name, ...rest] = process.argv.slice(2);
if (!name || name === "--help" || !names.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${names.join("|")}> [options]\n`);
  process.exit(name === "--help" ? 0 : 2);
}
process.argv = [process.argv[0], join(here, `${name}.ts`), ...rest];
await import(pathToFileURL(join(here, `${name}.ts`)).href);
