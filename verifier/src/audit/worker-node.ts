/**
 * Worker thread of the auditor's pool (pool-node.ts): `{ id, job: RunnerJob }` answers
 * `{ id, out: RunnerResult }` (findings of the proofs, partial sums of the counted ballots), a
 * crash `{ id, error }`.
 */
import { parentPort } from "node:worker_threads";
import { runBatch, type RunnerJob } from "./runner.js";

if (!parentPort) throw new Error("worker-node must run in a worker thread");
const port = parentPort;
port.on("message", (m: { id: number; job: RunnerJob }) => {
  try {
    port.postMessage({ id: m.id, out: runBatch(m.job) });
  } catch (e) {
    port.postMessage({
      id: m.id,
      error: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
    });
  }
});
