/**
 * The snapshot of the election state (`ElectionState.toSnapshot`, `fromSnapshot`): the state's
 * data (./state-data.ts) as plain JSON and back, with the checks that a snapshot read from disk
 * is well formed and self-consistent.
 */
import type {
  ElectionKeyBody,
  Manifest,
  ResultContest,
  ShareContest,
  TallyContest,
} from "@urna/schemas";
import { PHASES, StateData, type Phase } from "./state-data.js";

/** The format tag of `ElectionState.toSnapshot()`. */
export const ELECTION_STATE_SNAPSHOT_FORMAT = "urna-election-state-v2";

/**
 * An `ElectionState` as plain JSON (`ElectionState.toSnapshot`): every field by name, Maps and
 * Sets as arrays in insertion order, so that `fromSnapshot` rebuilds an equal state. The
 * manifest and election id are stored whole; what derives from them (baseHash, contests,
 * styles, custodians) is recomputed, not stored.
 */
export interface ElectionStateSnapshot {
  format: typeof ELECTION_STATE_SNAPSHOT_FORMAT;
  electionId: string;
  manifest: Manifest;
  phase: Phase;
  /** The next index: the number of entries applied or skipped, the manifest included. */
  next: number;
  /** [credential key, ballot style] in publication order. */
  credentials: [string, string][];
  credentialBatches: number;
  /** [credential key, indices of its `ballot` entries] */
  ballotsOf: [string, number[]][];
  ballotCount: number;
  challengedCount: number;
  /** Indices of admitted ballots found invalid (`invalidateBallots`); absent when none. */
  invalidBallots?: number[];
  /** [credential key, hex leaf hashes of its ballot entries] */
  leavesOfCredential: [string, string[]][];
  otherLeaves: string[];
  /** [alpha, index of the entry where it first occurs] of every ballot selection (V13 reuse) */
  alphas: [string, number][];
  round1: [number, unknown][];
  certify: [number, unknown][];
  blames: { index: number; body: unknown }[];
  electionKey?: ElectionKeyBody;
  openIndex?: number;
  closeIndex?: number;
  /** The log size right after the last `result` entry (phase `done`). */
  doneSize?: number;
  tally: TallyContest[];
  tallyBallots?: number;
  computed?: TallyContest[];
  /** [custodian, its share contests] */
  shares: [number, ShareContest[]][];
  shareEntries: number;
  result: ResultContest[];
  /** The custodians of the first `result` entry (kept for older snapshots). */
  resultCustodians?: number[];
  /** [contest id, the custodians of the `result` entry that covers it] (protocol.md §6.10) */
  resultSets?: [string, number[]][];
}

export class StateSnapshotError extends Error {
  readonly code = "SNAPSHOT_INVALID" as const;
  constructor(message: string) {
    super(message);
    this.name = "StateSnapshotError";
  }
}

/** The snapshot of `d` (copies: later changes to the state do not reach it). */
export function snapshotOf(d: StateData): ElectionStateSnapshot {
  const copy = <T>(v: T): T => structuredClone(v);
  const snap: ElectionStateSnapshot = {
    format: ELECTION_STATE_SNAPSHOT_FORMAT,
    electionId: d.electionId,
    manifest: copy(d.manifest),
    phase: d.phase,
    next: d.next,
    credentials: [...d.credentials],
    credentialBatches: d.credentialBatches,
    ballotsOf: [...d.ballotsOf].map(([k, v]) => [k, [...v]]),
    ballotCount: d.ballotCount,
    challengedCount: d.challengedCount,
    leavesOfCredential: [...d.leavesOfCredential].map(([k, v]) => [k, [...v]]),
    otherLeaves: [...d.otherLeaves],
    alphas: d.alphas.entries(),
    round1: copy([...d.round1]),
    certify: copy([...d.certify]),
    blames: copy(d.blames),
    tally: copy([...d.tally.values()]),
    shares: [...d.shares].map(([i, m]) => [i, copy([...m.values()])]),
    shareEntries: d.shareEntries,
    result: copy([...d.result.values()]),
  };
  if (d.electionKey) snap.electionKey = copy(d.electionKey);
  if (d.openIndex !== undefined) snap.openIndex = d.openIndex;
  if (d.closeIndex !== undefined) snap.closeIndex = d.closeIndex;
  if (d.doneSize !== undefined) snap.doneSize = d.doneSize;
  if (d.tallyBallots !== undefined) snap.tallyBallots = d.tallyBallots;
  if (d.computed) snap.computed = copy([...d.computed.values()]);
  if (d.resultCustodians) snap.resultCustodians = [...d.resultCustodians];
  if (d.resultCustodiansOf.size)
    snap.resultSets = [...d.resultCustodiansOf].map(([c, S]) => [c, [...S]]);
  if (d.invalid.size) snap.invalidBallots = [...d.invalid];
  return snap;
}

