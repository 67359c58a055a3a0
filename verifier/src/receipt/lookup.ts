/**
 * The board's credential lookup (spec/api.md §Credential lookup) as the receipt check reads it:
 * the wire format, a fetch client, and the authentication of its answer. Isomorphic.
 *
 * Every entry in an answer is a leaf with its inclusion proof at the answer's checkpoint, so
 * what it shows is on the log. What it cannot prove is that nothing was left out (a Merkle log
 * has no proofs of absence): spec/verification.md §Receipt check says what that leaves to the
 * full audit and to monitors.
 */
import type { AnyEntry } from "@urna/schemas";
import { fromBase64, toHex, utf8 } from "../bytes.js";
import { parseLeaf, verifyEntrySignature } from "../entry.js";
import { manifestIsPinned } from "../audit/trust-pins.js";
import { leafHash } from "../log/merkle-hash.js";
import { verifyInclusion } from "../log/merkle.js";
import { RecordError } from "../record/source.js";
import type { Fetch } from "../record/http.js";

/** One entry of the log with its inclusion proof (base64 hashes) at the answer's tree size. */
export interface ProvenEntry {
  index: number;
  /** The exact leaf bytes, as UTF-8 text. */
  leaf: string;
  proof: string[];
}

/** `GET /elections/<id>/credentials/<key hex>`. */
export interface CredentialLookup {
  /** The tree size every proof is for: the size of `checkpoint`. */
  size: number;
  /** The signed checkpoint note (with cosignatures) of that tree. */
  checkpoint: string;
  /** The credential's public key, base64. */
  credential: string;
  /** Entry 0. */
  manifest: ProvenEntry;
  /** `voting.open` and `voting.close`, or null while not on the log. */
  open: ProvenEntry | null;
  close: ProvenEntry | null;
  /** Every `ballot` signed by the credential, in log order (not `ballot.challenged`). */
  ballots: ProvenEntry[];
}

/** The lookup URL path for a credential key (base64), relative to the election's base. */
export function credentialLookupPath(credential: string): string {
  return `/credentials/${toHex(fromBase64(credential))}`;
}

