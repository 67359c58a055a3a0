/**
 * Tally, decryption-share and result bodies cover a set of contests (protocol.md §6.8-6.10);
 * a large election splits them over several entries to stay under the 65,535-byte leaf limit.
 */
import { canonicalBytes } from "@urna/schemas";

/** Canonical body size to stay under, leaving room for the envelope (type, election, signer, signature). */
export const ENTRY_BUDGET = 60_000;

/** Groups contests, in order, into as few bodies as keep each under the entry budget. */
export function splitByContest<C, B>(contests: readonly C[], make: (cs: C[]) => B): B[] {
  const out: B[] = [];
  let cur: C[] = [];
  for (const c of contests) {
    const next = [...cur, c];
    if (cur.length > 0 && canonicalBytes(make(next)).length > ENTRY_BUDGET) {
      out.push(make(cur));
      cur = [c];
    } else cur = next;
  }
  if (cur.length > 0) out.push(make(cur));
  return out;
}
