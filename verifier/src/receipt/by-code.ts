/**
 * A receipt from a tracking code (spec/record.md §Receipt): the board's receipt route,
 * `GET /elections/<id>/receipts/<code>`, for a code in either form (human or full). The receipt
 * it returns is then checked like any other (R1-R5); it is against the board's current
 * checkpoint, so R3 proves nothing about the past: a receipt kept since voting does.
 */
import { toHex } from "../bytes.js";
import { LogError } from "../log/errors.js";
import { base32nopad } from "@scure/base";
import { parseTrackingCode } from "../log/tracking-code.js";
import type { Fetch } from "../record/http.js";
import { ReceiptError } from "./verify-receipt.js";

/** The board has no ballot with this tracking code in this election (HTTP 404). */
export class TrackingCodeNotFound extends Error {
  readonly code = "TRACKING_CODE_NOT_FOUND" as const;
  constructor(message: string) {
    super(message);
    this.name = "TrackingCodeNotFound";
  }
}

/** True iff `s` is a tracking code in either form (any case and separators). */
export function isTrackingCode(s: string): boolean {
  try {
    parseTrackingCode(s);
    return true;
  } catch {
    return false;
  }
}

/**
 * Fetches the board's receipt for a tracking code. Throws ReceiptError for a malformed code or
 * an unreadable answer, TrackingCodeNotFound when the board has no such ballot.
 */
export async function fetchReceiptByCode(opts: {
  url: string;
  election: string;
  code: string;
  fetch?: Fetch;
}): Promise<unknown> {
  let canonical: string;
  try {
    const p = parseTrackingCode(opts.code);
    // the canonical spelling of either form: no separators, hex lowercase, base32 uppercase
    canonical = p.full ? toHex(p.full) : base32nopad.encode(p.prefix);
  } catch (e) {
    throw new ReceiptError(e instanceof LogError ? e.message : String(e));
  }
  const url = `${opts.url.replace(/\/+$/, "")}/elections/${encodeURIComponent(opts.election)}/receipts/${canonical}`;
  const doFetch: Fetch =
    opts.fetch ?? ((u, init) => (globalThis.fetch as unknown as Fetch)(u, init));
  let res;
  try {
    res = await doFetch(url, { headers: { Accept: "application/json" } });
  } catch (e) {
    throw new ReceiptError(`cannot reach ${url}: ${(e as Error).message}`);
  }
  if (res.status === 404)
    throw new TrackingCodeNotFound(
      `the board has no ballot with tracking code ${opts.code.trim()} in election ${opts.election} (${url})`,
    );
  if (!res.ok) throw new ReceiptError(`${url} answered HTTP ${res.status}`);
  try {
    return JSON.parse(await res.text()) as unknown;
  } catch (e) {
    throw new ReceiptError(`${url} did not answer JSON: ${(e as Error).message}`);
  }
}
