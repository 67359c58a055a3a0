/**
 * Bulletin-board load benchmark: `npm run bench -- board [options]`.
 *
 * A board runs as its own process, exactly as deployed (`node board/bin/urna.js board serve`,
 * compiled JS, crypto worker threads), on loopback; this process is the load generator.
 *
 *   1. Ballots: many concurrent clients post pre-generated valid ballots (one contest of 10
 *      options, so 10 selections + 1 contest proof each) and measure accepted ballots/s, latency
 *      p50/p99 and the board's CPU use. Goal: >= 200 ballots/s with p99 < 1 s.
 *   2. Small entries: `credentials` batches of one credential (about 300 bytes, one Ed25519
 *      signature to check, no other crypto). Batches of one election must arrive in order, so
 *      each of E elections gets one client posting its batches back to back: first one entry
 *      per request (`POST .../entries`), then N per request (`POST .../bulk`, api.md), as a
 *      registrar or a forwarding front end would. Goal: >= 5,000/s.
 *
 * Ballots are expensive to generate (the voter's encryption and 11 range proofs each), so the
 * election setup and the ballots are generated once, in worker threads, and cached in
 * $TMPDIR/urna-bench-board-*.json; later runs replay the same signed setup entries on a fresh
 * board and post the same ballots.
 *
 *   --ballots N        ballots to post (default 1000)
 *   --clients C        concurrent ballot clients (default 64)
 *   --small N          small entries to post in each small-entry run (default 20000)
 *   --elections E      elections (= sequential clients) for small entries (default 128; 0 skips
 *                      the one-entry-per-request run)
 *   --bulk N           then small entries again, N per bulk request (default 32; 1 skips it)
 *   --bulk-elections E elections (= sequential clients) of the bulk run (default 16)
 *   --workers W        board crypto workers (default: one per core)
 *   --batch-delay-ms   the board's group-commit delay (default 50)
 *   --subscribers N    with the ballots: N live-feed subscribers (raw SSE connections on loopback,
 *                      reading everything) during a second ballot run; the ballots are split in
 *                      two halves, the first posted with no subscriber (the idle rate), the
 *                      second with N subscribers; both rates are reported (default 0: one run)
 *   --subscriber-view summary|full   what the subscribers ask for (`?view=`, api.md §Event
 *                      stream; default summary, the board's default: index, type, tracking code)
 *   --full-subscribers M   besides those, M subscribers asking for `?view=full` (every entry in
 *                      full; the board's default cap on such streams is 32); default 0
 *   --skip-ballots / --skip-small
 *   --via-standby      with two processes, every client posts to the standby (default: the
 *                      clients spread over both), so that every write takes the standby's path
 *   --store postgres[://USER@HOST:PORT/DB]   also run everything on PostgreSQL (README "Storage
 *                      engines"): each workload runs on level, then on PostgreSQL with one board
 *                      process, then with two (the second `--standby`, forwarding to the first;
 *                      the clients spread over both), in the same run so that the figures compare
 *                      under the same machine load; then the takeover time after `kill -9` of the
 *                      sequencer (--takeovers times). Each board gets a fresh database
 *                      `<DB>_bench_<n>`, created through the URL (needs CREATEDB) and dropped
 *                      after; plain `postgres` starts a throw-away cluster (tests/fixtures/pg-cluster.ts)
 *   --lease-ms MS      the lease's time to live in the takeover runs (default: the board's, 3 s;
 *                      the throughput runs always keep the board's default)
 *   --takeovers N      kill -9 repetitions for the takeover time (default 5; 0 skips them)
 *   --board-node-args "A B"   extra node flags for the board process (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p")
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  createPrivateKey,
  generateKeyPairSync,
  sign as nodeSign,
  type KeyObject,
} from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { register } from "node:module";
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from "node:os";
import { type Socket, connect } from "node:net";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";

// The fixture generator runs against the packages' TypeScript sources (as vitest does).
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
    ballots: { type: "string", default: "1000" },
    clients: { type: "string", default: "64" },
    small: { type: "string", default: "20000" },
    elections: { type: "string", default: "128" },
    bulk: { type: "string", default: "32" },
    "bulk-elections": { type: "string", default: "16" },
    workers: { type: "string" },
    "batch-delay-ms": { type: "string" },
    subscribers: { type: "string", default: "0" },
    "subscriber-view": { type: "string", default: "summary" },
    "full-subscribers": { type: "string", default: "0" },
    "skip-ballots": { type: "boolean", default: false },
    "skip-small": { type: "boolean", default: false },
    "via-standby": { type: "boolean", default: false },
    "board-node-args": { type: "string" },
    store: { type: "string" },
    "lease-ms": { type: "string" },
    takeovers: { type: "string", default: "5" },
  },
});
const BALLOTS = Number(args.ballots);
const CLIENTS = Number(args.clients);
const SMALL = Number(args.small);
const ELECTIONS = Number(args.elections);
const BULK = Number(args.bulk);
const WORKERS = args.workers !== undefined ? Number(args.workers) : availableParallelism();
const BULK_ELECTIONS = Number(args["bulk-elections"]);
const SUBSCRIBERS = Number(args.subscribers);
const FULL_SUBSCRIBERS = Number(args["full-subscribers"]);
const VIEW = args["subscriber-view"] === "full" ? "full" : "summary";
/** Streams asking for every entry in full. */
const FULL_STREAMS = FULL_SUBSCRIBERS + (VIEW === "full" ? SUBSCRIBERS : 0);
const OPTIONS = 10;

type FeedView = "summary" | "full";
const root = fileURLToPath(new URL("..", import.meta.url));
const { canonicalJson } = await import("@urna/schemas");
const { toBase64, fromBase64 } = await import("@urna/verifier");
const actors = await import("../board/src/actors/index.js");
const { createBoard } = await import("../board/src/server/index.js");
const { signEntry } = await import("../board/src/entry-sign.js");

