/**
 * Who certified the result, read from a board (isomorphic: the results page in the browser and
 * the demo in Node): the election's checkpoint verified with the election's key, then each
 * `audit.attestation` with the leaf and the inclusion and consistency proofs the board serves,
 * judged by `judgeCertification`. A proof the board does not give is a reason shown, never a
 * silent drop.
 */
import type { AttestationBody, AuditorInfo, ResultBody } from "@urna/schemas";
import { fromBase64, fromUtf8 } from "../bytes.js";
import { openCheckpoint } from "../log/checkpoint.js";
import { parseVkey } from "../log/note.js";
import type { MonitorFetch } from "../monitor/board-client.js";
import { judgeCertification, type Certification } from "./certification.js";

/** A fetch as the monitor's board client takes it (the global fetch fits). */
export type FetchLike = MonitorFetch;

export interface VerifiedCheckpoint {
  size: number;
  root: Uint8Array;
}

const msg = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The board's current checkpoint of `election`, verified with `vkey` and `origin`. */
export async function verifiedCheckpoint(
  base: string,
  election: string,
  vkey: string,
  origin: string,
  fetchFn: FetchLike = fetch,
): Promise<VerifiedCheckpoint> {
  const res = await fetchFn(`${base}/elections/${encodeURIComponent(election)}/checkpoint`);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const cp = openCheckpoint(await res.text(), parseVkey(vkey), { origin }).checkpoint;
  return { size: cp.size, root: cp.root };
}

export interface CertifyOptions {
  /** The board's base URL (no trailing slash). */
  base: string;
  election: string;
  auditors: readonly AuditorInfo[] | undefined;
  /** The indexes of the attestations (in the verified checkpoint). */
  indexes: readonly number[];
  /** The verified checkpoint, or why there is none. */
  checkpoint: VerifiedCheckpoint | { error: string };
  resultEnd: number;
  result: ResultBody | null;
  fetch?: FetchLike;
}

/** Judges each attestation of `indexes` against the verified checkpoint. */
export async function certifyFromBoard(o: CertifyOptions): Promise<Certification[]> {
  const f = o.fetch ?? fetch;
  const base = `${o.base}/elections/${encodeURIComponent(o.election)}`;
  const bytes = async (path: string) => {
    const res = await f(base + path);
    if (!res.ok) throw new Error(`HTTP ${res.status} for ${path}`);
    return new Uint8Array(await res.arrayBuffer());
  };
  const proof = async (path: string) => {
    const j = JSON.parse(fromUtf8(await bytes(path))) as { proof?: unknown };
    if (!Array.isArray(j.proof)) throw new Error(`no proof in the board's answer to ${path}`);
    return j.proof.map((p) => fromBase64(String(p)));
  };
  const out: Certification[] = [];
  for (const index of o.indexes) {
    const cp = o.checkpoint;
    if ("error" in cp) {
      out.push({ index, verified: false, problems: [{ code: "NOT_INCLUDED", message: cp.error }] });
      continue;
    }
    try {
      const leaf = await bytes(`/entries/${index}`);
      const inclusion = await proof(`/proof/inclusion?index=${index}&size=${cp.size}`);
      const size = attestedSize(leaf);
      // A refused consistency proof leaves the proof empty: judged, it is then NOT_CONSISTENT.
      const consistency =
        size !== undefined && size >= 1 && size < cp.size
          ? await proof(`/proof/consistency?from=${size}&to=${cp.size}`).catch(() => [])
          : [];
      out.push(
        judgeCertification({
          election: o.election,
          auditors: o.auditors,
          leaf,
          index,
          checkpoint: cp,
          inclusion,
          consistency,
          resultEnd: o.resultEnd,
          result: o.result,
        }),
      );
    } catch (e) {
      out.push({
        index,
        verified: false,
        problems: [{ code: "NOT_INCLUDED", message: `the board did not serve it: ${msg(e)}` }],
      });
    }
  }
  return out;
}

function attestedSize(leaf: Uint8Array): number | undefined {
  try {
    const s = (JSON.parse(fromUtf8(leaf)) as { body?: AttestationBody }).body?.checkpoint?.size;
    return Number.isSafeInteger(s) ? s : undefined;
  } catch {
    return undefined;
  }
}
