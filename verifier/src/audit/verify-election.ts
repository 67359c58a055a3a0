/**
 * The auditor's end-to-end check of an election record (spec/verification.md V1-V18).
 *
 * One streaming pass over the leaves does the log checks (V1 root, with V2 signature and V3
 * witnesses on the checkpoint) and replays the election through `ElectionState` (V4-V13, and
 * the structural parts of V14-V17), sending the expensive cryptography in batches to a runner
 * (inline, or worker threads). When `voting.close` has been applied, the superseded ballots are
 * read a second time and subtracted from the sum (V14) before the pass goes on with the tally
 * entries; every leaf is read through a `BoundLeaves`, so that second read must return the
 * bytes whose hashes V1 checks (spec/verification.md §Reading from a board). Memory is
 * O(credentials + contests × options + batch size) plus 32 bytes per leaf and the selection
 * alphas per ballot entry (spec/record.md), never whole ballots.
 *
 * A failing check never stops the others; the outcome is a report per
 * schemas/src/json/report.schema.json. Isomorphic: worker threads are used only when running in
 * Node with `workers > 1` (or when the caller passes its own runner).
 */
import type {
  AttestationBody,
  BallotBody,
  Entry,
  Manifest,
  ResultBody,
  ResultContest,
  VerificationReport,
} from "@urna/schemas";
import { MAX_ENTRY_BYTES } from "@urna/schemas";
import { bytesEqual, fromUtf8, toBase64, toHex, utf8 } from "../bytes.js";
import { finding, type CheckId, type CodeOf, type Finding } from "../election/findings.js";
import type { ElectionState, Precheck } from "../election/state.js";
import { Replay } from "../election/replay.js";
import {
  attestationTableSha256,
  judgeAttestations,
  outcomesAt,
  type AttestationAt,
} from "./attestation.js";
import { attestationSummary, MAX_LISTED_ATTESTATIONS } from "./attestation-summary.js";
import { AttestedRoots, attestedRootFindings } from "./attested-checkpoint.js";
import { adjudicateBlame } from "../election/verify-ceremony.js";
import type { CryptoWork } from "../election/work.js";
import { openCheckpoint, parseCheckpoint, type Checkpoint } from "../log/checkpoint.js";
import { verifyWitnessQuorum } from "../log/cosignature.js";
import { leafHash } from "../log/merkle-hash.js";
import { StreamingRoot } from "../log/merkle.js";
import { parseNote } from "../log/note.js";
import { BoundLeaves } from "../record/bound.js";
import { RecordError, type RecordSource } from "../record/source.js";
import { TileCheck } from "../record/tile-check.js";
import { VERIFIER_NAME } from "./version.js";
import { checkOf } from "../election/check-registry.js";
import { CHECK_IDS, Checks } from "./checks.js";
import { crashFindings, inlineRunner, type RunnerJob, type CryptoRunner } from "./runner.js";
import {
  TallyAccumulator,
  encodedBallotOf,
  tallyManifestOf,
  type TallyManifest,
} from "../crypto/tally-accumulator.js";
import type { SumBallot, SumResult } from "./tally-sum.js";
import { asTrust, witnessKeyProblem, type Trust } from "./trust.js";
import { entryZeroTrustFindings, RegisteredQuota, UNPINNED_WARNING } from "./trust-pins.js";
import type { TrustFile } from "@urna/schemas";
import { sha256 } from "@noble/hashes/sha2.js";
import { auditSection, type AuditEnvironment } from "./audit-section.js";

export type Report = VerificationReport;

export interface AuditProgress {
  /** "entries": the main pass; "tally": summing the counted ballots; "done". */
  stage: "entries" | "tally" | "done";
  done: number;
  total: number;
}

