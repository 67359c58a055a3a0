/**
 * `--board URL` may name a live board or a published record (spec/log.md §10): the C2SP static
 * layout that a board writes to a bucket or folder (`<URL>/elections/<id>/checkpoint`,
 * `<URL>/elections/<id>/tile/...`), served by any static server or CDN. One request tells them
 * apart: a live board answers `GET <URL>/elections/<id>/status` with the election's status
 * (JSON with its id); a static server has no such object. A published record is then read as
 * tiles (tiles.ts): every entry checked against the level-0 tile hashes, the root recomputed
 * from every entry by the auditor, and the checkpoint verified; so nothing read from it is
 * trusted more than from the board itself.
 */
import { type BoardSource, type Fetch, boardSource } from "./http.js";
import { RecordError } from "./source.js";
import { type TileSource, tileSource } from "./tiles.js";

export type OpenedBoard =
  { kind: "board"; source: BoardSource } | { kind: "published"; source: TileSource };

export async function openBoardOrPublished(opts: {
  url: string;
  election: string;
  fetch?: Fetch;
}): Promise<OpenedBoard> {
  const base = `${opts.url.replace(/\/+$/, "")}/elections/${encodeURIComponent(opts.election)}`;
  const doFetch: Fetch =
    opts.fetch ?? ((url, init) => (globalThis.fetch as unknown as Fetch)(url, init));
  let live = false;
  try {
    const res = await doFetch(`${base}/status`);
    if (res.ok) {
      const text = await res.text();
      try {
        live = (JSON.parse(text) as { id?: unknown }).id === opts.election;
      } catch {
        live = false;
      }
    }
  } catch (e) {
    throw new RecordError("RECORD_UNREADABLE", `cannot reach ${base}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const f = opts.fetch ? { fetch: opts.fetch } : {};
  return live
    ? { kind: "board", source: boardSource({ url: opts.url, election: opts.election, ...f }) }
    : { kind: "published", source: tileSource({ url: base, ...f }) };
}
