/**
 * The embedded store (the default): one LevelDB in the board's data folder.
 *
 *   <data>/db/                 the level database: every election's log under its own sublevel
 *                              (log-storage.ts), and the registry under `_board`
 *                              (key `election/<id>`, value JSON {id, created}), and the
 *                              publish state (key `published/["<id>","<target>"]`, value JSON
 *                              {size, root})
 *   <data>/signer/state.0|1    the signer state of every log (SharedSignerState), outside the
 *                              database on purpose; signer/<id>.json: the per-log state of
 *                              earlier versions, read for logs absent from the shared state
 *
 * The group commit is the database's CommitGroup: the commits of every election that arrive
 * together go into one synced LevelDB batch. LevelDB locks its folder: one process at a time.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { bytesEqual, fromBase64, fromUtf8, toBase64, utf8 } from "@urna/verifier";
import { BoardLogError } from "../../log/errors.js";
import { SharedSignerState, type SignerStateStore } from "../../log/signer.js";
import type { LogStorage } from "../../log/storage.js";
import type { PublishStateStore, PublishedTree } from "../../publish/types.js";
import type { BoardStore, ElectionRegistration } from "../types.js";
import { type LevelDb, LevelLogStorage, openLevelDb } from "./log-storage.js";

export * from "./log-storage.js";

const REGISTRY = "_board";
const PREFIX = "election/";
const PUBLISHED = "published/";

export interface LevelStoreOptions {
  /** The board's data folder (the database is `<dataDir>/db`, the signer state `<dataDir>/signer/`). */
  dataDir: string;
  /** Open for reading only (exports): no signer state is opened or created. */
  readOnly?: boolean;
}

export class LevelBoardStore implements BoardStore {
  readonly engine = "level" as const;
  readonly location: string;
  readonly readOnly: boolean;
  readonly db: LevelDb;
  readonly #registry;
  readonly #signer: SharedSignerState | undefined;
  #closed: Promise<void> | undefined;
  /** Publish-state swaps, one at a time (LevelDB has no compare-and-swap of its own). */
  #swaps: Promise<unknown> = Promise.resolve();

  private constructor(dataDir: string, db: LevelDb, signer: SharedSignerState | undefined) {
    this.location = dataDir;
    this.readOnly = signer === undefined;
    this.db = db;
    this.#signer = signer;
    this.#registry = db.sublevel<string, Uint8Array>(REGISTRY, {
      keyEncoding: "utf8",
      valueEncoding: "view",
    });
  }

  static async open(opts: LevelStoreOptions): Promise<LevelBoardStore> {
    if (!opts.readOnly) mkdirSync(join(opts.dataDir, "signer"), { recursive: true });
    const db = await openLevelDb(join(opts.dataDir, "db"));
    try {
      const signer = opts.readOnly
        ? undefined
        : await SharedSignerState.open(join(opts.dataDir, "signer", "state"));
      return new LevelBoardStore(opts.dataDir, db, signer);
    } catch (e) {
      await db.close();
      throw e;
    }
  }

  get signerState(): SignerStateStore {
    if (!this.#signer)
      throw new BoardLogError("STORE_READ_ONLY", "the store was opened for reading only");
    return this.#signer;
  }

  async listElections(): Promise<ElectionRegistration[]> {
    const out: ElectionRegistration[] = [];
    for await (const [k, v] of this.#registry.iterator({ gte: PREFIX, lt: "election0" })) {
      const id = k.slice(PREFIX.length);
      let created = "";
      try {
        const o = JSON.parse(fromUtf8(v)) as { created?: unknown };
        if (typeof o.created === "string") created = o.created;
      } catch {
        /* an unreadable value still registers the id (as before) */
      }
      out.push({ id, created });
    }
    return out;
  }

  async registerElection(reg: ElectionRegistration): Promise<void> {
    this.#writable();
    await this.#registry.put(
      PREFIX + reg.id,
      utf8(JSON.stringify({ id: reg.id, created: reg.created })),
    );
  }

  async unregisterElection(id: string): Promise<void> {
    this.#writable();
    await this.#registry.del(PREFIX + id);
  }

  readonly publishState: PublishStateStore = {
    read: (election, target) => this.#readPublished(election, target),
    compareAndSwap: (election, target, prev, next) => {
      this.#writable();
      const run = this.#swaps.then(async () => {
        const cur = await this.#readPublished(election, target);
        const same =
          cur === undefined || prev === undefined
            ? cur === prev
            : cur.size === prev.size && bytesEqual(cur.root, prev.root);
        if (!same) return false;
        await this.db.batch(
          [
            {
              type: "put",
              sublevel: this.#registry,
              key: PUBLISHED + JSON.stringify([election, target]),
              value: utf8(JSON.stringify({ size: next.size, root: toBase64(next.root) })),
            },
          ],
          { sync: true },
        );
        return true;
      });
      this.#swaps = run.catch(() => undefined);
      return run;
    },
  };

  async #readPublished(election: string, target: string): Promise<PublishedTree | undefined> {
    const v = await this.#registry.get(PUBLISHED + JSON.stringify([election, target]));
    if (v === undefined) return undefined;
    const o = JSON.parse(fromUtf8(v)) as { size: number; root: string };
    return { size: o.size, root: fromBase64(o.root) };
  }

  async openLog(id: string): Promise<LogStorage> {
    return new LevelLogStorage(this.db, id);
  }

  #writable(): void {
    if (this.readOnly)
      throw new BoardLogError("STORE_READ_ONLY", "the store was opened for reading only");
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#signer?.close();
      await this.db.close();
    })();
    return this.#closed;
  }
}
