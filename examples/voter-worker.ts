/**
 * A worker thread of simulated voters: each encrypts its ballots with the voter library and
 * casts them over HTTP, keeping a few posts in flight while it encrypts the next ballot.
 */
import { parentPort, workerData } from "node:worker_threads";
import {
  BoardClient,
  castBallot,
  loadVotingView,
  type CastResult,
  type VoterCredential,
} from "@urna/board";
import { fromBase64 } from "@urna/verifier";

export interface VoterTask {
  id: number;
  credential: { election: string; style: string; secretKey: string; publicKey: string };
  choices: Record<string, string[]>;
  challengeFirst: boolean;
}

export interface VoterOutcome {
  id: number;
  ok: boolean;
  result?: CastResult;
  error?: string;
}

interface WorkerInput {
  url: string;
  election: string;
  tasks: VoterTask[];
  inFlight: number;
}

const { url, election, tasks, inFlight } = workerData as WorkerInput;
const client = new BoardClient(url);
const view = await loadVotingView(client, election);
const pending = new Set<Promise<void>>();

for (const t of tasks) {
  const cred: VoterCredential = { ...t.credential, secretKey: fromBase64(t.credential.secretKey) };
  const p: Promise<void> = castBallot(client, cred, t.choices, {
    challengeFirst: t.challengeFirst,
    view,
  })
    .then(
      (result) => parentPort?.postMessage({ id: t.id, ok: true, result } satisfies VoterOutcome),
      (e: unknown) =>
        parentPort?.postMessage({ id: t.id, ok: false, error: String(e) } satisfies VoterOutcome),
    )
    .finally(() => pending.delete(p));
  pending.add(p);
  if (pending.size >= inFlight) await Promise.race(pending);
}
await Promise.all(pending);