export interface VerifyElectionOptions {
  source: RecordSource;
  /** The trust file (parsed JSON, validated here) or an already loaded Trust. */
  trust: TrustFile | Trust | unknown;
  /** Worker threads for the cryptography (Node only); 1 (default) runs inline. */
  workers?: number;
  /** Run the cryptography here instead (overrides `workers`; not closed by verifyElection). */
  runner?: CryptoRunner;
  /** Ballots per crypto batch (default 256). */
  batchSize?: number;
  /** Failures listed per check before the rest are only counted (default 1000). */
  maxFailures?: number;
  onProgress?: (p: AuditProgress) => void;
  /**
   * The trust file's bytes as read, hashed into the report's audit section; without them the
   * JCS form of the trust file is hashed (spec/record.md §Verification report).
   */
  trustBytes?: Uint8Array;
  /** The verifier's build and the machine, for the audit section (environment-node.ts). */
  environment?: AuditEnvironment;
}

const PROGRESS_EVERY = 256;

/** Move the state past an entry that must not be applied (it stays in the log, reported). */

const isBallotLike = (json: unknown): boolean => {
  const t =
    typeof json === "object" && json !== null ? (json as { type?: unknown }).type : undefined;
  return t === "ballot" || t === "ballot.challenged";
};

async function makeRunner(
  workers: number | undefined,
): Promise<{ runner: CryptoRunner; owned: boolean }> {
  const n = workers ?? 1;
  const isNode = typeof globalThis.process !== "undefined" && !!globalThis.process.versions?.node;
  if (n > 1 && isNode) {
    const spec = "./pool-node.js";
    const mod = (await import(/* @vite-ignore */ spec)) as typeof import("./pool-node.js");
    return { runner: mod.createWorkerPool(n), owned: true };
  }
  return { runner: inlineRunner(), owned: true };
}

interface Counters {
  proofs: number;
  ballots: number;
  challenged: number;
}

