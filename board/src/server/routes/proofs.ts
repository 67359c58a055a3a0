/**
 * The proof routes of spec/api.md: inclusion and consistency proofs of the log, and what a
 * voter's device checks a ballot with: the receipt of a tracking code, and the credential lookup
 * (receipt-lookup.ts).
 */
import { Router } from "express";
import type { AnyEntry } from "@urna/schemas";
import { LogError, bytesEqual, parseTrackingCode, toBase64, toHex } from "@urna/verifier";
import type { BoardContext } from "../context.js";
import { ApiError } from "../errors.js";
import { credentialLookup, receiptLookup } from "../receipt-lookup.js";
import { IMMUTABLE, SHORT, electionOf, intParam, readError } from "./common.js";

export function proofRoutes(ctx: BoardContext): Router {
  const r = Router();

  r.get("/elections/:id/proof/inclusion", async (req, res) => {
    const e = electionOf(ctx, req);
    const size = intParam(req.query.size, "size", e.published.size);
    const index = intParam(req.query.index, "index");
    if (size > e.published.size) throw new ApiError("NOT_FOUND", `no tree of size ${size} yet`);
    if (index >= size)
      throw new ApiError("NOT_FOUND", `index ${index} is not in a tree of size ${size}`);
    try {
      const [proof, leafHash] = await Promise.all([
        e.reader.inclusionProof(index, size),
        e.reader.leafHashAt(index),
      ]);
      // Immutable only when the URL fixes the tree: without `size` the answer follows the log.
      res.setHeader("Cache-Control", req.query.size !== undefined ? IMMUTABLE : SHORT);
      res.json({ index, size, leafHash: toBase64(leafHash), proof: proof.map(toBase64) });
    } catch (err) {
      readError(err);
    }
  });

  r.get("/elections/:id/proof/consistency", async (req, res) => {
    const e = electionOf(ctx, req);
    const from = intParam(req.query.from, "from");
    const to = intParam(req.query.to, "to", e.published.size);
    if (from > to) throw new ApiError("BAD_REQUEST", "from must not exceed to");
    if (to > e.published.size) throw new ApiError("NOT_FOUND", `no tree of size ${to} yet`);
    try {
      const proof = await e.reader.consistencyProof(from, to);
      res.setHeader("Cache-Control", req.query.to !== undefined ? IMMUTABLE : SHORT);
      res.json({ from, to, proof: proof.map(toBase64) });
    } catch (err) {
      readError(err);
    }
  });

  r.get("/elections/:id/receipts/:code", receiptLookup(ctx));
  r.get("/elections/:id/credentials/:key", credentialLookup(ctx));
  return r;
}
