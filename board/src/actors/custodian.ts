/**
 * A custodian ("custodio de la llave"): runs COCKTAIL-DKG with the board as coordinator
 * (post round 1, read everyone's round 1 from the log, post the certification, or blame a bad
 * sender), keeps its secret share in a state file, and after the tally posts its decryption share.
 */
import type { TallyBody } from "@urna/schemas";
import { splitByContest } from "./split.js";
import {
  type Trust,
  ceremony,
  decodeElement,
  decodeScalar,
  encodeScalar,
  fromBase64,
  toBase64,
} from "@urna/verifier";
import { certify, makeBlameRandom, round1Random, round2 } from "../ceremony/index.js";
import { decryptionShare } from "../crypto/index.js";
import { signEntry } from "../entry-sign.js";
import { ceremonySetupOf } from "./authority.js";
import type { AppendResult, BoardClient } from "./client.js";
import { auditLog, readLogOnce, requireNoSkips, trustFromBoard } from "./custodian-audit.js";
import { type CustodianKey, readJson, writeSecretJson } from "./keys.js";
import type { OutputOptions } from "./output-file.js";
import { ActorError, type ElectionView, loadPrefix, replayLeaves, sleep } from "./view.js";

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
  opts: {
    timeoutMs?: number;
    pollMs?: number;
    /**
     * Called with the secret-share state before the certification is posted: a caller that
     * saves it here (durably) never has a posted certification without its share.
     */
    beforePost?: (state: CustodianStateFile) => void | Promise<void>;
  } = {},
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
  const state: CustodianStateFile = {
    kind: "urna-custodian-state",
    election,
    index,
    secretShare: toBase64(encodeScalar(out.secretShare)),
    verificationShare: toBase64(out.verificationShare),
    groupPublicKey: toBase64(out.groupPublicKey),
  };
  await opts.beforePost?.(state);
  const result = await client.post(
    signEntry("ceremony.certify", election, ceremony.certifyToBody(index, sig), key.signingSecret),
  );
  return { result, state };
}

/** Saves the state (mode 0600) durably; an existing file is kept (FILE_EXISTS) unless `force`. */
export function saveCustodianState(
  path: string,
  state: CustodianStateFile,
  opts: OutputOptions = {},
): void {
  writeSecretJson(path, state, opts);
}

export function loadCustodianState(path: string): CustodianStateFile {
  const s = readJson<CustodianStateFile>(path);
  if (s.kind !== "urna-custodian-state")
    throw new ActorError("BAD_STATE_FILE", `${path} is not a custodian state file`);
  return s;
}

/**
 * Where the custodian's trust comes from (protocol.md §10.2): the election's trust file, loaded
 * (spec/record.md §Trust file), or, explicitly, none: then the board's own key and the
 * manifest's authority are taken as the board announces them and no witness is required.
 */
export type ShareOptions = ({ trust: Trust } | { insecureNoTrust: true }) & {
  /** Worker threads for the audit's cryptography (default 1: inline). */
  workers?: number;
  /** How long to wait for the witness quorum's cosignatures on the newest checkpoint (default 15 s). */
  witnessWaitMs?: number;
  /** Progress of the read and of the checks (called often: the caller throttles). */
  onProgress?: (message: string) => void;
};

/**
 * Posts this custodian's decryption share of every tally entry on the log. Before decrypting
 * anything it reads the log once up to the witnessed checkpoint (with `opts.trust`) and runs the
 * auditor's checks V1-V14 on exactly those bytes (AUDIT_FAILED otherwise), so that only the
 * aggregate of valid, eligible, proven ballots is ever decrypted, whatever the board and the
 * authority post; the share is computed from the audited bytes, never from a second read.
 */
export async function postDecryptionShare(
  client: BoardClient,
  election: string,
  key: CustodianKey,
  state: CustodianStateFile,
  opts: ShareOptions,
): Promise<AppendResult[]> {
  const given = "trust" in opts ? opts.trust : undefined;
  if (!given && !("insecureNoTrust" in opts && opts.insecureNoTrust === true))
    throw new ActorError(
      "NO_TRUST",
      "a custodian needs the election's trust file (or an explicit insecureNoTrust)",
    );
  const onProgress = opts.onProgress;
  const log = await readLogOnce(client, election, given, {
    ...(opts.witnessWaitMs !== undefined ? { witnessWaitMs: opts.witnessWaitMs } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  const report = await auditLog(log, given ?? (await trustFromBoard(client, election, log)), {
    workers: opts.workers,
    ...(onProgress ? { onProgress } : {}),
  });
  const view = replayLeaves(log.leaves.map((bytes) => ({ bytes })));
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
  requireNoSkips(report);
  const k = view.state.electionKey;
  if (!k) throw new ActorError("NO_KEY", "the election has no joint key");
  if (k.verificationShares[index - 1] !== state.verificationShare)
    throw new ActorError(
      "WRONG_STATE",
      "the state's verification share differs from the published one",
    );
  // A second run (after a failure part-way) posts only the contests still missing this
  // custodian's share; with none missing it is SHARE_ALREADY_POSTED, and nothing is posted.
  const posted = view.state.shares.get(index);
  const tallies = view.entries
    .filter((e) => e.type === "tally")
    .map((e) => e.body as TallyBody)
    .map((t) => ({ ...t, contests: t.contests.filter((c) => !posted?.has(c.contest)) }))
    .filter((t) => t.contests.length > 0);
  if (tallies.length === 0 && posted !== undefined && posted.size > 0)
    throw new ActorError(
      "SHARE_ALREADY_POSTED",
      `custodian ${index} already posted its decryption share of every tallied contest`,
    );
  const secretShare = decodeScalar(fromBase64(state.secretShare));
  const out: AppendResult[] = [];
  for (const tally of tallies) {
    const body = decryptionShare({
      baseHash: view.state.baseHash,
      publicKey: decodeElement(fromBase64(k.publicKey)),
      custodian: index,
      secretShare,
      tally,
    });
    for (const part of splitByContest(body.contests, (contests) => ({
      custodian: index,
      contests,
    })))
      out.push(await client.post(signEntry("decryption.share", election, part, key.signingSecret)));
  }
  return out;
}
