#!/usr/bin/env node
/**
 * `urna`: the bulletin board and the election actors' command-line tools.
 * Results go to stdout (JSON with --json), progress to stderr. Exit codes: 0 success, 1 the
 * board refused or the operation failed, 2 bad usage or input.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { Manifest } from "@urna/schemas";
import {
  DiscreteLog,
  type Trust,
  TrustError,
  encodeVkey,
  escapeDisplay,
  humanTrackingCodeOf,
  loadTrust,
} from "@urna/verifier";
import {
  BoardApiError,
  BoardClient,
  KeyFileError,
  OutputFileError,
  checkCredentialFiles,
  checkOutputFile,
  castBallot,
  closeVoting,
  createElection,
  generateCredentials,
  loadCredential,
  loadCustodianKey,
  loadCustodianState,
  loadSigningKey,
  newCustodianKeyFile,
  newSigningKeyFile,
  openVoting,
  postCertify,
  postDecryptionShare,
  postElectionKey,
  postResult,
  postRound1,
  postTally,
  publishCredentials,
  saveCustodianState,
  saveReceipt,
  writeCredentialFiles,
  writeSecretJson,
  type Choices,
} from "./actors/index.js";
import { ActorError } from "./actors/view.js";
import type { PublishTarget } from "./publish/index.js";
import { stepProgress } from "./cli-progress.js";
import type { Board } from "./server/board.js";
import type { BoardLimitOptions } from "./server/limits.js";
import { VERSION } from "./server/version.js";

class UsageError extends Error {}

const USAGE = `usage: urna <command> [options]

urna bulletin board and election actors.

commands:
  board serve|export     run the bulletin board; export a record folder
  authority keygen|create|key|open|close|tally|result
  registrar keygen|credentials
  custodian keygen|round1|certify|share
  voter cast|challenge

Run 'urna <command> [<sub-command>] --help' for the options of each.

options:
  -h, --help     show this help
  --version      print the version

exit codes: 0 success, 1 refused or failed, 2 bad usage or input
`;

const BOARD_OPT = {
  board: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  run(v: Record<string, string | boolean | undefined>): Promise<unknown>;
}

const out = (
  v: Record<string, string | boolean | undefined>,
  value: unknown,
  text: string,
): void => {
  process.stdout.write(
    v.json ? JSON.stringify(value, null, 2) + "\n" : text.endsWith("\n") ? text : text + "\n",
  );
};
const progress = (msg: string): void => void process.stderr.write(msg + "\n");

function need(v: Record<string, string | boolean | undefined>, name: string): string {
  const x = v[name];
  if (typeof x !== "string" || x === "") throw new UsageError(`--${name} is required`);
  return x;
}
/** The board to talk to: --board (or URNA_BOARD), an http(s):// URL (else a usage error). */
function client(v: Record<string, string | boolean | undefined>): BoardClient {
  const url = typeof v.board === "string" ? v.board : (process.env.URNA_BOARD ?? need(v, "board"));
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--board ${url}: not a URL (expected http://HOST:PORT)`);
  }
  if ((u.protocol !== "http:" && u.protocol !== "https:") || u.search !== "" || u.hash !== "")
    throw new UsageError(`--board ${url}: expected an http:// or https:// URL with no query`);
  return new BoardClient(url);
}

const FORCE_OPT = { force: { type: "boolean" } } as const;
const force = (v: Record<string, string | boolean | undefined>) => ({ force: v.force === true });

/** A --store value: a postgres:// URL (the level store is the default, with no URL). */
function checkStoreUrl(url: string): void {
  if (!/^postgres(ql)?:\/\/./i.test(url))
    throw new UsageError(
      "--store must be a postgres://... URL (leave it unset for the level store)",
    );
}

function readJsonFile<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** `--authority` values: base64 Ed25519 keys, or @FILE with one key per line. */
function authorityKeys(values: string[]): string[] {
  const keys = values.flatMap((v) =>
    v.startsWith("@")
      ? readFileSync(v.slice(1), "utf8")
          .split("\n")
          .map((l) => l.trim())
          .filter((l) => l !== "" && !l.startsWith("#"))
      : [v],
  );
  for (const k of keys)
    if (!/^[A-Za-z0-9+/]{43}=$/.test(k))
      throw new UsageError(`--authority ${k}: not a base64 Ed25519 public key`);
  return keys;
}

