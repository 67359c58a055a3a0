/**
 * Witnessing a checkpoint (spec/witness.md §2): ask every configured witness in parallel, append
 * the cosignature lines that verify to the checkpoint note, and say whether the quorum was met.
 * `Witnessing` keeps one client per witness across checkpoints, so that each request starts
 * from the size that witness last cosigned.
 */
import { type NoteSignature, bytesEqual, formatNote, parseNote } from "@urna/verifier";
import {
  type ConsistencyProofFn,
  type CosignOutcome,
  type FetchLike,
  WitnessClient,
  type WitnessConfig,
  WitnessingError,
} from "./client.js";

export interface CollectOptions {
  witnesses: readonly (WitnessConfig | WitnessClient)[];
  /** Cosignatures needed (0: none). */
  quorum: number;
  /** The board-signed checkpoint note. */
  checkpoint: string;
  /** Old size to try first for witnesses whose size this process does not know (default 0). */
  oldSize?: number;
  /** Consistency proof from an old size to the checkpoint's size (memoised per call). */
  consistencyProof: ConsistencyProofFn;
  fetch?: FetchLike;
  timeoutMs?: number;
}

export interface CollectResult {
  /** The checkpoint with every verified cosignature line appended (a witness's older line replaced). */
  checkpoint: string;
  quorum: number;
  /** Witnesses that cosigned. */
  cosigned: string[];
  count: number;
  quorumMet: boolean;
  results: CosignOutcome[];
}

export async function collectCosignatures(opts: CollectOptions): Promise<CollectResult> {
  if (!Number.isSafeInteger(opts.quorum) || opts.quorum < 0 || opts.quorum > opts.witnesses.length)
    throw new WitnessingError(
      "BAD_WITNESS_CONFIG",
      `quorum ${opts.quorum} with ${opts.witnesses.length} witness(es)`,
    );
  const clientOpts = {
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
  };
  const clients = opts.witnesses.map((w) =>
    w instanceof WitnessClient ? w : new WitnessClient(w, clientOpts),
  );
  const proofs = new Map<number, Promise<Uint8Array[]>>();
  const proof: ConsistencyProofFn = (old) => {
    let p = proofs.get(old);
    if (!p) proofs.set(old, (p = Promise.resolve().then(() => opts.consistencyProof(old))));
    return p;
  };
  const results = await Promise.all(
    clients.map((c) =>
      c.cosign({
        checkpoint: opts.checkpoint,
        consistencyProof: proof,
        ...(opts.oldSize !== undefined ? { oldSize: opts.oldSize } : {}),
      }),
    ),
  );
  const fresh: NoteSignature[] = [];
  const cosigned: string[] = [];
  for (const r of results)
    if (r.ok) {
      fresh.push(...r.cosignatures);
      cosigned.push(r.witness);
    }
  return {
    checkpoint: withSignatures(opts.checkpoint, fresh),
    quorum: opts.quorum,
    cosigned,
    count: cosigned.length,
    quorumMet: cosigned.length >= opts.quorum,
    results,
  };
}

/** Appends signature lines to a note, replacing any earlier line of the same key (name and key ID). */
export function withSignatures(note: string, sigs: NoteSignature[]): string {
  if (sigs.length === 0) return note;
  const n = parseNote(note);
  const same = (a: NoteSignature, b: NoteSignature) =>
    a.name === b.name && bytesEqual(a.keyId, b.keyId);
  const kept = n.signatures.filter((s) => !sigs.some((f) => same(f, s)));
  return formatNote(n.text, [...kept, ...sigs]);
}

export interface WitnessingOptions {
  witnesses: readonly WitnessConfig[];
  quorum: number;
  fetch?: FetchLike;
  timeoutMs?: number;
}

/** The board's witnessing of one or more logs, with a client per witness kept across checkpoints. */
export class Witnessing {
  readonly clients: WitnessClient[];
  readonly quorum: number;

  constructor(opts: WitnessingOptions) {
    if (
      !Number.isSafeInteger(opts.quorum) ||
      opts.quorum < 0 ||
      opts.quorum > opts.witnesses.length
    )
      throw new WitnessingError(
        "BAD_WITNESS_CONFIG",
        `quorum ${opts.quorum} with ${opts.witnesses.length} witness(es)`,
      );
    const names = new Set<string>();
    const clientOpts = {
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    };
    this.clients = opts.witnesses.map((w) => {
      const c = new WitnessClient(w, clientOpts);
      if (names.has(c.name))
        throw new WitnessingError("BAD_WITNESS_CONFIG", `two witnesses named ${c.name}`);
      names.add(c.name);
      return c;
    });
    this.quorum = opts.quorum;
  }

  /** Witnesses the checkpoint (see collectCosignatures). */
  cosign(
    checkpoint: string,
    consistencyProof: ConsistencyProofFn,
    oldSize?: number,
  ): Promise<CollectResult> {
    return collectCosignatures({
      witnesses: this.clients,
      quorum: this.quorum,
      checkpoint,
      consistencyProof,
      ...(oldSize !== undefined ? { oldSize } : {}),
    });
  }
}

/**
 * Parses the board CLI's `--witness URL=VKEY`. The split is at the first "=" after which a valid
 * vkey follows (URLs may contain "=", vkeys end in base64).
 */
export function parseWitnessFlag(value: string): WitnessConfig {
  for (let i = value.indexOf("="); i > 0; i = value.indexOf("=", i + 1)) {
    const cfg = { url: value.slice(0, i), vkey: value.slice(i + 1) };
    try {
      new WitnessClient(cfg);
      return cfg;
    } catch {
      // try the next "="
    }
  }
  throw new WitnessingError(
    "BAD_WITNESS_CONFIG",
    `--witness must be URL=VKEY (a cosignature/v1 vkey): ${value}`,
  );
}
