/**
 * The write routes `POST /elections/<id>/entries` and `/bulk` on plain node:http, without
 * express: express's routing and body parsing cost more CPU per request than everything else
 * the board does for a small entry. The body goes to the same admission (admission.ts) and its
 * answer or error out with the same status, body and headers as on express (writes.ts), which
 * still serves every request this does not take: other paths, a query string, percent-encoded
 * or differently cased paths, compressed bodies.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { admit, bodyLimit } from "../admission.js";
import type { BoardContext } from "../context.js";
import { errorAnswer } from "../error-answer.js";
import { VERIFIED_HEADER } from "../verified-tag.js";
import { readWriteBody, writeTarget } from "../write-request.js";

/** The handler, which returns false for a request that is not for it. */
export function fastEntryRoute(
  ctx: BoardContext,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const target = writeTarget(req);
    if (!target) return false;
    const { route, election } = target;
    void readWriteBody(req, bodyLimit(route)).then(
      (body) =>
        admit(ctx, { route, election, body, verified: req.headers[VERIFIED_HEADER] }).then(
          (a) => sendJson(res, a.status, a.body),
          (err: unknown) => {
            const api = errorAnswer(ctx.log, err);
            if (res.headersSent) return void res.destroy();
            sendJson(res, api.status, api.toJSON());
          },
        ),
      () => res.destroy(),
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