const commands: Record<string, Command> = {
  "board serve": {
    summary: "run the bulletin board",
    usage: `urna board serve --data DIR --port PORT --name NAME [--key FILE] [--store URL [--standby] [--lease-ms MS] [--advertise URL] [--forward-unchecked]] [--publish DIR|s3://BUCKET/PREFIX] [--host HOST] [--workers N]
                 [--batch-size N] [--batch-delay-ms MS] [--witness URL=VKEY]... [--quorum N] [--json]
                 [--authority KEY|@FILE]... [--create-rate R] [--create-burst N]
                 [--max-connections N] [--max-connections-per-address N] [--per-address-on-loopback]
                 [--max-streams N] [--max-full-streams N] [--write-rate R] [--write-burst N] [--read-rate R]
                 [--read-burst N] [--rate-limit-loopback]
                 [--stream-queue-bytes N] [--stream-lifetime-s S] [--stream-heartbeat-s S]

Environment: URNA_DATA, URNA_PORT, URNA_NAME, URNA_HOST, URNA_STORE, URNA_KEY. --key: the board's
signing key file (default DIR/board.key), mode 0600 or the board refuses to start
(BOARD_KEY_MODE); it is generated only while the board has signed nothing: a missing key once
checkpoints exist is BOARD_KEY_MISSING, a key that does not verify them BOARD_KEY_MISMATCH.
--store: where the elections'
logs, the registry and the signer state live: unset for the level database in DIR (the default),
or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE for PostgreSQL (one board per database); the
board key and the signer's local state file stay in DIR on every store. Two boards (the same key)
may share one database, one sequencing at a time (a lease with a fencing token): the second one
is refused, or with --standby waits and takes over when the first stops or stalls. A standby
listens on its port at once and forwards every request to the lease holder's advertised URL
(--advertise, default http://HOST:PORT), answering 503 NO_SEQUENCER when there is none. It
checks each write's JSON, schema, signature and proofs itself first, refusing a bad one with the
sequencer's own answer (spec/api.md, Checked by the standby); --forward-unchecked leaves all of it
to the sequencer (for comparison).
--lease-ms: the lease's time to live (default 3000): a sequencer that dies is replaced at once (its
database session ends), one that stalls after about that long, and a sequencer that lost its
lease goes on as a standby by itself. --publish (env URNA_PUBLISH): after every checkpoint, write each election's tiles,
entry bundles and then its checkpoint in the C2SP static layout (elections/<id>/...) to a folder
or an S3-compatible bucket, create-only (README §Publishing the record); s3:// takes the endpoint
and credentials from AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, and path-style addressing from URNA_S3_PATH_STYLE=1 or ?path-style=1. Prints the board's vkey on stdout (with
--json: {name, vkey, url}) and serves until SIGINT or SIGTERM, then finishes in-flight writes and
exits. --workers: crypto worker threads (default: one per core). --batch-size / --batch-delay-ms:
an election's batch closes at once when nothing of that election is being committed, else when
the commit in flight ends (at most 256 entries, at most 50 ms); all elections share one synced
write. UV_THREADPOOL_SIZE defaults to 16 (checkpoint signing runs in libuv's pool). --witness: a C2SP tlog-witness
(its add-checkpoint URL prefix and cosigner vkey) asked to cosign every checkpoint, repeatable;
--quorum: how many must cosign (default: all of them).
--authority KEY: an election authority's Ed25519 public key (base64) whose signed manifests may
create elections, repeatable; @FILE reads one key per line. With none, elections may be created
from loopback addresses only (403 CREATION_NOT_ALLOWED otherwise). --create-rate/--create-burst
(default 0.1/s, 10 per client address; loopback exempt unless --rate-limit-loopback) answer 429.
Limits (README §Limits and what happens past them): --max-connections (default: from the
descriptor limit, (ulimit -n - 200) / 2 between 32 and 4,096) and --max-connections-per-address
(default: a quarter of it; loopback clients are exempt unless --per-address-on-loopback)
refuse further connections with 503 TOO_MANY_CONNECTIONS; --max-streams (default: three
quarters of --max-connections) refuses further event streams with 503 TOO_MANY_STREAMS;
--max-full-streams (default 32) refuses further ?view=full event streams (every entry in full;
the default view is the summary) with 503 TOO_MANY_FULL_STREAMS;
--stream-queue-bytes (default 4194304) cuts off an event stream that falls that far behind (the
client resumes with Last-Event-ID); --stream-lifetime-s (default 3600) ends a stream after that
long; --stream-heartbeat-s (default 15) sends a comment on an idle stream. Per client address
(loopback exempt unless --rate-limit-loopback), --write-rate/--write-burst (default 20/s, 100)
and --read-rate/--read-burst (default 200/s, 1000) answer 429 RATE_LIMITED with Retry-After;
a rate of 0 turns the limit off.`,
    options: {
      data: { type: "string" },
      store: { type: "string" },
      standby: { type: "boolean" },
      "forward-unchecked": { type: "boolean" },
      "lease-ms": { type: "string" },
      advertise: { type: "string" },
      publish: { type: "string" },
      port: { type: "string" },
      name: { type: "string" },
      host: { type: "string" },
      workers: { type: "string" },
      "batch-size": { type: "string" },
      "batch-delay-ms": { type: "string" },
      witness: { type: "string", multiple: true },
      authority: { type: "string", multiple: true },
      "create-rate": { type: "string" },
      "create-burst": { type: "string" },
      quorum: { type: "string" },
      "max-connections": { type: "string" },
      "max-connections-per-address": { type: "string" },
      "per-address-on-loopback": { type: "boolean" },
      "max-streams": { type: "string" },
      "max-full-streams": { type: "string" },
      "write-rate": { type: "string" },
      "write-burst": { type: "string" },
      "read-rate": { type: "string" },
      "read-burst": { type: "string" },
      "rate-limit-loopback": { type: "boolean" },
      "stream-queue-bytes": { type: "string" },
      "stream-lifetime-s": { type: "string" },
      "stream-heartbeat-s": { type: "string" },
      key: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    async run(v) {
      // Loaded here, not at the top: the actors' commands start without the server's modules.
      const { createBoard } = await import("./server/index.js");
      const { boardKeyPath, hasSigned, loadOrCreateBoardKey, seedOf } =
        await import("./server/board-key.js");
      const { checkpointOrigin } = await import("./log/signer.js");
      const { parseWitnessFlag } = await import("./witnessing/index.js");
      const dataDir = (v.data as string | undefined) ?? process.env.URNA_DATA;
      const name = (v.name as string | undefined) ?? process.env.URNA_NAME;
      const portText = (v.port as string | undefined) ?? process.env.URNA_PORT ?? "8080";
      const host = (v.host as string | undefined) ?? process.env.URNA_HOST ?? "127.0.0.1";
      if (!dataDir) throw new UsageError("--data (or URNA_DATA) is required");
      if (!name) throw new UsageError("--name (or URNA_NAME) is required");
      const keyFile = (v.key as string | undefined) ?? process.env.URNA_KEY;
      if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535)
        throw new UsageError("--port must be 0..65535");
      const workers = v.workers === undefined ? undefined : Number(v.workers);
      if (workers !== undefined && (!Number.isInteger(workers) || workers < 0))
        throw new UsageError("--workers must be a non-negative integer");
      const int = (k: string, min: number): number | undefined => {
        if (v[k] === undefined) return undefined;
        const n = Number(v[k]);
        if (!Number.isInteger(n) || n < min)
          throw new UsageError(`--${k} must be an integer >= ${min}`);
        return n;
      };
      const seconds = (n: number | undefined): number | undefined =>
        n === undefined ? undefined : n * 1000;
      const store = (v.store as string | undefined) ?? process.env.URNA_STORE;
      if (store) checkStoreUrl(store);
      if (v.standby && !store) throw new UsageError("--standby needs a postgres --store");
      const leaseTtlMs = int("lease-ms", 100);
      if ((leaseTtlMs !== undefined || v.advertise !== undefined) && !store)
        throw new UsageError("--lease-ms and --advertise need a postgres --store");
      const publishSpec = (v.publish as string | undefined) ?? process.env.URNA_PUBLISH;
      let publish: PublishTarget | undefined;
      if (publishSpec !== undefined && publishSpec !== "") {
        const { openPublishTarget } = await import("./publish/index.js");
        try {
          publish = openPublishTarget(publishSpec);
        } catch (e) {
          throw new UsageError(`--publish ${publishSpec}: ${(e as Error).message}`);
        }
      }
      let advertise = v.advertise as string | undefined;
      if (advertise !== undefined && !/^https?:\/\/[^/]+\/?$/.test(advertise))
        throw new UsageError("--advertise must be an http(s)://HOST:PORT URL");
      // On PostgreSQL the port is taken before the lease: the URL is advertised in the lease
      // row, and a standby serves its front (forwarding to the lease holder) while it waits.
      let port = Number(portText);
      // The limits under hostile traffic (README §Limits): the board's, and a standby's front's.
      const limits: BoardLimitOptions = {
        connections: {
          maxConnections: int("max-connections", 1),
          maxPerAddress: int("max-connections-per-address", 1),
          perAddressOnLoopback: v["per-address-on-loopback"] === true,
          maxStreams: int("max-streams", 1),
          maxFullStreams: int("max-full-streams", 0),
        },
        rate: {
          writesPerSecond: int("write-rate", 0),
          writeBurst: int("write-burst", 1),
          readsPerSecond: int("read-rate", 0),
          readBurst: int("read-burst", 1),
          onLoopback: v["rate-limit-loopback"] === true,
        },
        feed: {
          maxQueueBytes: int("stream-queue-bytes", 1024),
          maxLifetimeMs: seconds(int("stream-lifetime-s", 1)),
          heartbeatMs: seconds(int("stream-heartbeat-s", 1)),
        },
      };
      const boardOptions = {
        dataDir,
        ...(keyFile ? { keyFile } : {}),
        ...(store ? { store } : {}),
        ...(leaseTtlMs !== undefined ? { leaseTtlMs } : {}),
        ...(publish ? { publish } : {}),
        name,
        workers,
        maxBatchSize: int("batch-size", 1),
        maxBatchDelayMs: int("batch-delay-ms", 0),
        witnesses: ((v.witness as string[] | undefined) ?? []).map((w) => {
          try {
            return parseWitnessFlag(w);
          } catch (e) {
            throw new UsageError(`--witness ${w}: ${(e as Error).message}`);
          }
        }),
        quorum: int("quorum", 0),
        authorities: authorityKeys((v.authority as string[] | undefined) ?? []),
        ...(v["create-rate"] !== undefined || v["create-burst"] !== undefined
          ? {
              creationRate: {
                perSecond: Number(v["create-rate"] ?? 0.1),
                burst: int("create-burst", 1) ?? 10,
              },
            }
          : {}),
        limits,
      };
      const stopped = new Promise<string>((resolve) => {
        process.once("SIGINT", () => resolve("SIGINT"));
        process.once("SIGTERM", () => resolve("SIGTERM"));
      });
      if (!store) {
        const board = await createBoard(boardOptions);
        const { url } = await board.listen(port, host);
        out(
          v,
          { name: board.name, vkey: board.vkey, publicKey: board.publicKey, url },
          `${board.vkey}\npublic key ${board.publicKey}`,
        );
        progress(`urna board ${name} listening on ${url}`);
        progress(`${await stopped}: shutting down`);
        await board.close().catch((e: unknown) => progress(`shutdown error: ${String(e)}`));
        return undefined;
      }
      // On PostgreSQL the port is the standby front's for the whole run (standby.ts): it answers
      // as a standby while another board holds the sequencer lease, and hands every request to
      // this process's board while it holds it. A board that loses the lease (it stalled and
      // another took over) is closed, and the process goes on as a standby.
      const { standbyFront } = await import("./server/standby.js");
      // The standby answers status from the database too: it needs the board key's public half.
      mkdirSync(dataDir, { recursive: true });
      // A standby must be given the board's key: it never makes one.
      const key = loadOrCreateBoardKey(dataDir, name, undefined, {
        ...(keyFile ? { keyFile } : {}),
        mayCreate: !v.standby && !hasSigned(dataDir),
      });
      let active: Board | undefined;
      // One set of crypto workers per process: the front's checks of the writes it forwards as a
      // standby (with the board key: spec/api.md, Checked by the standby), and the board's own.
      const { CryptoPool } = await import("./server/worker-pool.js");
      const { verifyCryptoWork } = await import("./server/crypto-work.js");
      const pool = new CryptoPool({ size: workers, inline: verifyCryptoWork });
      const front = standbyFront({
        store,
        limits,
        ...(v["forward-unchecked"] === true
          ? {}
          : {
              verify: { seed: seedOf(readFileSync(boardKeyPath(dataDir, keyFile), "utf8")), pool },
            }),
        ...(advertise ? { self: advertise } : {}),
        status: {
          origin: (id) => checkpointOrigin(name, id),
          vkey: (id) => encodeVkey(checkpointOrigin(name, id), key.publicKey),
        },
        delegate: (req, res) => {
          if (!active) return false;
          active.handle(req, res);
          return true;
        },
      });
      const bound = await front.listen(port, host);
      advertise ??= bound.url;
      let standby = v.standby === true;
      for (;;) {
        if (standby) progress(`urna board ${name} standby on ${bound.url}`);
        // A standby keeps every election replayed: taking over replays only the tail.
        front.prewarm(standby);
        let lost: (e: Error) => void = () => undefined;
        const leaseLost = new Promise<Error>((r) => (lost = r));
        const opening = createBoard({
          ...boardOptions,
          pool,
          ...(standby ? { leaseWaitMs: Infinity } : {}),
          advertiseUrl: advertise,
          onLeaseLost: (e) => lost(e),
          prewarmed: (id) => front.prewarmed(id),
        });
        const first = await Promise.race([opening, stopped]).catch(async (e: unknown) => {
          await front.close();
          throw e;
        });
        if (typeof first === "string") {
          // Stopped while waiting for the lease: a standby has nothing of its own to finish.
          progress(`${first}: shutting down`);
          await front.close();
          process.exit(0);
        }
        const board = first;
        front.prewarm(false);
        active = board;
        out(
          v,
          { name: board.name, vkey: board.vkey, publicKey: board.publicKey, url: bound.url },
          `${board.vkey}\npublic key ${board.publicKey}`,
        );
        progress(`urna board ${name} listening on ${bound.url}`);
        const end = await Promise.race([stopped, leaseLost]);
        if (typeof end === "string") {
          progress(`${end}: shutting down`);
          await board.close().catch((e: unknown) => progress(`shutdown error: ${String(e)}`));
          active = undefined;
          await front.close();
          await pool.close();
          return undefined;
        }
        progress(`${end.message}: serving as a standby`);
        active = undefined;
        await board.close().catch((e: unknown) => progress(`closing the board: ${String(e)}`));
        standby = true;
      }
    },
  },

  "board export": {
    summary: "write an election's record folder (and static tiles) from a stopped board's data",
    usage: `urna board export (--data DIR | --store URL) --election ID --out DIR [--tiles] [--json]

Writes the record folder of spec/record.md: checkpoint, entries.jsonl and, with --tiles, the
tlog-tiles tree (tile/...) that any static web server or CDN can serve. Environment: URNA_DATA,
URNA_STORE. From the level store (--data DIR) the board must not be running on DIR (the database
is locked while it runs; use GET /elections/<id>/record instead); from a postgres:// store it
reads the last committed checkpoint, also while the board runs.`,
    options: {
      data: { type: "string" },
      store: { type: "string" },
      election: { type: "string" },
      out: { type: "string" },
      tiles: { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    async run(v) {
      const dataDir = (v.data as string | undefined) ?? process.env.URNA_DATA;
      const storeUrl = (v.store as string | undefined) ?? process.env.URNA_STORE;
      if (storeUrl) checkStoreUrl(storeUrl);
      if (!dataDir && !storeUrl)
        throw new UsageError("--data (or URNA_DATA) or --store (or URNA_STORE) is required");
      const id = need(v, "election");
      const outDir = need(v, "out");
      const log = await import("./log/index.js");
      const { openBoardStore } = await import("./store/index.js");
      const store = await openBoardStore({
        ...(storeUrl ? { store: storeUrl } : {}),
        ...(dataDir ? { dataDir } : {}),
        readOnly: true,
      }).catch((e: unknown) => {
        // LevelDB locks its folder while a board runs on it.
        if ((e as { cause?: { code?: unknown } }).cause?.code === "LEVEL_LOCKED")
          throw Object.assign(
            new Error(
              `a board is running on ${dataDir} (its database is locked): stop it first, or download the record from the running board with GET /elections/${id}/record`,
            ),
            { code: "BOARD_IN_USE" },
          );
        throw e;
      });
      const steps = stepProgress(`export ${id}`);
      try {
        const reader = await log.LogReader.open(await store.openLog(id));
        steps.update(`${reader.size} entries to write`);
        mkdirSync(outDir, { recursive: true });
        const { size, bytes } = await log.writeEntriesJsonl(reader, join(outDir, "entries.jsonl"));
        if (v.tiles) await log.exportStaticTree(reader, outDir);
        else writeFileSync(join(outDir, "checkpoint"), reader.checkpoint());
        out(
          v,
          { election: id, size, bytes, dir: outDir },
          `exported ${size} entries of ${id} to ${outDir}`,
        );
      } finally {
        steps.stop();
        await store.close();
      }
    },
  },

  "authority keygen": {
    summary: "generate an authority signing key",
    usage:
      "urna authority keygen --out FILE [--force]   (prints the public key)\n\nAn existing FILE is left untouched (FILE_EXISTS) unless --force.",
    options: {
      ...FORCE_OPT,
      out: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    async run(v) {
      const f = newSigningKeyFile("authority");
      writeSecretJson(need(v, "out"), f, force(v));
      out(v, { publicKey: f.publicKey }, f.publicKey);
    },
  },
  "authority create": {
    summary: "create an election from a manifest file",
    usage:
      "urna authority create --board URL --manifest FILE --key FILE [--json]\n\nFILE is the manifest body (protocol.md §6.1) as JSON; the authority key signs it.",
    options: { ...BOARD_OPT, manifest: { type: "string" }, key: { type: "string" } },
    async run(v) {
      const manifest = readJsonFile<Manifest>(need(v, "manifest"));
      const key = loadSigningKey(need(v, "key"));
      const r = await createElection(client(v), manifest, key.secretKey);
      out(v, r, `manifest posted (entry ${r.index}): election ${manifest.electionId} created`);
    },
  },
  "authority key": {
    summary: "post election.key recomputed from the ceremony on the log",
    usage: "urna authority key --board URL --election ID --key FILE [--json]",
    options: { ...BOARD_OPT, election: { type: "string" }, key: { type: "string" } },
    async run(v) {
      const r = await postElectionKey(
        client(v),
        need(v, "election"),
        loadSigningKey(need(v, "key")).secretKey,
      );
      out(v, r, `election.key posted (entry ${r.index})`);
    },
  },
  "authority open": {
    summary: "open voting",
    usage: "urna authority open --board URL --election ID --key FILE [--json]",
    options: { ...BOARD_OPT, election: { type: "string" }, key: { type: "string" } },
    async run(v) {
      const r = await openVoting(
        client(v),
        need(v, "election"),
        loadSigningKey(need(v, "key")).secretKey,
      );
      out(v, r, `voting open (entry ${r.index})`);
    },
  },
  "authority close": {
    summary: "close voting",
    usage: "urna authority close --board URL --election ID --key FILE [--json]",
    options: { ...BOARD_OPT, election: { type: "string" }, key: { type: "string" } },
    async run(v) {
      const r = await closeVoting(
        client(v),
        need(v, "election"),
        loadSigningKey(need(v, "key")).secretKey,
      );
      out(v, r, `voting closed (entry ${r.index})`);
    },
  },
  "authority tally": {
    summary: "compute the encrypted tally from the log and post it",
    usage: "urna authority tally --board URL --election ID --key FILE [--json]",
    options: { ...BOARD_OPT, election: { type: "string" }, key: { type: "string" } },
    async run(v) {
      const r = await postTally(
        client(v),
        need(v, "election"),
        loadSigningKey(need(v, "key")).secretKey,
      );
      out(v, r, `tally posted (entries ${r.map((x) => x.index).join(", ")})`);
    },
  },
  "authority result": {
    summary: "combine the decryption shares and post the result",
    usage:
      "urna authority result --board URL --election ID --key FILE [--max-votes N] [--json]\n\n--max-votes bounds each option's total (default 10^8) and sizes the discrete-log table.",
    options: {
      ...BOARD_OPT,
      election: { type: "string" },
      key: { type: "string" },
      "max-votes": { type: "string" },
    },
    async run(v) {
      const c = client(v);
      const election = need(v, "election");
      let dlog: DiscreteLog | undefined;
      if (v["max-votes"] !== undefined) {
        const max = Number(v["max-votes"]);
        if (!Number.isSafeInteger(max) || max < 1 || max > 100_000_000)
          throw new UsageError("--max-votes must be 1..100000000");
        dlog = new DiscreteLog({ max, babySteps: Math.max(1, Math.ceil(Math.sqrt(max + 1))) });
      }
      const r = await postResult(
        c,
        election,
        loadSigningKey(need(v, "key")).secretKey,
        dlog ? { dlog } : {},
      );
      const posted = `result posted (entries ${r.map((x) => x.index).join(", ")})`;
      if (!v.json) {
        out(v, r, posted);
        return;
      }
      const results = await Promise.all(r.map((x) => c.entry(election, x.index)));
      out(v, { appended: r, results: results.map((e) => e.body) }, posted);
    },
  },

  "registrar keygen": {
    summary: "generate a registrar signing key",
    usage:
      "urna registrar keygen --out FILE [--force]   (prints the public key)\n\nAn existing FILE is left untouched (FILE_EXISTS) unless --force.",
    options: {
      ...FORCE_OPT,
      out: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    async run(v) {
      const f = newSigningKeyFile("registrar");
      writeSecretJson(need(v, "out"), f, force(v));
      out(v, { publicKey: f.publicKey }, f.publicKey);
    },
  },
  "registrar credentials": {
    summary: "generate N voter credentials, write the private ones, publish the public ones",
    usage: `urna registrar credentials --board URL --election ID --key FILE --count N --styles S1,S2,... --out DIR [--batch-size N] [--force] [--json]

Styles are assigned round-robin. The public credentials are posted in batches of at most 500, up
to 64 batches per bulk request (POST /elections/ID/bulk); each private credential goes to
DIR/credential-NNNNNN.json (mode 0600, written durably) only once the board accepted its batch,
so a refused batch leaves no private file behind. Before posting anything, every one of those
files must be writable and absent (FILE_EXISTS, nothing posted) unless --force.`,
    options: {
      ...BOARD_OPT,
      ...FORCE_OPT,
      election: { type: "string" },
      key: { type: "string" },
      count: { type: "string" },
      styles: { type: "string" },
      out: { type: "string" },
      "batch-size": { type: "string" },
    },
    async run(v) {
      const c = client(v);
      const election = need(v, "election");
      const count = Number(need(v, "count"));
      if (!Number.isSafeInteger(count) || count < 1)
        throw new UsageError("--count must be a positive integer");
      const styles = need(v, "styles").split(",").filter(Boolean);
      if (styles.length === 0) throw new UsageError("--styles must list at least one style");
      const batchSize = v["batch-size"] === undefined ? undefined : Number(v["batch-size"]);
      if (batchSize !== undefined && (!Number.isSafeInteger(batchSize) || batchSize < 1))
        throw new UsageError("--batch-size must be a positive integer");
      const key = loadSigningKey(need(v, "key"));
      const dir = need(v, "out");
      checkCredentialFiles(dir, 0, count, force(v));
      const creds = generateCredentials(election, count, styles);
      const files: string[] = [];
      const r = await publishCredentials(
        c,
        election,
        key.secretKey,
        creds.map((x) => x.public),
        {
          batchSize,
          onBatch: (n, a, { start, end }) => {
            files.push(...writeCredentialFiles(dir, creds.slice(start, end), start, force(v)));
            progress(
              `credentials batch ${n} posted (entry ${a.index}); wrote ${end - start} files`,
            );
          },
        },
      );
      out(
        v,
        { files, batches: r.map((x) => x.index) },
        `credentials posted (entries ${r.map((x) => x.index).join(", ")}): ${count} credentials, private files in ${dir}`,
      );
    },
  },

  "custodian keygen": {
    summary: "generate a custodian's signing and DKG keys",
    usage:
      "urna custodian keygen --name NAME --out FILE [--force]   (prints the public keys as JSON)\n\nAn existing FILE is left untouched (FILE_EXISTS) unless --force.",
    options: {
      ...FORCE_OPT,
      name: { type: "string" },
      out: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    async run(v) {
      const f = newCustodianKeyFile(need(v, "name"));
      writeSecretJson(need(v, "out"), f, force(v));
      const pub = { name: f.name, signingKey: f.signing.publicKey, dkgKey: f.dkg.public };
      out(v, pub, JSON.stringify(pub));
    },
  },
  "custodian round1": {
    summary: "post this custodian's ceremony round 1",
    usage: "urna custodian round1 --board URL --election ID --key FILE [--json]",
    options: { ...BOARD_OPT, election: { type: "string" }, key: { type: "string" } },
    async run(v) {
      const r = await postRound1(client(v), need(v, "election"), loadCustodianKey(need(v, "key")));
      out(v, r, `ceremony.round1 posted (entry ${r.index})`);
    },
  },
  "custodian certify": {
    summary: "wait for every round 1, derive the secret share, post the certification",
    usage: `urna custodian certify --board URL --election ID --key FILE --state FILE [--timeout SECONDS] [--force] [--json]

Waits until every custodian's round 1 is on the log (--timeout: at most SECONDS, default 60;
then TIMEOUT and nothing is posted), derives this custodian's secret share and saves it to the
--state file (mode 0600, written durably) before posting the certification, so a posted
certification always has its saved share. An existing --state file is left untouched
(FILE_EXISTS, checked before anything else) unless --force.`,
    options: {
      ...BOARD_OPT,
      ...FORCE_OPT,
      election: { type: "string" },
      key: { type: "string" },
      state: { type: "string" },
      timeout: { type: "string" },
    },
    async run(v) {
      const c = client(v);
      const election = need(v, "election");
      const key = loadCustodianKey(need(v, "key"));
      const statePath = need(v, "state");
      let timeoutMs: number | undefined;
      if (v.timeout !== undefined) {
        const t = Number(v.timeout);
        if (!Number.isFinite(t) || t <= 0) throw new UsageError("--timeout must be seconds > 0");
        timeoutMs = t * 1000;
      }
      checkOutputFile(statePath, force(v));
      const { result } = await postCertify(c, election, key, {
        timeoutMs,
        beforePost: (state) => {
          saveCustodianState(statePath, state, force(v));
          progress(`secret share saved to ${statePath}`);
        },
      });
      out(v, result, `ceremony.certify posted (entry ${result.index})`);
    },
  },
  "custodian share": {
    summary: "post this custodian's decryption share of the tally",
    usage: `urna custodian share --board URL --election ID --key FILE --state FILE (--trust FILE | --insecure-no-trust) [--workers N] [--json]

Before decrypting, reads the log once up to the board's checkpoint, which must be signed by the
board and cosigned by the witness quorum of --trust (the election's trust file, as for
urna-verify; the newest checkpoint's cosignatures are awaited for up to 15 s), with entries
that hash to its root; then runs the auditor's checks V1-V14 on
exactly those bytes (as urna-verify election does) and refuses (AUDIT_FAILED, naming the
failed checks) unless every one passes: nothing is decrypted or posted. --insecure-no-trust
instead takes the board's own key and the manifest's authority as the board announces them,
with no witnesses (the checks still run). --workers: threads for the checks (default 1).`,
    options: {
      ...BOARD_OPT,
      election: { type: "string" },
      key: { type: "string" },
      state: { type: "string" },
      trust: { type: "string" },
      "insecure-no-trust": { type: "boolean" },
      workers: { type: "string" },
    },
    async run(v) {
      let trust: Trust | undefined;
      if (v.trust !== undefined && v["insecure-no-trust"] === true)
        throw new UsageError("give either --trust or --insecure-no-trust, not both");
      if (v.trust !== undefined) {
        try {
          trust = loadTrust(readJsonFile<unknown>(need(v, "trust")));
        } catch (e) {
          if (e instanceof TrustError) throw new UsageError(e.message);
          throw e;
        }
      } else if (v["insecure-no-trust"] === true)
        progress(
          "--insecure-no-trust: the board's own key and the manifest's authority are trusted, no witnesses",
        );
      else
        throw new UsageError(
          "custodian share needs the election's trust file: --trust FILE (or --insecure-no-trust)",
        );
      const workers = v.workers === undefined ? 1 : Number(v.workers);
      if (!Number.isInteger(workers) || workers < 1 || workers > 64)
        throw new UsageError("--workers must be an integer from 1 to 64");
      const key = loadCustodianKey(need(v, "key"));
      const state = loadCustodianState(need(v, "state"));
      const steps = stepProgress("custodian share");
      const onProgress = (m: string) => steps.update(m);
      const r = await postDecryptionShare(
        client(v),
        need(v, "election"),
        key,
        state,
        trust ? { trust, workers, onProgress } : { insecureNoTrust: true, workers, onProgress },
      ).finally(() => steps.stop());
      out(v, r, `decryption.share posted (entries ${r.map((x) => x.index).join(", ")})`);
    },
  },

  "voter cast": {
    summary: "encrypt, sign and cast a ballot; save the receipt",
    usage: `urna voter cast --board URL --credential FILE --choices JSON --receipt FILE [--challenge-first] [--force] [--json]

--choices maps each contest to the chosen option ids, e.g. '{"presidencia":["pan"]}' (or a
file path). With --challenge-first, one encryption is opened (Benaloh challenge) before casting.
Before anything is posted, --receipt must be a writable path that does not exist (FILE_EXISTS,
OUTPUT_NOT_WRITABLE; --force replaces an existing file). The tracking code is printed as soon as
the board accepts the ballot, before the receipt is written.`,
    options: {
      ...BOARD_OPT,
      ...FORCE_OPT,
      credential: { type: "string" },
      choices: { type: "string" },
      receipt: { type: "string" },
      "challenge-first": { type: "boolean" },
    },
    run: (v) => vote(v, v["challenge-first"] === true),
  },
  "voter challenge": {
    summary: "challenge (open) one encryption, then cast a fresh one",
    usage:
      "urna voter challenge --board URL --credential FILE --choices JSON --receipt FILE [--force] [--json]\n\nvoter cast --challenge-first: the same checks before posting.",
    options: {
      ...BOARD_OPT,
      ...FORCE_OPT,
      credential: { type: "string" },
      choices: { type: "string" },
      receipt: { type: "string" },
    },
    run: (v) => vote(v, true),
  },
};

/**
 * voter cast / challenge: every argument and the receipt path are checked before anything is
 * posted; each accepted entry's line (with its tracking code) is printed at once, then the
 * receipt is saved.
 */
async function vote(
  v: Record<string, string | boolean | undefined>,
  challengeFirst: boolean,
): Promise<void> {
  const c = client(v);
  const cred = loadCredential(need(v, "credential"));
  const choices = parseChoices(need(v, "choices"));
  const receiptPath = need(v, "receipt");
  checkOutputFile(receiptPath, force(v));
  const r = await castBallot(c, cred, choices, {
    challengeFirst,
    onPosted: (type, a) => {
      const line = `${type} posted (entry ${a.index}, tracking code ${humanTrackingCodeOf(a.trackingCode)})\n`;
      (v.json ? process.stderr : process.stdout).write(line);
    },
  });
  try {
    saveReceipt(receiptPath, r.cast.receipt, force(v));
  } catch (e) {
    throw new ActorError(
      "RECEIPT_NOT_SAVED",
      `the ballot was cast (entry ${r.cast.index}, tracking code ${humanTrackingCodeOf(r.cast.trackingCode)}) but the receipt could not be saved to ${receiptPath}: ${e instanceof Error ? e.message : String(e)}; the board serves it at GET /elections/${cred.election}/receipts/${r.cast.trackingCode}`,
    );
  }
  progress(`receipt saved to ${receiptPath}`);
  if (v.json) out(v, r, "");
}

function parseChoices(s: string): Choices {
  const text = s.trim().startsWith("{")
    ? s
    : (() => {
        try {
          return readFileSync(s, "utf8");
        } catch {
          throw new UsageError("--choices must be JSON or a JSON file");
        }
      })();
  try {
    const c = JSON.parse(text) as unknown;
    if (typeof c !== "object" || c === null || Array.isArray(c)) throw new Error("not an object");
    return c as Choices;
  } catch (e) {
    throw new UsageError(`--choices: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function groupUsage(group: string): string {
  const lines = Object.entries(commands)
    .filter(([k]) => k.startsWith(group + " "))
    .map(([k, c]) => `  ${k.padEnd(24)} ${c.summary}`);
  return `usage: urna ${group} <sub-command> [options]\n\n${lines.join("\n")}\n`;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === "-h" || argv[0] === "--help" || argv[0] === "help") {
    process.stdout.write(USAGE);
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === "--version") {
    process.stdout.write(VERSION + "\n");
    return 0;
  }
  const group = argv[0];
  if (!Object.keys(commands).some((k) => k.startsWith(group + " "))) {
    process.stderr.write(`urna: unknown command '${group}'\n\n${USAGE}`);
    return 2;
  }
  const sub = argv[1];
  if (sub === undefined || sub === "-h" || sub === "--help") {
    (sub === undefined ? process.stderr : process.stdout).write(groupUsage(group));
    return sub === undefined ? 2 : 0;
  }
  const cmd = commands[`${group} ${sub}`];
  if (!cmd) {
    process.stderr.write(`urna: unknown command '${group} ${sub}'\n\n${groupUsage(group)}`);
    return 2;
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv.slice(2),
      options: cmd.options,
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    process.stderr.write(
      `urna ${group} ${sub}: ${e instanceof Error ? e.message : String(e)}\n\nusage: ${cmd.usage}\n`,
    );
    return 2;
  }
  if (values.help) {
    process.stdout.write(`usage: ${cmd.usage}\n`);
    return 0;
  }
  try {
    await cmd.run(values);
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof KeyFileError) {
      process.stderr.write(`urna ${group} ${sub}: ${escapeDisplay(e.message)}\n`);
      return 2;
    }
    if (e instanceof OutputFileError) {
      // Checked before anything is posted: the file is untouched and nothing was written.
      if (values.json)
        process.stdout.write(
          JSON.stringify({ error: { code: e.code, message: e.message, path: e.path } }) + "\n",
        );
      process.stderr.write(`urna ${group} ${sub}: ${escapeDisplay(`${e.code}: ${e.message}`)}\n`);
      return 2;
    }
    if (e instanceof BoardApiError) {
      if (values.json)
        process.stdout.write(
          JSON.stringify({
            error: { status: e.status, code: e.code, message: e.message, path: e.path },
          }) + "\n",
        );
      process.stderr.write(
        `urna ${group} ${sub}: the board refused (${e.status}): ${escapeDisplay(`${e.message}${e.path ? ` at ${e.path}` : ""}`)}\n`,
      );
      return 1;
    }
    if (e instanceof ActorError) {
      if (values.json)
        process.stdout.write(
          JSON.stringify({
            error: {
              code: e.code,
              message: e.message,
              ...("failed" in e ? { failed: (e as { failed: unknown }).failed } : {}),
            },
          }) + "\n",
        );
      // Messages may quote what a board answered: printed escaped (protocol.md §2).
      process.stderr.write(`urna ${group} ${sub}: ${escapeDisplay(`${e.code}: ${e.message}`)}\n`);
      return 1;
    }
    // Errors with a stable code (BoardKeyError, the store's and log's) print it first.
    const code = (e as { code?: unknown }).code;
    const text = e instanceof Error ? e.message : String(e);
    if (values.json && typeof code === "string")
      process.stdout.write(JSON.stringify({ error: { code, message: text } }) + "\n");
    process.stderr.write(
      `urna ${group} ${sub}: ${escapeDisplay(typeof code === "string" ? `${code}: ${text}` : text)}\n`,
    );
    return 1;
  }
}

const isMain = (() => {
  const a = process.argv[1];
  return (
    a !== undefined &&
    (import.meta.url.endsWith(a) || /[\\/](urna|urna\.js|cli\.js|cli\.ts)$/.test(a))
  );
})();
if (isMain) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`urna: ${String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
