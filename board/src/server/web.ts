/**
 * The board's public web pages (issue 8): the static files that `node board/scripts/build-web.mjs`
 * writes to board/dist/web/ (elections, live board, booth, receipt check, results), served under
 * `/web/`. The pages only call the board's own public API; they make no other request.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import express, { type NextFunction, type Request, type Response, Router } from "express";

/** board/dist/web, both from board/src/server (tests) and board/dist/server (built). */
export const WEB_DIR = fileURLToPath(new URL("../../dist/web/", import.meta.url));

/** `log`: where a page that cannot be read is reported (the board's log; default stderr). */
export function webRouter(
  dir: string = WEB_DIR,
  log: (msg: string) => void = (m) => process.stderr.write(`[urna board] ${m}\n`),
): Router {
  const r = Router();
  r.use((req, res, next) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    // The booth (vote.html) encrypts and proves with the verifier's WebAssembly backend: its page
    // alone may compile WebAssembly ('wasm-unsafe-eval' allows no JavaScript eval).
    const script = req.path === "/vote.html" ? "'self' 'wasm-unsafe-eval'" : "'self'";
    res.setHeader(
      "Content-Security-Policy",
      `default-src 'self'; script-src ${script}; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    );
    res.setHeader("Referrer-Policy", "no-referrer");
    next();
  });
  r.use(express.static(dir, { index: "index.html", maxAge: 0, redirect: true }));
  // Errors of the static files (a malformed path: 400; a file that cannot be read: 500) get the
  // API's JSON error, never express's default HTML page (which shows the install path).
  r.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    void next;
    const status = (err as { status?: unknown; statusCode?: unknown } | null)?.status;
    const s = typeof status === "number" && status >= 400 && status < 500 ? status : 500;
    if (s === 500) log(`web: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    if (res.headersSent) return void res.destroy();
    res.status(s === 404 ? 404 : s >= 500 ? 500 : 400).json({
      error:
        s === 404
          ? { code: "NOT_FOUND", message: "no such page" }
          : s >= 500
            ? { code: "INTERNAL", message: "internal error" }
            : { code: "BAD_REQUEST", message: "malformed page path" },
    });
  });
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