const fmt = (x: number, d = 0) =>
  x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
const c0 = cpus()[0];
console.log(`# urna board benchmark`);

/** Where each workload runs: level, and with --store also PostgreSQL with one and two processes. */
interface Setup {
  readonly label: string;
  /** Board processes (PostgreSQL: the first sequences, the others are standbys). */
  readonly processes: number;
  readonly postgres: boolean;
  /** The standbys forward writes unchecked (`--forward-unchecked`): the sequencer checks all. */
  readonly unchecked?: boolean;
}
const LEVEL: Setup = { label: "level", processes: 1, postgres: false };
const SETUPS: Setup[] = args.store
  ? [
      LEVEL,
      { label: "postgres, 1 process", processes: 1, postgres: true },
      { label: "postgres, 2 processes", processes: 2, postgres: true },
      {
        label: "postgres, 2 processes, standby unchecked",
        processes: 2,
        postgres: true,
        unchecked: true,
      },
    ]
  : [LEVEL];
if (args.store && !/^postgres(ql)?(:\/\/.*)?$/.test(args.store)) {
  console.error("--store must be postgres or postgres://USER@HOST:PORT/DB");
  process.exit(2);
}
/** The PostgreSQL server: --store's URL, or a throw-away cluster for plain `--store postgres`. */
const pgServer = !args.store
  ? undefined
  : args.store.includes("://")
    ? { url: args.store, destroy: async () => undefined }
    : await (async () => {
        const { startPgCluster } = await import("../tests/fixtures/pg-cluster.js");
        process.stderr.write("starting a throw-away PostgreSQL cluster...\n");
        const c = await startPgCluster();
        return { url: c.url(), destroy: () => c.destroy() };
      })();
/** Every board process started, so that a failed run stops them (and the throw-away cluster). */
const spawned = new Set<ChildProcess>();
for (const ev of ["uncaughtException", "unhandledRejection"] as const)
  process.once(ev, (e: unknown) => {
    console.error(e);
    for (const p of spawned) p.kill("SIGKILL");
    void (pgServer?.destroy() ?? Promise.resolve()).finally(() => process.exit(1));
  });
const pgVersion = pgServer
  ? await (async () => {
      const { default: pg } = await import("pg");
      const c = new pg.Client({ connectionString: pgServer.url });
      await c.connect();
      const r = await c.query<{ v: string }>("SELECT current_setting('server_version') AS v");
      await c.end();
      return r.rows[0].v;
    })()
  : undefined;
console.log(
  `store: level${pgServer ? ` and PostgreSQL ${pgVersion} (${pgServer.url.replace(/:[^:@/]*@/, ":***@")}), each workload on both in the same run` : ""}`,
);
console.log(`board process: UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? "16"}`);
console.log(
  `machine: ${availableParallelism()} cores (${c0?.model ?? "?"}), ${fmt(totalmem() / 2 ** 30, 1)} GiB, node ${process.version}, load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);

// ---------------------------------------------------------------------------
// The board under test: a separate process from the compiled build.

process.stderr.write("building (tsc -b)...\n");
try {
  execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-b"], {
    cwd: root,
    stdio: "inherit",
  });
} catch {
  // tsc -b still emits JavaScript for projects with type errors; run what was emitted.
  process.stderr.write("tsc -b reported type errors (above); benchmarking the emitted build\n");
}

interface RunningBoard {
  /** The sequencer's URL. */
  url: string;
  /** Every process's URL (the sequencer's first); clients spread over them. */
  urls: string[];
  procs: ChildProcess[];
  /** CPU seconds (user + system, all threads) used so far. */
  cpu(): number;
  /** CPU seconds of the first process (the sequencer: no kills in the throughput runs). */
  sequencerCpu(): number;
  /** CPU seconds of the board's main (event-loop) thread alone. */
  mainCpu(): number;
  /** CPU seconds of each of the board's threads (by process and thread id). */
  threadCpu(): Map<string, number>;
  /** Peak resident memory (VmHWM) of each process, MiB. */
  peakRss(): number[];
  stop(): Promise<void>;
}

let storeCount = 0;
/** A fresh PostgreSQL database for one board (--store); returns its URL and how to drop it. */
async function freshDatabase(base: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const { default: pg } = await import("pg");
  const u = new URL(base);
  const name = `${u.pathname.slice(1) || "urna"}_bench_${process.pid}_${storeCount++}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}"`) };
}

/** One `urna board serve` process; `url` resolves once it listens (a standby: on its front). */
interface BoardProcess {
  proc: ChildProcess;
  url: Promise<string>;
  /** Resolves when it serves as the sequencer (it printed its JSON line). */
  sequencing: Promise<void>;
  /** Resolves when, as a standby, its lease thread asks for the lease (it is ready to take over). */
  waiting: Promise<void>;
  exited: Promise<void>;
}

