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

/** The URL of tsx's ESM API (its `register()` adds TypeScript to a worker thread). */
function tsxApi(from: string): string {
  const require = createRequire(from);
  return pathToFileURL(require.resolve("tsx/esm/api").replace(/index\.cjs$/, "index.mjs")).href;
}

/** The compiled `<name>.js` beside `from`, if `from` runs compiled. */
function compiled(from: string, name: string): URL | undefined {
  const js = new URL(`./${name}.js`, from);
  return !from.endsWith(".ts") && existsSync(fileURLToPath(js)) ? js : undefined;
}

/**
 * A worker module whose default export handles a task (thread-pool-node.ts): the compiled
 * `<name>.js` beside `from`, or, from source, worker-bootstrap-tsx.mjs with `workerData` naming
 * the `<name>.ts` to load through tsx.
 */
export interface WorkerModule {
  filename: string;
  workerData?: { urnaWorker: { tsx: string; module: string } };
}

export function workerModule(from: string, name: string): WorkerModule {
  const js = compiled(from, name);
  if (js) return { filename: fileURLToPath(js) };
  // src/ and dist/ are both one level below the package: the bootstrap stays in src/.
  const bootstrap = new URL("../src/worker-bootstrap-tsx.mjs", import.meta.url);
  return {
    filename: fileURLToPath(bootstrap),
    workerData: {
      urnaWorker: { tsx: tsxApi(from), module: new URL(`./${name}.ts`, from).href },
    },
  };
}

/** `from` is the calling module's `import.meta.url`; `name` the worker module's base name. */
export function workerScript(from: string, name: string): WorkerScript {
  const js = compiled(from, name);
  if (js) return { url: js };
  const ts = new URL(`./${name}.ts`, from);
  const api = tsxApi(from);
  const code =
    `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(ts.href)}); })` +
    `.catch((e) => { console.error(e); process.exit(1); });`;
  return { url: ts, eval: code };
}
