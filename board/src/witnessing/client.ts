/**
 * The board's client of one C2SP tlog-witness: sends `add-checkpoint` (old size, consistency
 * proof, the signed checkpoint), follows a 409 by retrying from the witness's size with a fresh
 * proof, and keeps only cosignature lines that verify under the witness's configured vkey.
 */
import {
  type CosignerVerifier,
  type NoteSignature,
  SIG_TYPE_COSIGNATURE_V1,
  bytesEqual,
  cosignatureMessage,
  parseCheckpoint,
  parseDecimal,
  parseNote,
  parseSignatureLine,
  parseTimestampedSignature,
  parseVkey,
  toBase64,
} from "@urna/verifier";
import { verifyEd25519Fast } from "../server/ed25519-fast.js";

export interface WitnessConfig {
  /** The witness's submission prefix, e.g. "https://witness.example.org" (…/add-checkpoint). */
  url: string;
  /** Its cosigner vkey (cosignature/v1, type 0x04). */
  vkey: string;
}

export interface FetchResponseLike {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}
export type FetchLike = (
  url: string,
  init: { method: string; body: string; headers: Record<string, string>; signal?: AbortSignal },
) => Promise<FetchResponseLike>;

export interface WitnessClientOptions {
  fetch?: FetchLike;
  /** Per request (default 5,000 ms). */
  timeoutMs?: number;
}

/** A consistency proof from `oldSize` to the checkpoint's size (never asked for 0 or for the size itself). */
export type ConsistencyProofFn = (oldSize: number) => Promise<Uint8Array[]> | Uint8Array[];

export type AddCheckpointResult =
  | { status: 200; cosignatures: NoteSignature[] }
  | { status: 409; size: number }
  | { status: number; error: string };

export type CosignOutcome =
  | {
      ok: true;
      witness: string;
      url: string;
      cosignatures: NoteSignature[];
      /** The old size the accepted request carried. */
      oldSize: number;
      attempts: number;
    }
  | { ok: false; witness: string; url: string; status?: number; error: string; attempts: number };

export class WitnessingError extends Error {
  readonly code: "BAD_WITNESS_CONFIG" | "BAD_CHECKPOINT";
  constructor(code: "BAD_WITNESS_CONFIG" | "BAD_CHECKPOINT", message: string) {
    super(`${code}: ${message}`);
    this.name = "WitnessingError";
    this.code = code;
  }
}

const defaultFetch: FetchLike = (url, init) => globalThis.fetch(url, init);

export function formatAddCheckpointBody(
  oldSize: number,
  proof: Uint8Array[],
  checkpoint: string,
): string {
  return `old ${oldSize}\n${proof.map((h) => toBase64(h) + "\n").join("")}\n${checkpoint}`;
}

export class WitnessClient {
  readonly url: string;
  readonly name: string;
  readonly vkey: string;
  readonly verifier: CosignerVerifier;
  readonly #fetch: FetchLike;
  readonly #timeoutMs: number;
  /** The size this witness last cosigned, per origin, as far as this client knows. */
  readonly #known = new Map<string, number>();

  constructor(cfg: WitnessConfig, opts: WitnessClientOptions = {}) {
    if (!/^https?:\/\/[^\s]+$/.test(cfg.url))
      throw new WitnessingError("BAD_WITNESS_CONFIG", `witness URL must be http(s): ${cfg.url}`);
    let v;
    try {
      v = parseVkey(cfg.vkey);
    } catch (e) {
      throw new WitnessingError(
        "BAD_WITNESS_CONFIG",
        `witness vkey ${cfg.vkey}: ${(e as Error).message}`,
      );
    }
    if (v.type !== SIG_TYPE_COSIGNATURE_V1)
      throw new WitnessingError(
        "BAD_WITNESS_CONFIG",
        `witness vkey ${v.name} is not a cosignature/v1 (0x04) key`,
      );
    this.url = cfg.url.replace(/\/+$/, "");
    this.name = v.name;
    this.vkey = cfg.vkey;
    this.verifier = v as CosignerVerifier;
    this.#fetch = opts.fetch ?? defaultFetch;
    this.#timeoutMs = opts.timeoutMs ?? 5_000;
  }

  knownSize(origin: string): number | undefined {
    return this.#known.get(origin);
  }