export async function verifyElection(opts: VerifyElectionOptions): Promise<Report> {
  const t0 = Date.now();
  const startedAt = new Date(t0).toISOString();
  const trust = asTrust(opts.trust);
  const source = opts.source;
  const bound = new BoundLeaves(source);
  const checks = new Checks(opts.maxFailures ?? 1000);
  const batchSize = Math.max(1, opts.batchSize ?? 256);
  const progress = opts.onProgress ?? (() => {});

  // ---- the checkpoint: V2, V3
  const text = await source.checkpoint();
  const checkpointBytes = utf8(text);
  let cp: Checkpoint | undefined;
  checks.get("V2").items = 1;
  try {
    cp = openCheckpoint(text, trust.board, { origin: trust.origin }).checkpoint;
  } catch (e) {
    const code = codeOf(e, "MALFORMED_CHECKPOINT", V2_CODES);
    checks.get("V2").fail({
      code,
      message: `checkpoint (key ${trust.board.name}, origin ${trust.origin}): ${msg(e).replace(`${code}: `, "")}`,
    });
    try {
      cp = parseCheckpoint(parseNote(text).text);
    } catch {
      cp = undefined;
    }
  }
  if (trust.originProblem)
    checks.get("V2").fail({ code: "BOARD_KEY_ELECTION_MISMATCH", message: trust.originProblem });
  const v3 = checks.get("V3");
  // Only cosignature/v1 keys other than the board's count (a Trust may bypass loadTrust).
  const witnesses = trust.witnesses.filter((w) => {
    const bad = witnessKeyProblem(trust.board, w);
    if (bad) v3.fail({ code: bad.code, message: bad.message });
    return !bad;
  });
  try {
    const q = verifyWitnessQuorum(text, witnesses, trust.quorum);
    v3.items = q.count;
    if (!q.ok)
      v3.fail({
        code: "WITNESS_QUORUM_NOT_MET",
        message:
          `${q.count} valid witness cosignature(s), quorum is ${trust.quorum}` +
          (q.invalid.length ? `; invalid: ${q.invalid.join(", ")}` : ""),
      });
    else if (trust.quorum === 0)
      v3.note = `NO WITNESS CHECKED: quorum 0, no witness cosignature required (${q.count} found)`;
    else v3.note = `cosigned by ${q.valid.join(", ")}`;
  } catch (e) {
    const code = codeOf(e, "MALFORMED_NOTE", ["MALFORMED_NOTE"]);
    v3.fail({
      code,
      message: `cannot read the checkpoint's signatures: ${msg(e).replace(`${code}: `, "")}`,
    });
  }
  const size = cp?.size;

  // ---- the runner
  const own = opts.runner ? { runner: opts.runner, owned: false } : await makeRunner(opts.workers);
  const runner = own.runner;

  // Crypto batches in flight, bounded. Each batch also sums the ballots applied in it; at
  // `voting.close` the superseded ones (under "last") are read again and subtracted.
  const inflight = new Set<Promise<void>>();
  let batch: CryptoWork[] = [];
  let sumSlice: SumBallot[] = [];
  let batchBallots = 0;
  let acc: TallyAccumulator<TallyManifest> | undefined;
  /** Ballots whose ciphertexts did not decode (each also fails V10); bounded. */
  const unsummable = new Map<number, string>();
  /** custodian/contest pairs with a failing share (for V16), bounded by custodians × contests. */
  const badShares = new Set<string>();
  /** Entries with a V5, V10 or V12 finding: a `ballot` among them never counts (V11, V14). */
  const invalid = new Set<number>();
  const route = (fs: readonly Finding[]) => {
    for (const f of fs) {
      checks.add(f);
      if ((f.check === "V5" || f.check === "V10" || f.check === "V12") && f.index !== undefined)
        invalid.add(f.index);
      if (f.check === "V15" && f.custodian !== undefined)
        badShares.add(`${f.custodian}/${f.contest ?? "*"}`);
    }
  };
  const takeSum = (r: SumResult | undefined, sign: 1 | -1, indices: number[]) => {
    if (!r || !acc) return;
    try {
      acc.merge(r.partial, sign);
    } catch (e) {
      for (const i of indices)
        checks.add(
          finding("V14", "VERIFIER_ERROR", `cannot sum this ballot: ${msg(e)}`, { index: i }),
        );
    }
    for (const b of r.bad) if (unsummable.size < 10_000) unsummable.set(b.index, b.message);
  };
  const flush = async () => {
    if (batch.length === 0 && sumSlice.length === 0) return;
    const job: RunnerJob = { work: batch };
    if (sumSlice.length && acc) job.sum = { manifest: acc.manifest, ballots: sumSlice };
    batch = [];
    sumSlice = [];
    batchBallots = 0;
    const indices = job.sum?.ballots.map((b) => b.index) ?? [];
    const p: Promise<void> = runner.run(job).then(
      (r) => {
        route(r.findings);
        takeSum(r.sum, 1, indices);
      },
      (e: unknown) => {
        route(crashFindings(job.work, e));
        for (const i of indices)
          checks.add(
            finding("V14", "VERIFIER_ERROR", `cannot sum this ballot: ${msg(e)}`, { index: i }),
          );
      },
    );
    const tracked = p.finally(() => inflight.delete(tracked));
    inflight.add(tracked);
    while (inflight.size >= runner.parallelism * 2) await Promise.race(inflight);
  };
  const queue = async (work: CryptoWork[], sum?: SumBallot) => {
    for (const w of work) {
      batch.push(w);
      if (w.kind === "ballot" || w.kind === "ballot.challenged") batchBallots++;
    }
    if (sum) sumSlice.push(sum);
    if (batchBallots >= batchSize || batch.length >= batchSize * 4) await flush();
  };

  const root = new StreamingRoot();
  // SHA-256 of the leaves read, each followed by LF: entries.jsonl's bytes up to the size.
  const entriesHash = sha256.create();
  const LF = new Uint8Array([10]);
  // The verifier's one replay (election/replay.ts), verified: it parses each leaf once, proves
  // its canonical form on the bytes, and runs the state's checks (ballot signatures deferred to
  // the workers with the proofs, the `single` rule to the close of voting).
  const replay = new Replay({
    verify: true,
    precheck: (json) => ({ deferSignature: isBallotLike(json), deferRevote: true }),
  });
  let state: ElectionState | undefined;
  let noManifest: string | undefined;
  const counters: Counters = { proofs: 0, ballots: 0, challenged: 0 };
  let index = 0;
  let tallied = false;
  /** The first index of each `tally`, `decryption.share`, `result` entry on the log. */
  const firstOfType = new Map<string, number>();
  const quota = trust.pins && new RegisteredQuota(trust.pins);
  // The record's own tile/ folder, if any, checked against the leaves as they stream (V1).
  const tileFiles = size !== undefined ? await source.tiles?.() : undefined;
  const tiles =
    tileFiles && new TileCheck(tileFiles, (f) => checks.add(finding("V1", f.code, f.message)));

  /** The log's root at each size from the result on (attested checkpoints, V18); bounded. */
  const roots = new AttestedRoots();
  const attestations: AttestationAt[] = [];
  /** Every well-formed attestation read, admitted or not (the report's `attestations`). */
  const seenAttestations: AttestationAt[] = [];

  try {
    for await (const { leaf, hash: lh } of bound.leaves(0, size ?? Infinity)) {
      const i = index++;
      roots.record(i, state?.doneSize !== undefined, () => toBase64(root.root()));
      root.push(lh);
      entriesHash.update(leaf).update(LF);
      const tileDone = tiles?.push(leaf, lh);
      if (tileDone) await tileDone;
      if (i % PROGRESS_EVERY === 0) progress({ stage: "entries", done: i, total: size ?? 0 });
      for (const id of ["V4", "V5", "V7"] as const) checks.get(id).items++;

      // V4: size, JSON and canonical form, read by the replay (the schema is the state's)
      const step = replay.check(leaf, { leafHash: lh });
      if (step.form.tooLarge)
        checks.add(
          finding(
            "V4",
            "ENTRY_TOO_LARGE",
            `the leaf is ${leaf.length} bytes, more than ${MAX_ENTRY_BYTES}`,
            { index: i },
          ),
        );
      if (step.form.notJson !== undefined) {
        checks.add(
          finding("V4", "BAD_JSON", `the leaf is not UTF-8 JSON: ${step.form.notJson}`, {
            index: i,
          }),
        );
        if (i === 0) noManifest = "entry 0 is not JSON";
        else replay.commit(step); // the state moves past it
        continue;
      }
      const nonCanonical = step.form.nonCanonical;
      if (nonCanonical)
        checks.add(
          finding(
            "V4",
            "NON_CANONICAL",
            nonCanonical.reason === undefined
              ? "the leaf is not its own RFC 8785 canonical form"
              : `the leaf has no canonical form: ${nonCanonical.reason}`,
            { index: i },
          ),
        );

      if (i === 0) {
        checks.get("V6").items = 1;
        route(step.findings);
        if (step.entry) checkManifestTrust(step.entry, trust, checks);
        replay.commit(step);
        state = replay.state;
        if (!state) noManifest = "entry 0 is not a valid manifest (see V4-V6)";
        continue;
      }
      if (!state || !step.pre) continue;

      // Ballots are almost every entry: their signatures are checked with their proofs, in the
      // workers (the replay's precheck defers them). A ballot is admitted on its cheap checks;
      // one that fails V5, V10 or V12 there is marked invalid when voting closes (`settle`), and
      // the workers leave it out of the sum.
      const t = typeOf(step.json);
      if (t && TALLY_INPUTS.has(t) && !firstOfType.has(t)) firstOfType.set(t, i);
      const pre = step.pre;
      route(pre.findings);
      const entry = pre.entry;
      if (entry) countItems(entry, checks, counters);
      if (entry?.type === "audit.attestation") {
        if (seenAttestations.length < MAX_LISTED_ATTESTATIONS)
          seenAttestations.push({ index: i, body: entry.body as AttestationBody });
        route(attestedCheckpoint(pre, i, roots, attestations, pre.admit));
      }
      replay.commit(step); // applied when admitted, else skipped
      if (!pre.admit || !entry) {
        // Not admitted, still checked: an ineligible or out-of-phase ballot's proofs (V12).
        await queue(pre.work);
        continue;
      }
      if (entry.type === "ceremony.blame")
        // Check B (ceremony.md §5): the auditor judges each blame; the board does not.
        route(
          adjudicateBlame(
            state.manifest,
            state.baseHash,
            state.round1.get((entry.body as { accused: number }).accused),
            entry.body,
            { index: i },
          ),
        );
      if (quota) route(quota.add(entry, i, (key) => state?.styleOf(key)));
      if (entry.type === "voting.open") acc = new TallyAccumulator(tallyManifestOf(state.manifest));
      await queue(
        pre.work,
        entry.type === "ballot" ? sumBallotOf(i, entry.body as BallotBody) : undefined,
      );

      if (entry.type === "voting.close" && !tallied && acc) {
        tallied = true;
        await flush();
        await Promise.all(inflight);
        settle(state, invalid, checks);
        await subtractSuperseded(state, bound, runner, acc, checks, progress);
        const superseded = new Set(state.supersededBallots());
        for (const [b, why] of unsummable)
          if (!superseded.has(b))
            checks.add(finding("V14", "TALLY_MISMATCH", `counted ballot: ${why}`, { index: b }));
        state.setComputedTally(acc.toBody().contests);
      }
    }
    await flush();
    await Promise.all(inflight);
  } finally {
    if (own.owned) await runner.close();
  }

  // ---- V1
  const v1 = checks.get("V1");
  v1.items = index;
  if (size === undefined)
    v1.fail({
      code: "NO_CHECKPOINT",
      message: `no checkpoint could be read; the record has ${index} leaves with root ${toBase64(root.root())}`,
    });
  else if (index !== size)
    v1.fail({
      code: "SIZE_MISMATCH",
      message: `the record has ${index} leaves, the checkpoint's size is ${size}`,
    });
  else if (!bytesEqual(root.root(), (cp as Checkpoint).root))
    v1.fail({
      code: "ROOT_MISMATCH",
      message: `the root of the ${size} leaves is ${toBase64(root.root())}, the checkpoint's is ${toBase64((cp as Checkpoint).root)}`,
    });
  if (tiles && index === size) await tiles.finish();
  if (size !== undefined && index === size) {
    let extra = 0;
    for await (const _ of source.leaves(size)) extra++;
    if (extra > 0) v1.note = `${extra} line(s) after the checkpoint's size were not verified`;
  }

  // ---- coverage and skips
  if (state && !tallied) settle(state, invalid, checks);
  if (!state) {
    for (const id of CHECK_IDS)
      if (!checkOf(id).withoutManifest) checks.get(id).skip(noManifest ?? "no manifest");
  } else {
    finish(state, checks, counters, badShares);
    notAdmitted(checks, firstOfType);
  }
  if (!trust.pins) checks.get("V6").note = UNPINNED_WARNING;
  else if (quota) checks.get("V9").note = `credentials/registered per style: ${quota.summary()}`;

  // V18: each attestation's outcomes and table hash against this verifier's, at its size.
  const resultIfPassed = state ? (resultOf(state) ?? null) : null;
  if (attestations.length) {
    route(judgeAttestations(trust.election, attestations, checks.reports(), resultIfPassed));
    checks.get("V18").note = `attested by ${attestations
      .map((a) => `${a.body.firm} (entry ${a.index}, checkpoint size ${a.body.checkpoint.size})`)
      .join("; ")}`;
  }

  const reports = checks.reports();
  // V16 and V17 say why there is no verified result when another check failed.
  const failedIds = reports.filter((r) => r.status === "fail").map((r) => r.id);
  for (const r of reports)
    if ((r.id === "V16" || r.id === "V17") && r.status === "pass" && failedIds.length)
      r.reason = `no verified result: ${failedIds.join(", ")} failed, and a result is verified only when every check passes`;
  const report: Report = {
    version: 1,
    verifier: VERIFIER_NAME,
    election: trust.election,
    checkpoint: {
      origin: cp?.origin && /^[\x21-\x7E]{1,255}$/.test(cp.origin) ? cp.origin : trust.origin,
      size: size ?? index,
      root: toBase64(cp?.root ?? root.root()),
    },
    startedAt,
    durationMs: Date.now() - t0,
    ok: reports.every((r) => r.status !== "fail"),
    complete: reports.every((r) => r.status !== "skip"),
    checks: reports,
  };
  // A result is verified only when every check passed (spec/record.md §Verification report).
  const result = report.ok && report.complete && state ? resultOf(state) : undefined;
  if (result) report.result = result;
  if (seenAttestations.length) report.attestations = attestationSummary(seenAttestations, reports);
  const atSize = outcomesAt(report.checks, report.checkpoint.size);
  const attested = attestationTableSha256(
    report.election,
    report.checkpoint,
    atSize,
    atSize.every((c) => c.status === "pass") ? resultIfPassed : null,
  );
  report.audit = auditSection(report, trust, {
    attestationTable: attested,
    trustBytes: opts.trustBytes,
    checkpointBytes,
    entriesSha256: toHex(entriesHash.digest()),
    entries: index,
    environment: opts.environment,
  });
  progress({ stage: "done", done: index, total: size ?? index });
  return report;
}

