/**
 * The registrar: generates voter credentials (Belenios-style Ed25519 key pairs), hands each
 * private one to its voter (a file) and publishes the public ones in `credentials` batches of at
 * most 500, numbered in log order.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ed25519 } from "@noble/curves/ed25519.js";
import type { Credential } from "@urna/schemas";
import { toBase64 } from "@urna/verifier";
import { signEntry } from "../entry-sign.js";
import { type AppendResult, type BoardClient, bulkError } from "./client.js";
import { type CredentialFile, writeSecretJson } from "./keys.js";
import { type OutputOptions, checkOutputFile } from "./output-file.js";
import { ActorError, loadPrefix } from "./view.js";

export const MAX_BATCH = 500;

export interface GeneratedCredential {
  public: Credential;
  file: CredentialFile;
}

/** `count` fresh credentials, styles assigned round-robin over `styles`. */
export function generateCredentials(
  election: string,
  count: number,
  styles: readonly string[],
): GeneratedCredential[] {
  if (!Number.isSafeInteger(count) || count < 1)
    throw new ActorError("BAD_COUNT", "count must be a positive integer");
  if (styles.length === 0) throw new ActorError("NO_STYLES", "at least one ballot style is needed");
  const out: GeneratedCredential[] = [];
  for (let i = 0; i < count; i++) {
    const sk = ed25519.utils.randomSecretKey();
    const key = toBase64(ed25519.getPublicKey(sk));
    const style = styles[i % styles.length];
    out.push({
      public: { key, style },
      file: { kind: "urna-credential", election, style, secretKey: toBase64(sk), publicKey: key },
    });
  }
  return out;
}

/** The private credential file of credential number `n` in `dir`. */
export const credentialPath = (dir: string, n: number): string =>
  join(dir, `credential-${String(n).padStart(6, "0")}.json`);

/**
 * Writes each private credential to `<dir>/credential-<n>.json` (mode 0600, durably); returns the
 * paths. An existing file is left untouched (FILE_EXISTS) unless `force`.
 */
export function writeCredentialFiles(
  dir: string,
  creds: readonly GeneratedCredential[],
  first = 0,
  opts: OutputOptions = {},
): string[] {
  mkdirSync(dir, { recursive: true });
  return creds.map((c, i) => {
    const p = credentialPath(dir, first + i);
    writeSecretJson(p, c.file, opts);
    return p;
  });
}

/** Throws (output-file.ts) unless credential files first..first+count-1 can be written in `dir`. */
export function checkCredentialFiles(
  dir: string,
  first: number,
  count: number,
  opts: OutputOptions = {},
): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) checkOutputFile(credentialPath(dir, first + i), opts);
}

/** Number of credential batches already on the log (the next batch number). */
export async function nextBatchNumber(client: BoardClient, election: string): Promise<number> {
  const view = await loadPrefix(client, election, (e) => e.type === "voting.open");
  return view.entries.filter((e) => e.type === "credentials").length;
}

/** Most credential batches, and body bytes, per bulk request of publishCredentials. */
const BULK_BATCHES = 64;
const BULK_BYTES = 3 * 1024 * 1024;

/**
 * Posts the public credentials in batches of at most `batchSize`, numbered in order, several
 * batches per bulk request (api.md `POST /elections/<id>/bulk`; at most 64 batches or ~3 MiB
 * each), one request after the other. Throws the first refusal, as BoardApiError: the batches
 * before it are published, the ones after it are not.
 */
export async function publishCredentials(
  client: BoardClient,
  election: string,
  secretKey: Uint8Array,
  credentials: readonly Credential[],
  opts: {
    batchSize?: number;
    /**
     * Called once the board accepted batch `n`, holding `credentials[start, end)`, before the
     * next request.
     */
    onBatch?: (n: number, r: AppendResult, range: { start: number; end: number }) => void;
  } = {},
): Promise<AppendResult[]> {
  const size = Math.min(MAX_BATCH, opts.batchSize ?? MAX_BATCH);
  let batch = await nextBatchNumber(client, election);
  const out: AppendResult[] = [];
  let i = 0;
  while (i < credentials.length) {
    const entries: Array<ReturnType<typeof signEntry>> = [];
    let bytes = 0;
    while (i < credentials.length && entries.length < BULK_BATCHES && bytes < BULK_BYTES) {
      const body = { batch: batch + entries.length, credentials: credentials.slice(i, i + size) };
      const e = signEntry("credentials", election, body, secretKey);
      bytes += JSON.stringify(e).length;
      entries.push(e);
      i += size;
    }
    const results = await client.postBulk(election, entries);
    for (const r of results) {
      const err = bulkError(r);
      if (err) throw err;
      const start = out.length * size;
      opts.onBatch?.(batch, r as AppendResult, {
        start,
        end: Math.min(credentials.length, start + size),
      });
      out.push(r as AppendResult);
      batch++;
    }
  }
  return out;
}
