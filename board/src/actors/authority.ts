/**
 * The election authority: creates the election (manifest), publishes the joint key recomputed
 * from the ceremony on the log, opens and closes voting, posts the encrypted tally and the result.
 */
import type { BallotBody, DecryptionShareBody, Manifest, TallyBody } from "@urna/schemas";
import { splitByContest as split } from "./split.js";
import { type DiscreteLog, ceremony, decodeElement, fromBase64 } from "@urna/verifier";
import { computeResult, computeTally } from "../crypto/index.js";
import { signEntry } from "../entry-sign.js";
import type { AppendResult, BoardClient } from "./client.js";
import { ActorError, type ElectionView, loadElection } from "./view.js";

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

/** Sums the counted ballots on the log and posts the tally (one or more entries). */
export async function postTally(
  client: BoardClient,
  election: string,
  secretKey: Uint8Array,
): Promise<AppendResult[]> {
  const view = await loadElection(client, election);
  if (view.state.phase !== "closed")
    throw new ActorError("WRONG_PHASE", `the election is in phase ${view.state.phase}, not closed`);
  const ballots = view.state.countedBallots().map((i) => view.entries[i].body as BallotBody);
  const full = computeTally(view.manifest, ballots);
  const bodies = split(full.contests, (cs): TallyBody => ({ ballots: full.ballots, contests: cs }));
  const out: AppendResult[] = [];
  for (const b of bodies) out.push(await client.post(signEntry("tally", election, b, secretKey)));
  return out;
}

/**
 * Combines the decryption shares on the log and posts the result (one or more entries).
 * `dlog` bounds the discrete-log search (default: the shared [0, 10^8] table).
 */
export async function postResult(
  client: BoardClient,
  election: string,
  secretKey: Uint8Array,
  opts: { dlog?: DiscreteLog } = {},
): Promise<AppendResult[]> {
  const view = await loadElection(client, election);
  if (view.state.phase !== "tallying")
    throw new ActorError(
      "WRONG_PHASE",
      `the election is in phase ${view.state.phase}, not tallying`,
    );
  const tallies = view.entries.filter((e) => e.type === "tally").map((e) => e.body as TallyBody);
  const shares = view.entries
    .filter((e) => e.type === "decryption.share")
    .map((e) => e.body as DecryptionShareBody);
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