function checkManifestTrust(entry: Entry, trust: Trust, checks: Checks): void {
  checks.addAll(entryZeroTrustFindings(entry, 0, trust));
}

function countItems(entry: Entry, checks: Checks, c: Counters): void {
  const b = entry.body as Record<string, unknown>;
  const options = (contests: unknown) =>
    Array.isArray(contests)
      ? contests.reduce((n: number, x: { options?: unknown[] }) => n + (x.options?.length ?? 0), 0)
      : 0;
  switch (entry.type) {
    case "credentials":
      checks.get("V9").items += (b.credentials as unknown[]).length;
      break;
    case "ceremony.round1":
    case "ceremony.certify":
    case "ceremony.blame":
    case "election.key":
      checks.get("V8").items++;
      break;
    case "ballot":
    case "ballot.challenged": {
      const body = (entry.type === "ballot" ? b : b.ballot) as BallotBody;
      const proofs = body.contests.reduce((n, x) => n + x.selections.length + 1, 0);
      checks.get("V10").items++;
      checks.get("V12").items += proofs;
      if (entry.type === "ballot") {
        checks.get("V11").items++;
        c.ballots++;
      } else {
        checks.get("V13").items++;
        c.challenged++;
      }
      c.proofs += proofs;
      break;
    }
    case "tally":
      checks.get("V14").items += options(b.contests);
      break;
    case "decryption.share":
      checks.get("V15").items += options(b.contests);
      break;
    case "audit.attestation":
      checks.get("V18").items++;
      break;
    case "result":
      checks.get("V16").items += options(b.contests);
      checks.get("V17").items += options(b.contests);
      break;
  }
}

