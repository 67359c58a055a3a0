/**
 * A C2SP tlog-witness (isomorphic core): decides every `add-checkpoint` request and produces
 * Ed25519 cosignature/v1 (c2sp.org/tlog-cosignature) lines. It cosigns a checkpoint only if it
 * carries a valid signature of a log it knows (the log is identified by its origin, which is the
 * log key's name) and is consistent, by the request's consistency proof, with the last
 * checkpoint it cosigned for that log. The check of the old size and the update of the stored
 * checkpoint are atomic per log (requests to one log are serialised), and the new state is
 * durable (WitnessStore.save) before the cosignature is returned.
 *
 * HTTP mapping (spec/witness.md): 400 malformed, 404 unknown log, 403 no valid log signature,
 * 400 old size > checkpoint size, 409 old size is not the last cosigned size (body: that size,
 * text/x.tlog.size), 422 bad proof / wrong empty root / same size with another root, 200 the
 * cosignature line(s).
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesEqual, fromBase64, fromUtf8, toBase64, toHex, utf8 } from "../bytes.js";
import { type Checkpoint, parseCheckpoint } from "../log/checkpoint.js";
import type { Cosigner } from "../log/cosignature.js";
import { LogError } from "../log/errors.js";
import { emptyRoot } from "../log/merkle-hash.js";
import { verifyAppendOnly } from "../log/merkle.js";
import {
  type Note,
  type NoteSignature,
  type NoteVerifier,
  SIG_TYPE_ED25519,
  formatNote,
  parseNote,
  parseVkey,
} from "../log/note.js";
import {
  type AddCheckpointRequest,
  MAX_REQUEST_BYTES,
  SIZE_CONTENT_TYPE,
  type WitnessErrorCode,
  formatCosignatureResponse,
  formatSizeBody,
  parseAddCheckpointRequest,
} from "./protocol.js";

/** What a witness remembers per log: the latest checkpoint it cosigned. */
export interface WitnessLogState {
  origin: string;
  size: number;
  /** base64 root hash. */
  root: string;
  /** The cosignature timestamp (POSIX seconds). */
  timestamp: number;
  /** The checkpoint with the log signature(s) the witness verified and its own cosignature. */
  checkpoint: string;
}

/** Durable per-log state. `save` must not return before the state is durable. */
export interface WitnessStore {
  load(origin: string): Promise<WitnessLogState | undefined>;
  save(state: WitnessLogState): Promise<void>;
  /**
   * Optional: keeps a refused request whose checkpoint the log did sign (422), next to the
   * checkpoint the witness had cosigned: possible evidence of a fork (tlog-witness MAY).
   */
  saveEvidence?(origin: string, evidence: WitnessEvidence): Promise<void>;
}

export interface WitnessEvidence {
  reason: string;
  /** The checkpoint the witness had cosigned (with its cosignature). */
  cosigned?: string;
  /** The refused request body (old size, proof, the log-signed checkpoint). */
  request: string;
  at: string;
}

export class MemoryWitnessStore implements WitnessStore {
  readonly #logs = new Map<string, WitnessLogState>();
  async load(origin: string): Promise<WitnessLogState | undefined> {
    const s = this.#logs.get(origin);
    return s && { ...s };
  }
  async save(state: WitnessLogState): Promise<void> {
    this.#logs.set(state.origin, { ...state });
  }
}

export interface WitnessResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type WitnessEvent =
  | { type: "cosigned"; origin: string; size: number; oldSize: number; timestamp: number }
  | {
      type: "refused";
      status: number;
      code: WitnessErrorCode;
      message: string;
      origin?: string;
      size?: number;
    };

export type AddCheckpointOutcome =
  | {
      ok: true;
      origin: string;
      oldSize: number;
      checkpoint: Checkpoint;
      cosignatures: NoteSignature[];
      timestamp: number;
    }
  | {
      ok: false;
      status: number;
      code: WitnessErrorCode;
      message: string;
      size?: number;
      origin?: string;
    };

export interface WitnessOptions {
  cosigner: Cosigner;
  /** The logs it witnesses: vkeys (strings) or verifiers; the key name is the log's origin. */
  logs: (string | NoteVerifier)[];
  store: WitnessStore;
  /** Milliseconds since the epoch (default Date.now). */
  now?: () => number;
  onEvent?: (e: WitnessEvent) => void;
}

const TEXT = "text/plain; charset=utf-8";

/** Lowercase hex SHA-256 of an origin: the monitoring path `/<origin hash>/checkpoint`. */
export const originHash = (origin: string): string => toHex(sha256(utf8(origin)));

