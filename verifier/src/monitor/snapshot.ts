/**
 * Snapshots of the monitor's election replay (isomorphic), so that a restarted monitor goes on
 * from where it stopped without reading old entries again.
 *
 * `ElectionState` has no serialisation of its own, so its own fields are written generically as
 * tagged JSON (Map, Set, Uint8Array, bigint, undefined) and restored onto its prototype. The
 * snapshot also records what the public API says (size, phase, counts); a restored state that
 * does not answer the same is discarded, and the monitor replays the entries instead (the
 * fallback is always correct, only slower). The tally accumulator is kept as its sums.
 */
import type { CiphertextJson, Manifest } from "@urna/schemas";
import { fromBase64, toBase64 } from "../bytes.js";
import { TallyAccumulator } from "../crypto/tally.js";
import { addPartialSums } from "../audit/tally-sum.js";
import { ElectionState } from "../election/state.js";

export class SnapshotError extends Error {
  readonly code = "SNAPSHOT_UNSUPPORTED" as const;
  constructor(message: string) {
    super(message);
    this.name = "SnapshotError";
  }
}

const TAGS = ["$map", "$set", "$bytes", "$bigint", "$undefined", "$object"] as const;

function encode(v: unknown, depth = 0): unknown {
  if (depth > 64) throw new SnapshotError("value nested too deeply");
  if (v === undefined) return { $undefined: 1 };
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new SnapshotError("non-finite number");
    return v;
  }
  if (typeof v === "bigint") return { $bigint: v.toString() };
  if (v instanceof Uint8Array) return { $bytes: toBase64(v) };
  if (v instanceof Map)
    return { $map: [...v].map(([k, x]) => [encode(k, depth + 1), encode(x, depth + 1)]) };
  if (v instanceof Set) return { $set: [...v].map((x) => encode(x, depth + 1)) };
  if (Array.isArray(v)) return v.map((x) => encode(x, depth + 1));
  if (typeof v === "object") {
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null)
      throw new SnapshotError(
        `cannot snapshot an instance of ${(v as object).constructor?.name ?? "a class"}`,
      );
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = encode(x, depth + 1);
    return Object.keys(o).some((k) => k.startsWith("$")) ? { $object: o } : o;
  }
  throw new SnapshotError(`cannot snapshot a ${typeof v}`);
}

function decode(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(decode);
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && (TAGS as readonly string[]).includes(keys[0])) {
    const x = o[keys[0]];
    switch (keys[0]) {
      case "$undefined":
        return undefined;
      case "$bigint":
        return BigInt(x as string);
      case "$bytes":
        return fromBase64(x as string);
      case "$map":
        return new Map((x as [unknown, unknown][]).map(([k, y]) => [decode(k), decode(y)]));
      case "$set":
        return new Set((x as unknown[]).map(decode));
      case "$object": {
        const out: Record<string, unknown> = {};
        for (const [k, y] of Object.entries(x as Record<string, unknown>)) out[k] = decode(y);
        return out;
      }
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, y] of Object.entries(o)) out[k] = decode(y);
  return out;
}

interface Fingerprint {
  size: number;
  phase: string;
  counts: unknown;
  counted: number;
}

const fingerprint = (s: ElectionState): Fingerprint => ({
  size: s.size,
  phase: s.phase,
  counts: s.counts(),
  counted: s.countedBallots().length,
});

export interface StateSnapshot {
  fields: Record<string, unknown>;
  check: Fingerprint;
}

/** Encodes an ElectionState. Throws SnapshotError if it holds something it cannot encode. */
export function snapshotState(state: ElectionState): StateSnapshot {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(state)) fields[k] = encode(v);
  const snap = { fields, check: fingerprint(state) };
  // A round trip must answer the same, or the snapshot is useless.
  restoreState(JSON.parse(JSON.stringify(snap)) as StateSnapshot);
  return snap;
}

/** Restores an ElectionState. Throws SnapshotError if the result does not match the snapshot. */
export function restoreState(snap: StateSnapshot): ElectionState {
  const s = Object.create(ElectionState.prototype) as ElectionState;
  for (const [k, v] of Object.entries(snap.fields))
    (s as unknown as Record<string, unknown>)[k] = decode(v);
  let fp: Fingerprint;
  try {
    fp = fingerprint(s);
  } catch (e) {
    throw new SnapshotError(`restored state does not work: ${(e as Error).message}`);
  }
  if (JSON.stringify(fp) !== JSON.stringify(snap.check))
    throw new SnapshotError("restored state does not match its snapshot");
  return s;
}

/** The accumulator's running sums, per contest in option order. */
export function snapshotSums(acc: TallyAccumulator): Record<string, CiphertextJson[]> {
  const out: Record<string, CiphertextJson[]> = {};
  for (const c of acc.toBody().contests) out[c.contest] = c.options.map((o) => o.ciphertext);
  return out;
}

export function restoreSums(
  manifest: Manifest,
  sums: Record<string, CiphertextJson[]>,
): TallyAccumulator {
  const acc = new TallyAccumulator(manifest);
  addPartialSums(acc, sums, 1);
  return acc;
}