function spawnBoard(dir: string, name: string, extra: string[]): BoardProcess {
  const proc = spawn(
    process.execPath,
    [
      ...(args["board-node-args"]?.split(" ").filter(Boolean) ?? []),
      join(root, "board/bin/urna.js"),
      "board",
      "serve",
      "--data",
      dir,
      "--port",
      "0",
      "--name",
      name,
      "--json",
      ...extra,
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
      // libuv's pool runs the board's fsyncs, LevelDB writes and checkpoint signatures; its default
      // 4 threads queue the signatures of 128 elections ahead of the commit's fsyncs. Must be set
      // before the process starts (deployments: the same variable in the service's environment).
      env: { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? "16" },
    },
  );
  spawned.add(proc);
  const exited = new Promise<void>((r) =>
    proc.once("exit", () => {
      spawned.delete(proc);
      r();
    }),
  );
  let standbyUrl: (u: string) => void = () => undefined;
  const standby = new Promise<string>((r) => (standbyUrl = r));
  let isWaiting: () => void = () => undefined;
  const waiting = new Promise<void>((r) => (isWaiting = r));
  proc.stderr!.on("data", (d: Buffer) => {
    for (const line of d.toString().split("\n")) {
      const m = /standby on (http:\/\/\S+)/.exec(line);
      if (m) standbyUrl(m[1]);
      if (line.includes("waiting for the sequencer lease")) isWaiting();
      if (
        line &&
        !/election \S+ created|listening on|shutting down|standby on|waiting for the sequencer lease|SIGKILL|store: postgres/.test(
          line,
        )
      )
        process.stderr.write(line + "\n");
    }
  });
  let out = "";
  const sequencing = new Promise<string>((resolve, reject) => {
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      try {
        resolve((JSON.parse(out) as { url: string }).url);
      } catch {
        /* incomplete */
      }
    });
    void exited.then(() =>
      reject(new Error(`board exited with ${proc.exitCode ?? proc.signalCode}`)),
    );
  });
  const sequencingDone = sequencing.then(() => undefined);
  sequencingDone.catch(() => undefined); // a standby stopped before it sequenced
  return {
    proc,
    url: Promise.race([sequencing, standby]),
    sequencing: sequencingDone,
    waiting,
    exited,
  };
}

/** /proc/<pid>/stat fields after the command name. */
const procStat = (path: string): string[] => readFileSync(path, "utf8").split(") ")[1].split(" ");
/** utime + stime in seconds (clock ticks, USER_HZ = 100). */
const statCpu = (f: string[]): number => (Number(f[11]) + Number(f[12])) / 100;

/**
 * The board under test: one process (level, or PostgreSQL) or, for `setup.processes` > 1, one
 * sequencer and standbys on the same fresh database, each with its own data folder holding the
 * sequencer's board key.
 */
async function startBoard(name: string, setup: Setup = LEVEL): Promise<RunningBoard> {
  const dirs = Array.from({ length: setup.processes }, () =>
    mkdtempSync(join(tmpdir(), "urna-bench-board-data-")),
  );
  const extra: string[] = [];
  const db = setup.postgres ? await freshDatabase(pgServer!.url) : undefined;
  // The board's default lease (10 s): a short one is lost when a loaded machine stalls the
  // sequencer's renewals (then it writes nothing more until restarted).
  if (db) extra.push("--store", db.url);
  if (args.workers) extra.push("--workers", args.workers);
  if (args["batch-delay-ms"]) extra.push("--batch-delay-ms", args["batch-delay-ms"]);
  // The subscribers all come from loopback: lift the connection caps for them.
  const streams = SUBSCRIBERS + FULL_SUBSCRIBERS;
  if (streams > 0)
    extra.push(
      "--max-connections",
      String(streams + CLIENTS + 64),
      "--max-connections-per-address",
      String(streams + CLIENTS + 64),
      "--max-streams",
      String(streams),
    );
  if (FULL_STREAMS > 32) extra.push("--max-full-streams", String(FULL_STREAMS));
  const first = spawnBoard(dirs[0], name, extra);
  const url = await first.url;
  const boards = [first];
  for (const dir of dirs.slice(1)) {
    copyFileSync(join(dirs[0], "board.key"), join(dir, "board.key"));
    boards.push(
      spawnBoard(dir, name, [
        ...extra,
        "--standby",
        ...(setup.unchecked ? ["--forward-unchecked"] : []),
      ]),
    );
  }
  const urls = [url, ...(await Promise.all(boards.slice(1).map((b) => b.url)))];
  const procs = boards.map((b) => b.proc);
  const threadCpu = (): Map<string, number> => {
    const out = new Map<string, number>();
    for (const p of procs)
      for (const t of readdirSync(`/proc/${p.pid}/task`)) {
        try {
          out.set(`${p.pid}/${t}`, statCpu(procStat(`/proc/${p.pid}/task/${t}/stat`)));
        } catch {
          /* the thread ended */
        }
      }
    return out;
  };
  const sum = (f: (pid: number) => number) => procs.reduce((n, p) => n + f(p.pid!), 0);
  const peakRss = () =>
    procs.map((p) => {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, "utf8"));
      return m ? Number(m[1]) / 1024 : NaN;
    });
  const stop = async () => {
    for (const b of boards.slice().reverse()) {
      b.proc.kill("SIGTERM");
      await b.exited;
    }
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  };
  return {
    url,
    urls,
    procs,
    cpu: () => sum((pid) => statCpu(procStat(`/proc/${pid}/stat`))),
    mainCpu: () => sum((pid) => statCpu(procStat(`/proc/${pid}/task/${pid}/stat`))),
    sequencerCpu: () => statCpu(procStat(`/proc/${procs[0].pid}/stat`)),
    threadCpu,
    peakRss,
    stop,
  };
}

async function post(
  url: string,
  body: string,
): Promise<{ status: number; ms: number; text: string }> {
  const t = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  const text = await res.text();
  return { status: res.status, ms: performance.now() - t, text };
}

/**
 * A minimal HTTP/1.1 client on one keep-alive TCP connection, one request at a time: a few µs of
 * CPU per request, against hundreds for fetch(), so that the load generator (on the same 2-core
 * machine) does not eat the CPU the board needs. Responses must carry Content-Length (express's
 * res.json does).
 */
