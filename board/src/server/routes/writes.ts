/**
 * The write routes on express (spec/api.md §Writes): `POST /elections`, `/elections/<id>/entries`
 * and `/elections/<id>/bulk`. Each reads the body up to its limit and hands it to the one
 * admission (admission.ts), as the node:http fast path (fast-write.ts) does.
 */
import express, { type RequestHandler, Router } from "express";
import { OVERSIZE, type WriteRoute, admit, bodyLimit } from "../admission.js";
import type { BoardContext } from "../context.js";
import { VERIFIED_HEADER } from "../verified-tag.js";

export function writeRoutes(ctx: BoardContext): Router {
  const r = Router();
  const post = (path: string, route: WriteRoute): void => {
    r.post(path, readBody(route), async (req, res) => {
      const params = req.params as { id?: string };
      const a = await admit(ctx, {
        route,
        election: params.id,
        address: req.socket.remoteAddress,
        body: req.body as unknown,
        verified: req.headers[VERIFIED_HEADER],
      });
      res.status(a.status).json(a.body);
    });
  };
  post("/elections", "create");
  post("/elections/:id/entries", "entries");
  post("/elections/:id/bulk", "bulk");
  return r;
}

/** The body's bytes up to the route's limit; past it, OVERSIZE (admission refuses it first). */
function readBody(route: WriteRoute): RequestHandler {
  const raw = express.raw({ type: () => true, limit: bodyLimit(route) });
  return (req, res, next) =>
    raw(req, res, (err?: unknown) => {
      if ((err as { type?: unknown } | undefined)?.type !== "entity.too.large") return next(err);
      req.body = OVERSIZE;
      next();
    });
}
