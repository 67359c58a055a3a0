/**
 * Worker thread of the auditor's pool (pool-node.ts): `{ id, op: "verify", work }` answers
 * `{ id, out: Finding[] }`, `{ id, op: "sum", job }` answers `{ id, out: SumResult }`, and a
 * crash answers `{ id, error }`.
 */
import { parentPort } from "node:worker_threads";
import { verifyBatch } from "./runner.js";
import { sumBallots } from "./tally-sum.js";

if (!parentPort) throw new Error("worker-node must run in a worker thread");
const port = parentPort;
port.on("message", (m: { id: number; op: "verify" | "sum"; work?: unknown; job?: unknown }) => {
  try {
    const out = m.op === "verify" ? verifyBatch(m.work as Parameters<typeof verifyBatch>[0]) : sumBallots(m.job as Parameters<typeof sumBallots>[0]);
    port.postMessage({ id: m.id, out });
  } catch (e) {
    port.postMessage({ id: m.id, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }
});
port.postMessage({ ready: true });
