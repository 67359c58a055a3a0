/**
 * The one admission of a write (spec/api.md §Writes), whichever HTTP path carried it: express
 * (routes/writes.ts) or the plain node:http fast path (routes/fast-write.ts). In order: the
 * body's size limit (the transport stops reading past bodyLimit and passes OVERSIZE); the board
 * is not shutting down; JSON, schema and canonical leaf (entry-body.ts); the election named by
 * the path; then the election's write path (Election.submit / submitBulk: state precheck, the
 * signature and crypto checks in the worker pool, queued for sequencing, durable, witnessed;
 * for a voter's entry whose body carries a standby's valid `Urna-Verified` tag, verified-tag.ts,
 * without the signature and crypto checks, which the standby did).
 * Returns the status and body to answer; a refusal is thrown (an ApiError, or a failure that
 * error-answer.ts maps to one), and nothing was written.
 */
import type { AnyEntry } from "@urna/schemas";
import { type BoardContext, type Created, electionNamed } from "./context.js";
import type { AppendResponse, BulkItem, Election } from "./election.js";
import {
  MAX_BODY_BYTES,
  MAX_BULK_BYTES,
  entryFromJson,
  parseBulkBody,
  parseEntryBody,
} from "./entry-body.js";
import { ApiError } from "./errors.js";
import { toApiError } from "./error-answer.js";
import { isBallotType } from "./tracking-index.js";
import { isVerifiedTag } from "./verified-tag.js";

/** `POST /elections` (a manifest), `POST /elections/<id>/entries`, `POST /elections/<id>/bulk`. */
export type WriteRoute = "create" | "entries" | "bulk";

/** The body of a request the transport stopped reading at its route's bodyLimit. */
export const OVERSIZE: unique symbol = Symbol("oversize");

export interface WriteRequest {
  route: WriteRoute;
  /** The election named by the path (entries, bulk). */
  election?: string;
  /** The client's address (create: the per-address creation rate). */
  address?: string | undefined;
  /** The body's bytes as received (any other value is an empty body), or OVERSIZE. */
  body: unknown;
  /** The `Urna-Verified` header as received (verified-tag.ts), if any. */
  verified?: unknown;
}

/** Body of a bulk response: one result per entry, in request order. */
export interface BulkResponse {
  results: Array<
    | ({ status: 201 } & AppendResponse)
    | { status: number; error: { code: string; message: string; path?: string } }
  >;
}

export type Admitted =
  { status: 201; body: AppendResponse | Created } | { status: 200; body: BulkResponse };

/** The most body bytes a route reads. */
export const bodyLimit = (route: WriteRoute): number =>
  route === "bulk" ? MAX_BULK_BYTES : MAX_BODY_BYTES;

/** The refusal of a body over its route's limit. */
export const tooLarge = (route: WriteRoute): ApiError =>
  new ApiError(
    route === "bulk" ? "BULK_TOO_LARGE" : "ENTRY_TOO_LARGE",
    `the body exceeds ${bodyLimit(route)} bytes`,
  );

/** Admits one write request: the status and body of its answer, or throws its refusal. */
export async function admit(ctx: BoardContext, req: WriteRequest): Promise<Admitted> {
  if (req.body === OVERSIZE) throw tooLarge(req.route);
  if (ctx.isClosing()) throw new ApiError("SHUTTING_DOWN", "the board is shutting down");
  switch (req.route) {
    case "create":
      return { status: 201, body: await create(ctx, req.body, req.address) };
    case "entries": {
      const { entry, leaf } = parseEntryBody(req.body);
      const e = electionNamed(ctx, req.election);
      checkTarget(e.id, entry);
      const onTag = isBallotType(entry.type) && tagged(ctx, req);
      ctx.admissions[onTag ? "onTag" : "inFull"]++;
      return { status: 201, body: await e.submit(entry, leaf, onTag) };
    }
    case "bulk": {
      const values = parseBulkBody(req.body);
      const e = electionNamed(ctx, req.election);
      return { status: 200, body: await submitBulk(ctx, e, values, tagged(ctx, req)) };
    }
  }
}

/** `POST /elections`: a manifest, from an authority (or address) allowed to create elections. */
async function create(
  ctx: BoardContext,
  body: unknown,
  address: string | undefined,
): Promise<Created> {
  const { entry, leaf } = parseEntryBody(body);
  if (entry.type !== "manifest")
    throw new ApiError(
      "WRONG_PHASE",
      `POST /elections takes a manifest; post ${entry.type} to /elections/${entry.election}/entries`,
    );
  ctx.admitCreation(entry.signer, address);
  if (ctx.elections.has(entry.election))
    throw new ApiError("ELECTION_EXISTS", `election ${entry.election} already exists`);
  return ctx.createElection(entry, leaf);
}

/**
 * Whether the request carries a standby's valid tag for its exact body (verified-tag.ts). Only
 * then may the election skip the entries' signature and proof checks (spec/api.md, Checked by
 * the standby); without it, or with a wrong one, everything is checked here.
 */
function tagged(ctx: BoardContext, req: WriteRequest): boolean {
  return (
    req.verified !== undefined &&
    req.route !== "create" &&
    req.election !== undefined &&
    req.body instanceof Uint8Array &&
    isVerifiedTag(ctx.verifiedTagKey, req.verified, req.route, req.election, req.body)
  );
}

/**
 * Appends a bulk request's entries to `e` and returns the response body (one result per item).
 * A valid tag counts only when every item is a voter's entry that parses (a standby tags
 * nothing else: spec/api.md, Checked by the standby).
 */
async function submitBulk(
  ctx: BoardContext,
  e: Election,
  values: unknown[],
  tag: boolean,
): Promise<BulkResponse> {
  const items: BulkItem[] = values.map((v) => {
    try {
      const { entry, leaf } = entryFromJson(v);
      checkTarget(e.id, entry);
      return { entry, leaf };
    } catch (err) {
      return toApiError(err);
    }
  });
  const onTag = tag && items.every((i) => !(i instanceof ApiError) && isBallotType(i.entry.type));
  ctx.admissions[onTag ? "onTag" : "inFull"] += items.length;
  const outcomes = await e.submitBulk(items, onTag);
  return {
    results: outcomes.map((o) =>
      o instanceof ApiError ? { status: o.status, ...o.toJSON() } : { status: 201, ...o },
    ),
  };
}

/** An entry posted to election `id` must be for it, and not a manifest. */
export function checkTarget(id: string, entry: AnyEntry): void {
  if (entry.election !== id)
    throw new ApiError(
      "ELECTION_MISMATCH",
      `the entry is for election ${JSON.stringify(entry.election)}, not ${JSON.stringify(id)}`,
      "/election",
    );
  if (entry.type === "manifest")
    throw new ApiError("ELECTION_EXISTS", `election ${id} already has its manifest`);
}
