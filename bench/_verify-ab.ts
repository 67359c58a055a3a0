/**
 * Alternating A/B measurement of the verifier's CPU per selection, in one process, so that both
 * sides see the same machine load: `node --import tsx bench/_verify-ab.ts RECORD_DIR A_ROOT
 * B_ROOT [ROUNDS]` imports `verifyElection` from A_ROOT/verifier/dist and B_ROOT/verifier/dist
 * (two checkouts, each built with `npx tsc -b`), and verifies the record inline (one thread:
 * every cost of the audit on it) with A, B, A, B, ...; it prints each run's CPU time and the
 * median per side.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [dir, aRoot, bRoot, roundsArg] = process.argv.slice(2);
if (!dir || !aRoot || !bRoot) {
  process.stderr.write("usage: bench/_verify-ab.ts RECORD_DIR A_ROOT B_ROOT [ROUNDS]\n");
  process.exit(2);
}
const rounds = Number(roundsArg ?? 3);
const name = dir.replace(/\/$/, "").split("/").pop() as string;
const trust = JSON.parse(readFileSync(join(dir, "..", `${name}.trust.json`), "utf8"));
const meta = JSON.parse(readFileSync(join(dir, "..", `${name}.meta.json`), "utf8")) as {
  selections: number;
};
type Verify = typeof import("../verifier/src/audit/verify-election.js").verifyElection;
type Folder = typeof import("../verifier/src/record/folder-node.js").folderSource;
const load = async (root: string) => ({
  verify: (await import(pathToFileURL(join(root, "verifier/dist/audit/verify-election.js")).href))
    .verifyElection as Verify,
  folder: (await import(pathToFileURL(join(root, "verifier/dist/record/folder-node.js")).href))
    .folderSource as Folder,
});
const sides = { A: await load(aRoot), B: await load(bRoot) };
const runs: Record<"A" | "B", number[]> = { A: [], B: [] };
for (let r = 0; r < rounds; r++)
  for (const k of r % 2 === 0 ? (["A", "B"] as const) : (["B", "A"] as const)) {
    const s = sides[k];
    const c0 = process.cpuUsage();
    const report = await s.verify({ source: s.folder(dir), trust, workers: 1 });
    const c = process.cpuUsage(c0);
    const us = (c.user + c.system) / meta.selections;
    runs[k].push(us);
    process.stdout.write(
      `${k} ${report.ok ? "ok" : "FAILED"} ${us.toFixed(1)} µs CPU per selection\n`,
    );
  }
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
process.stdout.write(
  `median A ${median(runs.A).toFixed(1)}, B ${median(runs.B).toFixed(1)} µs per selection (B/A ${(median(runs.B) / median(runs.A)).toFixed(3)})\n`,
);
