/**
 * The bulletin board service: `createBoard` opens (or creates) the data directory, the board's
 * signing key and its store (board/src/store: the level database by default, or PostgreSQL),
 * reopens every election's log and rebuilds its state by replaying the entries (no crypto), and
 * returns the express app with listen/close.
 *
 * Data directory:
 *   board.key          the board's signed-note private key (mode 0600)
 *   db/                the level database (level store only): every election's log, plus
 *                      `_board` (the registry)
 *   signer/state.0, signer/state.1
 *                      every log's checkpoint-signer state (SharedSignerState: two alternating
 *                      checksummed slots, one write per group of commits), kept outside the
 *                      database on purpose, on every store; signer/<id>.json is the per-log
 *                      state of earlier versions, read for logs absent from the shared state
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import { join } from "node:path";
import express, { type Express } from "express";
import type { AnyEntry } from "@urna/schemas";
import {
  ElectionState,
  type Ed25519NoteSigner,
  encodeVkey,
  fromBase64,
  fromUtf8,
  openCheckpoint,
  parseVkey,
  Replay,
  ReplayError,
  toBase64,
  toHex,
} from "@urna/verifier";
import {
  CheckpointSigner,
  type LogStorage,
  Sequencer,
  checkpointOrigin,
  leafHashFast,
  nodeEd25519Signer,
} from "../log/index.js";
import { type BoardStore, describeStore, openBoardStore } from "../store/index.js";
import {
  BoardKeyError,
  boardKeyPath,
  hasSigned,
  loadOrCreateBoardKey,
  seedOf,
} from "./board-key.js";
import { verifyCryptoWork } from "./crypto-work.js";
import { Election, logErrorToApi } from "./election.js";
import type { AdmissionCounts, BoardContext, Created } from "./context.js";
import { ApiError, findingToError } from "./errors.js";
import { type BoardLimitOptions, CreationGate, guardConnections, resolveLimits } from "./limits.js";
import { listenOn } from "./listen.js";
import { fastEntryRoute, routes } from "./routes.js";
import { type Prewarmed, isPrefixOf } from "./prewarm.js";
import { webRouter } from "./web.js";
import { CryptoPool } from "./worker-pool.js";
import { verifiedTagKey } from "./verified-tag.js";
import { Witnessing, type WitnessConfig } from "../witnessing/index.js";
import {
  LivePublisher,
  type PublishStatus,
  type PublishTarget,
  Publisher,
} from "../publish/index.js";

export interface BoardOptions {
  /** Data directory, created if absent. */
  dataDir: string;
  /**
   * The store: unset for the level database in the data directory (the default), or a
   * `postgres://...` URL (board/src/store). The board key and the signer's local state file stay
   * in the data directory on every store.
   */
  store?: string;
  /**
   * PostgreSQL store: how long to wait for the sequencer lease while another board holds it
   * (default 0: refuse with STORE_LOCKED; Infinity: a standby that takes over when it is free).
   */
  leaseWaitMs?: number;
  /** PostgreSQL store: the sequencer lease's time to live (default 3,000 ms). */
  leaseTtlMs?: number;
  /**
   * PostgreSQL store: called once when the board's sequencer lease is lost (another board took
   * it over): it then refuses every write (STORE_LEASE_LOST); `urna board serve` closes it and
   * serves as a standby.
   */
  onLeaseLost?: (e: Error) => void;
  /** PostgreSQL store: the URL this board serves on, advertised to standbys (they forward writes there). */
  advertiseUrl?: string;
  /**
   * An election already replayed by this process while it stood by (prewarm.ts): adopted when
   * it is a prefix of the stored log, so that only the entries after it are replayed.
   */
  prewarmed?: (id: string) => Promise<Prewarmed | undefined>;
  /** Witnesses asked to cosign every checkpoint (spec/witness.md), and how many must. */
  witnesses?: WitnessConfig[];
  quorum?: number;
  /** Delay before asking the witnesses again for a checkpoint short of the quorum (10,000 ms). */
  witnessRetryMs?: number;
  /** Board name: the signed-note key name; checkpoint origins are `<name>/elections/<id>`. */
  name: string;
  /** Default port for listen(). */
  port?: number;
  /** Board private key (C2SP `PRIVATE+KEY+...`); generated and stored on first start if absent. */
  signingKey?: string;
  /**
   * The board key file (default `<dataDir>/board.key`), e.g. outside the data folder. It must be
   * readable by its owner only; a missing key is generated only while the board has signed
   * nothing, and a key that does not verify the checkpoints already signed is refused.
   */
  keyFile?: string;
  /** Crypto worker threads (default os.availableParallelism(); 0 checks inline). */
  workers?: number;
  /** The crypto workers to use instead of starting `workers` (not closed with the board). */
  pool?: CryptoPool;
  /** Sequencer batching (defaults 256 entries / 50 ms). */
  maxBatchSize?: number;
  maxBatchDelayMs?: number;
  /** Progress and error messages (default: stderr). */
  log?: (msg: string) => void;
  /** Limits under hostile traffic: event streams, connections (limits.ts; README §Limits). */
  limits?: BoardLimitOptions;
  /**
   * Who may create elections (spec/api.md §Creating elections): the authority keys (base64
   * Ed25519) whose signed manifests are accepted. None: creation only from loopback addresses.
   */
  authorities?: readonly string[];
  /** Election creations per second and burst per client address (default 0.1/s, 10; 0 off). */
  creationRate?: { perSecond: number; burst: number };
  /**
   * Where to publish every election's record in the C2SP static layout (spec/log.md §10): a
   * folder or an S3 bucket (board/src/publish). Only the sequencing board publishes.
   */
  publish?: PublishTarget;
  /** First delay before retrying a failed publish (default 1,000 ms, doubling to 30 s). */
  publishRetryMs?: number;
}

