/**
 * HTTP client of the board's API (spec/api.md), for the election actors and tests. Uses the
 * platform `fetch`; every non-2xx answer becomes a BoardApiError with the API's stable code.
 */
import type { AnyEntry, Entry } from "@urna/schemas";

export class BoardApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly path?: string;
  constructor(status: number, code: string, message: string, path?: string) {
    super(`${code}: ${message}`);
    this.name = "BoardApiError";
    this.status = status;
    this.code = code;
    if (path !== undefined) this.path = path;
  }
}

/**
 * The board could not be reached at all (refused, unknown host, reset before an answer): no
 * HTTP answer, so nothing is known to be written; the message names the URL.
 */
export class BoardUnreachableError extends Error {
  readonly code = "BOARD_UNREACHABLE" as const;
  readonly url: string;
  constructor(url: string, cause: unknown) {
    const c = cause as { cause?: { code?: string; message?: string }; message?: string };
    const why = c.cause?.code ?? c.cause?.message ?? c.message ?? String(cause);
    super(`cannot reach the board at ${url} (${why})`);
    this.name = "BoardUnreachableError";
    this.url = url;
  }
}

export interface AppendResult {
  index: number;
  trackingCode: string;
  checkpoint: string;
  receipt?: ReceiptJson;
}

/** One entry's outcome in a bulk request: its append result, or its refusal. */
export type BulkResult =
  | ({ status: 201 } & AppendResult)
  | { status: number; error: { code: string; message: string; path?: string } };

/** The refusal of a bulk result as the error the single route's client would have thrown. */
export function bulkError(r: BulkResult): BoardApiError | undefined {
  return "error" in r
    ? new BoardApiError(r.status, r.error.code, r.error.message, r.error.path)
    : undefined;
}

export interface ReceiptJson {
  version: 1;
  election: string;
  origin: string;
  index: number;
  trackingCode: string;
  /** The human tracking code the voter sees (spec/record.md §Receipt). */
  humanCode?: string;
  entryType: "ballot" | "ballot.challenged";
  proof: string;
  entry?: Entry;
}

export interface ElectionStatus {
  id: string;
  phase: string;
  size: number;
  root: string;
  counts: {
    credentials: number;
    ballots: number;
    challenged: number;
    certified: number;
    shares: number;
  };
  origin?: string;
  vkey?: string;
}

export interface BoardInfo {
  name: string;
  vkey: string;
  version: string;
}

export class BoardClient {
  readonly baseUrl: string;
  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  async #request(method: string, path: string, body?: string): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers: body !== undefined ? { "content-type": "application/json" } : undefined,
        body,
      });
    } catch (e) {
      throw new BoardUnreachableError(this.baseUrl, e);
    }
    if (res.ok) return res;
    let code = `HTTP_${res.status}`;
    let message = res.statusText;
    let p: string | undefined;
    try {
      const j = (await res.json()) as {
        error?: { code?: string; message?: string; path?: string };
      };
      if (j.error?.code) code = j.error.code;
      if (j.error?.message) message = j.error.message;
      p = j.error?.path;
    } catch {
      /* not a JSON error body */
    }
    throw new BoardApiError(res.status, code, message, p);
  }

  async #json<T>(path: string): Promise<T> {
    return (await (await this.#request("GET", path)).json()) as T;
  }

  info(): Promise<BoardInfo> {
    return this.#json("/");
  }
  elections(): Promise<{ id: string; title: string; phase: string; size: number }[]> {
    return this.#json("/elections");
  }
  status(election: string): Promise<ElectionStatus> {
    return this.#json(`/elections/${encodeURIComponent(election)}/status`);
  }
  async checkpoint(election: string): Promise<string> {
    return (
      await this.#request("GET", `/elections/${encodeURIComponent(election)}/checkpoint`)
    ).text();
  }

  /** POSTs a manifest entry: creates the election. */
  async createElection(manifest: AnyEntry | Entry): Promise<AppendResult> {
    return (await (
      await this.#request("POST", "/elections", JSON.stringify(manifest))
    ).json()) as AppendResult;
  }

  /** POSTs any other entry to its election. */
  async post(entry: AnyEntry | Entry): Promise<AppendResult> {
    const path = `/elections/${encodeURIComponent(entry.election)}/entries`;
    return (await (
      await this.#request("POST", path, JSON.stringify(entry))
    ).json()) as AppendResult;
  }

  /**
   * POSTs up to 1,000 entries of one election in one request (api.md `POST /elections/<id>/bulk`):
   * one result per entry, in order, each as the single route would have answered it. Throws
   * BoardApiError when the request as a whole is refused.
   */
  async postBulk(
    election: string,
    entries: ReadonlyArray<AnyEntry | Entry>,
  ): Promise<BulkResult[]> {
    const path = `/elections/${encodeURIComponent(election)}/bulk`;
    const body = `[${entries.map((e) => JSON.stringify(e)).join(",")}]`;
    const r = (await (await this.#request("POST", path, body)).json()) as {
      results: BulkResult[];
    };
    return r.results;
  }

  /** Leaves [start, end) as raw JSON lines (at most 10,000 per call). */
  async leaves(election: string, start: number, end: number): Promise<string[]> {
    const text = await (
      await this.#request(
        "GET",
        `/elections/${encodeURIComponent(election)}/entries?start=${start}&end=${end}`,
      )
    ).text();
    return text.length === 0 ? [] : text.slice(0, -1).split("\n");
  }

  /** Every entry of the election, parsed, from `start` (paged). */
  async entries(election: string, start = 0): Promise<Entry[]> {
    const { size } = await this.status(election);
    const out: Entry[] = [];
    for (let a = start; a < size; a += 10_000) {
      for (const line of await this.leaves(election, a, Math.min(size, a + 10_000)))
        out.push(JSON.parse(line) as Entry);
    }
    return out;
  }

  async entry(election: string, index: number): Promise<Entry> {
    return this.#json(`/elections/${encodeURIComponent(election)}/entries/${index}`);
  }

  receipt(election: string, trackingCode: string): Promise<ReceiptJson> {
    return this.#json(
      `/elections/${encodeURIComponent(election)}/receipts/${encodeURIComponent(trackingCode)}`,
    );
  }

  inclusionProof(
    election: string,
    index: number,
    size?: number,
  ): Promise<{ index: number; size: number; leafHash: string; proof: string[] }> {
    return this.#json(
      `/elections/${encodeURIComponent(election)}/proof/inclusion?index=${index}${size === undefined ? "" : `&size=${size}`}`,
    );
  }

  consistencyProof(
    election: string,
    from: number,
    to?: number,
  ): Promise<{ from: number; to: number; proof: string[] }> {
    return this.#json(
      `/elections/${encodeURIComponent(election)}/proof/consistency?from=${from}${to === undefined ? "" : `&to=${to}`}`,
    );
  }

  /** The record as a ustar archive. */
  async record(election: string, opts: { tiles?: boolean } = {}): Promise<Uint8Array> {
    const res = await this.#request(
      "GET",
      `/elections/${encodeURIComponent(election)}/record${opts.tiles ? "?tiles=1" : ""}`,
    );
    return new Uint8Array(await res.arrayBuffer());
  }
}
