/**
 * A board's (or a CDN's static export's) C2SP tlog-tiles as a record source, isomorphic
 * (fetch): entries come from entry bundles, each checked against the level-0 tile hashes by the
 * log module's TileReader, 256 at a time with the next bundle fetched ahead. The auditor still
 * recomputes the root from every entry (V1); the tiles only make reads cacheable and cheap.
 */
import { parseCheckpoint } from "../log/checkpoint.js";
import { parseNote } from "../log/note.js";
import { TILE_WIDTH, TileReader, entryBundlePath, tilePath } from "../log/tiles.js";
import type { Fetch, FetchResponse } from "./http.js";
import { RecordError, type RecordSource, checkRange } from "./source.js";

export interface TileSourceOptions {
  /** Base URL under which `checkpoint` and `tile/` live, e.g. "https://board/elections/<id>"
   *  or a static export's folder URL. */
  url: string;
  fetch?: Fetch;
}

export interface TileSource extends RecordSource {
  size(): Promise<number>;
}

export function tileSource(opts: TileSourceOptions): TileSource {
  const base = opts.url.replace(/\/+$/, "");
  const doFetch: Fetch =
    opts.fetch ?? ((url, init) => (globalThis.fetch as unknown as Fetch)(url, init));
  let checkpoint: Promise<string> | undefined;

  async function get(path: string): Promise<FetchResponse> {
    let res: FetchResponse;
    try {
      res = await doFetch(`${base}/${path}`);
    } catch (e) {
      throw new RecordError(
        "RECORD_UNREADABLE",
        `cannot reach ${base}/${path}: ${(e as Error).message}`,
        { cause: e },
      );
    }
    if (!res.ok) throw new RecordError("HTTP_ERROR", `GET ${base}/${path}: HTTP ${res.status}`);
    return res;
  }
  const bytes = async (path: string) => new Uint8Array(await (await get(path)).arrayBuffer());

  const source: TileSource = {
    description: `tiles ${base}`,
    checkpoint() {
      checkpoint ??= get("checkpoint")
        .then((r) => r.text())
        .catch((e: unknown) => {
          checkpoint = undefined;
          throw e;
        });
      return checkpoint;
    },
    async size() {
      try {
        return parseCheckpoint(parseNote(await source.checkpoint()).text).size;
      } catch (e) {
        if (e instanceof RecordError) throw e;
        throw new RecordError(
          "RECORD_UNREADABLE",
          `the checkpoint does not parse: ${(e as Error).message}`,
          { cause: e },
        );
      }
    },
    async *leaves(start = 0, end?: number) {
      const size = await source.size();
      const last = Math.min(end ?? Infinity, size);
      checkRange(start, Math.max(start, last));
      // A fresh reader per bundle: its tile cache then stays one tile, not the whole log.
      const chunk = (s: number) =>
        new TileReader(size, (l, i, w) => bytes(tilePath(l, i, w === TILE_WIDTH ? undefined : w)), {
          fetchEntryBundle: (i, w) => bytes(entryBundlePath(i, w === TILE_WIDTH ? undefined : w)),
        }).entries(s, Math.min(last, (Math.floor(s / TILE_WIDTH) + 1) * TILE_WIDTH));
      let next = start < last ? chunk(start) : undefined;
      for (let s = start; s < last;) {
        const got = await (next as Promise<Uint8Array[]>);
        const e = Math.min(last, (Math.floor(s / TILE_WIDTH) + 1) * TILE_WIDTH);
        next = e < last ? chunk(e) : undefined;
        next?.catch(() => undefined);
        for (const leaf of got) yield leaf;
        s = e;
      }
    },
  };
  return source;
}
