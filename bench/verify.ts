/**
 * Benchmark of the auditor's verifier (`urna-verify election`):
 *
 *   npm run bench -- verify [--ballots N] [--workers 1,2] [--regen] [--cpu-prof DIR] [--src]
 *
 * Generates (once, kept in bench-output/verify-<N>/) a record of N ballots of 10 selections
 * (two contests of 5 options) with the board's prover code, then verifies it in a fresh child
 * process per worker count, measuring wall time, CPU time, selections per second and the peak
 * RSS of the process (all threads), with RSS samples along the run to show it stays flat.
 *
 * It runs the compiled verifier (verifier/dist: run `npx tsc -b` after a change), as the
 * `urna-verify` CLI does; `--src` runs the TypeScript sources through tsx instead.
 * `--cpu-prof DIR` runs each child under `node --cpu-prof` (every thread writes a profile into
 * DIR/workers-N/) and prints where the CPU went per selection (bench/_cpu-split.ts).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "..");
const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

interface ChildResult {
  workers: number;
  ok: boolean;
  wallMs: number;
  cpuMs: number;
  peakRssMb: number;
  samples: { progress: number; rssMb: number }[];
  entries: number;
}

if (args[0] === "--child") {
  // Verify once, report figures as JSON on stdout.
  const dir = args[1];
  const workers = Number(args[2]);
  // The compiled verifier, as `urna-verify` runs it (`--src`: the TypeScript sources through tsx,
  // which then also compiles them in every worker thread, a fixed cost of seconds).
  const lib = args.includes("--src") ? "../verifier/src" : "../verifier/dist";
  const { verifyElection } = (await import(
    `${lib}/audit/verify-election.js`
  )) as typeof import("../verifier/src/audit/verify-election.js");
  const { folderSource } = (await import(
    `${lib}/record/folder-node.js`
  )) as typeof import("../verifier/src/record/folder-node.js");
  const trust = JSON.parse(
    readFileSync(join(dir, "..", `${dir.split("/").pop()}.trust.json`), "utf8"),
  );
  const samples: { progress: number; rssMb: number }[] = [];
  let nextSample = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const report = await verifyElection({
    source: folderSource(dir),
    trust,
    workers,
    onProgress: (p) => {
      if (p.stage !== "entries" || !p.total) return;
      const frac = p.done / p.total;
      if (frac >= nextSample) {
        samples.push({
          progress: Math.round(frac * 100),
          rssMb: Math.round(process.memoryUsage.rss() / 1048576),
        });
        nextSample += 0.1;
      }
    },
  });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  samples.push({ progress: 100, rssMb: Math.round(process.memoryUsage.rss() / 1048576) });
  const out: ChildResult = {
    workers,
    ok: report.ok,
    wallMs,
    // Note: worker threads' CPU is included in process.cpuUsage (it is per process).
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    samples,
    entries: report.checkpoint.size,
  };
  process.stdout.write(JSON.stringify(out) + "\n");
  process.exit(0);
}

const ballots = Number(arg("--ballots") ?? 10_000);
const SELECTIONS_PER_BALLOT = Number(arg("--selections") ?? 10);
const workerList = (arg("--workers") ?? "1,2").split(",").map(Number);
const profileDir = arg("--cpu-prof");
const outDir = join(root, "bench-output");
const name =
  SELECTIONS_PER_BALLOT === 10 ? `verify-${ballots}` : `verify-${ballots}x${SELECTIONS_PER_BALLOT}`;
const dir = join(outDir, name);
const trustPath = join(outDir, `${name}.trust.json`);
const metaPath = join(outDir, `${name}.meta.json`);

if (args.includes("--regen") || !existsSync(metaPath)) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { generateElection } = await import("../tests/fixtures/election.js");
  const parallel = Math.max(1, availableParallelism());
  process.stderr.write(
    `generating ${ballots} ballots of ${SELECTIONS_PER_BALLOT} selections into ${dir} (${parallel} threads)…\n`,
  );
  const t0 = performance.now();
  let last = 0;
  const options = (p: string, n: number) =>
    Array.from({ length: n }, (_, j) => ({
      id: `${p}-${j + 1}`,
      label: `${p.toUpperCase()} ${j + 1}`,
    }));
  // Two contests (president, senate) sharing the selections; one contest for a single selection.
  const nP = Math.ceil(SELECTIONS_PER_BALLOT / 2);
  const nS = SELECTIONS_PER_BALLOT - nP;
  const g = await generateElection({
    voters: ballots,
    revotePolicy: "single",
    contests: [
      {
        id: "presidencia",
        title: "Presidencia",
        minSelections: 0,
        maxSelections: 1,
        options: options("p", nP),
      },
      ...(nS > 0
        ? [
            {
              id: "senaduria",
              title: "Senaduría",
              minSelections: 0,
              maxSelections: 1,
              options: options("s", nS),
            },
          ]
        : []),
    ],
    styles: [{ id: "unica", contests: nS > 0 ? ["presidencia", "senaduria"] : ["presidencia"] }],
    challenged: 0,
    abstain: 0,
    receipts: false,
    parallel,
    dir,
    onProgress: (done, total) => {
      if (performance.now() - last > 5000 || done === total) {
        last = performance.now();
        process.stderr.write(
          `  ${done}/${total} ballots, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`,
        );
      }
    },
  });
  writeFileSync(trustPath, JSON.stringify(g.trust, null, 2));
  writeFileSync(
    metaPath,
    JSON.stringify({
      ballots,
      selections: ballots * SELECTIONS_PER_BALLOT,
      size: g.at.size,
      generatedMs: Math.round(performance.now() - t0),
    }),
  );
  process.stderr.write(`generated in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
}
const meta = JSON.parse(readFileSync(metaPath, "utf8")) as {
  ballots: number;
  selections: number;
  size: number;
  generatedMs: number;
};

function child(workers: number, profile?: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const prof = profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : [];
    const p = spawn(
      process.execPath,
      [
        ...prof,
        "--import",
        "tsx",
        fileURLToPath(import.meta.url),
        "--child",
        dir,
        String(workers),
        ...(args.includes("--src") ? ["--src"] : []),
      ],
      {
        cwd: root,
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("error", reject);
    p.on("close", (code) => {
      if (code !== 0) return reject(new Error(`child exited with ${code}`));
      resolve(JSON.parse(out.trim().split("\n").pop() as string) as ChildResult);
    });
  });
}

const cpu = cpus()[0]?.model ?? "unknown CPU";
process.stdout.write(
  `urna-verify benchmark: ${meta.ballots} ballots × ${SELECTIONS_PER_BALLOT} selections (${meta.size} entries), ` +
    `${availableParallelism()} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GB, node ${process.version}\n`,
);
const rows: string[] = [];
for (const w of workerList) {
  const profile = profileDir ? join(profileDir, `workers-${w}`) : undefined;
  if (profile) rmSync(profile, { recursive: true, force: true });
  const r = await child(w, profile);
  const sps = meta.selections / (r.wallMs / 1000);
  const cpuPerSelection = (r.cpuMs * 1000) / meta.selections;
  rows.push(
    `workers ${w}: ${r.ok ? "all checks pass" : "CHECKS FAILED"}; total ${(r.wallMs / 1000).toFixed(1)} s (CPU ${(r.cpuMs / 1000).toFixed(1)} s, ${cpuPerSelection.toFixed(0)} µs per selection); ` +
      `${Math.round(sps)} selections/s, ${Math.round(meta.ballots / (r.wallMs / 1000))} ballots/s; peak RSS ${r.peakRssMb} MB; ` +
      `RSS along the run (progress%:MB) ${r.samples.map((s) => `${s.progress}:${s.rssMb}`).join(" ")}`,
  );
  process.stdout.write(rows[rows.length - 1] + "\n");
  if (profile) {
    const { formatSplit, readProfiles, splitProfiles } = await import("./_cpu-split.js");
    process.stdout.write(
      formatSplit(splitProfiles(readProfiles(profile)), r.cpuMs, meta.selections) + "\n",
    );
  }
}