export interface Board {
  readonly app: Express;
  readonly name: string;
  /**
   * The board's signed-note verifier key under its own name, `<name>+<id>+<key>`. Checkpoints are
   * signed under one key name per election, the origin (spec/log.md §3): see electionVkey.
   */
  readonly vkey: string;
  /** The board's Ed25519 public key, base64. */
  readonly publicKey: string;
  readonly elections: ReadonlyMap<string, Election>;
  /** The board's store (engine, location). */
  readonly store: BoardStore;
  /** Verifier key of an election's checkpoints (key named after the checkpoint origin). */
  electionVkey(id: string): string;
  /** The publishing of election `id` (undefined without --publish or for an unknown election). */
  publishStatus(id: string): PublishStatus | undefined;
  /** Resolves when election `id` has published its current checkpoint (or stopped on an error). */
  publishSettled(id: string): Promise<void>;
  /** Entries admitted so far, on a standby's tag or checked here in full (context.ts). */
  readonly admissions: Readonly<AdmissionCounts>;
  listen(port?: number, host?: string): Promise<{ port: number; url: string; server: Server }>;
  /** Answers one request (as the servers of listen() do), for a server the caller runs. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Stops accepting, finishes in-flight writes, closes every log and the database. Idempotent. */
  close(): Promise<void>;
  /** The board's private key (C2SP `PRIVATE+KEY+...`), for demos and key backups. Keep secret. */
  privateKeyForDemo(): string;
}

/** Whether `note` carries a valid signature by `vkey` (its key name is the note's origin). */
function signedBy(note: string, vkey: string): boolean {
  try {
    openCheckpoint(note, parseVkey(vkey));
    return true;
  } catch {
    return false;
  }
}

