/**
 * A standby's own checks of a write before it forwards it (spec/api.md, "Several boards on one
 * database", Checked by the standby): the stateless work the sequencer would do, with the
 * sequencer's own code. The body's size, JSON, schema and canonical leaf (entry-body.ts), the
 * entry's target (admission.ts), and for a voter's entry (`ballot`, `ballot.challenged`) its
 * signature and proofs in the crypto worker pool, their jobs taken from the election state the
 * standby replayed from the committed log (prewarm.ts; used only for the signer's credential,
 * the manifest and the election key, which no later entry changes once the rules pass).
 *
 * The verdict is one of: refuse (the sequencer's own error, and nothing reaches it), forward
 * with the `Urna-Verified` tag (every stateless check passed: the sequencer runs the state rules
 * only), or forward untagged (the sequencer checks everything, as without a standby): an entry
 * of another type, an election the standby has not replayed, an entry whose state rules fail
 * against the replay (phase, duplicates, one ballot per credential: the sequencer's state
 * decides, and which of its refusals comes first), a bulk body with any item that is not a
 * voter's entry passing every check (the sequencer answers each item), or any failure of the
 * standby's own (a crashed worker, the database).
 */
import type { AnyEntry } from "@urna/schemas";
import type { ElectionState } from "@urna/verifier";
import { leafHashFast } from "../log/index.js";
import { OVERSIZE, checkTarget, tooLarge } from "./admission.js";
import { entryWork, signedMessage } from "./crypto-work.js";
import { entryFromJson, parseBulkBody, parseEntryBody } from "./entry-body.js";
import { ApiError, findingToError } from "./errors.js";
import { isBallotType } from "./tracking-index.js";
import { type TaggedRoute, verifiedTag } from "./verified-tag.js";
import type { CryptoPool } from "./worker-pool.js";

/** What the standby does with a write it checked. */
export type Verdict = { refuse: ApiError } | { forward: { tag?: string } };

const UNTAGGED: Verdict = { forward: {} };

export interface StandbyChecksOptions {
  /** The tags' key (verified-tag.ts verifiedTagKey of the board key). */
  key: Uint8Array;
  /** The crypto workers. */
  pool: CryptoPool;
  /** The election's state as replayed from the committed log; undefined if unknown. */
  stateOf(election: string): Promise<ElectionState | undefined>;
}

/** Checks `body` posted to `route` of `election` as the sequencer would, statelessly. */
export async function checkWrite(
  opts: StandbyChecksOptions,
  route: TaggedRoute,
  election: string,
  body: Uint8Array | typeof OVERSIZE,
): Promise<Verdict> {
  if (body === OVERSIZE) return { refuse: tooLarge(route) };
  let entries: Array<{ entry: AnyEntry; leaf: Uint8Array }>;
  try {
    if (route === "entries") entries = [parseEntryBody(body)];
    else {
      // The body's own refusals; an item's is the sequencer's to answer with the others'.
      const values = parseBulkBody(body);
      try {
        entries = values.map((v) => entryFromJson(v));
      } catch {
        return UNTAGGED;
      }
    }
  } catch (e) {
    if (e instanceof ApiError) return { refuse: e };
    throw e;
  }
  let state: ElectionState | undefined;
  try {
    state = await opts.stateOf(election);
  } catch {
    state = undefined;
  }
  if (!state) return UNTAGGED;
  try {
    for (const { entry } of entries) checkTarget(election, entry);
  } catch (e) {
    if (route === "entries" && e instanceof ApiError) return { refuse: e };
    return UNTAGGED;
  }
  if (!entries.every(({ entry }) => isBallotType(entry.type))) return UNTAGGED;
  // The rules against the replay, synchronously (one state for all the items).
  const prechecks = entries.map(({ entry, leaf }) => state.checkRules(entry, leafHashFast(leaf)));
  if (prechecks.some((p) => p.findings.length > 0)) return UNTAGGED;
  let verdicts;
  try {
    verdicts = await Promise.all(
      entries.map(({ entry, leaf }, i) =>
        opts.pool.runSigned(entryWork(prechecks[i].work, entry), signedMessage(entry, leaf)),
      ),
    );
  } catch {
    return UNTAGGED;
  }
  const bad = verdicts.find((f) => f.length > 0);
  if (bad) return route === "entries" ? { refuse: findingToError(bad[0]) } : UNTAGGED;
  return { forward: { tag: verifiedTag(opts.key, route, election, body) } };
}
