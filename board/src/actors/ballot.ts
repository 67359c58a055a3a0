/**
 * The voter's ballot, without any file or Node API, so that the browser booth
 * (board/web/src/vote.ts) and the CLI (./voter.ts) share it: the choices as 0/1 vectors, the
 * election view a voter needs (setup prefix: manifest, base hash, joint key), and the encryption
 * with proofs (protocol.md §6.6) and the Benaloh challenge (§6.7) of one ballot, signed by the
 * voter's credential.
 */
import type { BallotBody, Contest, Entry } from "@urna/schemas";
import { type Trust, decodeElement, fromBase64 } from "@urna/verifier";
import { type EncryptedBallot, challengeBallot, encryptBallot } from "../crypto/encrypt.js";
import { signEntry } from "../entry-sign.js";
import type { BoardClient } from "./client.js";
import { ActorError, type ElectionView, loadPrefix } from "./view.js";

export interface VoterCredential {
  election: string;
  style: string;
  secretKey: Uint8Array;
  publicKey: string;
}

/**
 * Choices per contest: the chosen option ids (`["pan"]`) or one 0/1 per option in manifest
 * order. Contests of the style that are missing get no selection (valid when minSelections is 0).
 */
export type Choices = Record<string, string[] | number[]>;

export function choiceVector(contests: Contest[], choices: Choices): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const id of Object.keys(choices))
    if (!contests.some((c) => c.id === id))
      throw new ActorError("BAD_CHOICES", `contest ${id} is not on this ballot style`);
  for (const c of contests) {
    const v = choices[c.id] ?? [];
    if (v.length > 0 && typeof v[0] === "number") {
      out[c.id] = (v as number[]).slice();
    } else {
      const ids = new Set(v as string[]);
      for (const id of ids)
        if (!c.options.some((o) => o.id === id))
          throw new ActorError("BAD_CHOICES", `contest ${c.id} has no option ${id}`);
      out[c.id] = c.options.map((o) => (ids.has(o.id) ? 1 : 0));
    }
  }
  return out;
}

/**
 * What a voter needs from the board: manifest, base hash and joint key (the setup prefix). With
 * the election's trust file, the prefix is proven part of the board's witnessed checkpoint.
 */
export async function loadVotingView(
  client: BoardClient,
  election: string,
  opts: { trust?: Trust } = {},
): Promise<ElectionView> {
  const view = await loadPrefix(client, election, (e) => e.type === "voting.open", opts);
  if (!view.state.electionKey) throw new ActorError("NO_KEY", "the election has no joint key yet");
  return view;
}

/** Encrypts the 0/1 choice vectors of the credential's style under the election key. */
export function encryptFor(
  view: ElectionView,
  cred: VoterCredential,
  vector: Record<string, number[]>,
): EncryptedBallot {
  const key = view.state.electionKey;
  if (!key) throw new ActorError("NO_KEY", "the election has no joint key yet");
  return encryptBallot({
    manifest: view.manifest,
    baseHash: view.state.baseHash,
    publicKey: decodeElement(fromBase64(key.publicKey)),
    signer: fromBase64(cred.publicKey),
    style: cred.style,
    choices: vector,
  });
}

/** The signed `ballot` entry of an encryption (to cast). */
export const ballotEntry = (cred: VoterCredential, body: BallotBody): Entry =>
  signEntry("ballot", cred.election, body, cred.secretKey) as Entry;

/** The signed `ballot.challenged` entry that opens an encryption (it must never be cast). */
export const challengedEntry = (
  cred: VoterCredential,
  enc: EncryptedBallot,
  vector: Record<string, number[]>,
): Entry =>
  signEntry(
    "ballot.challenged",
    cred.election,
    challengeBallot(enc.body, enc.nonces, vector),
    cred.secretKey,
  ) as Entry;
