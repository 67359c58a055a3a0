/**
 * The shared thread pool (verifier/src/thread-pool-node.ts, piscina) with the auditor's real
 * worker module: answers, a thread that exits is replaced, closing rejects what is left.
 */
import { afterEach, expect, test } from "vitest";
import type { RunnerJob } from "../src/audit/runner.js";
import type { WorkerAnswer } from "../src/audit/worker-node.js";
import { WorkerPool } from "../src/audit/pool-node.js";
import { ThreadPool } from "../src/thread-pool-node.js";

const pools: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.close();
});

const auditPool = (size: number): ThreadPool<RunnerJob, WorkerAnswer> => {
  const p = new ThreadPool<RunnerJob, WorkerAnswer>({
    from: new URL("../src/audit/pool-node.ts", import.meta.url).href,
    name: "worker-node",
    size,
  });
  pools.push(p);
  return p;
};

const sumJob = (n: number): RunnerJob => ({
  work: [],
  sum: {
    manifest: { contests: [] },
    ballots: Array.from({ length: n }, (_, i) => ({ index: i, contests: [] })),
  },
});

test("tasks are answered by the worker module, in the order of their promises", async () => {
  const pool = auditPool(2);
  const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => pool.run(sumJob(n))));
  expect(answers.map((a) => a.error)).toEqual([
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
  expect(answers.map((a) => (a.error === undefined ? a.out.findings : undefined))).toEqual([
    [],
    [],
    [],
    [],
    [],
  ]);
  expect(pool.threads.length).toBe(2);
});

test("a thread that exits is replaced and the pool goes on answering", async () => {
  const pool = auditPool(1);
  expect((await pool.run(sumJob(1))).error).toBeUndefined();
  const first = pool.threads[0];
  await first.terminate();
  await new Promise((r) => setImmediate(r));
  const again = await pool.run(sumJob(2));
  expect(again.error).toBeUndefined();
  expect(pool.threads.length).toBe(1);
  expect(pool.threads[0]).not.toBe(first);
});

test("a thread that fails idle does not end the process, and is replaced", async () => {
  const pool = auditPool(1);
  expect((await pool.run(sumJob(1))).error).toBeUndefined();
  pool.threads[0].emit("error", new Error("boom"));
  expect(pool.lastError?.message).toBe("boom");
  expect((await pool.run(sumJob(3))).error).toBeUndefined();
  expect(pool.threads.length).toBe(1);
});

test("the auditor's pool: closing rejects later runs", async () => {
  const pool = new WorkerPool(1);
  const r = await pool.run({ work: [] });
  expect(r.findings).toEqual([]);
  await pool.close();
  await expect(
    pool.run({ work: [], sum: { manifest: { contests: [] }, ballots: [] } }),
  ).rejects.toThrow(/closed/);
});
