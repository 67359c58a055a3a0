#!/usr/bin/env node
/**
 * `urna-verify`: the auditing firm's verifier and the voter's receipt check (Node CLI).
 *
 *   urna-verify election (--record DIR | --board URL [--election ID]) --trust FILE
 *                        [--json] [--report-json FILE] [--report-html FILE] [--workers N]
 *                        [--allow-incomplete] [--lang es|en]
 *   urna-verify receipt (RECEIPT | CODE) (--record DIR | --board URL [--election ID]) --trust FILE [--json]
 *
 * Exit codes: 0 every check passes, 1 a check failed, 2 bad input or usage, 3 (election) every
 * check that could run passed but the election is not finished (checks skipped). Everything
 * printed from a record or a report goes through `escapeDisplay` (spec/protocol.md §2).
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { loadTrust, TrustError, type Trust } from "./audit/trust.js";
import { verifyElection, type AuditProgress } from "./audit/verify-election.js";
import { VERIFIER_NAME, VERIFIER_VERSION } from "./audit/version.js";
import { sha256Hex } from "./audit/fingerprints.js";
import { reportUrlProblem } from "./election/attestation-report.js";
import { openBoardOrPublished } from "./record/published.js";
import { openFolderSource } from "./record/folder-node.js";
import { RecordError, type RecordSource } from "./record/source.js";
import { assertValidReport, reportToJson } from "./report/json.js";
import { reportToHtml } from "./report/html.js";
import { reportToText } from "./report/text.js";
import { escapeDisplay } from "./report/escape.js";
import { defaultReportLang, type ReportLang } from "./report/lang.js";
import { nodeEnvironment } from "./audit/environment-node.js";
import { ReceiptError, verifyReceipt } from "./receipt/verify-receipt.js";
import { fetchReceiptByCode, isTrackingCode, TrackingCodeNotFound } from "./receipt/by-code.js";
import { humanTrackingCodeOf } from "./log/tracking-code.js";
import {
  AttestError,
  attestReport,
  firmKeygen,
  loadFirmKey,
  postAttestation,
} from "./attest/attest-node.js";

const USAGE = `usage: urna-verify <command> [options]

Independent verifier for urna election records.

commands:
  election   verify a whole election record against trust material (checks V1-V18)
  attest     an auditing firm's key (keygen) and posting its attestation to a board (post)
  receipt    check one voter's ballot receipt (steps R1-R5)
  watch      follow a board and check every new checkpoint (monitor)
  witness    run a C2SP tlog-witness that cosigns consistent checkpoints
  conformance  run a verifier over a conformance corpus and compare its verdicts

options:
  -h, --help     show this help (or: urna-verify <command> --help)
  --version      print the version

exit codes: 0 all checks pass, 1 a check failed, 2 bad input or usage,
            3 (election) no check failed but the election is not finished (checks skipped)
`;

const ELECTION_USAGE = `usage: urna-verify election (--record DIR | --board URL [--election ID]) --trust FILE [options]

Verifies every check of spec/verification.md (V1-V18) on an election record and prints the
report. The trust file (board key, witness keys and quorum, authority key) must come from
a source independent of the record.

  --record DIR         a record folder (checkpoint, entries.jsonl)
  --board URL          a live board (reads /elections/<id>/checkpoint and /entries), or the
                       URL of a record the board published to a bucket or static server
                       (reads /elections/<id>/checkpoint and the tiles under .../tile/)
  --election ID        the election on the board (default: the trust file's)
  --trust FILE         the trust file (JSON)
  --json               print the JSON report on stdout instead of the text report
  --report-json FILE   also write the JSON report to FILE
  --report-html FILE   also write a printable HTML report (with signature blocks) to FILE
  --firm NAME          a firm name for the HTML signature blocks (repeatable, at most 2);
                       with --attest, exactly one: the firm as the manifest lists it
  --attest KEYFILE     also sign an audit.attestation of this report with the firm's key
                       (spec/protocol.md §6.12); refused (exit 2, no file) when a check
                       failed, unless --allow-fail
  --attest-out FILE    where to write the signed attestation entry (default attestation.json)
  --report-url URL     with --attest and --report-json: the https URL where the firm will
                       publish that JSON report; the attestation names it with the SHA-256
                       of the bytes written (spec/protocol.md §6.12)
  --opinion TEXT       the firm's opinion in the attestation (needed with a failed check)
  --allow-fail         attest even though a check failed: the attestation records the
                       failed outcomes (the firm's dissent) and --opinion says why
  --workers N          worker threads for the cryptography (default: CPUs, at most 8)
  --allow-incomplete   exit 0 (not 3) when no check failed but some were skipped
  --lang es|en         language of the text and HTML reports (default: Spanish for an
                       election id starting with "mx-", else English; JSON is language-neutral)
  --quiet              no progress on stderr

The reports list the trust material used (board key, witnesses and quorum, authority and the
pins of a version 2 trust file), SHA-256 of the trust file, of the checkpoint and of the
entries, the verifier's build, the machine, and fingerprints for the firms to compare by hand.
A trust file with quorum 0 is flagged "no witness checked" in every output.

The result is printed as the outcome only when every check passed; otherwise the report says
why there is no verified result. The JSON report's "complete" is true iff no check was skipped.

exit codes:
  0  every check passed and the election is complete: a verified result
  1  a check failed
  2  bad input or usage (no report)
  3  no check failed, but the election is not finished: the record stops before the tally
     or the result, so the checks that need them (V14-V17) were skipped and there is no
     verified result (0 instead with --allow-incomplete)
`;

const RECEIPT_USAGE = `usage: urna-verify receipt (RECEIPT | CODE) (--record DIR | --board URL [--election ID] [--scan]) --trust FILE [--json]

Checks a voter's receipt (spec/verification.md §Receipt check):
  R1 signed, R2 included, R3 consistent, R4 present, R5 counted (pending before voting closes).

  RECEIPT              the receipt file (JSON)
  CODE                 instead of a file: a tracking code, human (XXXX-XXXX-XXXX-XXXX-XXXX-XXXX,
                       any case, dashes optional) or full (64 hex digits); needs --board, whose
                       receipt for it is checked (R3 then proves nothing about the past: a
                       receipt kept since voting does). A path that exists is always a file.
  --record DIR         a record folder
  --board URL          a live board: R3-R5 from its proofs and credential lookup (a few KB);
                       or a published record's URL (bucket, static server): reads every leaf
  --scan               with --board: read every leaf of the log instead of the lookup
                       (also catches a board hiding a later ballot of the credential)
  --election ID        the election on the board (default: the trust file's)
  --trust FILE         the trust file (JSON)
  --json               print the outcome as JSON

exit codes: 0 no step failed (R5 may be pending), 1 a step failed or the board has no ballot
            with that tracking code, 2 bad input or usage
`;

class UsageError extends Error {}

interface Parsed {
  positional: string[];
  flags: Map<string, string[]>;
}

const VALUE_FLAGS = new Set([
  "--record",
  "--board",
  "--election",
  "--trust",
  "--report-json",
  "--report-html",
  "--workers",
  "--firm",
  "--lang",
  "--attest",
  "--attest-out",
  "--report-url",
  "--opinion",
  "--out",
]);
const BOOL_FLAGS = new Set([
  "--json",
  "--quiet",
  "--scan",
  "--allow-incomplete",
  "--allow-fail",
  "--help",
  "-h",
]);

function parseArgs(args: string[]): Parsed {
  const out: Parsed = { positional: [], flags: new Map() };
  for (let i = 0; i < args.length; i++) {
    let a = args[i];
    let value: string | undefined;
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    if (eq > 0) {
      value = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    if (VALUE_FLAGS.has(a)) {
      if (value === undefined) {
        value = args[++i];
        if (value === undefined) throw new UsageError(`${a} needs a value`);
      }
      out.flags.set(a, [...(out.flags.get(a) ?? []), value]);
    } else if (BOOL_FLAGS.has(a)) {
      out.flags.set(a === "-h" ? "--help" : a, ["true"]);
    } else if (a.startsWith("-") && a !== "-") throw new UsageError(`unknown option ${a}`);
    else out.positional.push(a);
  }
  return out;
}

const one = (p: Parsed, f: string): string | undefined => {
  const v = p.flags.get(f);
  if (v && v.length > 1) throw new UsageError(`${f} given twice`);
  return v?.[0];
};

async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read the ${what} ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`the ${what} ${path} is not JSON: ${(e as Error).message}`);
  }
}

async function loadTrustFile(p: Parsed): Promise<Trust> {
  return (await loadTrustWithBytes(p)).trust;
}

/** The trust file, parsed, and its bytes as read (hashed into the report). */
async function loadTrustWithBytes(p: Parsed): Promise<{ trust: Trust; bytes: Uint8Array }> {
  const path = one(p, "--trust");
  if (!path) throw new UsageError("--trust FILE is required");
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new UsageError(`cannot read the trust file ${path}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new UsageError(`the trust file ${path} is not JSON: ${(e as Error).message}`);
  }
  return { trust: loadTrust(json), bytes };
}

function reportLang(p: Parsed, election: string): ReportLang {
  const l = one(p, "--lang");
  if (l === undefined) return defaultReportLang(election);
  if (l !== "es" && l !== "en") throw new UsageError("--lang must be es or en");
  return l;
}

async function openSource(p: Parsed, trust: Trust): Promise<RecordSource> {
  return (await openSourceOfKind(p, trust)).source;
}

/** The record source of --record or --board, and which of a folder, a live board or a published record it is. */
async function openSourceOfKind(
  p: Parsed,
  trust: Trust,
): Promise<{ source: RecordSource; kind: "record" | "board" | "published" }> {
  const record = one(p, "--record");
  const board = one(p, "--board");
  if ((record === undefined) === (board === undefined))
    throw new UsageError("give exactly one of --record DIR or --board URL");
  if (record !== undefined) return { source: await openFolderSource(record), kind: "record" };
  const election = one(p, "--election") ?? trust.election;
  if (election !== trust.election)
    throw new UsageError(
      `--election ${election} is not the trust file's election ${trust.election}`,
    );
  if (!/^https?:\/\//.test(board as string)) throw new UsageError("--board must be an http(s) URL");
  // A live board, or a record published to a bucket or static server (spec/log.md §10).
  return await openBoardOrPublished({ url: board as string, election });
}

/**
 * Progress on stderr: a line per stage change and at most every 200 ms on a terminal (2 s
 * otherwise), and never silent for more than QUIET_MS while the audit runs (a line repeats the
 * last progress: a long batch of proofs or the tally gives no progress of its own).
 */
const QUIET_MS = 3_000;
function progressPrinter(quiet: boolean): (p: AuditProgress) => void {
  if (quiet) return () => {};
  const tty = process.stderr.isTTY;
  let last = Date.now();
  let shown: AuditProgress | undefined;
  const write = (line: string, end = false) =>
    process.stderr.write(tty ? `\r\x1b[K${line}${end ? "\n" : ""}` : `${line}\n`);
  const describe = (p: AuditProgress) => `${p.stage}: ${p.done}${p.total ? `/${p.total}` : ""}`;
  const timer = setInterval(() => {
    if (Date.now() - last < QUIET_MS) return;
    last = Date.now();
    write(shown ? `${describe(shown)} (still working)` : "starting (still working)");
  }, 1_000);
  timer.unref();
  return (p) => {
    const now = Date.now();
    const changed = p.stage !== shown?.stage;
    shown = p;
    if (p.stage === "done") {
      clearInterval(timer);
      return write(`verified ${p.done} entries`, true);
    }
    if (!changed && now - last < (tty ? 200 : 2000)) return;
    last = now;
    write(describe(p));
  };
}

async function commandElection(args: string[]): Promise<number> {
  const p = parseArgs(args);
  if (p.flags.has("--help")) {
    process.stdout.write(ELECTION_USAGE);
    return 0;
  }
  if (p.positional.length) throw new UsageError(`unexpected argument ${p.positional[0]}`);
  const reportUrl = one(p, "--report-url");
  if (reportUrl !== undefined) {
    if (one(p, "--attest") === undefined) throw new UsageError("--report-url needs --attest");
    if (one(p, "--report-json") === undefined)
      throw new UsageError("--report-url needs --report-json FILE (the report it names)");
    const problem = reportUrlProblem(reportUrl);
    if (problem) throw new UsageError(`--report-url ${reportUrl}: ${problem}`);
  }
  const { trust, bytes: trustBytes } = await loadTrustWithBytes(p);
  const lang = reportLang(p, trust.election);
  const source = await openSource(p, trust);
  const w = one(p, "--workers");
  const workers = w === undefined ? Math.max(1, Math.min(8, availableParallelism())) : Number(w);
  if (!Number.isSafeInteger(workers) || workers < 1 || workers > 256)
    throw new UsageError("--workers must be an integer from 1 to 256");
  const firms = (p.flags.get("--firm") ?? []).map((firm) => ({ firm }));
  if (firms.length > 2) throw new UsageError("at most two --firm");
  const attestKey = one(p, "--attest");
  if (attestKey !== undefined && firms.length !== 1)
    throw new UsageError("--attest needs exactly one --firm (the firm attesting)");
  if (attestKey === undefined)
    for (const f of ["--attest-out", "--opinion", "--allow-fail", "--report-url"])
      if (p.flags.has(f)) throw new UsageError(`${f} needs --attest`);
  const secretKey = attestKey !== undefined ? await loadFirmKey(attestKey) : undefined;
  const quiet = p.flags.has("--quiet");
  if (!quiet)
    process.stderr.write(
      `${VERIFIER_NAME}: verifying ${source.description} with ${workers} worker(s)\n`,
    );
  const report = await verifyElection({
    source,
    trust,
    workers,
    onProgress: progressPrinter(quiet),
    trustBytes,
    environment: nodeEnvironment(workers),
  });
  assertValidReport(report);
  const jsonPath = one(p, "--report-json");
  const htmlPath = one(p, "--report-html");
  const jsonBytes = new TextEncoder().encode(reportToJson(report));
  if (jsonPath) await writeFile(jsonPath, jsonBytes);
  if (htmlPath)
    await writeFile(
      htmlPath,
      reportToHtml(report, {
        lang,
        ...(firms.length ? { firms: firms.length === 1 ? [...firms, {}] : firms } : {}),
      }),
    );
  if (secretKey) {
    const opinion = one(p, "--opinion");
    const entry = attestReport(report, secretKey, {
      firm: firms[0].firm,
      ...(opinion !== undefined ? { opinion } : {}),
      allowFail: p.flags.has("--allow-fail"),
      version: VERIFIER_VERSION,
      ...(reportUrl !== undefined
        ? { report: { url: reportUrl, sha256: sha256Hex(jsonBytes) } }
        : {}),
    });
    const out = one(p, "--attest-out") ?? "attestation.json";
    await writeFile(out, JSON.stringify(entry, null, 2) + "\n");
    if (!quiet) process.stderr.write(`${VERIFIER_NAME}: attestation written to ${out}\n`);
  }
  process.stdout.write(
    p.flags.has("--json") ? reportToJson(report) : reportToText(report, { lang }),
  );
  return electionExitCode(report, p.flags.has("--allow-incomplete"));
}

/** 0 complete and passing, 1 a check failed, 3 nothing failed but checks were skipped. */
function electionExitCode(r: { ok: boolean; complete: boolean }, allowIncomplete = false): number {
  if (!r.ok) return 1;
  return r.complete || allowIncomplete ? 0 : 3;
}

async function commandReceipt(args: string[]): Promise<number> {
  const p = parseArgs(args);
  if (p.flags.has("--help")) {
    process.stdout.write(RECEIPT_USAGE);
    return 0;
  }
  if (p.positional.length !== 1)
    throw new UsageError("give exactly one RECEIPT file or tracking CODE");
  const arg = p.positional[0];
  const trust = await loadTrustFile(p);
  const boardUrl = one(p, "--board");
  let receipt: unknown;
  if (!existsSync(arg) && isTrackingCode(arg)) {
    if (boardUrl === undefined || one(p, "--record") !== undefined)
      throw new UsageError(
        "a tracking code is checked through a board's receipt for it: give --board URL (with --record, give the receipt file)",
      );
    await openSource(p, trust);
    try {
      receipt = await fetchReceiptByCode({
        url: boardUrl,
        election: one(p, "--election") ?? trust.election,
        code: arg,
      });
    } catch (e) {
      if (!(e instanceof TrackingCodeNotFound)) throw e;
      if (p.flags.has("--json"))
        process.stdout.write(
          JSON.stringify({ ok: false, code: e.code, message: e.message }, null, 2) + "\n",
        );
      else process.stdout.write(`${escapeDisplay(e.message)}\nRECEIPT CHECK FAILED.\n`);
      return 1;
    }
  } else receipt = await readJsonFile(arg, "receipt");
  let outcome;
  if (p.flags.has("--scan") && boardUrl === undefined)
    throw new UsageError("--scan goes with --board");
  const opened = await openSourceOfKind(p, trust);
  if (boardUrl !== undefined && opened.kind === "board") {
    // A live board: verifyReceipt uses its proofs (default) or reads every leaf (--scan).
    outcome = await verifyReceipt({
      receipt,
      trust,
      board: {
        url: boardUrl,
        election: one(p, "--election") ?? trust.election,
        mode: p.flags.has("--scan") ? "scan" : "lookup",
      },
    });
  } else {
    // A record folder, or a published record (every leaf read from its tiles).
    outcome = await verifyReceipt({ receipt, source: opened.source, trust });
  }
  if (p.flags.has("--json")) process.stdout.write(JSON.stringify(outcome, null, 2) + "\n");
  else {
    const d = escapeDisplay;
    const hex = (receipt as { trackingCode?: unknown }).trackingCode;
    const lines: string[] = [];
    if (typeof hex === "string") lines.push(`tracking code ${d(humanTrackingCodeOf(hex))}`);
    lines.push(
      ...outcome.steps.map(
        (s) =>
          `${d(s.id)} ${d(s.title).padEnd(10)} ${d(s.status === "fail" ? "FAIL" : s.status).padEnd(7)} ${d(s.message)}`,
      ),
    );
    lines.push(outcome.ok ? "Receipt verified." : "RECEIPT CHECK FAILED.");
    process.stdout.write(lines.join("\n") + "\n");
  }
  return outcome.ok ? 0 : 1;
}

const ATTEST_USAGE = `usage: urna-verify attest keygen --out FILE
       urna-verify attest post FILE --board URL [--election ID]

An auditing firm's attestation on the board (spec/protocol.md §6.12).

  keygen --out FILE    write a fresh Ed25519 key file for the firm (never over an existing
                       file) and print its public key: the key the manifest lists for the firm
  post FILE            send the signed audit.attestation entry FILE (written by
                       urna-verify election --attest) to the board; prints the board's answer
  --board URL          the board
  --election ID        the election (default: the entry's own)

exit codes: 0 done, 1 the board refused the attestation, 2 bad input or usage
`;

async function commandAttest(args: string[]): Promise<number> {
  const p = parseArgs(args);
  const [sub, ...rest] = p.positional;
  if (p.flags.has("--help") || sub === undefined) {
    process.stdout.write(ATTEST_USAGE);
    return sub === undefined && !p.flags.has("--help") ? 2 : 0;
  }
  try {
    if (sub === "keygen") {
      if (rest.length) throw new UsageError(`unexpected argument ${rest[0]}`);
      const out = one(p, "--out");
      if (!out) throw new UsageError("keygen needs --out FILE");
      process.stdout.write(`${await firmKeygen(out)}\n`);
      return 0;
    }
    if (sub === "post") {
      if (rest.length !== 1) throw new UsageError("post needs exactly one FILE");
      const board = one(p, "--board");
      if (!board) throw new UsageError("post needs --board URL");
      let election = one(p, "--election");
      if (!election) {
        const e = JSON.parse(await readFile(rest[0], "utf8")) as { election?: unknown };
        if (typeof e.election !== "string") throw new UsageError("post needs --election ID");
        election = e.election;
      }
      const answer = await postAttestation(rest[0], board, election);
      process.stdout.write(JSON.stringify(answer, null, 2) + "\n");
      return 0;
    }
    throw new UsageError(`unknown attest command ${sub}`);
  } catch (e) {
    if (e instanceof AttestError) {
      process.stderr.write(`urna-verify attest: ${e.code}: ${escapeDisplay(e.message)}\n`);
      return e.code === "POST_FAILED" ? 1 : 2;
    }
    throw e;
  }
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === "-h" || cmd === "--help" || cmd === "help") {
    process.stdout.write(USAGE);
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === "--version") {
    process.stdout.write(`${VERIFIER_VERSION}\n`);
    return 0;
  }
  try {
    switch (cmd) {
      case "election":
        return await commandElection(rest);
      case "receipt":
        return await commandReceipt(rest);
      case "attest":
        return await commandAttest(rest);
      // The monitor and the witness (issue 9) parse their own options and handle --help.
      case "watch":
        return await (await import("./monitor/cli-node.js")).runWatchCli(rest);
      case "witness":
        return await (await import("./witness/cli-node.js")).runWitnessCli(rest);
      case "conformance":
        return await (await import("./conformance/cli-node.js")).runConformanceCli(rest);
      default:
        process.stderr.write(`urna-verify: unknown command '${escapeDisplay(cmd)}'\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof AttestError) {
      process.stderr.write(`urna-verify ${cmd}: ${e.code}: ${escapeDisplay(e.message)}\n`);
      return 2;
    }
    if (
      e instanceof UsageError ||
      e instanceof TrustError ||
      e instanceof RecordError ||
      e instanceof ReceiptError
    ) {
      const code = e instanceof TrustError && e.code !== "TRUST_INVALID" ? `${e.code}: ` : "";
      process.stderr.write(`urna-verify ${cmd}: ${code}${escapeDisplay(e.message)}\n`);
      if (e instanceof UsageError) process.stderr.write(`(see urna-verify ${cmd} --help)\n`);
      return 2;
    }
    process.stderr.write(
      `urna-verify ${cmd}: internal error: ${escapeDisplay(e instanceof Error ? (e.stack ?? e.message) : String(e)).replace(/\\u\{000A\}/g, "\n")}\n`,
    );
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
