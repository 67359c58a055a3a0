/**
 * An actor's view of an election: its entries fetched from the board and replayed through the
 * verifier's ElectionState (apply only: the board already checked them, and an actor that
 * distrusts the board runs urna-verify). Given the trust file, a view is bound to the board's
 * witnessed checkpoint (protocol.md §10.2, "Actors' reads"): every leaf read once and proven
 * part of the checkpoint's tree.
 */
import type { Entry, Manifest } from "@urna/schemas";
import {
  ElectionState,
  type Trust,
  bytesEqual,
  fromBase64,
  leafHash,
  openCheckpoint,
  rootFromLeafHashes,
  toHex,
  utf8,
  verifyConsistency,
  verifyWitnessQuorum,
} from "@urna/verifier";
import { canonicalBytes } from "@urna/schemas";
import type { BoardClient } from "./client.js";

export class ActorError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "ActorError";
    this.code = code;
  }
}

export interface ElectionView {
  state: ElectionState;
  entries: Entry[];
  manifest: Manifest;
}

/** Replays `entries` (entry 0 is the manifest) into a fresh ElectionState. */
export function replay(entries: Entry[], leafHashes?: readonly string[]): ElectionView {
  if (entries.length === 0) throw new ActorError("EMPTY_ELECTION", "the election has no entries");
  const created = ElectionState.create(entries[0]);
  if (!created.state)
    throw new ActorError(
      "BAD_MANIFEST",
      `entry 0 is not a valid manifest: ${created.findings[0]?.message}`,
    );
  const state = created.state;
  for (let i = 1; i < entries.length; i++)
    state.apply(entries[i], i, leafHashes?.[i] ?? toHex(leafHash(canonicalBytes(entries[i]))));
  return { state, entries, manifest: state.manifest };
}

/**
 * Fetches every entry of `election` and replays it. The board serves each leaf's exact bytes,
 * so the leaf hash is taken from them rather than from a re-canonicalised copy. With `trust`,
 * the entries are those of the board's witnessed checkpoint and must hash to its root.
 */
export async function loadElection(
  client: BoardClient,
  election: string,
  opts: { trust?: Trust } = {},
): Promise<ElectionView> {
  const cp = opts.trust ? await witnessedCheckpoint(client, election, opts.trust) : undefined;
  const size = cp ? cp.size : (await client.status(election)).size;
  const { entries, hashes } = await readLog(client, election, size);
  if (cp && (entries.length !== size || !bytesEqual(rootFromLeafHashes(hashes), cp.root)))
    throw new ActorError(
      "UNTRUSTED_LOG",
      "the entries the board served do not hash to its checkpoint's root",
    );
  return replay(
    entries,
    hashes.map((h) => toHex(h)),
  );
}

/**
 * The board's current checkpoint for `election`, read once and verified against the trust file:
 * signed by the board's key under the election's origin and cosigned by the witness quorum
 * (UNTRUSTED_LOG, or WRONG_ELECTION for another election's trust file).
 */
export async function witnessedCheckpoint(
  client: BoardClient,
  election: string,
  trust: Trust,
  opts: { waitMs?: number; pollMs?: number } = {},
): Promise<{ note: string; size: number; root: Uint8Array }> {
  if (trust.election !== election)
    throw new ActorError(
      "WRONG_ELECTION",
      `the trust file is for election ${trust.election}, not ${election}`,
    );
  // The board asks its witnesses right after each commit: its newest checkpoint may not carry
  // their cosignatures yet. Wait for them (at most waitMs), then give up.
  const deadline = Date.now() + (opts.waitMs ?? WITNESS_WAIT_MS);
  for (;;) {
    const note = await client.checkpoint(election);
    let size: number;
    let root: Uint8Array;
    try {
      ({ size, root } = openCheckpoint(note, trust.board, { origin: trust.origin }).checkpoint);
    } catch (e) {
      throw new ActorError(
        "UNTRUSTED_LOG",
        `the board's checkpoint does not verify: ${(e as Error).message}`,
      );
    }
    const q = verifyWitnessQuorum(note, trust.witnesses, trust.quorum);
    if (q.ok) return { note, size, root };
    if (Date.now() >= deadline)
      throw new ActorError(
        "UNTRUSTED_LOG",
        `the checkpoint carries ${q.count} of the ${trust.quorum} witness cosignatures the trust file requires (waited ${Math.round((opts.waitMs ?? WITNESS_WAIT_MS) / 1000)} s)`,
      );
    await sleep(opts.pollMs ?? 250);
  }
}

/** How long an actor waits for the witness quorum's cosignatures on the newest checkpoint. */
export const WITNESS_WAIT_MS = 15_000;

/** Entries [0, size) of `election` as served (pages of 1,000), parsed, with each leaf's hash. */
export async function readLog(
  client: BoardClient,
  election: string,
  size: number,
): Promise<{ entries: Entry[]; hashes: Uint8Array[] }> {
  const entries: Entry[] = [];
  const hashes: Uint8Array[] = [];
  for (let a = 0; a < size; a += 1000) {
    for (const line of await client.leaves(election, a, Math.min(size, a + 1000))) {
      entries.push(JSON.parse(line) as Entry);
      hashes.push(leafHash(utf8(line)));
    }
  }
  return { entries, hashes };
}

/**
 * Fetches entries from the start until `until` holds for one (or the log ends): for clients that
 * need only the setup prefix (manifest, credentials, ceremony, key) of a large election. With
 * `trust`, the prefix is read up to the witnessed checkpoint and proven a prefix of its tree by
 * the board's consistency proof (UNTRUSTED_LOG otherwise).
 */
export async function loadPrefix(
  client: BoardClient,
  election: string,
  until: (e: Entry) => boolean,
  opts: { trust?: Trust } = {},
): Promise<ElectionView> {
  const cp = opts.trust ? await witnessedCheckpoint(client, election, opts.trust) : undefined;
  const size = cp ? cp.size : (await client.status(election)).size;
  const out: Entry[] = [];
  const hashes: Uint8Array[] = [];
  const done = async (): Promise<ElectionView> => {
    if (cp) {
      const n = hashes.length;
      try {
        const proof =
          n === cp.size
            ? []
            : (await client.consistencyProof(election, n, cp.size)).proof.map((h) => fromBase64(h));
        verifyConsistency(n, cp.size, proof, rootFromLeafHashes(hashes), cp.root);
      } catch (e) {
        throw new ActorError(
          "UNTRUSTED_LOG",
          `the ${n} entries the board served are not a prefix of its checkpoint's tree: ${(e as Error).message}`,
        );
      }
    }
    return replay(
      out,
      hashes.map((h) => toHex(h)),
    );
  };
  for (let a = 0; a < size; a += 1000) {
    const lines = await client.leaves(election, a, Math.min(size, a + 1000));
    for (const line of lines) {
      const e = JSON.parse(line) as Entry;
      out.push(e);
      hashes.push(leafHash(utf8(line)));
      if (until(e)) return done();
    }
  }
  return done();
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