const sumBallotOf = (index: number, body: BallotBody): SumBallot => ({
  index,
  ...encodedBallotOf(body),
});

/**
 * Pass 2, at `voting.close`: every applied ballot was summed during pass 1; under "last" the
 * superseded ones are read again and subtracted, leaving the sum of the counted ballots (V14).
 * The re-read goes through `bound`: a leaf that is not the one pass 1 hashed fails V1
 * (LEAF_CHANGED), and V14 with it, since the sum is then unknown.
 */
async function subtractSuperseded(
  state: ElectionState,
  bound: BoundLeaves,
  runner: CryptoRunner,
  acc: TallyAccumulator<TallyManifest>,
  checks: Checks,
  progress: (p: AuditProgress) => void,
): Promise<void> {
  const superseded = state.supersededBallots();
  if (superseded.length === 0) return;
  const jobs = new Set<Promise<void>>();
  let slice: SumBallot[] = [];
  let done = 0;
  const send = async () => {
    if (slice.length === 0) return;
    const ballots = slice;
    slice = [];
    const sum = { manifest: acc.manifest, ballots };
    const p: Promise<void> = runner.run({ work: [], sum }).then(
      (r) => {
        try {
          if (r.sum) acc.merge(r.sum.partial, -1);
        } catch (e) {
          for (const b of ballots)
            checks.add(
              finding(
                "V14",
                "VERIFIER_ERROR",
                `cannot take this superseded ballot out: ${msg(e)}`,
                { index: b.index },
              ),
            );
        }
        done += ballots.length;
        progress({ stage: "tally", done, total: superseded.length });
      },
      (e: unknown) => {
        for (const b of ballots)
          checks.add(
            finding("V14", "VERIFIER_ERROR", `cannot take this superseded ballot out: ${msg(e)}`, {
              index: b.index,
            }),
          );
      },
    );
    const tracked = p.finally(() => jobs.delete(tracked));
    jobs.add(tracked);
    while (jobs.size >= runner.parallelism * 2) await Promise.race(jobs);
  };
  let k = 0;
  let i = superseded[0];
  try {
    for await (const { leaf } of bound.leaves(
      superseded[0],
      superseded[superseded.length - 1] + 1,
    )) {
      if (i !== superseded[k]) {
        i++;
        continue;
      }
      k++;
      try {
        slice.push(sumBallotOf(i, (JSON.parse(fromUtf8(leaf)) as Entry).body as BallotBody));
      } catch (e) {
        checks.add(
          finding("V14", "TALLY_MISMATCH", `a superseded ballot changed between reads: ${msg(e)}`, {
            index: i,
          }),
        );
      }
      if (slice.length >= 512) await send();
      i++;
    }
  } catch (e) {
    if (!(e instanceof RecordError) || e.code !== "LEAF_CHANGED") throw e;
    checks.add(finding("V1", "LEAF_CHANGED", msg(e), { index: i }));
    checks.add(
      finding(
        "V14",
        "TALLY_MISMATCH",
        "the sum of the counted ballots is unknown: a superseded ballot read again is not the leaf of the verified tree",
        { index: i },
      ),
    );
    await Promise.all(jobs);
    return;
  }
  if (k !== superseded.length)
    checks.add(
      finding(
        "V14",
        "TALLY_MISMATCH",
        `the record ended before superseded ballot ${superseded[k]} on the second read`,
      ),
    );
  await send();
  await Promise.all(jobs);
}

