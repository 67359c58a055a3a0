/**
 * A live board as a record source (spec/api.md), isomorphic (fetch). The checkpoint is fetched
 * once; leaves come from `GET /elections/<id>/entries?start&end` pages (ndjson, at most 10,000
 * per request), the next page requested while the current one is consumed. Reads never go past
 * the cached checkpoint's size, so every pass sees the same tree even while the board grows.
 */
import { fromBase64 } from "../bytes.js";
import { parseCheckpoint } from "../log/checkpoint.js";
import { parseNote } from "../log/note.js";
import { RecordError, type RecordSource, checkRange, splitLines } from "./source.js";

export type Fetch = (
  url: string,
  init?: { headers?: Record<string, string> },
) => Promise<FetchResponse>;
export interface FetchResponse {
  ok: boolean;
  status: number;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface BoardSourceOptions {
  /** The board's base URL, e.g. "https://urna.ine.mx". */
  url: string;
  election: string;
  /** Leaves per request (the board serves at most 10,000). */
  pageSize?: number;
  fetch?: Fetch;
}

export interface BoardSource extends RecordSource {
  readonly base: string;
  /** The checkpoint's size (fetches the checkpoint if needed). */
  size(): Promise<number>;
}

export const MAX_PAGE = 10_000;

export function boardSource(opts: BoardSourceOptions): BoardSource {
  const base = opts.url.replace(/\/+$/, "") + `/elections/${encodeURIComponent(opts.election)}`;
  const doFetch: Fetch =
    opts.fetch ?? ((url, init) => (globalThis.fetch as unknown as Fetch)(url, init));
  const pageSize = Math.max(1, Math.min(opts.pageSize ?? MAX_PAGE, MAX_PAGE));
  let checkpoint: Promise<string> | undefined;

  async function get(path: string): Promise<FetchResponse> {
    let res: FetchResponse;
    try {
      res = await doFetch(base + path);
    } catch (e) {
      throw new RecordError(
        "RECORD_UNREADABLE",
        `cannot reach ${base + path}: ${(e as Error).message}`,
        { cause: e },
      );
    }
    if (!res.ok) {
      let detail = "";
      try {
        detail = (await res.text()).slice(0, 300);
      } catch {
        /* ignore */
      }
      throw new RecordError(
        "HTTP_ERROR",
        `GET ${base + path}: HTTP ${res.status} ${detail}`.trim(),
      );
    }
    return res;
  }
  const bytes = async (path: string) => new Uint8Array(await (await get(path)).arrayBuffer());
  const json = async <T>(path: string): Promise<T> => {
    const text = await (await get(path)).text();
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new RecordError("RECORD_UNREADABLE", `GET ${base + path}: not JSON`, { cause: e });
    }
  };

  const source: BoardSource = {
    base,
    description: `board ${base}`,
    checkpoint() {
      checkpoint ??= get("/checkpoint")
        .then((r) => r.text())
        .catch((e: unknown) => {
          checkpoint = undefined;
          throw e;
        });
      return checkpoint;
    },
    async size() {
      const text = await source.checkpoint();
      try {
        return parseCheckpoint(parseNote(text).text).size;
      } catch (e) {
        throw new RecordError(
          "RECORD_UNREADABLE",
          `the board's checkpoint does not parse: ${(e as Error).message}`,
          { cause: e },
        );
      }
    },
    async *leaves(start = 0, end?: number) {
      const last = Math.min(end ?? Infinity, await source.size());
      checkRange(start, Math.max(start, last));
      const page = (s: number) => bytes(`/entries?start=${s}&end=${Math.min(s + pageSize, last)}`);
      let next = start < last ? page(start) : undefined;
      for (let s = start; s < last; s += pageSize) {
        const body = await (next as Promise<Uint8Array>);
        next = s + pageSize < last ? page(s + pageSize) : undefined;
        next?.catch(() => undefined); // surfaced when awaited
        const want = Math.min(s + pageSize, last) - s;
        let got = 0;
        for await (const line of splitLines(once(body))) {
          if (got === want)
            throw new RecordError("SHORT_READ", `entries?start=${s}: more than ${want} leaves`);
          got++;
          yield line;
        }
        if (got !== want)
          throw new RecordError(
            "SHORT_READ",
            `entries?start=${s}: ${got} leaves, expected ${want}`,
          );
      }
    },
    leaf: (index: number) => bytes(`/entries/${index}`),
    async inclusionProof(index: number, size: number) {
      const r = await json<{ proof?: unknown }>(`/proof/inclusion?index=${index}&size=${size}`);
      return decodeProof(r.proof);
    },
    async consistencyProof(from: number, to: number) {
      const r = await json<{ proof?: unknown }>(`/proof/consistency?from=${from}&to=${to}`);
      return decodeProof(r.proof);
    },
  };
  return source;
}

async function* once(b: Uint8Array): AsyncGenerator<Uint8Array> {
  yield b;
}

function decodeProof(p: unknown): Uint8Array[] {
  if (!Array.isArray(p) || p.length > 64 || !p.every((h) => typeof h === "string"))
    throw new RecordError("RECORD_UNREADABLE", "the board's proof is not a list of base64 hashes");
  try {
    return (p as string[]).map(fromBase64);
  } catch (e) {
    throw new RecordError("RECORD_UNREADABLE", "the board's proof is not valid base64", {
      cause: e,
    });
  }
}
