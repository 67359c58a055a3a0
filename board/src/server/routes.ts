/**
 * The HTTP API of spec/api.md, mounted in one router: writes (routes/writes.ts, and the
 * node:http fast path routes/fast-write.ts, both through admission.ts), reads (routes/reads.ts),
 * proofs (routes/proofs.ts) and the event stream (routes/stream.ts); then 404 and the one error
 * answer (error-answer.ts).
 */
import { Router } from "express";
import type { BoardContext } from "./context.js";
import { cors, errorHandler, noRoute } from "./routes/common.js";
import { proofRoutes } from "./routes/proofs.js";
import { readRoutes } from "./routes/reads.js";
import { streamRoutes } from "./routes/stream.js";
import { writeRoutes } from "./routes/writes.js";

export { type BulkResponse } from "./admission.js";
export {
  MAX_BODY_BYTES,
  MAX_BULK_BYTES,
  MAX_BULK_ENTRIES,
  MAX_ENTRY_BYTES,
  parseBulkBody,
  parseEntryBody,
} from "./entry-body.js";
export { toApiError } from "./error-answer.js";
export { fastEntryRoute } from "./routes/fast-write.js";
export { MAX_RANGE } from "./routes/reads.js";
export { RECORD_CACHE_BYTES, RECORD_CACHE_ENTRY_BYTES } from "./routes/record-cache.js";

export function routes(ctx: BoardContext): Router {
  const r = Router();
  r.use(cors);
  r.use(readRoutes(ctx));
  r.use(writeRoutes(ctx));
  r.use(proofRoutes(ctx));
  r.use(streamRoutes(ctx));
  r.use(noRoute);
  r.use(errorHandler(ctx.log));
  return r;
}
