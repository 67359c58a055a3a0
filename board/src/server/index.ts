/** The bulletin board service (spec/api.md). */
export { createBoard, type Board, type BoardOptions } from "./board.js";
export { ApiError, STATUS, type ApiErrorCode } from "./errors.js";
export { DEFAULT_FEED_LIMITS, type FeedLimits, type FeedStats } from "./feed.js";
export {
  defaultMaxConnections,
  resolveLimits,
  type BoardLimitOptions,
  type BoardLimits,
  type ConnectionLimits,
} from "./limits.js";
export type { AppendResponse, Receipt } from "./election.js";
export { MAX_BODY_BYTES, MAX_RANGE, parseEntryBody } from "./routes.js";
export { ustarStream, type TarFile, type TarSource } from "./ustar.js";
