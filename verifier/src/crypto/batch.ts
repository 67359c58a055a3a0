/**
 * Batch verification of range proofs (§8.2) and decryption proofs (§10.2).
 *
 * `add` decodes a proof and checks its Fiat-Shamir challenge at once (cheap, and a failure there
 * is final); `verify` checks the group equations of everything added since the last `verify` as
 * one random-weight linear combination, evaluated with a single multi-scalar multiplication. If
 * that combination is not the identity, the batch is cut into parts that are checked the same
 * way (fresh weights), failing parts are cut again, and the proofs of the smallest failing parts
 * are checked alone, so that `failures` names exactly the proofs that are wrong.
 */
import type { DecryptionProofJson, RangeProofJson } from "@urna/schemas";
import {
  accumulateDecryptionEquations,
  decryptionEquationsHold,
  preverifyDecryptionProof,
  type DecryptionStatement,
  type ParsedDecryptionProof,
} from "./decryption-proof.js";
import { ProofError } from "./errors.js";
import { GroupError } from "./group.js";
import { MsmAccumulator, WeightSource } from "./msm.js";
import {
  accumulateRangeEquations,
  preverifyRangeProof,
  rangeEquationsHold,
  type ParsedRangeProof,
  type RangeStatement,
} from "./range-proof.js";

export type BatchItem =
  | { kind: "range"; statement: RangeStatement; proof: RangeProofJson }
  | { kind: "decryption"; statement: DecryptionStatement; proof: DecryptionProofJson };

export interface BatchFailure<L> {
  label: L;
  /** A ProofError code (PROOF_MALFORMED, PROOF_CHALLENGE_MISMATCH, PROOF_EQUATION_FAILED, ...). */
  code: string;
  /** For PROOF_MALFORMED: the GroupError code of the field that did not decode. */
  detail?: string;
  message: string;
}

export interface BatchResult<L> {
  ok: boolean;
  /** Every failing proof, in the order the proofs were added. */
  failures: BatchFailure<L>[];
  /** How many proofs this `verify` covered (including those that failed in `add`). */
  proofs: number;
  /** Points in the multi-scalar multiplication (G excluded). */
  msmPoints: number;
  /** True when the combined check failed and the bad proofs were looked for. */
  fellBack: boolean;
}

/** How many parts a failing batch is cut into when looking for the bad proofs. */
const FANOUT = 16;

type Pending<L> =
  | { seq: number; label: L; kind: "range"; st: RangeStatement; p: ParsedRangeProof }
  | {
      seq: number;
      label: L;
      kind: "decryption";
      st: DecryptionStatement;
      p: ParsedDecryptionProof;
      c: bigint;
    };

function failureOf<L>(label: L, e: unknown): BatchFailure<L> {
  if (e instanceof ProofError) return { label, code: e.code, detail: e.detail, message: e.message };
  if (e instanceof GroupError)
    return { label, code: "PROOF_MALFORMED", detail: e.code, message: e.message };
  return { label, code: "PROOF_MALFORMED", message: e instanceof Error ? e.message : String(e) };
}

export class BatchVerifier<L> {
  private pending: Pending<L>[] = [];
  private early: { seq: number; f: BatchFailure<L> }[] = [];
  private seq = 0;
  private readonly weights = new WeightSource();

  /** Proofs added since the last `verify`. */
  get size(): number {
    return this.seq;
  }

  /** Decode `item` and check its challenge now; returns false (and records the failure) if that fails. */
  add(label: L, item: BatchItem): boolean {
    return item.kind === "range"
      ? this.addRange(label, item.statement, item.proof)
      : this.addDecryption(label, item.statement, item.proof);
  }

  addRange(label: L, statement: RangeStatement, proof: RangeProofJson): boolean {
    const seq = this.seq++;
    try {
      const p = preverifyRangeProof(statement, proof);
      this.pending.push({ seq, label, kind: "range", st: statement, p });
      return true;
    } catch (e) {
      this.early.push({ seq, f: failureOf(label, e) });
      return false;
    }
  }

  addDecryption(label: L, statement: DecryptionStatement, proof: DecryptionProofJson): boolean {
    const seq = this.seq++;
    try {
      const { parsed, c } = preverifyDecryptionProof(statement, proof);
      this.pending.push({ seq, label, kind: "decryption", st: statement, p: parsed, c });
      return true;
    } catch (e) {
      this.early.push({ seq, f: failureOf(label, e) });
      return false;
    }
  }

  private accumulate(acc: MsmAccumulator, it: Pending<L>): void {
    if (it.kind === "range") accumulateRangeEquations(acc, this.weights, it.st, it.p);
    else accumulateDecryptionEquations(acc, this.weights, it.st, it.p, it.c);
  }

  private holds(it: Pending<L>): boolean {
    return it.kind === "range"
      ? rangeEquationsHold(it.st, it.p, this.weights)
      : decryptionEquationsHold(it.st, it.p, it.c, this.weights);
  }

  /**
   * The items of a failing set whose equations do not hold: the set is cut into FANOUT parts,
   * each part is checked as one combination (fresh weights), and only failing parts are looked
   * into, down to single proofs. One bad proof among N costs about one more N-point MSM; when
   * most are bad this does at most log_FANOUT(N) MSMs more than checking every proof alone.
   */
  private locate(items: Pending<L>[]): Pending<L>[] {
    if (items.length <= FANOUT) return items.filter((it) => !this.holds(it));
    const out: Pending<L>[] = [];
    const size = Math.ceil(items.length / FANOUT);
    for (let i = 0; i < items.length; i += size) {
      const part = items.slice(i, i + size);
      if (part.length === 1) {
        if (!this.holds(part[0])) out.push(part[0]);
        continue;
      }
      const acc = new MsmAccumulator();
      for (const it of part) this.accumulate(acc, it);
      if (!acc.isIdentity()) out.push(...this.locate(part));
    }
    return out;
  }

  /** Check everything added since the last call, then start afresh. */
  verify(): BatchResult<L> {
    const pending = this.pending;
    const early = this.early;
    const proofs = this.seq;
    this.pending = [];
    this.early = [];
    this.seq = 0;

    const acc = new MsmAccumulator();
    for (const it of pending) this.accumulate(acc, it);
    const msmPoints = acc.size;
    const failed = [...early];
    let fellBack = false;
    if (pending.length > 0 && !acc.isIdentity()) {
      fellBack = true;
      for (const it of this.locate(pending))
        failed.push({
          seq: it.seq,
          f: {
            label: it.label,
            code: "PROOF_EQUATION_FAILED",
            message: `a ${it.kind === "range" ? "range" : "decryption"}-proof equation does not hold`,
          },
        });
    }
    failed.sort((x, y) => x.seq - y.seq);
    const failures = failed.map((x) => x.f);
    return { ok: failures.length === 0, failures, proofs, msmPoints, fellBack };
  }
}
