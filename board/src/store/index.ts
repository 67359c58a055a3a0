/**
 * The board's storage seam (types.ts) and its drivers: `level` (embedded, the default) and
 * `postgres`. openBoardStore picks the driver from a store URL.
 */
import { join } from "node:path";
import { BoardLogError } from "../log/errors.js";
import { LevelBoardStore } from "./level/index.js";
import { PostgresBoardStore, redactUrl } from "./postgres/index.js";
import type { BoardStore, StoreEngine } from "./types.js";

export * from "./types.js";
export { LevelBoardStore, type LevelStoreOptions } from "./level/index.js";
export {
  PostgresBoardStore,
  PostgresLogStorage,
  PostgresSignerState,
  type PostgresStoreOptions,
  type LeaseInfo,
  readLease,
  redactUrl,
} from "./postgres/index.js";

export interface OpenStoreOptions {
  /**
   * The store: undefined or "" for the level database in `dataDir` (the default),
   * `postgres://...` / `postgresql://...` for PostgreSQL.
   */
  store?: string;
  /** The board's data folder: the level database, the signer-state file, the board key. */
  dataDir?: string;
  /** Board name (checkpoint origins); needed to write to a postgres store. */
  boardName?: string;
  /** Open for reading only (exports). */
  readOnly?: boolean;
  /** postgres: how long to wait for the sequencer lease held by another board (default 0). */
  leaseWaitMs?: number;
  /** postgres: the sequencer lease's time to live (default 3,000 ms). */
  leaseTtlMs?: number;
  /** postgres: called once when the sequencer lease is lost (PostgresStoreOptions.onLeaseLost). */
  onLeaseLost?: (e: Error) => void;
  /** postgres: the URL this board serves on, advertised in the lease row to standbys. */
  advertiseUrl?: string;
  /** Progress messages. */
  log?: (msg: string) => void;
}

/** Which engine a store URL names (STORE_URL_INVALID if none). */
export function storeEngine(store: string | undefined): StoreEngine {
  if (store === undefined || store === "") return "level";
  if (/^postgres(ql)?:\/\//i.test(store)) return "postgres";
  throw new BoardLogError(
    "STORE_URL_INVALID",
    `unknown store ${JSON.stringify(store.split("@").pop())}: use postgres://... or leave it unset for the level data folder`,
  );
}

/** The store as it may be printed (password removed). */
export const describeStore = (store: string | undefined, dataDir?: string): string =>
  storeEngine(store) === "level"
    ? `level ${dataDir ? join(dataDir, "db") : ""}`.trim()
    : `postgres ${redactUrl(store!)}`;

/** Opens the store `opts.store` names. */
export async function openBoardStore(opts: OpenStoreOptions): Promise<BoardStore> {
  const engine = storeEngine(opts.store);
  if (engine === "level") {
    if (!opts.dataDir)
      throw new BoardLogError("STORE_URL_INVALID", "the level store needs a data folder");
    return LevelBoardStore.open({ dataDir: opts.dataDir, readOnly: opts.readOnly });
  }
  if (!opts.readOnly && (!opts.dataDir || !opts.boardName))
    throw new BoardLogError(
      "STORE_URL_INVALID",
      "a board on postgres still needs its data folder (board key, signer state) and name",
    );
  return PostgresBoardStore.open({
    url: opts.store!,
    readOnly: opts.readOnly,
    boardName: opts.boardName,
    signerStatePath: opts.dataDir ? join(opts.dataDir, "signer", "state") : undefined,
    ...(opts.leaseWaitMs !== undefined ? { leaseWaitMs: opts.leaseWaitMs } : {}),
    ...(opts.leaseTtlMs !== undefined ? { leaseTtlMs: opts.leaseTtlMs } : {}),
    ...(opts.advertiseUrl !== undefined ? { advertiseUrl: opts.advertiseUrl } : {}),
    ...(opts.onLeaseLost ? { onLeaseLost: opts.onLeaseLost } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
}
