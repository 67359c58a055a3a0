/**
 * Transparency-log benchmark: durable appends per second through the
 * sequencer (group commit, level storage with fsync, one signed checkpoint
 * per batch, signer state file per batch), peak RSS, proof times at the final
 * size, and a naive baseline that rebuilds the tree with merkletreejs for
 * every batch (measured on a smaller count, extrapolated).
 *
 *   npm run bench -- log [--entries 1000000] [--entry-size 1024]
 *        [--concurrency 1024] [--baseline-entries 30000] [--dir PATH] [--keep]
 */
import { register } from "node:module";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, totalmem, tmpdir, platform, release } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

// Run against the packages' TypeScript sources (as vitest does), not possibly stale dist/ builds.
const hook = `
const map = { "@urna/verifier": "verifier", "@urna/schemas": "schemas", "@urna/board": "board" };
export async function resolve(spec, ctx, next) {
  const pkg = map[spec];
  if (pkg) return next(new URL("../" + pkg + "/src/index.ts", ${JSON.stringify(import.meta.url)}).href, ctx);
  return next(spec, ctx);
}`;
register("data:text/javascript," + encodeURIComponent(hook));

const { values: args } = parseArgs({
  options: {
    entries: { type: "string", default: "1000000" },
    "entry-size": { type: "string", default: "1024" },
    concurrency: { type: "string", default: "1024" },
    "baseline-entries": { type: "string", default: "30000" },
    dir: { type: "string" },
    keep: { type: "boolean", default: false },
  },
});
const N = Number(args.entries);
const ENTRY = Number(args["entry-size"]);
const CONC = Number(args.concurrency);
const BASE_N = Math.min(Number(args["baseline-entries"]), N);

const log = await import("../board/src/log/index.js");
const v = await import("../verifier/src/index.js");
const { MerkleTree } = await import("merkletreejs");