/**
 * Once every ballot's signature and proofs are known (at `voting.close`, or at the end of a log
 * still voting): the ballots that failed V5, V10 or V12 leave the count, and under `single`
 * every valid ballot after a credential's first fails V11 (spec/verification.md §Failing entries).
 */
function settle(state: ElectionState, invalid: ReadonlySet<number>, checks: Checks): void {
  state.invalidateBallots(invalid);
  for (const [i, first] of state.secondBallots())
    checks.add(
      finding("V11", "ALREADY_VOTED", `this credential has already voted (entry ${first})`, {
        index: i,
      }),
    );
}

const typeOf = (json: unknown): string | undefined => {
  const t =
    typeof json === "object" && json !== null ? (json as { type?: unknown }).type : undefined;
  return typeof t === "string" ? t : undefined;
};

/** The entry types whose presence V14-V17 need, and the checks that read each. */
const TALLY_INPUTS = new Map<string, CheckId[]>([
  ["tally", ["V14"]],
  ["decryption.share", ["V15"]],
  ["result", ["V16", "V17"]],
]);

/**
 * A check is skipped only when its inputs are not on the log (verification.md §Failing
 * entries, 4): one whose entries are on the log but were not admitted fails instead.
 */
function notAdmitted(checks: Checks, firstOfType: ReadonlyMap<string, number>): void {
  for (const [type, ids] of TALLY_INPUTS) {
    const at = firstOfType.get(type);
    if (at === undefined) continue;
    for (const id of ids) {
      const c = checks.get(id);
      if (!c.skipped) continue;
      c.fail({
        code: "NOT_ADMITTED",
        message: `a ${type} entry is on the log but was not admitted (see the checks it fails); ${id} cannot pass`,
        index: at,
      });
    }
  }
}