export async function createBoard(opts: BoardOptions): Promise<Board> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`[urna board] ${m}\n`));
  mkdirSync(opts.dataDir, { recursive: true });
  mkdirSync(join(opts.dataDir, "signer"), { recursive: true });
  const keyFile = boardKeyPath(opts.dataDir, opts.keyFile);
  // Read before the store opens (which may create the signer's files).
  const signedBefore = hasSigned(opts.dataDir);
  // Refused early when the key is missing although this folder's signer has signed before.
  if (!existsSync(keyFile) && opts.signingKey === undefined && signedBefore)
    loadOrCreateBoardKey(opts.dataDir, opts.name, undefined, { keyFile, mayCreate: false });
  // The crypto workers start first: a standby waiting for the lease has them ready when it
  // takes over (its first write does not wait for their start).
  // A pool given (the standby front's, shared: one set of threads per process) stays open.
  const pool = opts.pool ?? new CryptoPool({ size: opts.workers, inline: verifyCryptoWork });
  const closePool = (): Promise<void> => (opts.pool ? Promise.resolve() : pool.close());
  const store: BoardStore = await openBoardStore({
    store: opts.store,
    dataDir: opts.dataDir,
    boardName: opts.name,
    ...(opts.leaseWaitMs !== undefined ? { leaseWaitMs: opts.leaseWaitMs } : {}),
    ...(opts.leaseTtlMs !== undefined ? { leaseTtlMs: opts.leaseTtlMs } : {}),
    ...(opts.advertiseUrl !== undefined ? { advertiseUrl: opts.advertiseUrl } : {}),
    ...(opts.onLeaseLost ? { onLeaseLost: opts.onLeaseLost } : {}),
    log,
  }).catch(async (e: unknown) => {
    await closePool();
    throw e;
  });
  if (store.engine !== "level") log(`store: ${describeStore(opts.store)}`);
  const registered = await store.listElections();
  let key: Ed25519NoteSigner;
  try {
    // A new key only for a board that has signed nothing (in this folder or in its store).
    key = loadOrCreateBoardKey(opts.dataDir, opts.name, opts.signingKey, {
      keyFile,
      mayCreate: registered.length === 0 && !signedBefore,
    });
  } catch (e) {
    await closePool();
    await store.close();
    throw e;
  }
  const seed = seedOf(readFileSync(keyFile, "utf8"));
  const signerState = store.signerState;
  const witnessing =
    opts.witnesses && opts.witnesses.length > 0
      ? new Witnessing({ witnesses: opts.witnesses, quorum: opts.quorum ?? opts.witnesses.length })
      : undefined;
  const live = opts.publish
    ? new LivePublisher(new Publisher({ target: opts.publish, state: store.publishState }), {
        log,
        ...(opts.publishRetryMs !== undefined ? { retryMs: opts.publishRetryMs } : {}),
      })
    : undefined;
  if (live) log(`publishing every election to ${live.publisher.target.url}`);
  const newElection = (
    id: string,
    state: ElectionState,
    seq: Sequencer,
    storage: LogStorage,
    prewarmed?: Prewarmed,
  ): Election =>
    new Election({
      ...(prewarmed ? { prewarmed } : {}),
      id,
      origin: checkpointOrigin(opts.name, id),
      state,
      seq,
      storage,
      pool,
      bytes: 0,
      witnessing,
      ...(opts.witnessRetryMs !== undefined ? { witnessRetryMs: opts.witnessRetryMs } : {}),
      log,
      onPublished: () => live?.notify(id),
    });
  const publishElection = (e: Election): void => live?.watch(e.id, e.reader, () => e.published);
  const elections = new Map<string, Election>();
  const creating = new Set<string>();
  const abort = new AbortController();
  let closing = false;
  let closed: Promise<void> | undefined;
  const servers = new Set<Server>();

  const signerFor = (id: string): Ed25519NoteSigner =>
    nodeEd25519Signer(checkpointOrigin(opts.name, id), seed);

  async function openLog(id: string): Promise<{ storage: LogStorage; seq: Sequencer }> {
    const origin = checkpointOrigin(opts.name, id);
    const storage = await store.openLog(id);
    // The stored checkpoint must be this key's, before the signer could sign anything with it.
    const note = await storage.readCheckpoint();
    if (note !== undefined && !signedBy(note, signerFor(id).vkey)) {
      await storage.close();
      throw new BoardKeyError(
        "BOARD_KEY_MISMATCH",
        `${keyFile} does not verify election ${id}'s signed checkpoint: this is not the key that signed this board's logs`,
      );
    }
    const signer = await CheckpointSigner.open({
      origin,
      key: signerFor(id),
      statePath: join(opts.dataDir, "signer", `${id}.json`),
      shared: signerState,
    });
    const seq = await Sequencer.open({
      storage,
      signer,
      maxBatchSize: opts.maxBatchSize,
      maxBatchDelayMs: opts.maxBatchDelayMs,
      onFatal: (e) => log(`election ${id}: the log refuses writes: ${e.message}`),
      onTransient: (e, attempt) => {
        if (attempt === 1)
          log(`election ${id}: storage short of resources, retrying: ${String(e)}`);
        else if (e === undefined) log(`election ${id}: storage writable again`);
      },
    });
    return { storage, seq };
  }

  // Reopen every election and rebuild its state from its entries.
  for (const { id } of registered) {
    let opened: { storage: LogStorage; seq: Sequencer };
    try {
      opened = await openLog(id);
    } catch (e) {
      // The board does not start (a refused key, a rollback): release what it opened.
      for (const el of elections.values()) {
        el.stop();
        await el.seq.close().catch(() => undefined);
        await el.storage.close().catch(() => undefined);
      }
      await closePool();
      await store.close();
      throw e;
    }
    const { storage, seq } = opened;
    if (seq.size === 0) {
      // Registered but its manifest never became durable (crash during creation): forget it.
      await seq.close();
      await storage.close();
      await store.unregisterElection(id);
      continue;
    }
    const t0 = performance.now();
    let election: Election | undefined;
    let bytes = 0;
    let index = 0;
    // The one replay of the verifier (verifier/src/election/replay.ts), trusted: no crypto.
    let replay = new Replay({ verify: false, hashLeaf: leafHashFast });
    const pre = await opts.prewarmed?.(id).catch(() => undefined);
    if (pre && (await isPrefixOf(seq.reader, pre))) {
      election = newElection(id, pre.state, seq, storage, pre);
      replay = new Replay({
        verify: false,
        hashLeaf: leafHashFast,
        state: pre.state,
        sinks: election.replaySinks(),
      });
      bytes = pre.bytes;
      index = pre.size;
    }
    const first = index;
    for await (const leaf of seq.reader.iterateEntries(index, seq.size)) {
      bytes += leaf.length;
      let started;
      try {
        ({ started } = replay.push(leaf));
      } catch (e) {
        if (!(e instanceof ReplayError)) throw e;
        throw new Error(`election ${id}: stored manifest is invalid: ${e.message}`);
      }
      if (started) {
        election = newElection(id, started, seq, storage);
        for (const sink of election.replaySinks()) replay.addSink(sink);
      }
      index++;
    }
    const e = election as Election;
    e.setPublishedBytes(bytes);
    elections.set(id, e);
    publishElection(e);
    log(
      `election ${id}: ${seq.size} entries, phase ${e.state.phase} (${first > 0 ? `${first} prewarmed, ${seq.size - first} ` : ""}replayed in ${Math.round(performance.now() - t0)} ms)`,
    );
    if (seq.failure) log(`election ${id}: READ-ONLY: ${seq.failure.message}`);
  }

  async function createElection(entry: AnyEntry, leaf: Uint8Array): Promise<Created> {
    const created = ElectionState.create(entry);
    if (!created.state)
      throw findingToError(
        created.findings[0] ?? { code: "INVALID_MANIFEST", message: "invalid manifest" },
      );
    const id = created.state.electionId;
    if (elections.has(id) || creating.has(id))
      throw new ApiError("ELECTION_EXISTS", `election ${id} already exists`);
    creating.add(id);
    try {
      await store.registerElection({ id, created: new Date().toISOString() });
      const { storage, seq } = await openLog(id);
      if (seq.size !== 0) throw new ApiError("ELECTION_EXISTS", `election ${id} already has a log`);
      const election = newElection(id, created.state, seq, storage);
      let r;
      try {
        r = await seq.append(leaf);
      } catch (e) {
        await seq.close().catch(() => undefined);
        await storage.close().catch(() => undefined);
        await store.unregisterElection(id).catch(() => undefined);
        throw logErrorToApi(e);
      }
      election.setPublishedBytes(leaf.length);
      elections.set(id, election);
      publishElection(election);
      log(`election ${id} created`);
      return { index: r.index, trackingCode: toHex(r.leafHash), checkpoint: r.checkpoint };
    } finally {
      creating.delete(id);
    }
  }

  const creation = new CreationGate(
    opts.authorities ?? [],
    opts.creationRate ?? { perSecond: 0.1, burst: 10 },
    opts.limits?.rate?.onLoopback ?? false,
  );
  if (!creation.restricted)
    log("no --authority given: elections may be created from loopback addresses only");

  const ctx: BoardContext = {
    name: opts.name,
    vkey: key.vkey,
    publicKey: toBase64(key.publicKey),
    elections,
    shutdown: abort.signal,
    limits: resolveLimits(opts.limits),
    log,
    isClosing: () => closing,
    electionVkey: (id) => encodeVkey(checkpointOrigin(opts.name, id), key.publicKey),
    createElection,
    admitCreation: (signer, address) => creation.admit(signer, address),
    publishStatus: (id) => live?.status(id),
    verifiedTagKey: verifiedTagKey(seed),
    admissions: { onTag: 0, inFull: 0 },
  };

  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use("/web", webRouter(undefined, log));
  // Browsers ask every origin for /favicon.ico (a JSON route opened in a tab): the pages' icon.
  app.get("/favicon.ico", (_req, res) => res.redirect(301, "web/favicon.svg"));
  app.use(routes(ctx));
  const fast = fastEntryRoute(ctx);

  async function close(): Promise<void> {
    closed ??= (async () => {
      closing = true;
      abort.abort();
      const stopped = [...servers].map(
        (s) =>
          new Promise<void>((r) => {
            s.close(() => r());
            s.closeIdleConnections();
          }),
      );
      for (const e of elections.values()) e.stop();
      await Promise.all([...elections.values()].map((e) => e.drained()));
      if (live) {
        // The last checkpoints go out if the target answers within 5 s; else the next start does it.
        let t: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.all([...elections.keys()].map((id) => live.settled(id))),
          new Promise<void>((r) => (t = setTimeout(r, 5000))),
        ]);
        clearTimeout(t);
        await live.close().catch((err: unknown) => log(`closing the publisher: ${String(err)}`));
      }
      for (const e of elections.values())
        await e.seq.close().catch((err: unknown) => log(`close ${e.id}: ${String(err)}`));
      // Let the last responses flush, then drop whatever connection is left.
      for (const s of servers) s.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(stopped),
        new Promise<void>((r) => (timer = setTimeout(r, 2000))),
      ]);
      clearTimeout(timer);
      for (const s of servers) s.closeAllConnections();
      await Promise.all(stopped);
      for (const e of elections.values()) await e.storage.close().catch(() => undefined);
      await closePool();
      await store.close();
    })();
    return closed;
  }

  function listen(
    port = opts.port ?? 0,
    host?: string,
  ): Promise<{ port: number; url: string; server: Server }> {
    // The write route of small entries takes a plain node:http path (routes/fast-write.ts, the same admission);
    // everything else is the express app.
    let refused: ReturnType<typeof guardConnections> = () => false;
    const server = createServer((req, res) => {
      if (!refused(req, res) && !fast(req, res)) app(req, res);
    });
    refused = guardConnections(server, ctx.limits.connections, ctx.limits.rate);
    server.keepAliveTimeout = 65_000;
    servers.add(server);
    server.on("close", () => servers.delete(server));
    return listenOn(server, port, host);
  }

  const privateKeyForDemo = (): string => readFileSync(keyFile, "utf8").trim();
  return {
    app,
    privateKeyForDemo,
    name: opts.name,
    vkey: key.vkey,
    publicKey: toBase64(key.publicKey),
    elections,
    store,
    electionVkey: ctx.electionVkey,
    publishStatus: (id) => live?.status(id),
    publishSettled: (id) => live?.settled(id) ?? Promise.resolve(),
    admissions: ctx.admissions,
    listen,
    handle: (req, res) => {
      if (!fast(req, res)) app(req, res);
    },
    close,
  };
}
