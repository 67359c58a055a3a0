/**
 * The election authority: creates the election (manifest), publishes the joint key recomputed
 * from the ceremony on the log, opens and closes voting, posts the encrypted tally and the result.
 */
import type { BallotBody, DecryptionShareBody, Entry, Manifest, TallyBody } from "@urna/schemas";
import { splitByContest as split } from "./split.js";
import {
  type DiscreteLog,
  ElectionState,
  Replay,
  ReplayError,
  ReplayTally,
  TallyAccumulator,
  ceremony,
  decodeElement,
  fromBase64,
  bytesEqual,
  leafHash,
  utf8,
} from "@urna/verifier";
import { computeResult, computeTally } from "../crypto/index.js";
import { signEntry } from "../entry-sign.js";
import type { AppendResult, BoardClient } from "./client.js";
import { ActorError, type ElectionView, loadElection, sleep } from "./view.js";

/** Largest entry we post; split tallies and results to stay below it. */

export async function createElection(
  client: BoardClient,
  manifest: Manifest,
  secretKey: Uint8Array,
): Promise<AppendResult> {
  return client.createElection(signEntry("manifest", manifest.electionId, manifest, secretKey));
}

export async function openVoting(
  client: BoardClient,
  election: string,
  secretKey: Uint8Array,
  at = new Date(),
): Promise<AppendResult> {
  return client.post(signEntry("voting.open", election, { at: rfc3339(at) }, secretKey));
}

export async function closeVoting(
  client: BoardClient,
  election: string,
  secretKey: Uint8Array,
  at = new Date(),
): Promise<AppendResult> {
  return client.post(signEntry("voting.close", election, { at: rfc3339(at) }, secretKey));
}

const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, "Z");

/** The ceremony setup of an election: session id = baseHash, the custodians' DKG keys in order. */
export function ceremonySetupOf(view: Pick<ElectionView, "state">): ceremony.CeremonySetup {
  const m = view.state.manifest;
  return ceremony.ceremonySetup({
    sessionId: view.state.baseHash,
    t: m.threshold,
    staticKeys: m.custodians.map((c) => fromBase64(c.dkgKey)),
  });
}

/** Recomputes the joint key from the ceremony entries on the log and posts `election.key`. */
export async function postElectionKey(
  client: BoardClient,
  election: string,
  secretKey: Uint8Array,
): Promise<AppendResult> {
  const view = await loadElection(client, election);
  const m = view.manifest;
  const round1: ceremony.Round1Message[] = [];
  const signatures: Uint8Array[] = [];
  for (const c of m.custodians) {
    const r1 = view.state.round1.get(c.index);
    const cert = view.state.certify.get(c.index);
    if (!r1 || !cert)
      throw new ActorError(
        "CEREMONY_INCOMPLETE",
        `custodian ${c.index} has not completed the ceremony`,
      );
    round1.push(ceremony.round1FromBody(r1).message);
    signatures.push(ceremony.certifyFromBody(cert).signature);
  }
  const result = ceremony.verifyCeremonyTranscript(
    ceremonySetupOf(view),
    { round1, signatures },
    { sessionId: view.state.baseHash },
  );
  return client.post(
    signEntry("election.key", election, ceremony.electionKeyBody(result), secretKey),
  );
}

/**
 * The authority's own running sum of the counted ballots, kept as it reads the log: each
 * `update()` fetches the entries published since the previous one and replays them (the
 * verifier's one replay, trusted, with its tally sink: every ballot's selection ciphertexts
 * added); under the `last` revote policy each ballot a revote replaced is fetched again and
 * subtracted. Memory is O(options), plus O(superseded ballots) under `last`. Following the log
 * while voting is open spreads the summing over the voting period, so that the tally can be
 * posted as soon as voting closes.
 */
