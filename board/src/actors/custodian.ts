/**
 * A custodian ("custodio de la llave"): runs COCKTAIL-DKG with the board as coordinator
 * (post round 1, read everyone's round 1 from the log, post the certification, or blame a bad
 * sender), keeps its secret share in a state file, and after the tally posts its decryption share.
 */
import type { BallotBody, CiphertextJson, TallyBody } from "@urna/schemas";
import { splitByContest } from "./split.js";
import {
  type Ciphertext,
  type Trust,
  bytesEqual,
  decodeCiphertext,
  encodeCiphertext,
  sumCiphertexts,
  ceremony,
  decodeElement,
  decodeScalar,
  encodeScalar,
  fromBase64,
  openCheckpoint,
  rootFromLeafHashes,
  toBase64,
  toHex,
  verifyWitnessQuorum,
  manifestIsPinned,
} from "@urna/verifier";
import { certify, makeBlameRandom, round1Random, round2 } from "../ceremony/index.js";
import { decryptionShare } from "../crypto/index.js";
import { signEntry } from "../entry-sign.js";
import { ceremonySetupOf } from "./authority.js";
import type { AppendResult, BoardClient } from "./client.js";
import { type CustodianKey, readJson, writeSecretJson } from "./keys.js";
import {
  ActorError,
  type ElectionView,
  loadElection,
  loadPrefix,
  readLog,
  replay,
  sleep,
} from "./view.js";

export interface CustodianStateFile {
  kind: "urna-custodian-state";
  election: string;
  index: number;
  /** s_i, the secret share (keep secret). */
  secretShare: string;
  verificationShare: string;
  groupPublicKey: string;
}

/** This custodian's index in the manifest (by its signing key). */
export function custodianIndex(view: ElectionView, key: CustodianKey): number {
  const c = view.manifest.custodians.find((x) => x.signingKey === key.signingKey);
  if (!c) throw new ActorError("NOT_A_CUSTODIAN", "this key is not a custodian of the election");
  if (c.dkgKey !== key.dkgKey)
    throw new ActorError(
      "WRONG_DKG_KEY",
      `custodian ${c.index}'s DKG key in the manifest differs from this key file's`,
    );
  return c.index;
}

const setupPrefix = (client: BoardClient, election: string) =>
  loadPrefix(client, election, (e) => e.type === "election.key");

/** Posts this custodian's `ceremony.round1`. */
export async function postRound1(
  client: BoardClient,
  election: string,
  key: CustodianKey,
): Promise<AppendResult> {
  const view = await setupPrefix(client, election);
  const index = custodianIndex(view, key);
  const { message } = round1Random(ceremonySetupOf(view), index, key.dkgSecret);
  return client.post(
    signEntry(
      "ceremony.round1",
      election,
      ceremony.round1ToBody(index, message),
      key.signingSecret,
    ),
  );
}

/**
 * Waits until every custodian's round 1 is on the log, decrypts this custodian's shares and
 * posts `ceremony.certify`, returning the secret-share state (to be saved by the caller). If a
 * share is bad, posts a `ceremony.blame` for each bad sender and throws CEREMONY_BLAME.
 */
