/**
 * An actor's view of an election: its entries fetched from the board and replayed through the
 * verifier's ElectionState (apply only: the board already checked them, and an actor that
 * distrusts the board runs urna-verify).
 */
import type { Entry, Manifest } from "@urna/schemas";
import { ElectionState, leafHash, toHex, utf8 } from "@urna/verifier";
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
 * so the leaf hash is taken from them rather than from a re-canonicalised copy.
 */
export async function loadElection(client: BoardClient, election: string): Promise<ElectionView> {
  const { size } = await client.status(election);
  const { entries, hashes } = await readLog(client, election, size);
  return replay(
    entries,
    hashes.map((h) => toHex(h)),
  );
}

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
 * need only the setup prefix (manifest, credentials, ceremony, key) of a large election.
 */
export async function loadPrefix(
  client: BoardClient,
  election: string,
  until: (e: Entry) => boolean,
): Promise<ElectionView> {
  const { size } = await client.status(election);
  const out: Entry[] = [];
  for (let a = 0; a < size; a += 1000) {
    const lines = await client.leaves(election, a, Math.min(size, a + 1000));
    for (const line of lines) {
      const e = JSON.parse(line) as Entry;
      out.push(e);
      if (until(e)) return replay(out);
    }
  }
  return replay(out);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
