/**
 * Worker thread of the board's running tally (tally-sum.ts): keeps one TallyAccumulator per
 * running tally and adds (or, under the `last` revote policy, subtracts) the selection
 * ciphertexts of ballots as the board sequences them, so that the point decoding happens off the
 * HTTP loop and before the `tally` entry arrives.
 *
 * Messages in: `{ t: "init", key, manifest }`, `{ t: "ops", key, id, add, sub }`,
 * `{ t: "final", key, id }`, `{ t: "drop", key }`. Answers: `{ id, ok: true, ballots?, contests? }`
 * or `{ id, ok: false, error }`. A ballot that fails to decode breaks its tally: every later
 * answer for that key is an error, and the board recomputes the sum from its log instead.
 */
import { parentPort } from "node:worker_threads";
import type { Manifest } from "@urna/schemas";
import { TallyAccumulator, type EncodedBallot } from "@urna/verifier";

if (!parentPort) throw new Error("tally-worker must run in a worker thread");
const port = parentPort;

interface Running {
  acc?: TallyAccumulator;
  broken?: string;
}
const tallies = new Map<number, Running>();

type Msg =
  | { t: "init"; key: number; manifest: Manifest }
  | { t: "ops"; key: number; id: number; add: EncodedBallot[]; sub: EncodedBallot[] }
  | { t: "final"; key: number; id: number }
  | { t: "drop"; key: number };

port.on("message", (m: Msg) => {
  if (m.t === "init") {
    tallies.set(m.key, { acc: new TallyAccumulator(m.manifest) });
    return;
  }
  if (m.t === "drop") {
    tallies.delete(m.key);
    return;
  }
  const r = tallies.get(m.key);
  const fail = (error: string) => port.postMessage({ id: m.id, ok: false, error });
  if (!r?.acc) return fail(`no running tally ${m.key}`);
  if (r.broken !== undefined) return fail(r.broken);
  try {
    if (m.t === "ops") {
      for (const b of m.add) r.acc.addEncoded(b);
      for (const b of m.sub) r.acc.subtractEncoded(b);
      port.postMessage({ id: m.id, ok: true });
    } else port.postMessage({ id: m.id, ok: true, ...r.acc.toBody() });
  } catch (e) {
    r.broken = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    fail(r.broken);
  }
});
