/**
 * What the board (board.ts) hands its routes: its identity, its elections, its limits and the
 * few operations a route needs from it. Its own module so that the routes depend on this
 * interface and not on the module that builds the board (no board.ts <-> routes cycle).
 */
import type { AnyEntry } from "@urna/schemas";
import type { PublishStatus } from "../publish/index.js";
import type { Election } from "./election.js";
import type { BoardLimits } from "./limits.js";
import { ApiError } from "./errors.js";

/** The answer to the creation of an election: its manifest's index, tracking code, checkpoint. */
export interface Created {
  index: number;
  trackingCode: string;
  checkpoint: string;
}

/** Internal context shared with the routes. */
export interface BoardContext {
  readonly name: string;
  readonly vkey: string;
  /** The board's Ed25519 public key, base64. */
  readonly publicKey: string;
  readonly elections: Map<string, Election>;
  readonly shutdown: AbortSignal;
  readonly limits: BoardLimits;
  /** The board's log (BoardOptions.log): details of 5xx answers go here, never into the answer. */
  log(msg: string): void;
  isClosing(): boolean;
  electionVkey(id: string): string;
  createElection(entry: AnyEntry, leaf: Uint8Array): Promise<Created>;
  /** Refuses (ApiError) the creation of an election signed by `signer` from `address`. */
  admitCreation(signer: string, address: string | undefined): void;
  /** The publishing of election `id`, shown in its status (undefined without --publish). */
  publishStatus(id: string): PublishStatus | undefined;
  /** The key of the standbys' `Urna-Verified` tags (verified-tag.ts), from the board key. */
  readonly verifiedTagKey: Uint8Array;
  /** Entries admitted to an election's write path, by how their crypto is checked. */
  readonly admissions: AdmissionCounts;
}

/**
 * Entries (bulk items included) that reached an election's write path: `onTag` with a valid
 * standby tag (the signature and proofs were checked by the standby, not again here), `inFull`
 * checked here in full. Shown by the board (Board.admissions) for tests and benchmarks.
 */
export interface AdmissionCounts {
  onTag: number;
  inFull: number;
}

const ELECTION_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** The election a request's path names, or UNKNOWN_ELECTION (also for a malformed id). */
export function electionNamed(ctx: BoardContext, id: string | undefined): Election {
  const e = id !== undefined && ELECTION_ID.test(id) ? ctx.elections.get(id) : undefined;
  if (!e) throw new ApiError("UNKNOWN_ELECTION", `no election ${JSON.stringify(id)}`);
  return e;
}