/** Fetches a board's credential lookup (the election's base URL, `<board>/elections/<id>`). */
export async function fetchCredentialLookup(
  electionBase: string,
  credential: string,
  fetchFn?: Fetch,
): Promise<CredentialLookup> {
  const doFetch: Fetch =
    fetchFn ?? ((url, init) => (globalThis.fetch as unknown as Fetch)(url, init));
  const url = electionBase + credentialLookupPath(credential);
  let res;
  try {
    res = await doFetch(url);
  } catch (e) {
    throw new RecordError("RECORD_UNREADABLE", `cannot reach ${url}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (!res.ok) throw new RecordError("HTTP_ERROR", `GET ${url}: HTTP ${res.status}`.trim());
  let v: unknown;
  try {
    v = JSON.parse(await res.text());
  } catch (e) {
    throw new RecordError("RECORD_UNREADABLE", `GET ${url}: not JSON`, { cause: e });
  }
  if (!isLookup(v))
    throw new RecordError("RECORD_UNREADABLE", `GET ${url}: not a credential lookup`);
  return v;
}

const isProven = (p: unknown): p is ProvenEntry => {
  const o = p as ProvenEntry;
  return (
    typeof o === "object" &&
    o !== null &&
    Number.isSafeInteger(o.index) &&
    o.index >= 0 &&
    typeof o.leaf === "string" &&
    Array.isArray(o.proof) &&
    o.proof.length <= 64 &&
    o.proof.every((h) => typeof h === "string")
  );
};

function isLookup(v: unknown): v is CredentialLookup {
  const o = v as CredentialLookup;
  return (
    typeof o === "object" &&
    o !== null &&
    Number.isSafeInteger(o.size) &&
    typeof o.checkpoint === "string" &&
    typeof o.credential === "string" &&
    isProven(o.manifest) &&
    (o.open === null || isProven(o.open)) &&
    (o.close === null || isProven(o.close)) &&
    Array.isArray(o.ballots) &&
    o.ballots.every(isProven)
  );
}

export class LookupError extends Error {
  readonly code = "LOOKUP_INVALID" as const;
  constructor(message: string) {
    super(message);
    this.name = "LookupError";
  }
}

/**
 * A proven entry, authenticated: its leaf is at its index in the tree (`size`, `root`), it
 * parses as an entry (canonical, schema-valid) and its signature verifies. Throws LookupError.
 */
export function openProvenEntry(
  p: ProvenEntry,
  size: number,
  root: Uint8Array,
  what: string,
): { entry: AnyEntry; leafHash: Uint8Array } {
  const bytes = utf8(p.leaf);
  const lh = leafHash(bytes);
  try {
    verifyInclusion(lh, p.index, size, p.proof.map(fromBase64), root);
  } catch (e) {
    throw new LookupError(
      `${what} (entry ${p.index}) is not proven in the tree of ${size}: ${(e as Error).message}`,
    );
  }
  let entry: AnyEntry;
  try {
    entry = parseLeaf(bytes);
  } catch (e) {
    throw new LookupError(
      `${what} (entry ${p.index}) is not a valid entry: ${(e as Error).message}`,
    );
  }
  if (!verifyEntrySignature(entry))
    throw new LookupError(`${what} (entry ${p.index}) has an invalid signature`);
  return { entry, leafHash: lh };
}

/** What R5 needs, read from an authenticated lookup answer. */
export interface CountingFacts {
  revotePolicy?: string;
  openIndex?: number;
  closeIndex?: number;
  /** The credential's `ballot` indices, in log order. */
  ballots: number[];
}

/**
 * Authenticates a lookup answer against the current checkpoint (size, root) and the election's
 * authority key: the manifest at 0 is the authority's, `voting.open`/`voting.close` are the
 * manifest authority's, and every listed ballot is the credential's; with a version 2 trust
 * file, the manifest is the pinned one (its baseHash). Throws LookupError.
 */
export function countingFacts(
  lookup: CredentialLookup,
  size: number,
  root: Uint8Array,
  authority: string,
  credential: string,
  pinnedBaseHash?: string,
): CountingFacts {
  if (lookup.size !== size)
    throw new LookupError(
      `the answer is for a tree of ${lookup.size}, its checkpoint's is ${size}`,
    );
  if (lookup.manifest.index !== 0) throw new LookupError("the manifest is not entry 0");
  const m = openProvenEntry(lookup.manifest, size, root, "the manifest").entry;
  if (m.type !== "manifest") throw new LookupError(`entry 0 is a ${m.type}, not the manifest`);
  if (m.signer !== authority)
    throw new LookupError("the manifest is not signed by the trust file's authority");
  if (pinnedBaseHash !== undefined && !manifestIsPinned(m, pinnedBaseHash))
    throw new LookupError("the manifest is not the one the trust file pins (baseHash)");
  const facts: CountingFacts = {
    revotePolicy: (m.body as { revotePolicy?: string }).revotePolicy,
    ballots: [],
  };
  for (const [p, type] of [
    [lookup.open, "voting.open"],
    [lookup.close, "voting.close"],
  ] as const) {
    if (!p) continue;
    const e = openProvenEntry(p, size, root, type).entry;
    if (e.type !== type) throw new LookupError(`entry ${p.index} is a ${e.type}, not ${type}`);
    if (e.signer !== authority) throw new LookupError(`${type} is not signed by the authority`);
    if (type === "voting.open") facts.openIndex = p.index;
    else facts.closeIndex = p.index;
  }
  let prev = -1;
  for (const p of lookup.ballots) {
    const e = openProvenEntry(p, size, root, "a listed ballot").entry;
    if (e.type !== "ballot" || e.signer !== credential)
      throw new LookupError(`entry ${p.index} is not a ballot of this credential`);
    if (p.index <= prev) throw new LookupError("the listed ballots are not in log order");
    prev = p.index;
    facts.ballots.push(p.index);
  }
  return facts;
}