  /** One add-checkpoint request. Network errors and timeouts are `{ status: 0, error }`. */
  async addCheckpoint(
    checkpoint: string,
    oldSize: number,
    proof: Uint8Array[],
  ): Promise<AddCheckpointResult> {
    let res: FetchResponseLike;
    let body: string;
    try {
      res = await this.#fetch(`${this.url}/add-checkpoint`, {
        method: "POST",
        body: formatAddCheckpointBody(oldSize, proof, checkpoint),
        headers: { "content-type": "text/plain; charset=utf-8" },
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      body = await res.text();
    } catch (e) {
      return { status: 0, error: `cannot reach ${this.url}: ${(e as Error).message}` };
    }
    if (res.status === 409) {
      const size = body.endsWith("\n") ? parseDecimal(body.slice(0, -1)) : undefined;
      if (size === undefined) return { status: 409, error: "409 without a text/x.tlog.size body" };
      return { status: 409, size };
    }
    if (res.status !== 200)
      return { status: res.status, error: body.trim().slice(0, 300) || `HTTP ${res.status}` };
    const n = parseNote(checkpoint);
    const sigs: NoteSignature[] = [];
    for (const line of body.split("\n")) {
      if (!line) continue;
      let s: NoteSignature;
      try {
        s = parseSignatureLine(line);
      } catch {
        continue;
      }
      if (s.name !== this.name || !bytesEqual(s.keyId, this.verifier.keyId)) continue; // unknown key: ignored
      if (!verifiesFast(this.verifier.publicKey, n.text, s.signature))
        return { status: 200, error: "the witness returned a cosignature that does not verify" };
      sigs.push(s);
    }
    if (sigs.length === 0)
      return { status: 200, error: "no cosignature by the configured witness key" };
    return { status: 200, cosignatures: sigs };
  }

  /**
   * Gets this witness's cosignature on `checkpoint`: starts from the size it is known to have
   * cosigned (else `oldSize`, default 0) and, on 409, retries from the witness's size with a
   * fresh proof (at most `maxAttempts` requests, default 3).
   */
  async cosign(opts: {
    checkpoint: string;
    oldSize?: number;
    consistencyProof: ConsistencyProofFn;
    maxAttempts?: number;
  }): Promise<CosignOutcome> {
    const base = { witness: this.name, url: this.url };
    let origin: string;
    let size: number;
    try {
      const cp = parseCheckpoint(parseNote(opts.checkpoint).text);
      origin = cp.origin;
      size = cp.size;
    } catch (e) {
      throw new WitnessingError("BAD_CHECKPOINT", (e as Error).message);
    }
    const known = this.#known.get(origin);
    let old = known !== undefined && known <= size ? known : (opts.oldSize ?? 0);
    if (old > size) old = 0;
    const max = opts.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      let proof: Uint8Array[];
      try {
        proof = old === 0 || old === size ? [] : await opts.consistencyProof(old);
      } catch (e) {
        return {
          ok: false,
          ...base,
          error: `no consistency proof from ${old} to ${size}: ${(e as Error).message}`,
          attempts: attempt,
        };
      }
      const r = await this.addCheckpoint(opts.checkpoint, old, proof);
      if ("cosignatures" in r) {
        this.#known.set(origin, size);
        return { ok: true, ...base, cosignatures: r.cosignatures, oldSize: old, attempts: attempt };
      }
      if ("size" in r) {
        this.#known.set(origin, r.size);
        if (r.size > size)
          return {
            ok: false,
            ...base,
            status: 409,
            error: `the witness has cosigned size ${r.size}, larger than ${size}: the log is behind what it signed before`,
            attempts: attempt,
          };
        if (r.size === old || attempt >= max)
          return {
            ok: false,
            ...base,
            status: 409,
            error: `the witness is at size ${r.size}`,
            attempts: attempt,
          };
        old = r.size;
        continue;
      }
      return { ok: false, ...base, status: r.status, error: r.error, attempts: attempt };
    }
  }
}

/**
 * cosignature/v1 verification with OpenSSL (ed25519-fast.ts: the same strict decision as the
 * verifier's portable check, about ten times faster): the board checks every witness's line on
 * its main thread for every checkpoint.
 */
function verifiesFast(publicKey: Uint8Array, body: string, sig: Uint8Array): boolean {
  let t: { timestamp: number; signature: Uint8Array };
  try {
    t = parseTimestampedSignature(sig);
  } catch {
    return false;
  }
  return verifyEd25519Fast(t.signature, cosignatureMessage(body, t.timestamp), publicKey);
}