function finish(state: ElectionState, checks: Checks, c: Counters, badShares: Set<string>): void {
  const m = state.manifest;
  const phase = state.phase;
  const superseded = state.supersededBallots().length;
  const counted = state.countedBallots().length;
  checks.get("V11").note =
    `${counted} counted ballot(s)` +
    (m.revotePolicy === "last" ? `, ${superseded} superseded under "last"` : "");
  if (c.challenged === 0) checks.get("V13").note = "no challenged ballots";
  if (phase === "setup" || phase === "voting") {
    const why = `the election is in phase ${phase}: no tally yet`;
    for (const id of ["V14", "V15", "V16", "V17"] as CheckId[]) checks.get(id).skip(why);
    if (phase === "setup") checks.get("V10").note = "voting has not opened";
    return;
  }
  // V14: every contest tallied exactly once (the state checks duplicates and sums)
  if (state.tally.size === 0) {
    for (const id of ["V14", "V15", "V16", "V17"] as CheckId[])
      checks.get(id).skip("voting is closed but no tally is on the log yet");
    return;
  }
  for (const ct of m.contests)
    if (!state.tally.has(ct.id))
      checks.add(
        finding("V14", "TALLY_MISMATCH", `contest ${ct.id} has no tally entry`, { contest: ct.id }),
      );
  if (phase === "closed") {
    for (const id of ["V15", "V16", "V17"] as CheckId[])
      checks.get(id).skip("the tally does not cover every contest yet");
    return;
  }
  if (state.shares.size === 0) checks.get("V15").skip("no decryption share is on the log yet");
  if (state.result.size === 0) {
    for (const id of ["V16", "V17"] as CheckId[])
      checks.get(id).skip("no result is on the log yet");
    return;
  }
  for (const ct of m.contests)
    if (!state.result.has(ct.id))
      checks.add(
        finding("V17", "RESULT_MISMATCH", `contest ${ct.id} has no result`, { contest: ct.id }),
      );
  // V16: the combined shares must be valid ones (V15), those of the custodians of the result
  // entry that covers the contest
  for (const [contest] of state.result)
    for (const i of new Set(state.resultCustodiansOf.get(contest)))
      if (badShares.has(`${i}/${contest}`) || badShares.has(`${i}/*`))
        checks.add(
          finding(
            "V16",
            "RESULT_MISMATCH",
            `custodian ${i}'s share for ${contest} is not valid (V15)`,
            { contest, custodian: i },
          ),
        );
}

