/**
 * What the sequencer lease's keeper thread (lease-worker.ts) and the board (lease.ts) share: the
 * worker's start data and the advisory lock its session holds (spec/log.md §4.1).
 */
export interface LeaseWorkerData {
  url: string;
  holder: string;
  ttlMs: number;
  renewMs: number;
  pollMs: number;
  /** How long to wait for a lease held by another board (Infinity: for ever). */
  waitMs: number;
  advertiseUrl: string | null;
  hangMs: number;
  /** BigInt64Array(1) over a SharedArrayBuffer: the main thread's Date.now(). */
  heartbeat: SharedArrayBuffer;
}

/** The advisory lock of the lease's session: 'urna' and 1. */
export const LEASE_LOCK = [0x75726e61, 1] as const;
