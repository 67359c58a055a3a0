/**
 * The receipt and credential lookups a standby answers itself, from PostgreSQL (standby.ts;
 * spec/api.md, Several boards on one database): as of the checkpoint committed in the database,
 * with the sequencer's bodies and proofs (receipt-lookup.ts), so a voter's receipt check keeps
 * working while no board sequences (a takeover, a crashed sequencer). Only answers it can give
 * in full are given here; anything else (an unknown election, a malformed key or code, a code
 * with no ballot as of that checkpoint) is left to the caller, which forwards it, so that errors
 * are the sequencer's own.
 */
import type { LogReader } from "../log/reader.js";
import { ApiError } from "./errors.js";
import {
  type LookupView,
  credentialAnswer,
  credentialKey,
  receiptAnswer,
  trackingCodeParam,
} from "./receipt-lookup.js";
import { ElectionReplay } from "./prewarm.js";

const ELECTION = "([a-z0-9][a-z0-9-]{0,63})";
const CREDENTIAL = new RegExp(`^/elections/${ELECTION}/credentials/([^/]+)$`);
const RECEIPT = new RegExp(`^/elections/${ELECTION}/receipts/([^/]+)$`);

/**
 * The body of a lookup at `path` (a receipt with its entry, or a credential lookup), or
 * undefined when this is not a lookup or the standby cannot answer it in full.
 */
export async function serveLookup(
  path: string,
  origin: (id: string) => string,
  readerAt: (id: string) => Promise<LogReader | undefined>,
  replayed: Map<string, ElectionReplay>,
): Promise<object | undefined> {
  const c = CREDENTIAL.exec(path);
  const t = c ? undefined : RECEIPT.exec(path);
  const m = c ?? t;
  if (!m) return undefined;
  let param: string;
  try {
    param = decodeURIComponent(m[2]);
  } catch {
    return undefined;
  }
  const id = m[1];
  let key: string | undefined;
  let code: ReturnType<typeof trackingCodeParam> | undefined;
  try {
    if (c) key = credentialKey(param);
    else code = trackingCodeParam(param);
  } catch (e) {
    if (e instanceof ApiError) return undefined;
    throw e;
  }
  const r = await readerAt(id);
  if (!r) return undefined;
  let e = replayed.get(id);
  if (!e) replayed.set(id, (e = new ElectionReplay()));
  const { state, tracking } = await e.at(r);
  const view: LookupView = {
    id,
    origin: origin(id),
    reader: r,
    state,
    tracking,
    size: r.size,
    checkpoint: r.checkpoint(),
  };
  if (key !== undefined) return credentialAnswer(view, key);
  return receiptAnswer(view, code!);
}
