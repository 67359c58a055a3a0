/**
 * The event stream, `GET /elections/<id>/events` (spec/api.md §Event stream): server-sent
 * events from `Last-Event-ID` or `after`, in the summary or full view, within the board's caps
 * on streams (feed.ts serves it).
 */
import { Router } from "express";
import type { BoardContext } from "../context.js";
import { ApiError } from "../errors.js";
import { parseFeedView, serveEvents } from "../feed.js";
import { electionOf, intParam } from "./common.js";

export function streamRoutes(ctx: BoardContext): Router {
  const r = Router();
  let streams = 0;
  let fullStreams = 0;
  r.get("/elections/:id/events", async (req, res) => {
    const e = electionOf(ctx, req);
    if (streams >= ctx.limits.connections.maxStreams) {
      res.setHeader("Retry-After", "5");
      throw new ApiError(
        "TOO_MANY_STREAMS",
        `the board serves ${streams} event streams, its limit; retry later`,
      );
    }
    const last = req.get("Last-Event-ID");
    let after = -1;
    if (last !== undefined && last !== "") after = intParam(last, "Last-Event-ID");
    else if (req.query.after !== undefined)
      after = req.query.after === "-1" ? -1 : intParam(req.query.after, "after");
    const view = parseFeedView(req.query.view);
    if (view === null) throw new ApiError("BAD_REQUEST", "view must be summary or full");
    if (view === "full" && fullStreams >= ctx.limits.connections.maxFullStreams) {
      res.setHeader("Retry-After", "5");
      throw new ApiError(
        "TOO_MANY_FULL_STREAMS",
        `the board serves ${fullStreams} full-view event streams, its limit; use the summary view, or read entries from .../entries and the tiles' entry bundles`,
      );
    }
    streams++;
    if (view === "full") fullStreams++;
    try {
      await serveEvents(
        { feed: e.feed, head: () => e.published, readEntries: (a, b) => e.reader.entries(a, b) },
        res,
        after,
        ctx.shutdown,
        ctx.limits.feed,
        view,
      );
    } finally {
      streams--;
      if (view === "full") fullStreams--;
    }
  });
  return r;
}
