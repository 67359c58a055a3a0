// Worker threads do not inherit the parent's `--import tsx` hooks: register them here, then
// load the TypeScript module named by the worker's `workerData.module` (a file URL).
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.module);
