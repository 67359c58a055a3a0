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
  Replay,
  ReplayError,
  type Trust,
  bytesEqual,
  fromBase64,
  leafHash,
  openCheckpoint,
  rootFromLeafHashes,
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

/** A leaf as served: its bytes, and its hash and text when the reader has them already. */
export interface ServedLeaf {
  bytes: Uint8Array;
  leafHash?: Uint8Array;
  text?: string;
}

/**
 * An actor's replay of the leaves [0, n): the verifier's one replay (replay.ts), trusted (the
 * board checked the entries; an actor that distrusts it runs urna-verify). Each leaf is parsed
 * once; `entries` are those parsed values.
 */
class ViewReplay {
  readonly #replay = new Replay({ verify: false });
  readonly entries: Entry[] = [];
  #bad?: ReplayError;

  /** Replays the next leaf; returns its entry. A bad manifest is kept for `view()` to throw. */
  push(leaf: ServedLeaf): Entry {
    if (this.#bad) {
      const e = JSON.parse(leaf.text ?? new TextDecoder().decode(leaf.bytes)) as Entry;
      this.entries.push(e);
      return e;
    }
    try {
      const r = this.#replay.push(leaf.bytes, {
        ...(leaf.leafHash ? { leafHash: leaf.leafHash } : {}),
        ...(leaf.text !== undefined ? { text: leaf.text } : {}),
      });
      this.entries.push(r.entry as Entry);
      return r.entry as Entry;
    } catch (e) {
      if (!(e instanceof ReplayError)) throw e;
      this.#bad = e;
      return this.push(leaf);
    }
  }

  view(): ElectionView {
    if (this.#bad)
      throw new ActorError("BAD_MANIFEST", `entry 0 is not a valid manifest: ${this.#bad.message}`);
    const state = this.#replay.state;
    if (!state) throw new ActorError("EMPTY_ELECTION", "the election has no entries");
    return { state, entries: this.entries, manifest: state.manifest };
  }
}

/** Replays served leaves (entry 0 is the manifest) into a fresh ElectionState. */
export function replayLeaves(leaves: Iterable<ServedLeaf>): ElectionView {
  const r = new ViewReplay();
  for (const leaf of leaves) r.push(leaf);
  return r.view();
}

/** Replays entries held in memory, as their canonical leaves (entry 0 is the manifest). */
export function replay(entries: Entry[]): ElectionView {
  return replayLeaves(entries.map((e) => ({ bytes: canonicalBytes(e) })));
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
  const leaves = await readLog(client, election, size);
  const hashes = leaves.map((l) => l.leafHash);
  if (cp && (leaves.length !== size || !bytesEqual(rootFromLeafHashes(hashes), cp.root)))
    throw new ActorError(
      "UNTRUSTED_LOG",
      "the entries the board served do not hash to its checkpoint's root",
    );
  return replayLeaves(leaves);
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

/** Leaves [0, size) of `election` as served (pages of 1,000): text, bytes and leaf hash. */
export async function readLog(
  client: BoardClient,
  election: string,
  size: number,
): Promise<Array<Required<ServedLeaf>>> {
  const out: Array<Required<ServedLeaf>> = [];
  for (let a = 0; a < size; a += 1000)
    for (const line of await client.leaves(election, a, Math.min(size, a + 1000)))
      out.push(servedLeaf(line));
  return out;
}

const servedLeaf = (text: string): Required<ServedLeaf> => {
  const bytes = utf8(text);
  return { text, bytes, leafHash: leafHash(bytes) };
};

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
  const view = new ViewReplay();
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
    return view.view();
  };
  for (let a = 0; a < size; a += 1000) {
    const lines = await client.leaves(election, a, Math.min(size, a + 1000));
    for (const line of lines) {
      const leaf = servedLeaf(line);
      hashes.push(leaf.leafHash);
      if (until(view.push(leaf))) return done();
    }
  }
  return done();
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
