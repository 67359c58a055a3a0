/**
 * `urna-verify watch`: the monitor's command line (Node).
 *
 *   urna-verify watch --board URL --election ID --trust FILE [--state DIR] [--once]
 *
 * Exit codes (spec/witness.md §3): 0 stopped (or --once verified the latest checkpoint),
 * 1 --once could not verify it, 2 bad usage or input, 3 inconsistency or equivocation,
 * 4 invalid entry.
 */
import { readFile } from "node:fs/promises";
import { escapeDisplay } from "../report/escape.js";
import { UsageError, integerFlag, parseArgs, single } from "../witness/args.js";
import { waitForStopSignal } from "./signals-node.js";
import { WATCH_EXIT, type MonitorEvent } from "./monitor.js";
import { watch } from "./watch-node.js";

export const WATCH_USAGE = `usage: urna-verify watch --board URL --election ID --trust FILE [--state DIR] [--once] [options]

Follows an election's board and verifies every new checkpoint (spec/witness.md §3): the board's
signature, the witness quorum, that it is append-only consistent with the last checkpoint
verified, and every new entry as the auditor checks it. Any inconsistency, equivocation or
invalid entry is an alert, and so is a rollback (a checkpoint smaller than one verified before,
which the board cannot prove a prefix of it): the evidence (the board's signed checkpoints) is
saved (with --state; else printed) and the monitor stops.

  --board URL     the board's base URL
  --election ID   the election (default: the trust file's)
  --trust FILE    the trust file (board key, witness keys and quorum, authority key)
  --state DIR     keep the state here and resume from it (head.json, snapshot.json, alerts)
  --once          verify up to the board's current checkpoint, then exit
  --interval S    seconds between polls of the checkpoint (default 5)
  --json          print each event as one JSON line
  --verbose       also print a line per entry, unchanged poll and snapshot

exit codes: 0 stopped, or --once verified the latest checkpoint
            1 --once could not verify it (board unreachable, bad signature, not witnessed)
            2 bad usage or input
            3 inconsistency, equivocation or rollback (alert)
            4 invalid entry (alert)
`;

export interface WatchCliIo {
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
  signal?: AbortSignal;
}

export function formatEvent(e: MonitorEvent): string {
  switch (e.type) {
    case "start":
      return (
        `start ${e.origin} at ${e.board}` +
        (e.resumed ? `, resumed at size ${e.size}` : "") +
        (e.replay ? ` (replaying ${e.replay} entries)` : "")
      );
    case "checkpoint":
      return (
        `checkpoint size ${e.size} root ${e.root} (+${e.entries} entries)` +
        (e.witnesses.length ? ` cosigned by ${e.witnesses.join(", ")}` : "")
      );
    case "entry":
      return `entry ${e.index} ${e.entryType} ${e.trackingCode}`;
    case "unchanged":
      return `unchanged size ${e.size}`;
    case "unwitnessed":
      return (
        `unwitnessed checkpoint size ${e.size}: ${e.count} of ${e.quorum} cosignatures` +
        (e.invalid.length ? ` (invalid: ${e.invalid.join(", ")})` : "") +
        "; waiting"
      );
    case "stale":
      return `stale checkpoint size ${e.size} (verified up to ${e.latest})`;
    case "error":
      return `error ${e.code}: ${e.message}`;
    case "alert":
      return `ALERT ${e.kind} ${e.code}: ${e.message}`;
    case "snapshot":
      return `snapshot at size ${e.size}`;
    case "progress":
      return `reading entries: ${e.done}/${e.size}`;
    case "stop":
      return `stop at size ${e.size}, exit ${e.exitCode}`;
  }
}

const QUIET_EVENTS = new Set(["entry", "unchanged", "snapshot"]);
const PROGRESS_MS = 2_000;

export async function runWatchCli(argv: string[], io: WatchCliIo = {}): Promise<number> {
  const out = io.stdout ?? ((s: string) => void process.stdout.write(s));
  const err = io.stderr ?? ((s: string) => void process.stderr.write(s));
  let board: string;
  let trustJson: unknown;
  let election: string | undefined;
  let stateDir: string | undefined;
  let interval: number;
  let p;
  try {
    p = parseArgs(
      argv,
      ["--board", "--election", "--trust", "--state", "--interval"],
      ["--once", "--json", "--verbose"],
    );
    if (p.flags.has("--help")) {
      out(WATCH_USAGE);
      return 0;
    }
    if (p.positional.length) throw new UsageError(`unexpected argument ${p.positional[0]}`);
    const b = single(p, "--board");
    if (!b) throw new UsageError("--board URL is required");
    if (!/^https?:\/\/\S+$/.test(b)) throw new UsageError("--board must be an http(s) URL");
    board = b;
    const t = single(p, "--trust");
    if (!t) throw new UsageError("--trust FILE is required");
    let text: string;
    try {
      text = await readFile(t, "utf8");
    } catch (e) {
      throw new UsageError(`cannot read the trust file ${t}: ${(e as Error).message}`);
    }
    try {
      trustJson = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`the trust file ${t} is not JSON: ${(e as Error).message}`);
    }
    election = single(p, "--election");
    stateDir = single(p, "--state");
    interval = integerFlag(p, "--interval", 1, 86_400) ?? 5;
  } catch (e) {
    if (e instanceof UsageError) {
      err(`urna-verify watch: ${e.message}\n(see urna-verify watch --help)\n`);
      return WATCH_EXIT.USAGE;
    }
    throw e;
  }
  const json = p.flags.has("--json");
  const verbose = p.flags.has("--verbose");
  // A long catch-up prints its progress at most every PROGRESS_MS (every page with --verbose).
  let lastProgress = 0;
  const onEvent = (e: MonitorEvent) => {
    if (!verbose && QUIET_EVENTS.has(e.type)) return;
    if (e.type === "progress" && !verbose) {
      if (Date.now() - lastProgress < PROGRESS_MS) return;
      lastProgress = Date.now();
    }
    const line = json
      ? JSON.stringify({ time: new Date().toISOString(), ...e })
      : `${new Date().toISOString()} ${escapeDisplay(formatEvent(e))}`;
    if (json) out(line + "\n");
    else if (e.type === "error") err(line + "\n");
    else if (e.type === "alert") {
      // The evidence on its own line: where it was saved, or (no state folder) itself.
      const ev =
        stateDir !== undefined && e.evidence
          ? `  evidence: ${e.evidence}`
          : `  evidence (not saved: no --state): ${JSON.stringify(e.record)}`;
      const text = `${line}\n${escapeDisplay(ev)}\n`;
      out(text);
      err(text);
    } else out(line + "\n");
  };
  const election0 = election ?? (trustJson as { election?: unknown } | null)?.election;
  if (typeof election0 !== "string") {
    err("urna-verify watch: the trust file has no election (give --election)\n");
    return WATCH_EXIT.USAGE;
  }
  const ac = new AbortController();
  const stopOnSignal = waitForStopSignal(() => ac.abort());
  io.signal?.addEventListener("abort", () => ac.abort(), { once: true });
  if (io.signal?.aborted) ac.abort();
  try {
    const r = await watch({
      board,
      election: election0,
      trust: trustJson,
      onEvent,
      once: p.flags.has("--once"),
      pollMs: interval * 1000,
      signal: ac.signal,
      ...(stateDir !== undefined ? { stateDir } : {}),
    });
    return r.exitCode;
  } finally {
    stopOnSignal();
  }
}
