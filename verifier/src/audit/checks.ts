/**
 * How the outcomes of the numbered checks (the registry: ../election/check-registry.ts) are
 * collected: each check
 * counts the items it examined and keeps its failures (at most `maxFailures` listed, the rest
 * counted), so the report's memory stays bounded however many items fail.
 */
import type { CheckFailure, CheckReport, CheckStatus } from "@urna/schemas";
import { CHECK_IDS, checkOf } from "../election/check-registry.js";
import type { CheckId, Finding } from "../election/findings.js";
import { escapeDisplay } from "../report/escape.js";

export { CHECK_IDS } from "../election/check-registry.js";

const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const HEX32 = /^[0-9a-f]{64}$/;
const MAX_MESSAGE = 4096;

const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** What a check fails with: a stable code, a message for people and where. */
export type FailureInput = Pick<Finding, "code" | "message"> & Partial<Finding>;

/**
 * A finding as a report failure: its stable `code`, locations that fit the report schema, the
 * rest in the message. The message starts with the code ("CODE: …", spec/record.md
 * §Verification report) and is a display string: any control or bidi character it quotes is
 * escaped (spec/protocol.md §2).
 */
export function toFailure(f: FailureInput): CheckFailure {
  const code = CODE.test(f.code) ? f.code : "VERIFIER_ERROR";
  const out: CheckFailure = { code, message: "" };
  const extra: string[] = [];
  if (f.index !== undefined) {
    if (Number.isSafeInteger(f.index) && f.index >= 0) out.index = f.index;
    else extra.push(`index ${String(f.index)}`);
  }
  if (f.trackingCode !== undefined) {
    if (HEX32.test(f.trackingCode)) out.trackingCode = f.trackingCode;
    else extra.push(`tracking code ${JSON.stringify(f.trackingCode)}`);
  }
  if (f.contest !== undefined) {
    if (ID.test(f.contest)) out.contest = f.contest;
    else extra.push(`contest ${JSON.stringify(f.contest)}`);
  }
  if (f.option !== undefined) {
    if (ID.test(f.option)) out.option = f.option;
    else extra.push(`option ${JSON.stringify(f.option)}`);
  }
  if (f.custodian !== undefined) {
    if (Number.isInteger(f.custodian) && f.custodian >= 1 && f.custodian <= 255)
      out.custodian = f.custodian;
    else extra.push(`custodian ${String(f.custodian)}`);
  }
  let msg = `${code}: ${f.message}`;
  if (f.path) msg += ` (at ${f.path})`;
  if (extra.length) msg += ` [${extra.join(", ")}]`;
  msg = escapeDisplay(msg);
  out.message = msg.length > MAX_MESSAGE ? msg.slice(0, MAX_MESSAGE - 1) + "…" : msg;
  return out;
}

export class CheckOutcome {
  readonly id: CheckId;
  items = 0;
  private failed = 0;
  private readonly list: CheckFailure[] = [];
  private skipReason?: string;
  /** A note shown with a passing check (e.g. "quorum 0: witnesses not required"). */
  note?: string;

  constructor(
    id: CheckId,
    private readonly maxFailures: number,
  ) {
    this.id = id;
  }

  fail(f: FailureInput): void {
    this.failed++;
    if (this.list.length < this.maxFailures) this.list.push(toFailure(f));
  }
  skip(reason: string): void {
    this.skipReason ??= reason;
  }
  get failures(): number {
    return this.failed;
  }
  get skipped(): boolean {
    return this.failed === 0 && this.skipReason !== undefined;
  }

  report(): CheckReport {
    const status: CheckStatus =
      this.failed > 0 ? "fail" : this.skipReason !== undefined ? "skip" : "pass";
    const failures = [...this.list].sort((a, b) => (a.index ?? -1) - (b.index ?? -1));
    const r: CheckReport = {
      id: this.id,
      title: checkOf(this.id).title,
      status,
      items: this.items,
      failures,
    };
    const reason = status === "skip" ? this.skipReason : status === "pass" ? this.note : undefined;
    if (reason !== undefined) r.reason = escapeDisplay(reason).slice(0, MAX_MESSAGE);
    if (this.failed > this.list.length) r.failuresOmitted = this.failed - this.list.length;
    return r;
  }
}

export class Checks {
  private readonly map = new Map<CheckId, CheckOutcome>();
  constructor(maxFailures = 1000) {
    for (const id of CHECK_IDS) this.map.set(id, new CheckOutcome(id, maxFailures));
  }
  get(id: CheckId): CheckOutcome {
    return this.map.get(id) as CheckOutcome;
  }
  add(f: Finding): void {
    this.get(f.check).fail(f);
  }
  addAll(fs: readonly Finding[]): void {
    for (const f of fs) this.add(f);
  }
  reports(): CheckReport[] {
    return CHECK_IDS.map((id) => this.get(id).report());
  }
}
