/**
 * Any failure of a request -> its API error (spec/api.md §Errors), the same on every HTTP path:
 * refusals keep their code; the body parser's errors, a log that cannot be read or written, a
 * machine out of descriptors or disk are mapped to theirs; anything else is INTERNAL, whose
 * details go to the board's log and never into the answer.
 */
import { BoardLogError, isTransientResourceError } from "../log/index.js";
import { MAX_BODY_BYTES } from "./entry-body.js";
import { ApiError, logUnavailableMessage } from "./errors.js";

interface HttpError {
  type?: string;
  status?: number;
  statusCode?: number;
  message?: string;
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const h = err as HttpError;
  if (h && typeof h === "object" && typeof h.type === "string") {
    if (h.type === "entity.too.large")
      return new ApiError("ENTRY_TOO_LARGE", `the body exceeds ${MAX_BODY_BYTES} bytes`);
    if (h.type === "entity.parse.failed") return new ApiError("BAD_JSON", "the body is not JSON");
    return new ApiError("BAD_REQUEST", h.message ?? "bad request");
  }
  const status = h?.status ?? h?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500)
    return new ApiError("BAD_REQUEST", h.message ?? "bad request");
  if (err instanceof BoardLogError) {
    if (
      err.code === "NOT_FOUND" ||
      err.code === "INDEX_OUT_OF_RANGE" ||
      err.code === "SIZE_OUT_OF_RANGE"
    )
      return new ApiError("NOT_FOUND", err.message.replace(/^[A-Z_]+: /, ""));
    return new ApiError("LOG_UNAVAILABLE", logUnavailableMessage(err.code, false));
  }
  // Out of descriptors or disk space anywhere (a file the request needed): retry later.
  if (isTransientResourceError(err))
    return new ApiError("LOG_UNAVAILABLE", logUnavailableMessage("RESOURCES_EXHAUSTED", false));
  // The database itself (abstract-level's ModuleError: LEVEL_DATABASE_NOT_OPEN, LEVEL_IO_ERROR, ...)
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code.startsWith("LEVEL_"))
    return new ApiError("LOG_UNAVAILABLE", logUnavailableMessage(code, false));
  return new ApiError("INTERNAL", "internal error");
}

/** The API error answering `err`; the details of a 5xx its answer leaves out go to `log`. */
export function errorAnswer(log: (msg: string) => void, err: unknown): ApiError {
  const api = toApiError(err);
  if (api.status >= 500 && !(err instanceof ApiError))
    log(`${api.code}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return api;
}
