/**
 * The board's public web pages (issue 8): the static files that `node board/scripts/build-web.mjs`
 * writes to board/dist/web/ (elections, live board, receipt check, results), served under
 * `/web/`. The pages only call the board's own public API; they make no other request.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import express, { Router } from "express";

/** board/dist/web, both from board/src/server (tests) and board/dist/server (built). */
export const WEB_DIR = fileURLToPath(new URL("../../dist/web/", import.meta.url));

export function webRouter(dir: string = WEB_DIR): Router {
  const r = Router();
  r.use((_req, res, next) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader(
      "Content-Security-Policy",
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    res.setHeader("Referrer-Policy", "no-referrer");
    next();
  });
  r.use(express.static(dir, { index: "index.html", maxAge: 0, redirect: true }));
  r.use((_req, res) => {
    res.status(404).json({
      error: {
        code: "NOT_FOUND",
        message: existsSync(dir)
          ? "no such page"
          : "the web pages are not built: run `node board/scripts/build-web.mjs`",
      },
    });
  });
  return r;
}