export class Witness {
  readonly cosigner: Cosigner;
  readonly #logs = new Map<string, NoteVerifier[]>();
  readonly #byHash = new Map<string, string>();
  readonly #store: WitnessStore;
  readonly #now: () => number;
  readonly #onEvent: (e: WitnessEvent) => void;
  /** Per-origin queue: the check of the old size and the save are one critical section. */
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(opts: WitnessOptions) {
    this.cosigner = opts.cosigner;
    this.#store = opts.store;
    this.#now = opts.now ?? Date.now;
    this.#onEvent = opts.onEvent ?? (() => {});
    for (const l of opts.logs) {
      const v = typeof l === "string" ? parseVkey(l) : l;
      if (v.type !== undefined && v.type !== SIG_TYPE_ED25519)
        throw new LogError("BAD_VKEY", `log key ${v.name} is not an Ed25519 (type 0x01) note key`);
      const list = this.#logs.get(v.name) ?? [];
      list.push(v);
      this.#logs.set(v.name, list);
      this.#byHash.set(originHash(v.name), v.name);
    }
  }

  get vkey(): string {
    return this.cosigner.vkey;
  }

  /** Origins of the logs it witnesses. */
  get origins(): string[] {
    return [...this.#logs.keys()];
  }

  /** The latest cosigned state of a log, if any. */
  latest(origin: string): Promise<WitnessLogState | undefined> {
    return this.#store.load(origin);
  }

  /** Decides one add-checkpoint request body. Never throws (storage failures are 500). */
  async addCheckpoint(body: string | Uint8Array): Promise<AddCheckpointOutcome> {
    const out = await this.#decide(body);
    if (out.ok)
      this.#onEvent({
        type: "cosigned",
        origin: out.origin,
        size: out.checkpoint.size,
        oldSize: out.oldSize,
        timestamp: out.timestamp,
      });
    else
      this.#onEvent({
        type: "refused",
        status: out.status,
        code: out.code,
        message: out.message,
        ...(out.origin !== undefined ? { origin: out.origin } : {}),
        ...(out.size !== undefined ? { size: out.size } : {}),
      });
    return out;
  }

  async #decide(input: string | Uint8Array): Promise<AddCheckpointOutcome> {
    const fail = (
      status: number,
      code: WitnessErrorCode,
      message: string,
      extra: { size?: number; origin?: string } = {},
    ): AddCheckpointOutcome => ({ ok: false, status, code, message, ...extra });

    // ---- 400: framing, the note, the checkpoint body
    let body: string;
    if (typeof input === "string") body = input;
    else {
      if (input.length > MAX_REQUEST_BYTES)
        return fail(413, "TOO_LARGE", `request larger than ${MAX_REQUEST_BYTES} bytes`);
      try {
        body = fromUtf8(input);
      } catch {
        return fail(400, "MALFORMED_REQUEST", "request body is not UTF-8");
      }
    }
    if (body.length > MAX_REQUEST_BYTES)
      return fail(413, "TOO_LARGE", `request larger than ${MAX_REQUEST_BYTES} bytes`);
    let req: AddCheckpointRequest;
    let note: Note;
    let cp: Checkpoint;
    try {
      req = parseAddCheckpointRequest(body);
      note = parseNote(req.checkpoint);
      cp = parseCheckpoint(note.text);
    } catch (e) {
      return fail(400, "MALFORMED_REQUEST", message(e));
    }
    const origin = cp.origin;

    // ---- 404: unknown log; 403: no valid signature by its key
    const keys = this.#logs.get(origin);
    if (!keys) return fail(404, "UNKNOWN_LOG", `unknown log ${origin}`, { origin });
    const msg = utf8(note.text);
    const logSigs: NoteSignature[] = [];
    for (const s of note.signatures) {
      const k = keys.find((k) => k.name === s.name && bytesEqual(k.keyId, s.keyId));
      if (!k) continue;
      if (!k.verify(msg, s.signature))
        return fail(403, "BAD_SIGNATURE", `the signature of ${origin}'s key does not verify`, {
          origin,
        });
      logSigs.push(s);
    }
    if (logSigs.length === 0)
      return fail(403, "BAD_SIGNATURE", `no signature by ${origin}'s key`, { origin });

    // ---- 400: old size beyond the checkpoint
    if (req.oldSize > cp.size)
      return fail(
        400,
        "MALFORMED_REQUEST",
        `old size ${req.oldSize} > checkpoint size ${cp.size}`,
        {
          origin,
        },
      );

    return this.#locked(origin, async () => {
      let last: WitnessLogState | undefined;
      try {
        last = await this.#store.load(origin);
      } catch (e) {
        return fail(500, "STORAGE_FAILED", `cannot read the state of ${origin}: ${message(e)}`, {
          origin,
        });
      }
      const lastSize = last?.size ?? 0;
      // ---- 409: not the size it last cosigned
      if (req.oldSize !== lastSize)
        return fail(
          409,
          "OLD_SIZE_MISMATCH",
          `old size ${req.oldSize}, the latest cosigned size is ${lastSize}`,
          { size: lastSize, origin },
        );
      // ---- 422: empty tree root, consistency
      if (cp.size === 0 && !bytesEqual(cp.root, emptyRoot()))
        return fail(422, "INCONSISTENT", "a checkpoint of size 0 must have the empty tree's root", {
          origin,
        });
      const lastRoot = last ? fromBase64(last.root) : emptyRoot();
      try {
        verifyAppendOnly(lastSize, cp.size, req.proof, lastRoot, cp.root);
      } catch (e) {
        const reason = `not consistent with the cosigned size ${lastSize}: ${message(e)}`;
        await this.#store
          .saveEvidence?.(origin, {
            reason,
            request: body,
            at: new Date(this.#now()).toISOString(),
            ...(last ? { cosigned: last.checkpoint } : {}),
          })
          .catch(() => {});
        return fail(422, "INCONSISTENT", reason, { origin });
      }
      // ---- cosign, persist, answer
      const timestamp = Math.max(Math.floor(this.#now() / 1000), last?.timestamp ?? 0, 1);
      const cosig = this.cosigner.cosign(note.text, timestamp);
      const state: WitnessLogState = {
        origin,
        size: cp.size,
        root: toBase64(cp.root),
        timestamp,
        checkpoint: formatNote(note.text, [...logSigs, cosig]),
      };
      try {
        await this.#store.save(state);
      } catch (e) {
        return fail(500, "STORAGE_FAILED", `cannot save the state of ${origin}: ${message(e)}`, {
          origin,
        });
      }
      return {
        ok: true,
        origin,
        oldSize: req.oldSize,
        checkpoint: cp,
        cosignatures: [cosig],
        timestamp,
      };
    });
  }

  async #locked<T>(origin: string, f: () => Promise<T>): Promise<T> {
    const prev = this.#locks.get(origin) ?? Promise.resolve();
    const run = prev.then(f, f);
    const tail = run.catch(() => {});
    this.#locks.set(origin, tail);
    try {
      return await run;
    } finally {
      if (this.#locks.get(origin) === tail) this.#locks.delete(origin);
    }
  }

  /**
   * Routes an HTTP request (path relative to the witness's prefix): `POST /add-checkpoint`
   * and `GET /<origin hash>/checkpoint` (the tlog-witness monitoring API).
   */
  async handle(method: string, path: string, body: string | Uint8Array): Promise<WitnessResponse> {
    const p = path.split("?")[0];
    if (p === "/add-checkpoint") {
      if (method !== "POST") return methodNotAllowed("POST");
      return outcomeToResponse(await this.addCheckpoint(body));
    }
    const m = /^\/([0-9a-f]{64})\/checkpoint$/.exec(p);
    if (m) {
      if (method !== "GET" && method !== "HEAD") return methodNotAllowed("GET, HEAD");
      const origin = this.#byHash.get(m[1]);
      const s =
        origin === undefined ? undefined : await this.#store.load(origin).catch(() => undefined);
      if (!s) return text(404, "no checkpoint cosigned for this log\n");
      return {
        status: 200,
        headers: { "content-type": TEXT, "cache-control": "no-cache" },
        body: s.checkpoint,
      };
    }
    if (p === "/" && (method === "GET" || method === "HEAD"))
      return text(200, `urna witness ${this.cosigner.name}\n${this.vkey}\n`);
    return text(404, "not found\n");
  }
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

const text = (status: number, body: string): WitnessResponse => ({
  status,
  headers: { "content-type": TEXT },
  body,
});

const methodNotAllowed = (allow: string): WitnessResponse => ({
  status: 405,
  headers: { "content-type": TEXT, allow },
  body: "method not allowed\n",
});

/** The HTTP response of an add-checkpoint outcome, per tlog-witness. */
export function outcomeToResponse(o: AddCheckpointOutcome): WitnessResponse {
  if (o.ok) return text(200, formatCosignatureResponse(o.cosignatures));
  if (o.status === 409 && o.size !== undefined)
    return {
      status: 409,
      headers: { "content-type": SIZE_CONTENT_TYPE },
      body: formatSizeBody(o.size),
    };
  return text(o.status, `${o.code}: ${o.message}\n`);
}
