/** The witnessing's retry timer (board/src/witnessing/retry-timer.ts), on real timers. */
import { setTimeout as sleep } from "node:timers/promises";
import { expect, test } from "vitest";
import { RetryTimer } from "../../src/witnessing/retry-timer.js";

test("one pending retry: a second schedule neither adds a run nor pushes the first back", async () => {
  const runs: number[] = [];
  const t0 = Date.now();
  const t = new RetryTimer(() => runs.push(Date.now() - t0));
  t.schedule(30);
  await sleep(10);
  t.schedule(200);
  await sleep(80); // due before a retry pushed back to 210 ms (timers fire in due order)
  expect(runs).toHaveLength(1);
  // Once it ran, the next schedule is taken.
  t.schedule(0);
  await sleep(30);
  expect(runs).toHaveLength(2);
});

test("cancel drops the pending retry; after stop nothing is scheduled any more", async () => {
  let runs = 0;
  const t = new RetryTimer(() => void runs++);
  t.schedule(20);
  t.cancel();
  await sleep(50);
  expect(runs).toBe(0);
  t.schedule(20);
  t.stop();
  expect(t.stopped).toBe(true);
  t.schedule(0);
  await sleep(50);
  expect(runs).toBe(0);
});