export async function postCertify(
  client: BoardClient,
  election: string,
  key: CustodianKey,
  opts: { timeoutMs?: number; pollMs?: number } = {},
): Promise<{ result: AppendResult; state: CustodianStateFile }> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let view = await setupPrefix(client, election);
  while (view.state.round1.size < view.manifest.custodians.length) {
    if (Date.now() > deadline)
      throw new ActorError(
        "TIMEOUT",
        `only ${view.state.round1.size} of ${view.manifest.custodians.length} custodians posted round 1`,
      );
    await sleep(opts.pollMs ?? 500);
    view = await setupPrefix(client, election);
  }
  const index = custodianIndex(view, key);
  const setup = ceremonySetupOf(view);
  const messages = view.manifest.custodians.map(
    (c) => ceremony.round1FromBody(view.state.round1.get(c.index)).message,
  );
  const r2 = round2(setup, index, key.dkgSecret, messages);
  if (!r2.ok) {
    for (const bad of r2.badShares) {
      const blame = makeBlameRandom(
        setup,
        index,
        key.dkgSecret,
        bad.sender,
        messages[bad.sender - 1],
        bad.fault,
      );
      await client.post(
        signEntry("ceremony.blame", election, ceremony.blameToBody(blame), key.signingSecret),
      );
    }
    throw new ActorError(
      "CEREMONY_BLAME",
      `bad shares from custodian(s) ${r2.badShares.map((b) => b.sender).join(", ")}: blame posted`,
    );
  }
  const out = r2.output;
  const sig = certify(setup, index, key.dkgSecret, out.transcript);
  const result = await client.post(
    signEntry("ceremony.certify", election, ceremony.certifyToBody(index, sig), key.signingSecret),
  );
  const state: CustodianStateFile = {
    kind: "urna-custodian-state",
    election,
    index,
    secretShare: toBase64(encodeScalar(out.secretShare)),
    verificationShare: toBase64(out.verificationShare),
    groupPublicKey: toBase64(out.groupPublicKey),
  };
  return { result, state };
}

export function saveCustodianState(path: string, state: CustodianStateFile): void {
  writeSecretJson(path, state);
}

export function loadCustodianState(path: string): CustodianStateFile {
  const s = readJson<CustodianStateFile>(path);
  if (s.kind !== "urna-custodian-state")
    throw new ActorError("BAD_STATE_FILE", `${path} is not a custodian state file`);
  return s;
}

export interface ShareOptions {
  /**
   * The election's trust file, loaded (spec/record.md §Trust file). When given, the log is read
   * up to the board's current checkpoint, which must be signed by the board's key for this
   * election and carry the witness quorum, and the entries served must hash to its root: a
   * board cannot show this custodian a log of its own making.
   */
  trust?: Trust;
}

/**
 * Posts this custodian's decryption share of every tally entry on the log; before decrypting
 * anything, checks that every tally is the homomorphic sum of the log's counted ballots (so that
 * only the aggregate is ever decrypted, whatever the board and the authority post) and, with
 * `opts.trust`, that the log read is the witnessed one.
 */
export async function postDecryptionShare(
  client: BoardClient,
  election: string,
  key: CustodianKey,
  state: CustodianStateFile,
  opts: ShareOptions = {},
): Promise<AppendResult[]> {
  const view = opts.trust
    ? await loadWitnessedElection(client, election, opts.trust)
    : await loadElection(client, election);
  const index = custodianIndex(view, key);
  if (index !== state.index)
    throw new ActorError(
      "WRONG_STATE",
      `the state file is custodian ${state.index}'s, this key is ${index}'s`,
    );
  if (view.state.phase !== "tallying")
    throw new ActorError(
      "WRONG_PHASE",
      `the election is in phase ${view.state.phase}, not tallying`,
    );
  const k = view.state.electionKey;
  if (!k) throw new ActorError("NO_KEY", "the election has no joint key");
  if (k.verificationShares[index - 1] !== state.verificationShare)
    throw new ActorError(
      "WRONG_STATE",
      "the state's verification share differs from the published one",
    );
  checkTallies(view);
  const secretShare = decodeScalar(fromBase64(state.secretShare));
  const out: AppendResult[] = [];
  for (const e of view.entries) {
    if (e.type !== "tally") continue;
    const body = decryptionShare({
      baseHash: view.state.baseHash,
      publicKey: decodeElement(fromBase64(k.publicKey)),
      custodian: index,
      secretShare,
      tally: e.body as TallyBody,
    });
    for (const part of splitByContest(body.contests, (contests) => ({
      custodian: index,
      contests,
    })))
      out.push(await client.post(signEntry("decryption.share", election, part, key.signingSecret)));
  }
  return out;
}

/**
 * TALLY_MISMATCH unless every `tally` entry of the view is the homomorphic sum of its counted
 * ballots (the same sum the board and the auditors compute, protocol.md §10.1): a tally that
 * differs could be one voter's ballot dressed up as a tally, and decrypting it would reveal
 * that vote.
 */
