/**
 * The voter's device: encrypts the ballot under the election key with its proofs, signs it with
 * the voter's credential, and either casts it or first challenges one encryption (Benaloh), then
 * keeps the board's receipt.
 */
import type { Contest } from "@urna/schemas";
import { type Trust, decodeElement, fromBase64, styleContests } from "@urna/verifier";
import { challengeBallot, encryptBallot } from "../crypto/index.js";
import { signEntry } from "../entry-sign.js";
import type { AppendResult, BoardClient, ReceiptJson } from "./client.js";
import { type OutputOptions, writeFileDurably } from "./output-file.js";
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

export interface CastResult {
  cast: AppendResult & { receipt: ReceiptJson };
  /** When the voter challenged first: the challenged (opened) ballot's append result. */
  challenged?: AppendResult & { receipt: ReceiptJson };
}

function encrypt(view: ElectionView, cred: VoterCredential, vector: Record<string, number[]>) {
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
    const enc = encrypt(view, cred, vector);
    const body = challengeBallot(enc.body, enc.nonces, vector);
    challenged = (await client.post(
      signEntry("ballot.challenged", cred.election, body, cred.secretKey),
    )) as CastResult["cast"];
    opts.onPosted?.("ballot.challenged", challenged);
  }
  const enc = encrypt(view, cred, vector);
  const cast = (await client.post(
    signEntry("ballot", cred.election, enc.body, cred.secretKey),
  )) as CastResult["cast"];
  opts.onPosted?.("ballot", cast);
  return challenged ? { cast, challenged } : { cast };
}

/** Saves a receipt durably; an existing file is left untouched (FILE_EXISTS) unless `force`. */
export function saveReceipt(path: string, receipt: ReceiptJson, opts: OutputOptions = {}): void {
  writeFileDurably(path, JSON.stringify(receipt, null, 2) + "\n", opts);
}
