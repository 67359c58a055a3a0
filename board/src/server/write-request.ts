/**
 * A write request as the node:http paths take it (the fast write route, routes/fast-write.ts,
 * and a standby's own checks, standby.ts): the exact path of `POST /elections/<id>/entries` or
 * `/bulk` with an identity body, and the body read up to its route's limit. Anything else is left
 * to express (a board) or forwarded as it is (a standby).
 */
import type { IncomingMessage } from "node:http";
import { OVERSIZE, type WriteRoute } from "./admission.js";

/** The exact path of the write routes these paths take. */
const ENTRIES_PATH = /^\/elections\/([a-z0-9][a-z0-9-]{0,63})\/(entries|bulk)$/;

/** The route and election of a POST to an entries or bulk path with an identity body, if it is one. */
export function writeTarget(
  req: IncomingMessage,
): { route: Exclude<WriteRoute, "create">; election: string } | undefined {
  if (req.method !== "POST") return undefined;
  const m = ENTRIES_PATH.exec(req.url ?? "");
  if (!m) return undefined;
  const enc = req.headers["content-encoding"];
  if (enc !== undefined && enc.toLowerCase() !== "identity") return undefined;
  return { route: m[2] === "bulk" ? "bulk" : "entries", election: m[1] };
}

/**
 * The request's body up to `limit` bytes; past it (declared or sent), OVERSIZE, holding nothing
 * of it. Rejects when the request fails.
 */
export function readWriteBody(
  req: IncomingMessage,
  limit: number,
): Promise<Uint8Array | typeof OVERSIZE> {
  return new Promise((resolve, reject) => {
    const declared = req.headers["content-length"];
    if (declared !== undefined && Number(declared) > limit) {
      req.resume();
      return resolve(OVERSIZE);
    }
    const chunks: Buffer[] = [];
    let length = 0;
    let over = false;
    req.on("data", (c: Buffer) => {
      if (over) return;
      length += c.length;
      if (length > limit) {
        over = true;
        chunks.length = 0;
      } else chunks.push(c);
    });
    req.on("error", reject);
    req.on("end", () =>
      resolve(over ? OVERSIZE : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length)),
    );
  });
}
