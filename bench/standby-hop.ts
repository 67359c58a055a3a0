/**
 * What a standby's forwarding hop costs: `npm run bench -- standby-hop [--requests N] [--body B]`.
 *
 * A stub sequencer (a node:http server that reads the body and answers 201 at once, no board
 * work) holds the lease of a throw-away PostgreSQL cluster's database and advertises its URL; a
 * standby front (board/src/server/standby.ts) forwards to it. The same POSTs go straight to the
 * stub and through the front, one at a time and 16 at a time, all in this one process: the
 * difference in latency is the hop's, and the difference in CPU per request (this process does
 * everything) is the front's own work (parsing and writing each request and answer again).
 *
 *   --requests N   requests per measured run (default 3000; 300 more warm up each)
 *   --body B       request body bytes (default 400, a small entry; a ballot is ~6,000)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, createServer, request } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startPgCluster } from "../tests/fixtures/pg-cluster.js";
import { standbyFront } from "../board/src/server/standby.js";
import { PostgresBoardStore } from "../board/src/store/index.js";

const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "3000" },
    body: { type: "string", default: "400" },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  process.stdout.write("npm run bench -- standby-hop [--requests N] [--body BYTES]\n");
  process.exit(0);
}
const N = Number(args.requests);
const body = Buffer.alloc(Number(args.body), 0x78);

const cluster = await startPgCluster();
const dir = mkdtempSync(join(tmpdir(), "urna-bench-hop-"));
const stub = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(201, { "content-type": "application/json" });
    res.end('{"index":1}');
  });
});
stub.keepAliveTimeout = 65_000;
await new Promise<void>((r) => stub.listen(0, "127.0.0.1", () => r()));
const stubUrl = `http://127.0.0.1:${(stub.address() as { port: number }).port}`;
const url = await cluster.createDatabase();
const store = await PostgresBoardStore.open({
  url,
  boardName: "hop",
  signerStatePath: join(dir, "state"),
  advertiseUrl: stubUrl,
  leaseTtlMs: 600_000,
});
const front = standbyFront({ store: url });
const { url: frontUrl } = await front.listen(0, "127.0.0.1");
const agent = new Agent({ keepAlive: true });

const post = (base: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const r = request(
      `${base}/elections/x/entries`,
      { method: "POST", agent, headers: { "content-length": body.length } },
      (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 201 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    r.on("error", reject);
    r.end(body);
  });

async function run(base: string, n: number, conc: number) {
  const lat: number[] = [];
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let i = 0;
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (i++ < n) {
        const t = performance.now();
        await post(base);
        lat.push(performance.now() - t);
      }
    }),
  );
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  lat.sort((a, b) => a - b);
  return {
    perSecond: Math.round((n / ms) * 1000),
    p50: lat[Math.floor(lat.length / 2)],
    p99: lat[Math.floor(lat.length * 0.99)],
    cpuUs: (cpu.user + cpu.system) / n,
  };
}

process.stdout.write(
  `# standby hop: ${N} POSTs of ${body.length} bytes per run; load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(
      " ",
    )}\n| clients | path | requests/s | p50 ms | p99 ms | CPU µs per request (all in this process) |\n| --- | --- | --- | --- | --- | --- |\n`,
);
try {
  for (const conc of [1, 16])
    for (const [label, base] of [
      ["direct", stubUrl],
      ["through the standby", frontUrl],
    ] as const) {
      await run(base, 300, conc);
      const r = await run(base, N, conc);
      process.stdout.write(
        `| ${conc} | ${label} | ${r.perSecond} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${Math.round(r.cpuUs)} |\n`,
      );
    }
  process.stdout.write(
    `load after: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}\n`,
  );
} finally {
  await front.close();
  await store.close();
  stub.close();
  agent.destroy();
  await cluster.destroy();
  rmSync(dir, { recursive: true, force: true });
}
