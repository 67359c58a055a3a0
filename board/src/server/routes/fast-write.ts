/**
 * The write routes `POST /elections/<id>/entries` and `/bulk` on plain node:http, without
 * express: express's routing and body parsing cost more CPU per request than everything else
 * the board does for a small entry. The body goes to the same admission (admission.ts) and its
 * answer or error out with the same status, body and headers as on express (writes.ts), which
 * still serves every request this does not take: other paths, a query string, percent-encoded
 * or differently cased paths, compressed bodies.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { OVERSIZE, type WriteRoute, admit, bodyLimit } from "../admission.js";
import type { BoardContext } from "../context.js";
import { errorAnswer } from "../error-answer.js";
import { VERIFIED_HEADER } from "../verified-tag.js";

/** The exact path of the write routes the fast path takes; anything else goes through express. */
const ENTRIES_PATH = /^\/elections\/([a-z0-9][a-z0-9-]{0,63})\/(entries|bulk)$/;

/** The handler, which returns false for a request that is not for it. */
export function fastEntryRoute(
  ctx: BoardContext,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== "POST") return false;
    const m = ENTRIES_PATH.exec(req.url ?? "");
    if (!m) return false;
    const enc = req.headers["content-encoding"];
    if (enc !== undefined && enc.toLowerCase() !== "identity") return false;
    const route: WriteRoute = m[2] === "bulk" ? "bulk" : "entries";
    const answer = (body: Uint8Array | typeof OVERSIZE): void =>
      void admit(ctx, { route, election: m[1], body, verified: req.headers[VERIFIED_HEADER] }).then(
        (a) => sendJson(res, a.status, a.body),
        (err: unknown) => {
          const api = errorAnswer(ctx.log, err);
          if (res.headersSent) return void res.destroy();
          sendJson(res, api.status, api.toJSON());
        },
      );
    const limit = bodyLimit(route);
    const declared = req.headers["content-length"];
    if (declared !== undefined && Number(declared) > limit) {
      req.resume();
      answer(OVERSIZE);
      return true;
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
    req.on("error", () => res.destroy());
    req.on("end", () =>
      answer(over ? OVERSIZE : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length)),
    );
    return true;
  };
}

/** What express's `res.status(s).json(body)` sends, with the CORS header of every API answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Access-Control-Allow-Origin": "*",
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}
