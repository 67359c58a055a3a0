/**
 * Cryptographic work items: the expensive part of checking an entry, as plain JSON so that it
 * can be sent to a worker thread (structured clone) and batch-verified with other items.
 * Each item carries everything it needs; `where` locates it for the report.
 */
import type {
  BallotBody,
  ChallengedBallotBody,
  Contest,
  DecryptionShareBody,
  Entry,
  Manifest,
  ResultContest,
  TallyContest,
} from "@urna/schemas";
import type { Location } from "./findings.js";

/** What every ballot proof binds besides its own statement (protocol.md §8.2). */
export interface ProofContext {
  baseHash: string;
  publicKey: string;
}

export interface BallotWork {
  kind: "ballot";
  ctx: ProofContext;
  signer: string;
  contests: Contest[];
  body: BallotBody;
  where: Location;
}

export interface ChallengedWork {
  kind: "ballot.challenged";
  ctx: ProofContext;
  signer: string;
  contests: Contest[];
  body: ChallengedBallotBody;
  where: Location;
}

export interface ShareWork {
  kind: "decryption.share";
  ctx: ProofContext;
  verificationShare: string;
  /** The tally contests the share body covers, in the share's order. */
  tally: TallyContest[];
  body: DecryptionShareBody;
  where: Location;
}

export interface CombineWork {
  kind: "result";
  threshold: number;
  /** For each custodian of the result: its shares D_i of this contest, in the result's option order. */
  shares: { custodian: number; shares: string[] }[];
  /** The tally of this contest, its options in the result's option order. */
  tally: TallyContest;
  result: ResultContest;
  where: Location;
}

export interface CeremonyWork {
  kind: "ceremony";
  /** Which step: one round-1 message, one certification, or the joint key. */
  step: "round1" | "certify" | "key";
  manifest: Manifest;
  baseHash: string;
  /** Round-1 bodies by custodian index (all known so far). */
  round1: Record<number, unknown>;
  /** Certification bodies by custodian index (all known so far). */
  certify: Record<number, unknown>;
  /** The entry's body being checked. */
  body: unknown;
  where: Location;
}

/** The entry's Ed25519 signature (protocol.md §5), when the caller deferred it from `precheck`. */
export interface SignatureWork {
  kind: "signature";
  entry: Entry;
  /** Its signing message, cut from the canonical leaf (entry.ts `signingMessageFromLeaf`), if known. */
  message?: Uint8Array;
  where: Location;
}

export type CryptoWork =
  BallotWork | ChallengedWork | ShareWork | CombineWork | CeremonyWork | SignatureWork;