const MAX_ATTESTATIONS = 10_000;

/**
 * An attestation's checkpoint against the leaves read (V18): its root must be this log's at its
 * size. An admitted attestation over this log is kept for the comparison of its outcomes.
 */
function attestedCheckpoint(
  pre: Precheck,
  index: number,
  roots: AttestedRoots,
  kept: AttestationAt[],
  admitted: boolean,
): Finding[] {
  const claim = pre.checkpointClaim;
  if (!claim) return [];
  const found = attestedRootFindings(claim, index, roots.get(claim.size));
  if (found.length) return found;
  if (admitted && kept.length < MAX_ATTESTATIONS && pre.entry)
    kept.push({ index, body: pre.entry.body as AttestationBody });
  return [];
}

/** The verified result: called only when every check passed and the record is complete. */
function resultOf(state: ElectionState): ResultBody | undefined {
  const contests: ResultContest[] = [];
  // Every custodian whose shares were combined, in order of appearance: the one set when every
  // result entry names the same, their union when entries used different sets (protocol.md §6.10).
  const custodians: number[] = [];
  for (const c of state.manifest.contests) {
    const r = state.result.get(c.id);
    if (!r) return undefined;
    contests.push(r);
    for (const i of state.resultCustodiansOf.get(c.id) ?? [])
      if (!custodians.includes(i)) custodians.push(i);
  }
  return { custodians, contests };
}

const msg = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The codes V2 fails with when the checkpoint does not open (verification.md §Failure codes). */
const V2_CODES: readonly CodeOf<"V2">[] = [
  "MALFORMED_NOTE",
  "MALFORMED_CHECKPOINT",
  "NO_VALID_SIGNATURE",
  "INVALID_SIGNATURE",
  "WRONG_ORIGIN",
];

/** The error's code (LogError and the like) if it is one of `allowed`, else `fallback`. */
const codeOf = <C extends string>(e: unknown, fallback: C, allowed: readonly C[]): C => {
  const c = e instanceof Error ? (e as Error & { code?: unknown }).code : undefined;
  return typeof c === "string" && (allowed as readonly string[]).includes(c) ? (c as C) : fallback;
};