export class TallyFollower {
  readonly client: BoardClient;
  readonly election: string;
  readonly #replay = new Replay({ verify: false });
  #tally?: ReplayTally;
  /** Each leaf hash read, by index, of the ballots that a revote may yet replace (`last`). */
  readonly #ballotHashes = new Map<number, Uint8Array>();

  constructor(client: BoardClient, election: string) {
    this.client = client;
    this.election = election;
  }

  /** The replayed state (after the first update). */
  get state(): ElectionState {
    const s = this.#replay.state;
    if (!s) throw new ActorError("EMPTY_ELECTION", "the follower has read nothing yet");
    return s;
  }

  /** Entries read so far. */
  get size(): number {
    return this.#replay.size;
  }

  /** Reads and sums the entries published since the last update; returns how many were new. */
  async update(): Promise<number> {
    const { size } = await this.client.status(this.election);
    const from = this.size;
    for (let a = this.size; a < size; a += 1000) {
      const lines = await this.client.leaves(this.election, a, Math.min(size, a + 1000));
      for (const line of lines) await this.#apply(line);
    }
    return this.size - from;
  }

  async #apply(line: string): Promise<void> {
    const bytes = utf8(line);
    let r;
    try {
      r = this.#replay.push(bytes, { text: line });
    } catch (e) {
      if (!(e instanceof ReplayError)) throw e;
      throw new ActorError("BAD_MANIFEST", `entry 0 is not a valid manifest: ${e.message}`);
    }
    if (r.started) {
      this.#tally = new ReplayTally(new TallyAccumulator(r.started.manifest));
      this.#replay.addSink(this.#tally);
      return;
    }
    if (r.findings.length > 0) throw new ActorError("TALLY_INCONSISTENT", r.findings[0].message);
    const entry = r.entry as Entry;
    if (entry.type !== "ballot" || this.state.manifest.revotePolicy !== "last") return;
    this.#ballotHashes.set(r.index, r.leafHash);
    const ballots = this.state.ballotsOfCredential(entry.signer);
    if (ballots.length < 2) return;
    // The ballot this one replaced, read again, so compared with the leaf hash read the first
    // time (protocol.md §10.2, "Actors' reads"): a board cannot have a different ballot subtracted.
    const replaced = ballots[ballots.length - 2];
    const found = await (this.#tally as ReplayTally).subtract([replaced], async (i) => {
      const [again] = await this.client.leaves(this.election, i, i + 1);
      const first = this.#ballotHashes.get(i);
      const bytesAgain = again === undefined ? undefined : utf8(again);
      if (!bytesAgain || !first || !bytesEqual(leafHash(bytesAgain), first))
        throw new ActorError(
          "UNTRUSTED_LOG",
          `the board served entry ${i} with other bytes on a second read`,
        );
      this.#ballotHashes.delete(i);
      return bytesAgain;
    });
    if (found.length > 0) throw new ActorError("TALLY_INCONSISTENT", found[0].message);
  }

  /** The tally body of the sums read so far (every contest, manifest order). */
  tallyBody(): TallyBody {
    const acc = this.#tally?.acc;
    if (!acc) throw new ActorError("EMPTY_ELECTION", "the follower has read nothing yet");
    const counted = this.state.countedBallots().length;
    if (acc.ballots !== counted)
      throw new ActorError(
        "TALLY_INCONSISTENT",
        `the running sum has ${acc.ballots} ballots, the log counts ${counted}`,
      );
    return acc.toBody();
  }

  /**
   * Updates every `pollMs` (default 250) until `until(state)` holds (default: voting closed),
   * or `signal` aborts.
   */
  async follow(
    opts: { pollMs?: number; until?: (s: ElectionState) => boolean; signal?: AbortSignal } = {},
  ): Promise<void> {
    const until = opts.until ?? ((s: ElectionState) => s.phase !== "setup" && s.phase !== "voting");
    for (;;) {
      await this.update();
      const state = this.#replay.state;
      if ((state && until(state)) || opts.signal?.aborted) return;
      await sleep(opts.pollMs ?? 250);
    }
  }
}

