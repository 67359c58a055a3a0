/**
 * The crypto pool when a worker fails (issue 17: a 500 under a connection flood came from
 * `Worker initialization failure: EMFILE` rejecting the requests queued on that worker). The
 * failed worker is replaced and its tasks run again on the replacement: for lack of resources
 * after a backoff, as long as it takes; for another failure on at most 3 workers. An error that
 * names such a lack of resources answers 503, never 500.
 */
import type { Worker } from "node:worker_threads";
import { afterEach, expect, test } from "vitest";
import type { Entry } from "@urna/schemas";
import { entryLeaf } from "@urna/verifier";
import { signedMessage } from "../../src/server/crypto-work.js";
import { toApiError } from "../../src/server/routes.js";
import { CryptoPool } from "../../src/server/worker-pool.js";
import { signEntry } from "../../src/entry-sign.js";

const seed = new Uint8Array(32).fill(7);
const good = signEntry(
  "voting.open",
  "e1",
  { at: "2024-06-02T08:00:00Z" },
  seed,
) as unknown as Entry;
const bad = { ...good, body: { at: "2024-06-02T08:00:01Z" } } as Entry;

const pools: CryptoPool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.close();
});

/** The pool's current worker threads (private: the test plays the failure). */
const workers = (p: CryptoPool): Array<Worker | undefined> =>
  (p as unknown as { slots: Array<{ worker: Worker | undefined }> }).slots.map((s) => s.worker);

const online = async (p: CryptoPool): Promise<void> => {
  // a task answered is a worker that runs
  expect(await p.run([], good)).toEqual([]);
};

test("a worker that cannot start for lack of descriptors: its tasks wait and are answered by the replacement", async () => {
  const pool = new CryptoPool({ size: 1 });
  pools.push(pool);
  await online(pool);
  const first = workers(pool)[0]!;
  const tasks = [
    pool.run([], good),
    pool.run([], bad),
    pool.runSigned([], signedMessage(good, entryLeaf(good))),
  ];
  // What node reports when a worker's start finds no descriptor (ERR_WORKER_INIT_FAILED).
  first.emit(
    "error",
    Object.assign(new Error("Worker initialization failure: EMFILE"), {
      code: "ERR_WORKER_INIT_FAILED",
    }),
  );
  expect(pool.busy).toBe(3); // held, not rejected
  expect(workers(pool)[0]).toBeUndefined(); // the replacement starts after a backoff
  const [a, b, c] = await Promise.all(tasks);
  expect(a).toEqual([]);
  expect(b[0]?.code).toBe("BAD_SIGNATURE");
  expect(c).toEqual([]);
  expect(workers(pool)[0]).toBeDefined();
  expect(workers(pool)[0]).not.toBe(first);
  await first.terminate();
});

test("a worker that exits: its tasks run again on the replacement; a task that kills 3 workers is rejected", async () => {
  const pool = new CryptoPool({ size: 1 });
  pools.push(pool);
  await online(pool);
  const task = pool.run([], bad);
  await workers(pool)[0]!.terminate(); // exits with code 1 before answering
  expect((await task)[0]?.code).toBe("BAD_SIGNATURE");
  // A task whose worker dies every time it runs is rejected after 3 workers.
  const doomed = pool.run([], good).then(
    () => "answered",
    (e: Error) => e.message,
  );
  const kill = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) {
      const w = workers(pool)[0]!;
      await w.terminate();
      await new Promise((r) => setImmediate(r));
    }
  };
  await kill();
  expect(await doomed).toMatch(/^crypto worker exited/);
});

test("an error naming a lack of resources is a retryable 503, never a 500", () => {
  for (const msg of [
    "Worker initialization failure: EMFILE",
    "spawn ENFILE",
    "IO error: x.ldb: Too many open files",
    "write ENOSPC",
  ]) {
    const api = toApiError(new Error(msg));
    expect([api.status, api.code], msg).toEqual([503, "LOG_UNAVAILABLE"]);
    expect(api.message).not.toContain("x.ldb");
  }
  expect(toApiError(new Error("something else")).status).toBe(500);
});
