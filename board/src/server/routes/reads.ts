/**
 * The read routes of spec/api.md §Reads: the board's info, the elections, an election's status,
 * its signed checkpoint, tiles and entry bundles, entries one by one or by range, and the record
 * archive.
 */
import { Router } from "express";
import { parseTilePath, toBase64 } from "@urna/verifier";
import type { BoardContext } from "../context.js";
import { ApiError } from "../errors.js";
import { serveRecord } from "../record.js";
import { VERSION } from "../version.js";
import { IMMUTABLE, SHORT, electionOf, intParam, readError } from "./common.js";
import { RecordCache } from "./record-cache.js";

/** Most leaves one `entries?start&end` request returns. */
export const MAX_RANGE = 10_000;

const NL = Buffer.from("\n");

export function readRoutes(ctx: BoardContext): Router {
  const r = Router();
  const records = new RecordCache();

  // A browser (Accept prefers text/html over JSON) gets the public site; API clients (JSON, */*
  // or no Accept) get the board's info as before (spec/api.md §Reads).
  r.get("/", (req, res) => {
    res.setHeader("Vary", "Accept");
    if (req.accepts(["application/json", "text/html"]) === "text/html")
      return void res.redirect(302, "web/");
    res.json({ name: ctx.name, vkey: ctx.vkey, version: VERSION, publicKey: ctx.publicKey });
  });

  r.get("/elections", (_req, res) => {
    res.setHeader("Cache-Control", "no-cache");
    res.json(
      [...ctx.elections.values()].map((e) => ({
        id: e.id,
        title: e.state.manifest.title,
        phase: e.state.phase,
        size: e.published.size,
      })),
    );
  });

  r.get("/elections/:id/status", (req, res) => {
    const e = electionOf(ctx, req);
    const head = e.reader.head();
    const published = ctx.publishStatus(e.id);
    res.setHeader("Cache-Control", "no-cache");
    res.json({
      id: e.id,
      phase: e.state.phase,
      size: head.size,
      root: toBase64(head.root),
      counts: e.state.counts(),
      turnout: e.state.turnout(),
      ...(e.witnessingRecord ? { witnessing: e.witnessingRecord.toJSON() } : {}),
      origin: e.origin,
      vkey: ctx.electionVkey(e.id),
      ...(e.seq.failure ? { readOnly: e.seq.failure.code } : {}),
      ...(e.seq.degraded !== undefined && !e.seq.failure ? { retrying: "STORAGE_RETRYING" } : {}),
      ...(published ? { published } : {}),
    });
  });

  r.get("/elections/:id/checkpoint", (req, res) => {
    const e = electionOf(ctx, req);
    res.setHeader("Content-Type", "text/plain; charset=utf-8");
    res.setHeader("Cache-Control", "no-cache");
    res.send(e.published.checkpoint);
  });

  r.get("/elections/:id/tile/*path", async (req, res) => {
    const e = electionOf(ctx, req);
    const rest = (req.params as unknown as { path: string[] }).path;
    let p;
    try {
      p = parseTilePath(`tile/${rest.join("/")}`);
    } catch (err) {
      throw new ApiError("BAD_REQUEST", err instanceof Error ? err.message : String(err));
    }
    let bytes: Uint8Array;
    try {
      bytes =
        p.kind === "tile"
          ? await e.reader.tile(p.level, p.index, p.width)
          : await e.reader.entryBundle(p.index, p.width);
    } catch (err) {
      readError(err);
    }
    res.setHeader("Content-Type", "application/octet-stream");
    res.setHeader("Cache-Control", p.width === 256 ? IMMUTABLE : SHORT);
    res.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });

  r.get("/elections/:id/entries/:index", async (req, res) => {
    const e = electionOf(ctx, req);
    const index = intParam(req.params.index, "index");
    if (index >= e.published.size) throw new ApiError("NOT_FOUND", `no entry ${index}`);
    let leaf: Uint8Array;
    try {
      leaf = await e.reader.entry(index);
    } catch (err) {
      readError(err);
    }
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.setHeader("Cache-Control", IMMUTABLE);
    res.send(Buffer.from(leaf.buffer, leaf.byteOffset, leaf.byteLength));
  });

  r.get("/elections/:id/entries", async (req, res) => {
    const e = electionOf(ctx, req);
    const size = e.published.size;
    const start = intParam(req.query.start, "start", 0);
    const asked = intParam(req.query.end, "end", start + MAX_RANGE);
    if (asked < start) throw new ApiError("BAD_REQUEST", "end is before start");
    if (asked - start > MAX_RANGE)
      throw new ApiError("BAD_REQUEST", `at most ${MAX_RANGE} entries per request`);
    const end = Math.min(size, asked);
    if (start > size)
      throw new ApiError("NOT_FOUND", `start ${start} is beyond the log's size ${size}`);
    res.setHeader("Content-Type", "application/x-ndjson");
    res.setHeader("Cache-Control", end === size ? "no-cache" : IMMUTABLE);
    for (let a = start; a < end; a += 256) {
      let leaves: Uint8Array[];
      try {
        leaves = await e.reader.entries(a, Math.min(end, a + 256));
      } catch (err) {
        if (res.headersSent) return void res.destroy(err as Error);
        readError(err);
      }
      const parts: Buffer[] = [];
      for (const l of leaves) parts.push(Buffer.from(l.buffer, l.byteOffset, l.byteLength), NL);
      if (!res.write(Buffer.concat(parts))) await new Promise((ok) => res.once("drain", ok));
    }
    res.end();
  });

  r.get("/elections/:id/record", async (req, res) => {
    const e = electionOf(ctx, req);
    const tiles = req.query.tiles === "1" || req.query.tiles === "true";
    await serveRecord(res, e, tiles, await records.get(e, tiles));
  });
  return r;
}
