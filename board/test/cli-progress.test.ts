/** stepProgress: a long CLI step is never silent for more than `quietMs`, nor chatty. */
import { setTimeout as sleep } from "node:timers/promises";
import { expect, test } from "vitest";
import { stepProgress } from "../src/cli-progress.js";

test("a heartbeat after quietMs of silence, with the latest state; updates at most every everyMs", async () => {
  const lines: string[] = [];
  const p = stepProgress("export e1", {
    write: (l) => lines.push(l),
    everyMs: 200,
    quietMs: 150,
  });
  p.update("a"); // the step's start counts as said: no line before everyMs
  for (let i = 0; i < 10; i++) p.update(`b${i}`); // a burst: at most one line
  expect(lines.length).toBeLessThanOrEqual(1);
  await sleep(450);
  // Silent since the start: heartbeats carry the latest state.
  expect(lines.some((l) => /^export e1: still working \(\d+ s; b9\)$/.test(l))).toBe(true);
  p.update("c");
  p.stop();
  const n = lines.length;
  await sleep(400);
  expect(lines.length).toBe(n); // nothing after stop
});