/**
 * Sums the counted ballots on the log and posts the tally (one or more entries). With a
 * `follower` (which may have followed the log during voting), only the entries it has not read
 * yet are fetched and summed.
 */
export async function postTally(
  client: BoardClient,
  election: string,
  secretKey: Uint8Array,
  opts: { follower?: TallyFollower } = {},
): Promise<AppendResult[]> {
  let full: TallyBody;
  if (opts.follower) {
    const f = opts.follower;
    if (f.election !== election)
      throw new ActorError("WRONG_ELECTION", `the follower reads ${f.election}, not ${election}`);
    await f.update();
    if (f.state.phase !== "closed")
      throw new ActorError("WRONG_PHASE", `the election is in phase ${f.state.phase}, not closed`);
    full = f.tallyBody();
  } else {
    const view = await loadElection(client, election);
    if (view.state.phase !== "closed")
      throw new ActorError(
        "WRONG_PHASE",
        `the election is in phase ${view.state.phase}, not closed`,
      );
    const ballots = view.state.countedBallots().map((i) => view.entries[i].body as BallotBody);
    full = computeTally(view.manifest, ballots);
  }
  const bodies = split(full.contests, (cs): TallyBody => ({ ballots: full.ballots, contests: cs }));
  const out: AppendResult[] = [];
  for (const b of bodies) out.push(await client.post(signEntry("tally", election, b, secretKey)));
  return out;
}

/**
 * Combines the decryption shares on the log and posts the result (one or more entries).
 * `dlog` bounds the discrete-log search (default: the shared [0, 10^8] table). With a
 * `follower`, only the entries it has not read yet (the tally and the shares) are fetched.
 */
export async function postResult(
  client: BoardClient,
  election: string,
  secretKey: Uint8Array,
  opts: { dlog?: DiscreteLog; follower?: TallyFollower } = {},
): Promise<AppendResult[]> {
  let state: ElectionState;
  let tallies: TallyBody[];
  let shares: DecryptionShareBody[];
  if (opts.follower) {
    if (opts.follower.election !== election)
      throw new ActorError(
        "WRONG_ELECTION",
        `the follower reads ${opts.follower.election}, not ${election}`,
      );
    await opts.follower.update();
    state = opts.follower.state;
    // The state keeps the posted tally and every custodian's shares, contest by contest.
    tallies = [{ ballots: state.tallyBallots ?? 0, contests: [...state.tally.values()] }];
    shares = [...state.shares].map(([custodian, m]) => ({ custodian, contests: [...m.values()] }));
  } else {
    const view = await loadElection(client, election);
    state = view.state;
    tallies = view.entries.filter((e) => e.type === "tally").map((e) => e.body as TallyBody);
    shares = view.entries
      .filter((e) => e.type === "decryption.share")
      .map((e) => e.body as DecryptionShareBody);
  }
  if (state.phase !== "tallying")
    throw new ActorError("WRONG_PHASE", `the election is in phase ${state.phase}, not tallying`);
  const view = { manifest: state.manifest, state };
  const key = view.state.electionKey;
  if (!key) throw new ActorError("NO_KEY", "the election has no joint key");
  const result = computeResult(view.manifest, tallies, shares, view.manifest.threshold, {
    verify: {
      baseHash: view.state.baseHash,
      publicKey: decodeElement(fromBase64(key.publicKey)),
      verificationShares: key.verificationShares.map((s) => decodeElement(fromBase64(s))),
    },
    ...(opts.dlog ? { dlog: opts.dlog } : {}),
  });
  const bodies = split(result.contests, (cs) => ({ custodians: result.custodians, contests: cs }));
  const out: AppendResult[] = [];
  for (const b of bodies) out.push(await client.post(signEntry("result", election, b, secretKey)));
  return out;
}
