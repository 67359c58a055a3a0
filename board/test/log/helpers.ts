/** Shared helpers for the log tests: temp folders, a board key, opening a log. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Ed25519NoteSigner } from "@urna/verifier";
import {
  type AsyncNoteSigner,
  CheckpointSigner,
  LevelLogStorage,
  type LogStorage,
  MemoryLogStorage,
  Sequencer,
  type SequencerOptions,
  checkpointOrigin,
  nodeEd25519Signer,
} from "../../src/log/index.js";

export const BOARD = "board.example.org";
export const ELECTION = "e2025-test";
export const ORIGIN = checkpointOrigin(BOARD, ELECTION);
export const SEED = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
export const boardKey = (origin = ORIGIN): AsyncNoteSigner => nodeEd25519Signer(origin, SEED);

export async function tempDir(
  tag = "urna-log-",
): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), tag));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

export interface OpenedLog {
  seq: Sequencer;
  storage: LogStorage;
  signer: CheckpointSigner;
  key: Ed25519NoteSigner;
  /** Flushes the sequencer and closes the storage. */
  close: () => Promise<void>;
}

/**
 * Opens a log in `dir` (level db at dir/db, signer state at dir/signer-<logId>.json),
 * or in memory if dir is undefined.
 */
export async function openLog(
  dir: string | undefined,
  opts: Partial<Omit<SequencerOptions, "storage" | "signer">> & {
    logId?: string;
    adoptExisting?: boolean;
    storage?: LogStorage;
  } = {},
): Promise<OpenedLog> {
  const logId = opts.logId ?? ELECTION;
  const origin = checkpointOrigin(BOARD, logId);
  const storage =
    opts.storage ??
    (dir === undefined
      ? new MemoryLogStorage()
      : await LevelLogStorage.open(join(dir, "db"), logId));
  const statePath =
    dir === undefined
      ? join(tmpdir(), `urna-mem-signer-${process.pid}-${Math.random()}.json`)
      : join(dir, `signer-${logId}.json`);
  const key = boardKey(origin);
  const signer = await CheckpointSigner.open({
    origin,
    key,
    statePath,
    adoptExisting: opts.adoptExisting,
  });
  const seq = await Sequencer.open({ onFatal: () => {}, ...opts, storage, signer });
  return {
    seq,
    storage,
    signer,
    key,
    close: async () => {
      await seq.close();
      await storage.close();
    },
  };
}

/** Deterministic pseudo-random bytes (xorshift) for reproducible entries. */
export function pseudoRandomBytes(seed: number, n: number): Uint8Array {
  let x = seed * 2654435761 + 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
