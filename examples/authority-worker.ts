/**
 * The demo's election authority, in its own thread, as a separate actor reading the board over
 * HTTP: it follows the log while voting is open, summing ballots as they are published
 * (TallyFollower), posts the encrypted tally as soon as voting closes, and posts the result when
 * the parent says the custodians are done. Meanwhile it builds the discrete-log table.
 */
import { parentPort, workerData } from "node:worker_threads";
import { validateEntry } from "@urna/schemas";
import { BoardClient, TallyFollower, postResult, postTally } from "@urna/board";
import { DiscreteLog, fromBase64 } from "@urna/verifier";

export type AuthorityMessage =
  | { step: "tally"; ok: true; entries: number; ballots: number }
  | { step: "result"; ok: true; entries: number }
  | { step: "tally" | "result"; ok: false; error: string };

interface Input {
  url: string;
  election: string;
  secretKey: string;
}

const { url, election, secretKey } = workerData as Input;
const port = parentPort!;
const client = new BoardClient(url);
const follower = new TallyFollower(client, election);
const sk = fromBase64(secretKey);
const send = (m: AuthorityMessage) => port.postMessage(m);
const error = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

const resultAsked = new Promise<void>((r) => port.once("message", () => r()));
// The discrete-log table the result needs, built now rather than after the shares are in.
// Compile the entry schemas now (the first validation does it), not when the tally is waited for.
validateEntry(null);
DiscreteLog.shared().build();
try {
  await follower.follow({ pollMs: 300 });
  const posted = await postTally(client, election, sk, { follower });
  send({ step: "tally", ok: true, entries: posted.length, ballots: follower.tallyBody().ballots });
} catch (e) {
  send({ step: "tally", ok: false, error: error(e) });
  process.exit(1);
}
await resultAsked;
try {
  const posted = await postResult(client, election, sk, { follower });
  send({ step: "result", ok: true, entries: posted.length });
} catch (e) {
  send({ step: "result", ok: false, error: error(e) });
  process.exit(1);
}
port.close();
