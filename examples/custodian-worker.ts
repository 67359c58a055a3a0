/**
 * One of the demo's custodians, in its own thread: started while voting is open, it waits for
 * the parent's word that the tally is posted, then reads the log once up to the witnessed
 * checkpoint, runs the auditor's checks V1-V14 on it, and posts its decryption share (the
 * custodians work in parallel, as separate people would).
 */
import { parentPort, workerData } from "node:worker_threads";
import { type TrustFile, validateEntry } from "@urna/schemas";
import { loadTrust } from "@urna/verifier";
import {
  BoardClient,
  loadCustodianKeyFile,
  postDecryptionShare,
  type CustodianKeyFile,
  type CustodianStateFile,
} from "@urna/board";

export interface CustodianOutcome {
  ok: boolean;
  entries?: number;
  error?: string;
}

interface Input {
  url: string;
  election: string;
  keyFile: CustodianKeyFile;
  state: CustodianStateFile;
  /** The election's trust file: the share is computed only from the witnessed log. */
  trust: TrustFile;
}

const { url, election, keyFile, state, trust } = workerData as Input;
// Compile the entry schemas now (the first validation does it), not when the tally is waited for.
validateEntry(null);
await new Promise((r) => parentPort!.once("message", r));
try {
  const posted = await postDecryptionShare(
    new BoardClient(url),
    election,
    loadCustodianKeyFile(keyFile),
    state,
    { trust: loadTrust(trust) },
  );
  parentPort!.postMessage({ ok: true, entries: posted.length } satisfies CustodianOutcome);
} catch (e) {
  parentPort!.postMessage({
    ok: false,
    error: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
  } satisfies CustodianOutcome);
}