/**
 * The state a snapshot holds. Throws StateSnapshotError if the snapshot is not well formed or
 * not self-consistent (counts, phase, indices); it cannot tell a consistent but false snapshot
 * from a true one, so callers that need certainty compare it with what they know (a monitor:
 * its size and the log's root) or replay.
 */
export function restoreData(input: unknown): StateData {
  const snap = input as ElectionStateSnapshot;
  const bad = (what: string): never => {
    throw new StateSnapshotError(`election state snapshot: ${what}`);
  };
  const isObj = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  const isIndex = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
  const pairs = <K, V>(
    v: unknown,
    name: string,
    key: (k: unknown) => k is K,
    val: (x: unknown) => x is V,
  ): [K, V][] => {
    if (!Array.isArray(v)) return bad(`${name} is not a list`);
    for (const p of v as unknown[])
      if (!Array.isArray(p) || p.length !== 2 || !key(p[0]) || !val(p[1]))
        bad(`${name} has a malformed item`);
    return v as [K, V][];
  };
  const isStr = (v: unknown): v is string => typeof v === "string";
  const isAny = (v: unknown): v is unknown => v !== undefined;
  const strList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isStr);
  const idxList = (v: unknown): v is number[] => Array.isArray(v) && v.every(isIndex);
  const objList = (v: unknown): v is Record<string, unknown>[] =>
    Array.isArray(v) && v.every(isObj);
  const optIndex = (v: unknown, name: string) => {
    if (v !== undefined && !isIndex(v)) bad(`${name} is not an index`);
  };

  if (!isObj(snap) || snap.format !== ELECTION_STATE_SNAPSHOT_FORMAT) bad("unknown format");
  if (!isStr(snap.electionId) || !isObj(snap.manifest)) bad("no election or manifest");
  if (!PHASES.includes(snap.phase)) bad(`unknown phase ${String(snap.phase)}`);
  for (const k of [
    "next",
    "credentialBatches",
    "ballotCount",
    "challengedCount",
    "shareEntries",
  ] as const)
    if (!isIndex(snap[k])) bad(`${k} is not a count`);
  optIndex(snap.openIndex, "openIndex");
  optIndex(snap.closeIndex, "closeIndex");
  optIndex(snap.doneSize, "doneSize");
  optIndex(snap.tallyBallots, "tallyBallots");
  if (!strList(snap.otherLeaves)) bad("otherLeaves is not a list of strings");
  if (!objList(snap.tally) || !objList(snap.result)) bad("tally or result is not a list");
  if (snap.computed !== undefined && !objList(snap.computed)) bad("computed is not a list");
  if (!Array.isArray(snap.blames) || !snap.blames.every((b) => isObj(b) && isIndex(b.index)))
    bad("blames is malformed");
  if (snap.electionKey !== undefined && !isObj(snap.electionKey)) bad("electionKey");
  if (snap.resultCustodians !== undefined && !idxList(snap.resultCustodians))
    bad("resultCustodians");
  if (snap.resultSets !== undefined) pairs(snap.resultSets, "resultSets", isStr, idxList);

  let s: StateData;
  try {
    s = new StateData(structuredClone(snap.manifest), snap.electionId);
  } catch (e) {
    return bad(`the manifest does not load: ${e instanceof Error ? e.message : String(e)}`);
  }
  s.phase = snap.phase;
  s.next = snap.next;
  for (const [k, v] of pairs(snap.credentials, "credentials", isStr, isStr))
    s.credentials.set(k, v);
  s.credentialBatches = snap.credentialBatches;
  for (const [k, v] of pairs(snap.ballotsOf, "ballotsOf", isStr, idxList))
    s.ballotsOf.set(k, [...v]);
  s.ballotCount = snap.ballotCount;
  s.challengedCount = snap.challengedCount;
  for (const style of s.credentials.values()) s.styleTurnout(style).credentials++;
  for (const k of s.ballotsOf.keys()) {
    const style = s.credentials.get(k);
    if (style !== undefined) s.styleTurnout(style).voters++;
  }
  if (snap.invalidBallots !== undefined) {
    if (!idxList(snap.invalidBallots)) bad("invalidBallots is not a list of indices");
    for (const i of snap.invalidBallots) s.invalid.add(i);
  }
  for (const [k, v] of pairs(snap.leavesOfCredential, "leavesOfCredential", isStr, strList))
    s.leavesOfCredential.set(k, [...v]);
  for (const h of snap.otherLeaves) s.otherLeaves.add(h);
  for (const [alpha, at] of pairs(snap.alphas, "alphas", isStr, isIndex))
    if (at >= s.next || !s.alphas.restore(alpha, at)) bad("alphas has a bad or repeated item");
  for (const [k, v] of pairs(snap.round1, "round1", isIndex, isAny))
    s.round1.set(k, structuredClone(v));
  for (const [k, v] of pairs(snap.certify, "certify", isIndex, isAny))
    s.certify.set(k, structuredClone(v));
  s.blames.push(...structuredClone(snap.blames));
  if (snap.electionKey) s.electionKey = structuredClone(snap.electionKey);
  s.openIndex = snap.openIndex;
  s.closeIndex = snap.closeIndex;
  s.doneSize = snap.doneSize;
  for (const c of structuredClone(snap.tally)) s.tally.set(c.contest, c);
  s.tallyBallots = snap.tallyBallots;
  if (snap.computed)
    s.computed = new Map(structuredClone(snap.computed).map((c) => [c.contest, c]));
  for (const [i, list] of pairs(snap.shares, "shares", isIndex, objList))
    s.shares.set(
      i,
      new Map(structuredClone(list as unknown as ShareContest[]).map((c) => [c.contest, c])),
    );
  s.shareEntries = snap.shareEntries;
  for (const c of structuredClone(snap.result)) s.result.set(c.contest, c);
  if (snap.resultCustodians) s.resultCustodians = [...snap.resultCustodians];
  // A snapshot without resultSets comes from a state that allowed one set only.
  for (const c of s.result.keys()) {
    const S = snap.resultSets?.find(([id]) => id === c)?.[1] ?? snap.resultCustodians;
    if (S) s.resultCustodiansOf.set(c, [...S]);
  }

  // Self-consistency: what the rules keep in step must be in step.
  let ballots = 0;
  for (const [k, idx] of s.ballotsOf) {
    ballots += idx.length;
    if (!s.credentials.has(k)) bad("a ballot's credential is not published");
    if (idx.some((i, j) => i >= s.next || (j > 0 && i <= idx[j - 1])))
      bad("a credential's ballot indices are out of order or beyond the state's size");
  }
  if (ballots !== s.ballotCount) bad("ballotCount does not match the ballots");
  let credentialLeaves = 0;
  for (const l of s.leavesOfCredential.values()) credentialLeaves += l.length;
  if (credentialLeaves !== s.ballotCount + s.challengedCount)
    bad("the credentials' leaves do not match the ballot counts");
  const voting = s.openIndex !== undefined;
  const closed = s.closeIndex !== undefined;
  const phaseOk =
    s.phase === "setup"
      ? !voting && !closed
      : s.phase === "voting"
        ? voting && !closed
        : voting && closed && (s.openIndex as number) < (s.closeIndex as number);
  if (!phaseOk) bad(`phase ${s.phase} does not match voting.open/voting.close`);
  if (
    (s.openIndex !== undefined && s.openIndex >= s.next) ||
    (s.closeIndex !== undefined && s.closeIndex >= s.next)
  )
    bad("voting.open or voting.close is beyond the state's size");
  if (s.credentialBatches === 0 && s.credentials.size > 0) bad("credentials without a batch");
  return s;
}
