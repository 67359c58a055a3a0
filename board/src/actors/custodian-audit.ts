/**
 * What a custodian checks before it decrypts anything (spec/protocol.md §10.2): the log is read
 * once, up to a checkpoint signed by the board and cosigned by the witness quorum of the trust
 * file, and the auditor's own checks V1-V14 (verifyElection, the code of `urna-verify election`)
 * pass on exactly those bytes. Nothing is fetched again afterwards: the share is computed from
 * the entries that were audited.
 */
import type { Entry, VerificationReport } from "@urna/schemas";
import {
  type Trust,
  bytesEqual,
  leafHash,
  loadTrust,
  memorySource,
  parseCheckpoint,
  parseNote,
  rootFromLeafHashes,
  utf8,
  verifyElection,
} from "@urna/verifier";
import type { BoardClient } from "./client.js";
import { ActorError, witnessedCheckpoint } from "./view.js";

/** The checks that must pass before a custodian decrypts (V15-V17 concern shares and results). */
export const PRE_DECRYPTION_CHECKS: readonly string[] = [
  "V1",
  "V2",
  "V3",
  "V4",
  "V5",
  "V6",
  "V7",
  "V8",
  "V9",
  "V10",
  "V11",
  "V12",
  "V13",
  "V14",
];

/** AUDIT_FAILED: the log a custodian was about to decrypt fails (or skipped) the named checks. */
export class AuditFailedError extends ActorError {
  readonly failed: string[];
  readonly report: VerificationReport;
  constructor(failed: string[], report: VerificationReport, message: string) {
    super("AUDIT_FAILED", message);
    this.name = "AuditFailedError";
    this.failed = failed;
    this.report = report;
  }
}

/** The log as read once: the checkpoint note and the leaves [0, size) as served. */
export interface ReadLog {
  checkpoint: string;
  size: number;
  leaves: Uint8Array[];
}

const untrusted = (why: string) => new ActorError("UNTRUSTED_LOG", why);

/**
 * Reads the checkpoint once and the leaves up to its size once. With `trust`, the checkpoint
 * must be signed by the board's key for the election's origin and carry the witness quorum, and
 * the leaves must hash to its root (UNTRUSTED_LOG otherwise); without it, the checkpoint is only
 * parsed (the audit then checks it against the key the board announces).
 */
export async function readLogOnce(
  client: BoardClient,
  election: string,
  trust: Trust | undefined,
  opts: { witnessWaitMs?: number; onProgress?: (message: string) => void } = {},
): Promise<ReadLog> {
  let checkpoint: string;
  let size: number;
  let root: Uint8Array;
  if (trust)
    ({
      note: checkpoint,
      size,
      root,
    } = await witnessedCheckpoint(client, election, trust, {
      ...(opts.witnessWaitMs !== undefined ? { waitMs: opts.witnessWaitMs } : {}),
    }));
  else {
    checkpoint = await client.checkpoint(election);
    try {
      ({ size, root } = parseCheckpoint(parseNote(checkpoint).text));
    } catch (e) {
      throw untrusted(`the board's checkpoint does not parse: ${(e as Error).message}`);
    }
  }
  const leaves: Uint8Array[] = [];
  for (let a = 0; a < size; a += 1000) {
    const want = Math.min(size, a + 1000) - a;
    const lines = await client.leaves(election, a, a + want);
    if (lines.length !== want)
      throw untrusted(`the board served ${lines.length} entries from ${a}, not ${want}`);
    for (const line of lines) leaves.push(utf8(line));
    opts.onProgress?.(`read ${a + want}/${size} entries`);
  }
  if (!bytesEqual(rootFromLeafHashes(leaves.map((l) => leafHash(l))), root))
    throw untrusted("the entries the board served do not hash to its checkpoint's root");
  return { checkpoint, size, leaves };
}

/**
 * Without a trust file (--insecure-no-trust): the trust the board itself announces, its
 * election key (status `vkey`), the manifest's authority, and no witnesses.
 */
export async function trustFromBoard(
  client: BoardClient,
  election: string,
  log: ReadLog,
): Promise<Trust> {
  const { vkey } = await client.status(election);
  let authority: unknown;
  try {
    const manifest = JSON.parse(new TextDecoder().decode(log.leaves[0])) as {
      body?: { authority?: unknown };
    };
    authority = manifest.body?.authority;
  } catch {
    authority = undefined;
  }
  if (typeof vkey !== "string" || typeof authority !== "string")
    throw new ActorError(
      "UNTRUSTED_LOG",
      "without a trust file, the board must announce its election key and entry 0 must name the authority",
    );
  try {
    return loadTrust({
      version: 1,
      election,
      board: { vkey },
      authority,
      witnesses: [],
      quorum: 0,
    });
  } catch (e) {
    throw untrusted(`the board's own trust material does not load: ${(e as Error).message}`);
  }
}

/**
 * Runs the auditor's checks on the log read; AUDIT_FAILED (naming each check that failed, with
 * its first failures) unless V1-V14 all pass. V14 may be skipped only before the tally, which
 * the caller refuses anyway (WRONG_PHASE).
 */
export async function auditLog(
  log: ReadLog,
  trust: Trust,
  opts: { workers?: number; onProgress?: (message: string) => void } = {},
): Promise<VerificationReport> {
  const say = opts.onProgress;
  const report = await verifyElection({
    source: memorySource(log.checkpoint, log.leaves, "the log read from the board"),
    trust,
    workers: opts.workers ?? 1,
    ...(say ? { onProgress: (p) => say(`checking ${p.stage}: ${p.done}/${p.total}`) } : {}),
  });
  const bad = report.checks.filter(
    (c) => PRE_DECRYPTION_CHECKS.includes(c.id) && c.status === "fail",
  );
  if (bad.length > 0)
    throw new AuditFailedError(
      bad.map((c) => c.id),
      report,
      `the log fails ${bad
        .map(
          (c) =>
            `${c.id} (${c.failures
              .slice(0, 3)
              .map((f) => `${where(f)}${f.message}`)
              .join("; ")}${c.failures.length + (c.failuresOmitted ?? 0) > 3 ? "; …" : ""})`,
        )
        .join(", ")}: not decrypting anything`,
    );
  return report;
}

/** A failure's location as a prefix: "entry 18, presidencia/pan: ". */
function where(f: VerificationReport["checks"][number]["failures"][number]): string {
  const at = [
    f.index !== undefined ? `entry ${f.index}` : "",
    [f.contest, f.option].filter((x) => x !== undefined).join("/"),
    f.custodian !== undefined ? `custodian ${f.custodian}` : "",
  ].filter((x) => x !== "");
  return at.length ? `${at.join(", ")}: ` : "";
}

/** AUDIT_FAILED if one of V1-V14 was skipped (nothing to decrypt was checked). */
export function requireNoSkips(report: VerificationReport): void {
  const skipped = report.checks.filter(
    (c) => PRE_DECRYPTION_CHECKS.includes(c.id) && c.status === "skip",
  );
  if (skipped.length > 0)
    throw new AuditFailedError(
      skipped.map((c) => c.id),
      report,
      `the log's checks ${skipped.map((c) => `${c.id} (skipped: ${c.reason ?? "?"})`).join(", ")} did not run: not decrypting anything`,
    );
}
