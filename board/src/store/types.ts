/**
 * The board's storage seam: everything a board keeps durably, behind one interface per engine.
 *
 * A BoardStore holds
 * - the election registry (which elections exist on this board);
 * - one LogStorage per election (entries, tree state, tiles, the committed checkpoint, meta:
 *   board/src/log/storage.ts), committed through the store's own group commit (the commits of
 *   every election that arrive together share one durable write);
 * - the signer state: the last tree signed for each election (SignerStateStore), which the
 *   checkpoint signer checks every new tree against (rollback protection);
 * - the publish state: the last tree published per election and publish target
 *   (PublishStateStore, board/src/publish), the published checkpoint's compare-and-swap.
 *
 * Drivers, one self-contained folder each: `level/` (the embedded default: one LevelDB in the
 * data folder, the signer state in files next to it) and `postgres/` (PostgreSQL 15+: every log,
 * the registry and the signer state in one database, the signer state also in the local file so
 * that restoring the database alone cannot roll it back). openBoardStore (index.ts) picks one
 * from a store URL.
 */
import type { LogStorage } from "../log/storage.js";
import type { SignerStateStore } from "../log/signer.js";
import type { PublishStateStore } from "../publish/types.js";

/** The engines a board can run on. */
export type StoreEngine = "level" | "postgres";

/** A registered election. */
export interface ElectionRegistration {
  readonly id: string;
  /** When it was registered (ISO 8601). */
  readonly created: string;
}

export interface BoardStore {
  readonly engine: StoreEngine;
  /** Where the data lives, for messages: a folder, or the database URL without its password. */
  readonly location: string;
  /** Whether the store was opened only for reading (exports): no writes, no signer state. */
  readonly readOnly: boolean;

  /** Registered elections, in id order. */
  listElections(): Promise<ElectionRegistration[]>;
  /** Registers an election (before its first entry is committed); re-registering overwrites. */
  registerElection(reg: ElectionRegistration): Promise<void>;
  /** Forgets an election whose manifest never became durable. */
  unregisterElection(id: string): Promise<void>;

  /**
   * The log of election `id`, for its single writer (the board's sequencer) or, on a read-only
   * store, for reading. One writer per log at a time (STORAGE_CONFLICT otherwise).
   */
  openLog(id: string): Promise<LogStorage>;

  /** The signer state of this board's logs (STORE_READ_ONLY on a read-only store). */
  readonly signerState: SignerStateStore;

  /** The last tree published per election and target, updated by compare-and-swap. */
  readonly publishState: PublishStateStore;

  /** Closes the store (after every log opened from it is closed). Idempotent. */
  close(): Promise<void>;
}