class RawClient {
  readonly #sock: Socket;
  #buf: Buffer = Buffer.alloc(0);
  #waiting: ((r: { status: number; text: string }) => void) | undefined;
  #fail: ((e: Error) => void) | undefined;

  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    this.#sock = connect({ host, port, noDelay: true });
    this.#sock.on("data", (d: Buffer) => {
      this.#buf = this.#buf.length ? Buffer.concat([this.#buf, d]) : d;
      this.#parse();
    });
    this.#sock.on("error", (e) => this.#fail?.(e));
    this.#sock.on("close", () => this.#fail?.(new Error("connection closed")));
  }

  #parse(): void {
    const end = this.#buf.indexOf("\r\n\r\n");
    if (end < 0) return;
    const head = this.#buf.subarray(0, end).toString("latin1");
    const m = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!m) throw new Error(`response without content-length: ${head}`);
    const total = end + 4 + Number(m[1]);
    if (this.#buf.length < total) return;
    const text = this.#buf.subarray(end + 4, total).toString("utf8");
    this.#buf = this.#buf.subarray(total);
    const w = this.#waiting;
    this.#waiting = undefined;
    this.#fail = undefined;
    w?.({ status: Number(head.slice(9, 12)), text });
  }

  post(path: string, body: string): Promise<{ status: number; ms: number; text: string }> {
    const t = performance.now();
    const b = Buffer.from(body);
    return new Promise((resolve, reject) => {
      this.#waiting = (r) => resolve({ ...r, ms: performance.now() - t });
      this.#fail = reject;
      this.#sock.write(
        `POST ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\nContent-Type: application/json\r\nContent-Length: ${b.length}\r\n\r\n`,
      );
      this.#sock.write(b);
    });
  }

  close(): void {
    this.#fail = undefined;
    this.#sock.destroy();
  }
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

interface LoadResult {
  ok: number;
  failed: Map<string, number>;
  seconds: number;
  lat: number[];
  boardCpu: number;
  /** Of boardCpu, the sequencer process's (the first). */
  sequencerCpu: number;
  boardMainCpu: number;
  /** CPU seconds of the WORKERS busiest threads besides the event loop: the crypto workers. */
  workersCpu: number;
  /** CPU seconds of every thread besides the event loop, busiest first. */
  otherThreads: number[];
  genCpu: number;
}

/** The board process client `i` posts to: spread over all, or with --via-standby the standbys. */
const clientUrl = (board: RunningBoard, i: number): string =>
  args["via-standby"] && board.urls.length > 1
    ? board.urls[1 + (i % (board.urls.length - 1))]
    : board.urls[i % board.urls.length];

/**
 * Runs `clients` async loops over `jobs` (each job: [url, body]), or one sequential loop per
 * group, each on its own keep-alive connection, and measures.
 */
async function load(
  board: RunningBoard,
  jobs: Array<[string, string]>,
  clients: number,
  sequentialGroups?: Array<Array<[string, string]>>,
): Promise<LoadResult> {
  const lat: number[] = [];
  const failed = new Map<string, number>();
  let ok = 0;
  const cpu0 = board.cpu();
  const seq0 = board.sequencerCpu();
  const main0 = board.mainCpu();
  const threads0 = board.threadCpu();
  const gen0 = process.cpuUsage();
  const t0 = performance.now();
  const record = (r: { status: number; ms: number; text: string }): void => {
    lat.push(r.ms);
    if (r.status === 201) ok++;
    else if (r.status === 200 && !r.text.includes('"error"')) {
      // a bulk response where every entry was accepted: count them without parsing 15 KB of JSON
      // (the load generator shares the board's two cores)
      let at = -1;
      while ((at = r.text.indexOf('{"status":201,', at + 1)) >= 0) ok++;
    } else if (r.status === 200) {
      // a bulk response: one result per entry
      for (const x of (
        JSON.parse(r.text) as { results: Array<{ status: number; error?: { code?: string } }> }
      ).results) {
        if (x.status === 201) ok++;
        else {
          const code = `${x.status} ${x.error?.code ?? ""}`;
          failed.set(code, (failed.get(code) ?? 0) + 1);
        }
      }
    } else {
      const code = `${r.status} ${(JSON.parse(r.text) as { error?: { code?: string } }).error?.code ?? ""}`;
      failed.set(code, (failed.get(code) ?? 0) + 1);
    }
  };
  if (sequentialGroups) {
    // One keep-alive connection per sequential client, raw HTTP/1.1 (see RawClient).
    await Promise.all(
      sequentialGroups.map(async (g, i) => {
        if (g.length === 0) return;
        // Clients spread over the board's processes (the jobs' own host is the sequencer's).
        const u = new URL(clientUrl(board, i));
        const c = new RawClient(u.hostname, Number(u.port));
        try {
          for (const [url, body] of g) {
            record(await c.post(new URL(url).pathname, body));
          }
        } finally {
          c.close();
        }
      }),
    );
  } else {
    // Each client: one keep-alive connection, raw HTTP/1.1 (see RawClient).
    let next = 0;
    await Promise.all(
      Array.from({ length: clients }, async (_, i) => {
        if (jobs.length === 0) return;
        const u = new URL(clientUrl(board, i));
        const c = new RawClient(u.hostname, Number(u.port));
        try {
          while (next < jobs.length) {
            const [url, body] = jobs[next++];
            record(await c.post(new URL(url).pathname, body));
          }
        } finally {
          c.close();
        }
      }),
    );
  }
  const seconds = (performance.now() - t0) / 1000;
  const g = process.cpuUsage(gen0);
  return {
    ok,
    failed,
    seconds,
    lat: lat.sort((a, b) => a - b),
    boardCpu: board.cpu() - cpu0,
    sequencerCpu: board.sequencerCpu() - seq0,
    boardMainCpu: board.mainCpu() - main0,
    ...(() => {
      // The crypto workers: the busiest threads after the event loop (threads are not named).
      const d = [...board.threadCpu()]
        .filter(([t]) => !board.procs.some((p) => t === `${p.pid}/${p.pid}`))
        .map(([t, c]) => c - (threads0.get(t) ?? 0))
        .sort((x, y) => y - x);
      return { workersCpu: d.slice(0, WORKERS).reduce((x, y) => x + y, 0), otherThreads: d };
    })(),
    genCpu: (g.user + g.system) / 1e6,
  };
}

/** Every run's headline figures, for the side-by-side table at the end. */
const summary: Array<{
  workload: string;
  setup: string;
  rate: number;
  p50: number;
  p99: number;
  rss: number[];
}> = [];

