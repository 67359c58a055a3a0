/**
 * `GET /elections/<id>/credentials/<key hex>` (spec/api.md §Credential lookup): what a voter's
 * receipt check needs to decide whether a ballot counts (spec/verification.md R5), without
 * downloading the log. Everything is proven against one signed checkpoint, the one returned:
 * the manifest (entry 0), `voting.open` and `voting.close` when on the log, and every `ballot`
 * signed by the credential, each as its exact leaf text with its RFC 9162 inclusion proof at
 * that checkpoint's size.
 */
import type { Request, RequestHandler, Response } from "express";
import { toBase64, type CredentialLookup, type ProvenEntry } from "@urna/verifier";
import { BoardLogError } from "../log/index.js";
import { type BoardContext, electionNamed } from "./context.js";
import type { Election } from "./election.js";
import { ApiError } from "./errors.js";

const KEY_HEX = /^[0-9a-f]{64}$/;

export function credentialLookup(ctx: BoardContext): RequestHandler {
  return async (req: Request, res: Response) => {
    const e = electionNamed(ctx, req.params.id as string);
    const hex = String(req.params.key).toLowerCase();
    if (!KEY_HEX.test(hex))
      throw new ApiError("BAD_REQUEST", "the credential key must be 64 hex digits (32 bytes)");
    const key = toBase64(Uint8Array.from(Buffer.from(hex, "hex")));
    // One published tree for the whole answer: the state may already hold sequenced entries
    // that are not in it yet, so every index is bounded by its size.
    const { size, checkpoint } = e.published;
    const inTree = (i: number | undefined): i is number => i !== undefined && i < size;
    try {
      const body: CredentialLookup = {
        size,
        checkpoint,
        credential: key,
        manifest: await proven(e, 0, size),
        open: inTree(e.state.openIndex) ? await proven(e, e.state.openIndex, size) : null,
        close: inTree(e.state.closeIndex) ? await proven(e, e.state.closeIndex, size) : null,
        ballots: await Promise.all(
          e.state
            .ballotsOfCredential(key)
            .filter(inTree)
            .map((i) => proven(e, i, size)),
        ),
      };
      res.setHeader("Cache-Control", "no-cache");
      res.json(body);
    } catch (err) {
      if (err instanceof BoardLogError && err.code === "NOT_FOUND")
        throw new ApiError("NOT_FOUND", err.message);
      throw err;
    }
  };
}

async function proven(e: Election, index: number, size: number): Promise<ProvenEntry> {
  const [leaf, proof] = await Promise.all([
    e.reader.entry(index),
    e.reader.inclusionProof(index, size),
  ]);
  return {
    index,
    leaf: new TextDecoder().decode(leaf),
    proof: proof.map(toBase64),
  };
}
