/**
 * Where a worker thread's code is (Node-only): the compiled `<name>.js` next to the calling
 * module when running from dist/, else its `<name>.ts` source loaded through tsx (tests, the
 * demo and benchmarks run from source). Used by every worker pool of the project.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface WorkerScript {
  url: URL;
  /** Code for `new Worker(code, { eval: true })` when the source needs tsx. */
  eval?: string;
}

/** `from` is the calling module's `import.meta.url`; `name` the worker module's base name. */
export function workerScript(from: string, name: string): WorkerScript {
  const js = new URL(`./${name}.js`, from);
  if (!from.endsWith(".ts") && existsSync(fileURLToPath(js))) return { url: js };
  const ts = new URL(`./${name}.ts`, from);
  const require = createRequire(from);
  const api = pathToFileURL(
    require.resolve("tsx/esm/api").replace(/index\.cjs$/, "index.mjs"),
  ).href;
  const code =
    `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(ts.href)}); })` +
    `.catch((e) => { console.error(e); process.exit(1); });`;
  return { url: ts, eval: code };
}