function report(
  what: string,
  r: LoadResult,
  goal: string,
  perRequest = 1,
  setup: Setup = LEVEL,
  board?: RunningBoard,
): void {
  const rss = board?.peakRss() ?? [];
  summary.push({
    workload: what,
    setup: setup.label,
    rate: r.ok / r.seconds,
    p50: pct(r.lat, 50),
    p99: pct(r.lat, 99),
    rss,
  });
  if (SETUPS.length > 1) what = `${what} [${setup.label}]`;
  console.log(
    `${what}: ${fmt(r.ok)} accepted in ${fmt(r.seconds, 2)} s = ${fmt(r.ok / r.seconds, 1)}/s; latency${perRequest > 1 ? ` of a request of ${perRequest}` : ""} p50 ${fmt(pct(r.lat, 50), 1)} ms, p99 ${fmt(pct(r.lat, 99), 1)} ms, max ${fmt(r.lat.at(-1) ?? NaN, 1)} ms`,
  );
  console.log(
    `  board CPU ${fmt(r.boardCpu, 1)} s = ${fmt((r.boardCpu / r.seconds) * 100)}% of one core (${fmt((r.boardCpu / r.seconds / availableParallelism()) * 100)}% of the machine); load generator ${fmt((r.genCpu / r.seconds) * 100)}% of one core`,
  );
  console.log(
    `  per accepted entry: board CPU ${fmt((r.boardCpu / r.ok) * 1e6)} µs, of which the event-loop thread ${fmt((r.boardMainCpu / r.ok) * 1e6)} µs (${fmt((r.boardMainCpu / r.seconds) * 100)}% busy; alone it would cap at ~${fmt(r.ok / r.boardMainCpu)}/s); machine load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
  const us = (x: number) => fmt((x / r.ok) * 1e6);
  console.log(
    `  by thread, per entry: event loop ${us(r.boardMainCpu)} µs, ${WORKERS} crypto workers ${us(r.workersCpu)} µs, the rest (V8's GC and compiler threads, libuv's pool, the tally worker) ${us(r.boardCpu - r.boardMainCpu - r.workersCpu)} µs; the next busiest threads ${r.otherThreads
      .slice(WORKERS, WORKERS + 6)
      .map(us)
      .join(" / ")} µs`,
  );
  if (board && board.procs.length > 1)
    console.log(
      `  per accepted entry, by process: the sequencer ${us(r.sequencerCpu)} µs, the standby${board.procs.length > 2 ? "s" : ""} ${us(r.boardCpu - r.sequencerCpu)} µs${setup.unchecked ? " (forwarding unchecked)" : " (checking what it forwards)"}`,
    );
  if (r.failed.size)
    console.log(`  refused: ${[...r.failed].map(([k, n]) => `${k} x${n}`).join(", ")}`);
  if (rss.length)
    console.log(
      `  peak RSS so far: ${rss.map((m) => `${fmt(m)} MiB`).join(" + ")} (board processes)`,
    );
  console.log(`  goal: ${goal}`);
}

// ---------------------------------------------------------------------------
// 1. Ballots

interface Fixture {
  election: string;
  setup: string[];
  ballots: string[];
}

async function ballotFixture(n: number): Promise<Fixture> {
  const file = join(tmpdir(), `urna-bench-board-v1-${n}x${OPTIONS}.json`);
  if (existsSync(file)) {
    process.stderr.write(`using cached fixture ${file}\n`);
    return JSON.parse(readFileSync(file, "utf8")) as Fixture;
  }
  const t0 = performance.now();
  const election = "bench-ballots";
  const dir = mkdtempSync(join(tmpdir(), "urna-bench-fixture-"));
  const board = await createBoard({
    dataDir: dir,
    name: "fixture",
    workers: 1,
    log: () => undefined,
  });
  const { url } = await board.listen(0);
  const client = new actors.BoardClient(url);
  const key = () => {
    const k = generateKeyPairSync("ed25519");
    const raw = k.publicKey.export({ format: "der", type: "spki" }).subarray(-32);
    const seed = k.privateKey.export({ format: "der", type: "pkcs8" }).subarray(-32);
    return { secretKey: new Uint8Array(seed), publicKey: toBase64(new Uint8Array(raw)) };
  };
  const authority = key();
  const registrar = key();
  const cust = actors.newCustodianKeyFile("Custodio 1");
  const custodian = actors.custodianKeyFromFile(cust);
  const manifest = {
    electionId: election,
    title: "Benchmark: one contest of ten options",
    suite: "urna-v1" as const,
    authority: authority.publicKey,
    registrar: registrar.publicKey,
    custodians: [
      { index: 1, name: "Custodio 1", signingKey: custodian.signingKey, dkgKey: custodian.dkgKey },
    ],
    threshold: 1,
    revotePolicy: "single" as const,
    contests: [
      {
        id: "presidencia",
        title: "Presidencia",
        minSelections: 0,
        maxSelections: 1,
        options: Array.from({ length: OPTIONS }, (_, i) => ({ id: `o${i}`, label: `Opción ${i}` })),
      },
    ],
    ballotStyles: [{ id: "unico", contests: ["presidencia"] }],
  };
  await actors.createElection(client, manifest, authority.secretKey);
  const creds = actors.generateCredentials(election, n, ["unico"]);
  await actors.publishCredentials(
    client,
    election,
    registrar.secretKey,
    creds.map((c) => c.public),
  );
  await actors.postRound1(client, election, custodian);
  await actors.postCertify(client, election, custodian, { pollMs: 20 });
  await actors.postElectionKey(client, election, authority.secretKey);
  await actors.openVoting(client, election, authority.secretKey);
  const view = await actors.loadVotingView(client, election);
  const setup = await client.leaves(election, 0, (await client.status(election)).size);
  await board.close();
  rmSync(dir, { recursive: true, force: true });
  process.stderr.write(
    `generating ${n} ballots of ${OPTIONS} selections in ${availableParallelism()} worker threads (once; cached)...\n`,
  );

  const W = availableParallelism();
  const tsx = pathToFileURL(join(root, "node_modules/tsx/dist/esm/api/index.mjs")).href;
  const crypto = pathToFileURL(join(root, "board/src/crypto/index.ts")).href;
  const sign = pathToFileURL(join(root, "board/src/entry-sign.ts")).href;
  const verifier = pathToFileURL(join(root, "verifier/src/index.ts")).href;
  const code = `
    const { parentPort, workerData } = require("node:worker_threads");
    (async () => {
      (await import(${JSON.stringify(tsx)})).register();
      const { encryptBallot } = await import(${JSON.stringify(crypto)});
      const { signEntry } = await import(${JSON.stringify(sign)});
      const { fromBase64, decodeElement } = await import(${JSON.stringify(verifier)});
      const { manifest, baseHash, K, election, creds } = workerData;
      const publicKey = decodeElement(fromBase64(K));
      const out = creds.map((c, i) => {
        const choices = { presidencia: Array.from({ length: ${OPTIONS} }, (_, j) => (j === i % ${OPTIONS + 1} ? 1 : 0)) };
        const body = encryptBallot({ manifest, baseHash: fromBase64(baseHash), publicKey, signer: fromBase64(c.key), style: "unico", choices }).body;
        return JSON.stringify(signEntry("ballot", election, body, fromBase64(c.secretKey)));
      });
      parentPort.postMessage(out);
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const parts = Array.from({ length: W }, (_, w) =>
    creds
      .filter((_, i) => i % W === w)
      .map((c) => ({ key: c.public.key, secretKey: c.file.secretKey })),
  );
  const results = await Promise.all(
    parts.map(
      (p) =>
        new Promise<string[]>((resolve, reject) => {
          const w = new Worker(code, {
            eval: true,
            workerData: {
              manifest,
              baseHash: toBase64(view.state.baseHash),
              K: view.state.electionKey!.publicKey,
              election,
              creds: p,
            },
          });
          w.once("message", (m: string[]) => {
            resolve(m);
            void w.terminate();
          });
          w.once("error", reject);
        }),
    ),
  );
  const ballots = results.flat();
  const fixture: Fixture = { election, setup, ballots };
  writeFileSync(file, JSON.stringify(fixture));
  process.stderr.write(`fixture ready in ${fmt((performance.now() - t0) / 1000, 1)} s: ${file}\n`);
  return fixture;
}

async function replaySetup(
  board: RunningBoard,
  f: { election: string; setup: string[] },
): Promise<void> {
  for (let i = 0; i < f.setup.length; i++) {
    const r = await post(
      i === 0 ? `${board.url}/elections` : `${board.url}/elections/${f.election}/entries`,
      f.setup[i],
    );
    if (r.status !== 201) throw new Error(`setup entry ${i}: ${r.status} ${r.text}`);
  }
}

if (!args["skip-ballots"]) {
  const f = await ballotFixture(BALLOTS);
  for (const setup of SETUPS) await ballots(f, setup);
}

async function ballots(f: Fixture, setup: Setup): Promise<void> {
  const board = await startBoard("bench.board", setup);
  await replaySetup(board, f);
  const bytes = f.ballots.reduce((n, b) => n + b.length, 0) / f.ballots.length;
  const warm = Math.min(64, Math.floor(f.ballots.length / 10));
  const url = `${board.url}/elections/${f.election}/entries`;
  const jobs = f.ballots.map((b): [string, string] => [url, b]);
  await load(board, jobs.slice(0, warm), CLIENTS); // JIT warm-up, not counted
  console.log(
    `\nballots [${setup.label}]: ${fmt(f.ballots.length - warm)} ballots of ${OPTIONS} selections (${fmt(bytes)} bytes each), ${CLIENTS} concurrent clients${board.urls.length > 1 ? (args["via-standby"] ? " all through the standby" : ` spread over ${board.urls.length} board processes`) : ""} (after ${warm} warm-up ballots)`,
  );
  if (SUBSCRIBERS + FULL_SUBSCRIBERS <= 0) {
    const r = await load(board, jobs.slice(warm), CLIENTS);
    report("ballots", r, ">= 200 ballots/s with p99 < 1 s", 1, setup, board);
  } else {
    const half = warm + Math.floor((jobs.length - warm) / 2);
    const idle = await load(board, jobs.slice(warm, half), CLIENTS);
    report("ballots, no subscriber", idle, ">= 200 ballots/s with p99 < 1 s", 1, setup, board);
    const subs = await openSubscribers(board.url, f.election, [
      ...Array<FeedView>(SUBSCRIBERS).fill(VIEW),
      ...Array<FeedView>(FULL_SUBSCRIBERS).fill("full"),
    ]);
    const r = await load(board, jobs.slice(half), CLIENTS);
    const got = subs.close();
    const who = `${fmt(SUBSCRIBERS)} subscribers (view=${VIEW})${FULL_SUBSCRIBERS > 0 ? ` + ${fmt(FULL_SUBSCRIBERS)} (view=full)` : ""}`;
    report(`ballots, ${who}`, r, "at least half the idle rate", 1, setup, board);
    const ratio = r.ok / r.seconds / (idle.ok / idle.seconds);
    console.log(
      `  with ${who}: ${fmt(r.ok / r.seconds, 1)}/s against ${fmt(idle.ok / idle.seconds, 1)}/s idle = ${fmt(ratio * 100)}% (goal >= 50%: ${ratio >= 0.5 ? "met" : "NOT met"}); the subscribers received ${fmt(got.bytes / 2 ** 20, 1)} MiB (${fmt(got.bytes / 2 ** 20 / r.seconds, 1)} MiB/s, ${fmt(got.bytes / Math.max(1, r.ok))} bytes per ballot), ${fmt(got.ended)} streams ended early`,
    );
  }
  await board.stop();
}

/**
 * N live-feed subscribers on raw sockets (cheap for this process): each sends
 * `GET .../events` from the current size and reads (and drops) everything. Resolves once every
 * stream has its response head; `close()` ends them all and returns the bytes they received.
 */
async function openSubscribers(
  base: string,
  election: string,
  views: FeedView[],
): Promise<{ close(): { bytes: number; ended: number } }> {
  const n = views.length;
  const u = new URL(base);
  const st = (await (await fetch(`${base}/elections/${election}/status`)).json()) as {
    size: number;
  };
  const socks: Socket[] = [];
  let bytes = 0;
  let ended = 0;
  let closing = false;
  const t0 = performance.now();
  for (let i = 0; i < n; i += 100)
    await Promise.all(
      Array.from(
        { length: Math.min(100, n - i) },
        (_, k) =>
          new Promise<void>((resolve, reject) => {
            const s = connect({ host: u.hostname, port: Number(u.port) });
            socks.push(s);
            let head = false;
            s.on("data", (d: Buffer) => {
              bytes += d.length;
              if (!head) {
                head = true;
                if (!d.subarray(0, 12).toString().startsWith("HTTP/1.1 200"))
                  reject(new Error(`subscriber refused: ${d.toString().split("\r\n")[0]}`));
                else resolve();
              }
            });
            s.on("error", reject);
            s.on("close", () => {
              if (!closing) ended++;
            });
            s.write(
              `GET /elections/${election}/events?after=${st.size - 1}&view=${views[i + k]} HTTP/1.1\r\nHost: ${u.host}\r\nAccept: text/event-stream\r\n\r\n`,
            );
          }),
      ),
    );
  process.stderr.write(
    `${n} subscribers connected in ${fmt((performance.now() - t0) / 1000, 1)} s\n`,
  );
  bytes = 0;
  return {
    close() {
      closing = true;
      for (const s of socks) s.destroy();
      return { bytes, ended };
    },
  };
}

// ---------------------------------------------------------------------------
// 2. Small entries: credentials batches of one credential, one sequential client per election.

/** protocol.md §5 signature with node:crypto (deterministic Ed25519: same bytes as signEntry). */
function fastSign(type: string, election: string, body: unknown, key: KeyObject, signer: string) {
  const msg = Buffer.concat([
    Buffer.from("urna-v1/entry\n"),
    Buffer.from(canonicalJson({ type, election, body, signer })),
  ]);
  return { type, election, body, signer, signature: nodeSign(null, msg, key).toString("base64") };
}

/** The authority, registrar and custodian of the small-entry elections. */
function smallKeys() {
  const authority = actors.newSigningKeyFile("authority");
  const registrar = actors.newSigningKeyFile("registrar");
  const regKey = createPrivateKey({
    key: Buffer.concat([
      Buffer.from("302e020100300506032b657004220420", "hex"),
      Buffer.from(fromBase64(registrar.secretKey)),
    ]),
    format: "der",
    type: "pkcs8",
  });
  const cust = actors.custodianKeyFromFile(actors.newCustodianKeyFile("Custodio 1"));
  return { authority, registrar, regKey, cust };
}
type SmallKeys = ReturnType<typeof smallKeys>;

/** The signed manifest entry of a one-contest election `id`. */
function smallManifest(k: SmallKeys, id: string, title: string): string {
  const manifest = {
    electionId: id,
    title,
    suite: "urna-v1" as const,
    authority: k.authority.publicKey,
    registrar: k.registrar.publicKey,
    custodians: [
      { index: 1, name: "Custodio 1", signingKey: k.cust.signingKey, dkgKey: k.cust.dkgKey },
    ],
    threshold: 1,
    revotePolicy: "single" as const,
    contests: [
      {
        id: "c",
        title: "C",
        minSelections: 0,
        maxSelections: 1,
        options: [{ id: "o", label: "O" }],
      },
    ],
    ballotStyles: [{ id: "s", contests: ["c"] }],
  };
  return JSON.stringify(signEntry("manifest", id, manifest, fromBase64(k.authority.secretKey)));
}

/** Credentials batch number `b` of election `id`, holding one fresh credential. */
function credentialBatch(k: SmallKeys, id: string, b: number): string {
  const key = generateKeyPairSync("ed25519")
    .publicKey.export({ format: "der", type: "spki" })
    .subarray(-32)
    .toString("base64");
  return JSON.stringify(
    fastSign(
      "credentials",
      id,
      { batch: b, credentials: [{ key, style: "s" }] },
      k.regKey,
      k.registrar.publicKey,
    ),
  );
}

/**
 * Small entries: `elections` elections, one sequential client each, posting its credentials
 * batches of one credential in order, `perRequest` entries per request (1: `POST .../entries`;
 * more: `POST .../bulk`, api.md).
 */
async function smallEntries(elections: number, perRequest: number, setup: Setup): Promise<void> {
  const perElection = Math.ceil(SMALL / elections);
  const board = await startBoard("bench.small", setup);
  const keys = smallKeys();
  const groups: Array<Array<[string, string]>> = [];
  let bytes = 0;
  for (let e = 0; e < elections; e++) {
    const id = `bench-small-${e}`;
    const r = await post(`${board.url}/elections`, smallManifest(keys, id, `Benchmark ${e}`));
    if (r.status !== 201) throw new Error(`manifest: ${r.text}`);
    const bodies: string[] = [];
    for (let b = 0; b < perElection; b++) {
      const body = credentialBatch(keys, id, b);
      bytes += body.length;
      bodies.push(body);
    }
    const g: Array<[string, string]> = [];
    if (perRequest === 1)
      for (const b of bodies) g.push([`${board.url}/elections/${id}/entries`, b]);
    else
      for (let i = 0; i < bodies.length; i += perRequest)
        g.push([
          `${board.url}/elections/${id}/bulk`,
          `[${bodies.slice(i, i + perRequest).join(",")}]`,
        ]);
    groups.push(g);
  }
  const n = elections * perElection;
  console.log(
    `\nsmall entries [${setup.label}], ${perRequest === 1 ? "one entry per request" : `${perRequest} entries per bulk request`}: ${fmt(n)} credentials batches of one credential (${fmt(bytes / n)} bytes each) over ${elections} elections, one sequential client each (the first tenth of each client's requests is a warm-up, not counted)`,
  );
  // JIT warm-up, not counted: the first tenth of every client's requests.
  const warm = groups.map((g) => g.slice(0, Math.ceil(g.length / 10)));
  await load(board, [], elections, warm);
  const r = await load(
    board,
    [],
    elections,
    groups.map((g, i) => g.slice(warm[i].length)),
  );
  report(
    perRequest === 1 ? "small entries" : "small entries (bulk)",
    r,
    ">= 5,000 entries/s",
    perRequest,
    setup,
    board,
  );
  await board.stop();
}

if (!args["skip-small"])
  for (const setup of SETUPS) {
    if (ELECTIONS > 0) await smallEntries(ELECTIONS, 1, setup);
    if (BULK > 1) await smallEntries(BULK_ELECTIONS, BULK, setup);
  }

// ---------------------------------------------------------------------------
// 3. Takeover: two board processes on one database; the sequencer is killed (SIGKILL) and the
// time until the standby accepts a write is measured; the killed one comes back as a standby, and
// the next kill waits until it runs (its lease thread asks for the lease), as a standby would.

async function takeovers(reps: number): Promise<void> {
  const db = await freshDatabase(pgServer!.url);
  const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), "urna-bench-board-data-")));
  const extra = [
    "--store",
    db.url,
    ...(args["lease-ms"] !== undefined ? ["--lease-ms", args["lease-ms"]] : []),
    "--workers",
    "1",
  ];
  let seq = spawnBoard(dirs[0], "bench.takeover", extra);
  let seqUrl = await seq.url;
  await seq.sequencing;
  copyFileSync(join(dirs[0], "board.key"), join(dirs[1], "board.key"));
  let sb = spawnBoard(dirs[1], "bench.takeover", [...extra, "--standby"]);
  let sbUrl = await sb.url;
  let sbDir = 1;
  const keys = smallKeys();
  const id = "bench-takeover";
  const created = await post(`${seqUrl}/elections`, smallManifest(keys, id, "Takeover"));
  if (created.status !== 201) throw new Error(`manifest: ${created.text}`);
  let batch = 0;
  /** Posts the next credentials batch to `url`; true when accepted. */
  const write = async (url: string): Promise<boolean> => {
    try {
      const r = await fetch(`${url}/elections/${id}/entries`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: credentialBatch(keys, id, batch),
        signal: AbortSignal.timeout(5000),
      });
      await r.arrayBuffer();
      if (r.status === 201) batch++;
      return r.status === 201;
    } catch {
      return false; // refused connection (the front hands over to the board), timeout
    }
  };
  // The standby is still starting on a loaded machine: a few attempts.
  let forwarded = false;
  for (let i = 0; i < 20 && !forwarded; i++)
    if (!(forwarded = await write(sbUrl))) await new Promise((r) => setTimeout(r, 500));
  if (!forwarded) throw new Error("the standby did not forward a write");
  // A standby is measured once it runs (as a standby in production has for long): its lease
  // thread asks for the lease.
  await sb.waiting;
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    for (let j = 0; j < 20; j++) if (!(await write(seqUrl))) throw new Error("sequencer refused");
    const t0 = performance.now();
    seq.proc.kill("SIGKILL");
    while (!(await write(sbUrl))) await new Promise((r) => setTimeout(r, 20));
    const ms = performance.now() - t0;
    times.push(ms);
    process.stderr.write(`takeover ${i + 1}/${reps}: ${fmt(ms)} ms\n`);
    await seq.exited;
    // The killed board comes back, on its own data folder, as the standby.
    const back = spawnBoard(dirs[1 - sbDir], "bench.takeover", [...extra, "--standby"]);
    const backUrl = await back.url;
    await back.waiting;
    [seq, seqUrl, sb, sbUrl, sbDir] = [sb, sbUrl, back, backUrl, 1 - sbDir];
  }
  const rss = [seq, sb].map((b) => {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${b.proc.pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  });
  for (const b of [sb, seq]) {
    b.proc.kill("SIGTERM");
    await b.exited;
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await db.drop();
  const sorted = times.slice().sort((a, b) => a - b);
  console.log(
    `\ntakeover after kill -9 of the sequencer (lease ${args["lease-ms"] ?? "3000 (default)"} ms, ${reps} times, ${batch} entries written through both processes): min ${fmt(sorted[0])} ms, median ${fmt(pct(sorted, 50))} ms, max ${fmt(sorted.at(-1)!)} ms (from the kill to the first write the standby accepted); peak RSS ${rss.map((m) => `${fmt(m)} MiB`).join(" + ")}; machine load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
  console.log(`  goal: < 5 s: ${sorted.at(-1)! < 5000 ? "met" : "NOT met"}`);
}

if (pgServer && Number(args.takeovers) > 0) await takeovers(Number(args.takeovers));

if (SETUPS.length > 1 && summary.length > 0) {
  console.log(`\n## side by side (same run; machine load now ${loadavg()[0].toFixed(2)})\n`);
  console.log("| workload | store | rate/s | p50 ms | p99 ms | peak RSS MiB | vs level |");
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  for (const x of summary) {
    const level = summary.find((y) => y.workload === x.workload && y.setup === LEVEL.label);
    console.log(
      `| ${x.workload} | ${x.setup} | ${fmt(x.rate, 1)} | ${fmt(x.p50, 1)} | ${fmt(x.p99, 1)} | ${x.rss.map((m) => fmt(m)).join(" + ")} | ${level ? `${fmt((x.rate / level.rate) * 100)}%` : ""} |`,
    );
  }
}
await pgServer?.destroy();
