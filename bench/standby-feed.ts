/**
 * How late a standby's event stream is: `npm run bench -- standby-feed [--ballots N]`.
 *
 * A sequencer board on a throw-away PostgreSQL cluster (in this process, with the board tests'
 * election fixture, crypto workers from dist: run `npx tsc -b` first) and two standby fronts on the same database, each with an event
 * stream open: one woken by the commit announcements (NOTIFY, the default; fallback poll 2 s),
 * one polling the database every 250 ms without them (how standbys worked before). One voter at
 * a time casts a ballot to the sequencer, with a random pause of 20-120 ms between ballots (so
 * that commits fall anywhere in a poll interval); for each ballot the latency is from its 201 at
 * the client to its entry event at each stream (negative: the event came first). Both streams
 * see the same ballots under the same machine load.
 *
 *   --ballots N   ballots (default 50)
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { castBallot, createElection } from "../board/src/actors/index.js";
import { loadVotingView } from "../board/src/actors/ballot.js";
import { standbyFront } from "../board/src/server/standby.js";
import {
  manifestFor,
  newActors,
  openElection,
  removeDir,
  startBoard,
} from "../board/test/server/helpers.js";
import { type EventArrivals, watchArrivals } from "../tests/fixtures/event-arrivals.js";
import { startPgCluster } from "../tests/fixtures/pg-cluster.js";

const { values: args } = parseArgs({
  options: {
    ballots: { type: "string", default: "50" },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  process.stdout.write("npm run bench -- standby-feed [--ballots N]\n");
  process.exit(0);
}
const N = Number(args.ballots);
if (!Number.isSafeInteger(N) || N < 1) {
  process.stderr.write("--ballots must be a positive integer\n");
  process.exit(2);
}

const load0 = loadavg();
const cluster = await startPgCluster();
const store = await cluster.createDatabase();
const tb = await startBoard({ store, name: "feed" });
const client = tb.client;
process.stderr.write("setting up the election...\n");
const election = "feed";
const a = newActors(1);
await createElection(client, manifestFor(election, a, { threshold: 1 }), a.authority.secretKey);
// Voters of style ent-09 (their ballot has presidencia and senaduria-09).
const creds = (await openElection(client, election, a, 2 * N)).creds.filter(
  (c) => c.style === "ent-09",
);
const view = await loadVotingView(client, election);

const notify = standbyFront({ store });
const poll = standbyFront({ store, feed: { pollMs: 250, notify: false } });
const fronts = { notify, poll };
const size = (await client.status(election)).size;
const streams = Object.fromEntries(
  await Promise.all(
    Object.entries(fronts).map(async ([k, f]) => [
      k,
      watchArrivals(`${(await f.listen(0)).url}/elections/${election}/events?after=${size - 1}`),
    ]),
  ),
) as Record<keyof typeof fronts, EventArrivals>;
await new Promise((r) => setTimeout(r, 1000)); // the listening session is up

process.stderr.write(`casting ${N} ballots one at a time...\n`);
const acked: { index: number; at: number }[] = [];
for (const cred of creds) {
  await new Promise((r) => setTimeout(r, 20 + Math.random() * 100));
  let at = 0;
  const r = await castBallot(
    client,
    cred,
    { presidencia: ["mc"], "senaduria-09": ["a"] },
    { view, onPosted: () => (at = performance.now()) },
  );
  acked.push({ index: r.cast.index, at });
}
await new Promise((r) => setTimeout(r, 2500)); // the last polls
const load1 = loadavg();

const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const f1 = (x: number) => x.toFixed(1);
console.log(
  `standby event stream latency, ${N} ballots (from the 201 at the client to the entry event; negative: the event came first)`,
);
for (const [k, s] of Object.entries(streams)) {
  const lat = acked.map((a) => (s.arrived.get(a.index) ?? NaN) - a.at).sort((x, y) => x - y);
  const missing = lat.filter((x) => Number.isNaN(x)).length;
  const ok = lat.filter((x) => !Number.isNaN(x));
  console.log(
    `  ${k === "notify" ? "NOTIFY (fallback poll 2 s)" : "poll every 250 ms (before)"}: median ${f1(q(ok, 0.5))} ms, p99 ${f1(q(ok, 0.99))} ms, min ${f1(ok[0])} ms, max ${f1(ok[ok.length - 1])} ms${missing ? `, ${missing} MISSING` : ""}`,
  );
}
console.log(
  `  load average ${load0.map((x) => x.toFixed(2)).join(" ")} before, ${load1.map((x) => x.toFixed(2)).join(" ")} after`,
);
for (const s of Object.values(streams)) s.stop();
await notify.close();
await poll.close();
await tb.close();
removeDir(tb.dir);
await cluster.destroy();
