/**
 * The voter's device: encrypts the ballot under the election key with its proofs, signs it with
 * the voter's credential, and either casts it or first challenges one encryption (Benaloh), then
 * keeps the board's receipt.
 */
import type { Trust } from "@urna/verifier";
import { styleContests } from "@urna/verifier";
import {
  type Choices,
  type VoterCredential,
  ballotEntry,
  challengedEntry,
  choiceVector,
  encryptFor,
  loadVotingView,
} from "./ballot.js";
import type { AppendResult, BoardClient, ReceiptJson } from "./client.js";
import { type OutputOptions, writeFileDurably } from "./output-file.js";
import { ActorError, type ElectionView } from "./view.js";

export * from "./ballot.js";

export interface CastResult {
  cast: AppendResult & { receipt: ReceiptJson };
  /** When the voter challenged first: the challenged (opened) ballot's append result. */
  challenged?: AppendResult & { receipt: ReceiptJson };
}

/** Encrypts and casts a ballot; with `challengeFirst`, first posts one opened encryption. */
export async function castBallot(
  client: BoardClient,
  cred: VoterCredential,
  choices: Choices,
  opts: {
    challengeFirst?: boolean;
    view?: ElectionView;
    trust?: Trust;
    /** Called as soon as the board accepted each entry, before anything else can fail. */
    onPosted?: (type: "ballot" | "ballot.challenged", r: CastResult["cast"]) => void;
  } = {},
): Promise<CastResult> {
  const view =
    opts.view ??
    (await loadVotingView(client, cred.election, opts.trust ? { trust: opts.trust } : {}));
  const contests = styleContests(view.manifest, cred.style);
  if (!contests)
    throw new ActorError("UNKNOWN_STYLE", `the manifest has no ballot style ${cred.style}`);
  const vector = choiceVector(contests, choices);
  let challenged: CastResult["challenged"];
  if (opts.challengeFirst) {
    const enc = encryptFor(view, cred, vector);
    challenged = (await client.post(challengedEntry(cred, enc, vector))) as CastResult["cast"];
    opts.onPosted?.("ballot.challenged", challenged);
  }
  const enc = encryptFor(view, cred, vector);
  const cast = (await client.post(ballotEntry(cred, enc.body))) as CastResult["cast"];
  opts.onPosted?.("ballot", cast);
  return challenged ? { cast, challenged } : { cast };
}

/** Saves a receipt durably; an existing file is left untouched (FILE_EXISTS) unless `force`. */
export function saveReceipt(path: string, receipt: ReceiptJson, opts: OutputOptions = {}): void {
  writeFileDurably(path, JSON.stringify(receipt, null, 2) + "\n", opts);
}
