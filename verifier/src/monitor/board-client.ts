/**
 * The monitor's reads of a board (spec/api.md), isomorphic (fetch): the checkpoint, consistency
 * and inclusion proofs, and entry ranges. Nothing here is trusted: the monitor checks every
 * answer against signed checkpoints. Transport failures are `BoardReadError`s (transient: the
 * monitor retries on its next poll), never alerts.
 */
import { fromBase64 } from "../bytes.js";

export type MonitorFetch = (
  url: string,
  init?: { signal?: AbortSignal; headers?: Record<string, string> },
) => Promise<{
  ok: boolean;
  status: number;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}>;

export type BoardReadErrorCode = "BOARD_UNREACHABLE" | "BOARD_HTTP_ERROR" | "BOARD_MALFORMED";

export class BoardReadError extends Error {
  readonly code: BoardReadErrorCode;
  /** The HTTP status of a BOARD_HTTP_ERROR. */
  readonly status?: number;
  /** The start of the response body of a BOARD_HTTP_ERROR. */
  readonly body?: string;
  constructor(
    code: BoardReadErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number; body?: string },
  ) {
    super(message, options);
    this.name = "BoardReadError";
    this.code = code;
    if (options?.status !== undefined) this.status = options.status;
    if (options?.body !== undefined) this.body = options.body;
  }

  /**
   * The board answered, and refused (a 4xx other than 408 and 429): not a transport failure that
   * a later poll may cure, but the board's own answer.
   */
  get refused(): boolean {
    const s = this.status;
    return s !== undefined && s >= 400 && s < 500 && s !== 408 && s !== 429;
  }
}

export interface BoardClientOptions {
  /** Base URL of the board, e.g. "https://urna.ine.mx". */
  url: string;
  election: string;
  fetch?: MonitorFetch;
  /** Per request (default 30,000 ms). */
  timeoutMs?: number;
}

export class BoardClient {
  readonly base: string;
  readonly #fetch: MonitorFetch;
  readonly #timeoutMs: number;

  constructor(opts: BoardClientOptions) {
    this.base = `${opts.url.replace(/\/+$/, "")}/elections/${encodeURIComponent(opts.election)}`;
    this.#fetch =
      opts.fetch ?? ((url, init) => (globalThis.fetch as unknown as MonitorFetch)(url, init));
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
  }

  async #get(path: string) {
    const url = this.base + path;
    let res;
    try {
      res = await this.#fetch(url, { signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (e) {
      throw new BoardReadError("BOARD_UNREACHABLE", `GET ${url}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    if (!res.ok) {
      let detail = "";
      try {
        detail = (await res.text()).slice(0, 200);
      } catch {
        // ignore
      }
      throw new BoardReadError(
        "BOARD_HTTP_ERROR",
        `GET ${url}: HTTP ${res.status} ${detail}`.trim(),
        { status: res.status, body: detail },
      );
    }
    return res;
  }

  async #json(path: string): Promise<unknown> {
    const res = await this.#get(path);
    try {
      return JSON.parse(await res.text()) as unknown;
    } catch (e) {
      throw new BoardReadError("BOARD_MALFORMED", `GET ${this.base + path}: not JSON`, {
        cause: e,
      });
    }
  }

  /** The latest checkpoint note, verbatim. */
  async checkpoint(): Promise<string> {
    try {
      return await (await this.#get("/checkpoint")).text();
    } catch (e) {
      if (e instanceof BoardReadError) throw e;
      throw new BoardReadError(
        "BOARD_UNREACHABLE",
        `GET ${this.base}/checkpoint: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }

  /** `GET /proof/consistency?from&to`: the proof hashes. */
  async consistency(from: number, to: number): Promise<Uint8Array[]> {
    const j = await this.#json(`/proof/consistency?from=${from}&to=${to}`);
    return hashes(j, (o) => o.from === from && o.to === to, `consistency proof ${from}..${to}`);
  }

  /** `GET /proof/inclusion?index&size`: the proof hashes. */
  async inclusion(index: number, size: number): Promise<Uint8Array[]> {
    const j = await this.#json(`/proof/inclusion?index=${index}&size=${size}`);
    return hashes(
      j,
      (o) => o.index === index && o.size === size,
      `inclusion proof ${index}@${size}`,
    );
  }

  /** `GET /entries?start&end`: exactly the leaves start..end-1, as bytes. */
  async entries(start: number, end: number): Promise<Uint8Array[]> {
    const res = await this.#get(`/entries?start=${start}&end=${end}`);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      throw new BoardReadError(
        "BOARD_UNREACHABLE",
        `GET entries ${start}..${end}: ${(e as Error).message}`,
        { cause: e },
      );
    }
    const out: Uint8Array[] = [];
    let a = 0;
    for (let i = 0; i < bytes.length; i++)
      if (bytes[i] === 0x0a) {
        out.push(bytes.slice(a, i));
        a = i + 1;
      }
    if (a !== bytes.length || out.length !== end - start)
      throw new BoardReadError(
        "BOARD_MALFORMED",
        `GET entries ${start}..${end}: ${out.length} complete line(s), expected ${end - start}`,
      );
    return out;
  }

  /** `GET /entries/<index>`: one leaf. */
  async entry(index: number): Promise<Uint8Array> {
    const res = await this.#get(`/entries/${index}`);
    return new Uint8Array(await res.arrayBuffer());
  }
}

function hashes(
  j: unknown,
  echo: (o: Record<string, unknown>) => boolean,
  what: string,
): Uint8Array[] {
  const o = j as Record<string, unknown> | null;
  if (!o || typeof o !== "object" || !Array.isArray(o.proof) || !echo(o))
    throw new BoardReadError("BOARD_MALFORMED", `${what}: unexpected response`);
  try {
    return (o.proof as unknown[]).map((h) => fromBase64(h as string));
  } catch (e) {
    throw new BoardReadError("BOARD_MALFORMED", `${what}: a hash is not base64`, { cause: e });
  }
}
