/** What the route modules share: the election of a request, parameters, caching, errors, CORS. */
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { BoardLogError } from "../../log/index.js";
import { type BoardContext, electionNamed } from "../context.js";
import type { Election } from "../election.js";
import { errorAnswer } from "../error-answer.js";
import { ApiError } from "../errors.js";

export const IMMUTABLE = "public, max-age=31536000, immutable";
export const SHORT = "public, max-age=1";
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

/** The election named by the request's `:id`, or UNKNOWN_ELECTION. */
export const electionOf = (ctx: BoardContext, req: Request): Election =>
  electionNamed(ctx, req.params.id as string);

/** A decimal parameter (at most 16 digits, a safe integer), or `dflt` when absent. */
export function intParam(v: unknown, name: string, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== "string" || !DECIMAL.test(v))
    throw new ApiError("BAD_REQUEST", `${name} must be a decimal integer`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new ApiError("BAD_REQUEST", `${name} is too large`);
  return n;
}

/** Log read errors: out of range is 404, anything else propagates. */
export function readError(e: unknown): never {
  if (
    e instanceof BoardLogError &&
    (e.code === "NOT_FOUND" || e.code === "INDEX_OUT_OF_RANGE" || e.code === "SIZE_OUT_OF_RANGE")
  )
    throw new ApiError("NOT_FOUND", e.message.replace(/^[A-Z_]+: /, ""));
  throw e;
}

/** Public API: browsers (a voter's device, the receipt checker) may call it from any origin. */
export const cors: RequestHandler = (req, res, next) => {
  res.setHeader("Access-Control-Allow-Origin", "*");
  if (req.method === "OPTIONS") {
    res.setHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    res.setHeader("Access-Control-Allow-Headers", "Content-Type, Last-Event-ID");
    res.setHeader("Access-Control-Max-Age", "86400");
    res.status(204).end();
    return;
  }
  next();
};

/** Any other path: 404. */
export const noRoute: RequestHandler = (req) => {
  throw new ApiError("NOT_FOUND", `no route ${req.method} ${req.path}`);
};

/** Every failure answers its API error (error-answer.ts); a started answer is cut off. */
export function errorHandler(
  log: (msg: string) => void,
): (err: unknown, req: Request, res: Response, next: NextFunction) => void {
  return (err, _req, res, next) => {
    void next;
    const api = errorAnswer(log, err);
    if (res.headersSent) return void res.destroy();
    res.status(api.status).json(api.toJSON());
  };
}