export function checkTallies(view: ElectionView): void {
  const tallies = view.entries.filter((e) => e.type === "tally");
  if (tallies.length === 0) return;
  // Per contest and option, every counted ballot's ciphertext; summed in one call each
  // (sumCiphertexts: a single WebAssembly pass when available).
  const lists = new Map(
    view.manifest.contests.map((c) => [c.id, c.options.map((): Ciphertext[] => [])]),
  );
  const counted = view.state.countedBallots();
  for (const i of counted)
    for (const bc of (view.entries[i].body as BallotBody).contests) {
      const l = lists.get(bc.contest);
      if (!l || l.length !== bc.selections.length)
        throw new ActorError("TALLY_MISMATCH", `counted ballot ${i} does not fit the manifest`);
      bc.selections.forEach((s, j) => l[j].push(decodeCiphertext(s.ciphertext, "ballot")));
    }
  const sums = new Map<string, CiphertextJson[]>();
  const sumOf = (contest: string): CiphertextJson[] | undefined => {
    let out = sums.get(contest);
    const l = lists.get(contest);
    if (out === undefined && l !== undefined)
      sums.set(contest, (out = l.map((cts) => encodeCiphertext(sumCiphertexts(cts)))));
    return out;
  };
  const mismatch = (why: string) =>
    new ActorError("TALLY_MISMATCH", `${why}: not decrypting anything`);
  for (const t of tallies) {
    const body = t.body as TallyBody;
    if (body.ballots !== counted.length)
      throw mismatch(
        `a tally counts ${body.ballots} ballots, the log has ${counted.length} counted`,
      );
    for (const c of body.contests) {
      const want = sumOf(c.contest);
      const options = view.manifest.contests.find((m) => m.id === c.contest)?.options ?? [];
      const same =
        want !== undefined &&
        c.options.length === want.length &&
        c.options.every(
          (o, j) =>
            o.option === options[j].id &&
            o.ciphertext.alpha === want[j].alpha &&
            o.ciphertext.beta === want[j].beta,
        );
      if (!same)
        throw mismatch(`the tally of contest ${c.contest} is not the sum of the counted ballots`);
    }
  }
}

/**
 * The election as of the board's current checkpoint, checked against the trust file: the
 * checkpoint signed by the board's key for this election's origin and cosigned by the witness
 * quorum, and the entries read hashing to its root (UNTRUSTED_LOG otherwise).
 */
export async function loadWitnessedElection(
  client: BoardClient,
  election: string,
  trust: Trust,
): Promise<ElectionView> {
  if (trust.election !== election)
    throw new ActorError(
      "WRONG_ELECTION",
      `the trust file is for election ${trust.election}, not ${election}`,
    );
  if (trust.originProblem) throw new ActorError("WRONG_ELECTION", trust.originProblem);
  const note = await client.checkpoint(election);
  const untrusted = (why: string) => new ActorError("UNTRUSTED_LOG", why);
  let size: number;
  let root: Uint8Array;
  try {
    ({ size, root } = openCheckpoint(note, trust.board, { origin: trust.origin }).checkpoint);
  } catch (e) {
    throw untrusted(`the board's checkpoint does not verify: ${(e as Error).message}`);
  }
  const q = verifyWitnessQuorum(note, trust.witnesses, trust.quorum);
  if (!q.ok)
    throw untrusted(
      `the checkpoint carries ${q.count} of the ${trust.quorum} witness cosignatures the trust file requires`,
    );
  const { entries, hashes } = await readLog(client, election, size);
  if (entries.length !== size)
    throw untrusted(`the board served ${entries.length} entries, not the checkpoint's ${size}`);
  if (!bytesEqual(rootFromLeafHashes(hashes), root))
    throw untrusted("the entries the board served do not hash to its checkpoint's root");
  if (trust.pins && !(entries[0] && manifestIsPinned(entries[0], trust.pins.baseHash)))
    throw untrusted("the log's manifest is not the one the trust file pins (baseHash)");
  return replay(
    entries,
    hashes.map((h) => toHex(h)),
  );
}
