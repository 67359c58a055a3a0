/**
 * Benchmark of the thread pools on the board's small-entry path: N signed entries (signature
 * checks only), 64 callers each posting one after the other, through the board's CryptoPool
 * (tasks of one event-loop turn in one message, checked in one batch by the worker) and through
 * the piscina-backed ThreadPool (verifier/src/thread-pool-node.ts, one message per task).
 * Prints tasks per second and the process's CPU (main thread and workers) for each, one pool
 * after the other, `--rounds` times.
 *
 *   npm run bench -- pool [--tasks 4000] [--rounds 3]
 */
import type { Entry } from "@urna/schemas";
import { entryLeaf } from "@urna/verifier";
import { signedMessage } from "../board/src/server/crypto-work.js";
import {
  CryptoPool,
  type PoolFinding,
  type SignedMessage,
} from "../board/src/server/worker-pool.js";
import { signEntry } from "../board/src/entry-sign.js";
import { ThreadPool } from "../verifier/src/thread-pool-node.js";

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v < 1) {
    process.stderr.write(`--${name} needs a positive integer\n`);
    process.exit(2);
  }
  return v;
}
if (process.argv.includes("--help")) {
  process.stdout.write("usage: npm run bench -- pool [--tasks N] [--rounds R]\n");
  process.exit(0);
}
const N = option("tasks", 4000);
const ROUNDS = option("rounds", 3);
const CALLERS = 64;

const seed = new Uint8Array(32).fill(7);
const msgs: SignedMessage[] = Array.from({ length: N }, (_, i) => {
  const at = `2024-06-02T08:${String(Math.floor(i / 60) % 60).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}Z`;
  const e = signEntry("voting.open", "e1", { at }, seed) as unknown as Entry;
  return signedMessage(e, entryLeaf(e));
});

async function measure(
  name: string,
  run: (m: SignedMessage) => Promise<PoolFinding[]>,
): Promise<void> {
  for (const m of msgs.slice(0, 200)) await run(m); // warm-up: threads started, code compiled
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (next < N) if ((await run(msgs[next++])).length) throw new Error("bad signature");
    }),
  );
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1000;
  process.stdout.write(
    `${name}: ${N} tasks in ${ms.toFixed(0)} ms = ${Math.round((N / ms) * 1000)}/s; ` +
      `CPU ${cpu.toFixed(0)} ms = ${((cpu * 1000) / N).toFixed(0)} µs per task\n`,
  );
}

// The board's workers are unref'd (its server holds the event loop): hold it here.
const keep = setInterval(() => {}, 1000);
process.stderr.write(`pool benchmark: ${N} tasks, ${CALLERS} callers, 2 threads each\n`);
for (let r = 0; r < ROUNDS; r++) {
  const own = new CryptoPool({ size: 2 });
  await measure("board CryptoPool   ", (m) => own.runSigned([], m));
  await own.close();
  const tp = new ThreadPool<SignedMessage, PoolFinding[]>({
    from: import.meta.url,
    name: "_pool-signed-handler",
    size: 2,
  });
  await measure("piscina ThreadPool ", (m) => tp.run(m));
  await tp.close();
}
clearInterval(keep);
