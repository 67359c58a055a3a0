/**
 * Worker thread of the write path's crypto pool (worker-pool.ts): receives `{ id, work, entry }`,
 * answers `{ id, findings }` from the verifier's own checks (crypto-work.ts), or `{ id, error }`.
 *
 * Micro-batching: tasks that queue up while the worker is busy are verified together, so that
 * their proofs share one batch verification (one multi-scalar multiplication); if the batch
 * has any finding, each of its tasks is verified alone to attribute the findings exactly.
 */
import { parentPort } from "node:worker_threads";
import {
  verifyCryptoWork,
  verifyEntrySignatureOnly,
  verifySignedMessage,
  withEntryBody,
} from "./crypto-work.js";
import type { PoolFinding, SignedMessage } from "./worker-pool.js";

interface Task {
  id: number;
  work: unknown[];
  entry?: unknown;
  signed?: SignedMessage;
}

if (!parentPort) throw new Error("crypto-worker must run in a worker thread");
const port = parentPort;
const MAX_BATCH = 16;
let queue: Task[] = [];
let scheduled = false;

/** Answers of the current drain, posted together at its end (one message). */
let answers: Array<{ id: number; findings?: PoolFinding[]; error?: string }> = [];

function answer(t: Task, f: () => PoolFinding[]): void {
  try {
    answers.push({ id: t.id, findings: f() });
  } catch (e) {
    answers.push({
      id: t.id,
      error: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
    });
  }
}

function flushAnswers(): void {
  if (answers.length === 0) return;
  port.postMessage({ answers });
  answers = [];
}

function drain(): void {
  scheduled = false;
  while (queue.length > 0) {
    const batch = queue.slice(0, MAX_BATCH);
    queue = queue.slice(MAX_BATCH);
    // Signatures first, one by one; tasks with a bad signature are answered at once.
    const good: Task[] = [];
    for (const t of batch) {
      let bad: PoolFinding[] = [];
      try {
        if (t.signed !== undefined) {
          bad = verifySignedMessage(t.signed);
          if (bad.length === 0) t.work = withEntryBody(t.work, t.signed);
        } else bad = verifyEntrySignatureOnly(t.entry);
      } catch (e) {
        answer(t, () => {
          throw e;
        });
        continue;
      }
      if (bad.length > 0) answer(t, () => bad);
      else good.push(t);
    }
    const withWork = good.filter((t) => t.work.length > 0);
    for (const t of good) if (t.work.length === 0) answer(t, () => []);
    if (withWork.length === 1) answer(withWork[0], () => verifyCryptoWork(withWork[0].work));
    else if (withWork.length > 1) {
      let together: PoolFinding[] | undefined;
      try {
        together = verifyCryptoWork(withWork.flatMap((t) => t.work));
      } catch {
        together = undefined;
      }
      if (together !== undefined && together.length === 0)
        for (const t of withWork) answer(t, () => []);
      else for (const t of withWork) answer(t, () => verifyCryptoWork(t.work));
    }
    flushAnswers(); // after each batch, so that a long queue still answers as it goes
  }
}

port.on("message", (m: Task | { tasks: Task[] }) => {
  if ("tasks" in m) for (const t of m.tasks) queue.push(t);
  else queue.push(m);
  if (!scheduled) {
    scheduled = true;
    setImmediate(drain);
  }
});
