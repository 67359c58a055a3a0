/**
 * Worker thread of the write path's crypto pool (worker-pool.ts): receives `{ id, work }`,
 * answers `{ id, findings }` from the verifier's own `verifyCryptoWork`, or `{ id, error }`.
 */
import { parentPort } from "node:worker_threads";
import { verifyCryptoWork } from "./crypto-work.js";

if (!parentPort) throw new Error("crypto-worker must run in a worker thread");
const port = parentPort;
port.on("message", (m: { id: number; work: unknown[] }) => {
  try {
    port.postMessage({ id: m.id, findings: verifyCryptoWork(m.work) });
  } catch (e) {
    port.postMessage({ id: m.id, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }
});