const fmt = (n: number, d = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
const mib = (b: number) => `${fmt(b / 2 ** 20, 1)} MiB`;

console.log("== urna transparency log benchmark ==");
console.log(
  `machine: ${cpus()[0]?.model ?? "?"}, ${cpus().length} cores, ${mib(totalmem())} RAM, ${platform()} ${release()}`,
);
console.log(
  `load average at start: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(", ")} (other processes share the machine)`,
);
console.log(
  `node ${process.version}; entries ${fmt(N)} x ${fmt(ENTRY)} B; ${fmt(CONC)} concurrent appenders; batches <= 256 entries / 50 ms`,
);

// ---------------------------------------------------------------------------
// Entries: JSON-like lines with a base64 payload (ciphertext-like, incompressible), unique per index.
const POOL = 4096;
const payloads = Array.from({ length: POOL }, () =>
  randomBytes(Math.ceil((ENTRY * 3) / 4)).toString("base64"),
);
const enc = new TextEncoder();
function entry(i: number): Uint8Array {
  const head = `{"type":"ballot","i":${i},"c":"`;
  const body = payloads[i % POOL].slice(0, Math.max(0, ENTRY - head.length - 2));
  return enc.encode(head + body + '"}');
}

// ---------------------------------------------------------------------------
// RSS sampling
let peakRss = 0;
const sample = () => {
  const r = process.memoryUsage().rss;
  if (r > peakRss) peakRss = r;
  return r;
};
const sampler = setInterval(sample, 100);
const rssAt: Array<[number, number]> = [];

const dir = args.dir ?? (await mkdtemp(join(tmpdir(), "urna-bench-log-")));
const storage = await log.LevelLogStorage.open(join(dir, "db"), "bench");
const origin = log.checkpointOrigin("bench.example.org", "bench");
const signer = await log.CheckpointSigner.open({
  origin,
  key: log.nodeEd25519Signer(origin, randomBytes(32)),
  statePath: join(dir, "signer.json"),
});
const seq = await log.Sequencer.open({ storage, signer });
console.log(`data dir: ${dir}`);

// ---------------------------------------------------------------------------
// Durable appends
let issued = 0;
let acked = 0;
let lastCheckpointSize = 0;
let checkpoints = 0;
const t0 = performance.now();
let nextReport = N / 10;
async function appender(): Promise<void> {
  while (issued < N) {
    const i = issued++;
    const r = await seq.append(entry(i));
    if (r.index !== i && r.index < 0) throw new Error("bad index");
    acked++;
    if (r.size !== lastCheckpointSize) {
      lastCheckpointSize = r.size;
      checkpoints++;
    }
    if (acked >= nextReport) {
      nextReport += N / 10;
      const s = (performance.now() - t0) / 1000;
      rssAt.push([acked, sample()]);
      console.log(
        `  ${fmt(acked).padStart(11)} acked  ${fmt(s, 1).padStart(6)} s  ${fmt(acked / s).padStart(8)} /s  rss ${mib(sample())}`,
      );
    }
  }
}
await Promise.all(Array.from({ length: CONC }, appender));
const elapsed = (performance.now() - t0) / 1000;
await seq.close();
if (process.env.LEVEL_STATS)
  console.log(
    (storage.db as unknown as { getProperty(p: string): string }).getProperty("leveldb.stats"),
  );
const rate = N / elapsed;
console.log(
  `durable appends: ${fmt(N)} in ${fmt(elapsed, 2)} s = ${fmt(rate)} appends/s (${fmt(checkpoints)} checkpoints, ${fmt(N / checkpoints, 1)} entries/batch)`,
);
console.log(
  `load average after the appends: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(", ")}`,
);
console.log(
  `peak RSS (sampled every 100 ms): ${mib(peakRss)}; RSS at 10%..100%: ${rssAt.map(([, r]) => fmt(r / 2 ** 20)).join(", ")} MiB`,
);

// ---------------------------------------------------------------------------
// Proofs at the final size, from stored tiles. Cold = fresh reader (empty caches).
const size = seq.size;
const head = seq.head();
const rnd = (n: number) => Math.floor(Math.random() * n);
const time = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const s = performance.now();
  const r = await f();
  return [r, performance.now() - s];
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const incl: number[] = [];
const cons: number[] = [];
const inclWarm: number[] = [];
for (let k = 0; k < 20; k++) {
  const cold = await log.LogReader.open(storage);
  const i = rnd(size);
  const [p, ti] = await time(() => cold.inclusionProof(i, size));
  v.verifyInclusion(await cold.leafHashAt(i), i, size, p, head.root);
  incl.push(ti);
  const [, tw] = await time(() => cold.inclusionProof(i, size));
  inclWarm.push(tw);
  const cold2 = await log.LogReader.open(storage);
  const s1 = 1 + rnd(size - 1);
  const [c, tc] = await time(() => cold2.consistencyProof(s1, size));
  v.verifyConsistency(s1, size, c, await cold2.rootAt(s1), head.root);
  cons.push(tc);
}
console.log(
  `proofs at size ${fmt(size)} (median of 20, cold caches, verified): inclusion ${fmt(median(incl), 2)} ms ` +
    `(warm ${fmt(median(inclWarm), 3)} ms), consistency ${fmt(median(cons), 2)} ms`,
);
await storage.close();
clearInterval(sampler);

// ---------------------------------------------------------------------------
// Naive baseline: rebuild the whole tree with merkletreejs after every batch of 256 (tree hashing only:
// no storage, no fsync, no signing), as a log without a compact range or tiles would have to.
if (BASE_N > 0) {
  const sha = (b: Buffer) => createHash("sha256").update(b).digest();
  const ONE = Buffer.from([1]);
  const concatenator = (bufs: Buffer[]) => Buffer.concat([ONE, ...bufs]);
  const leaves: Buffer[] = [];
  let sxy = 0;
  let sxx = 0;
  let baseTotal = 0;
  let baseRoot: Buffer | undefined;
  for (let n = 0; n < BASE_N;) {
    const b = Math.min(256, BASE_N - n);
    for (let j = 0; j < b; j++) leaves.push(Buffer.from(v.leafHash(entry(n + j))));
    n += b;
    const s = performance.now();
    const tree = new MerkleTree(leaves, sha, { concatenator });
    baseRoot = tree.getRoot();
    const ms = performance.now() - s;
    baseTotal += ms;
    sxy += n * ms;
    sxx += n * n;
  }
  // The baseline computes the same RFC 6962 root as the log did over the same entries.
  const check = await log.LevelLogStorage.open(join(dir, "db"), "bench");
  const sameRoot = v.bytesEqual(
    new Uint8Array(baseRoot!),
    await (await log.LogReader.open(check)).rootAt(BASE_N),
  );
  await check.close();
  // Each rebuild hashes the whole tree: cost proportional to its size. Least-squares slope through the
  // origin over every measured rebuild, then summed over the 256-entry batches up to N.
  const perLeaf = sxy / sxx; // ms per leaf per rebuild
  let extrapolated = 0;
  for (let n = 256; n - 256 < N; n += 256) extrapolated += perLeaf * Math.min(n, N);
  const ours = elapsed * 1000;
  console.log(
    `naive baseline (merkletreejs rebuild after each 256-entry batch, tree hashing only): measured ${fmt(BASE_N)} entries in ` +
      `${fmt(baseTotal / 1000, 2)} s, root ${sameRoot ? "matches" : "DIFFERS FROM"} the log's; ${fmt(perLeaf * 1e6, 0)} ns per leaf per rebuild`,
  );
  console.log(
    `  at ${fmt(BASE_N)} entries: naive ${fmt(baseTotal / 1000, 2)} s vs ${fmt(BASE_N / rate, 2)} s for the durable log at its measured rate (${fmt(baseTotal / 1000 / (BASE_N / rate), 1)}x)`,
  );
  console.log(
    `  extrapolated to ${fmt(N)} entries (quadratic: sum over ${fmt(Math.ceil(N / 256))} rebuilds): naive ~${fmt(extrapolated / 1000, 0)} s ` +
      `(~${fmt(extrapolated / 3.6e6, 1)} h) vs ${fmt(ours / 1000, 1)} s measured: ~${fmt(extrapolated / ours, 0)}x`,
  );
}
if (!args.keep && !args.dir) await rm(dir, { recursive: true, force: true });
