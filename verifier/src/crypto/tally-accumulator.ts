/**
 * The one homomorphic sum of counted ballots (protocol.md §10.1, check V14): every place that
 * sums selection ciphertexts — the auditor and its workers, the monitor, the board's running
 * tally and its worker thread, the authority's tally — uses `TallyAccumulator`.
 *
 * It sums per contest and option as ballots stream by: memory is O(options), never O(ballots).
 * Under the `last` revote policy a superseded ballot is taken out again with `subtract`. Sums
 * computed elsewhere (a worker's slice of the ballots, a monitor's snapshot) travel as a
 * `TallyPartial` (`toPartial`) and come back with `merge` or `fromPartial`, which refuse a
 * malformed one before touching anything. A ballot or partial that is refused leaves the sums
 * as they were.
 */
import type { BallotBody, CiphertextJson, Manifest, TallyBody, TallyContest } from "@urna/schemas";
import { TallyError } from "./errors.js";
import { decodeCiphertext, encodeCiphertext, type Ciphertext } from "./elgamal.js";
import { IDENTITY, addElements, subtractElements, type Element } from "./group.js";

/** The selection ciphertexts of one ballot, per contest (e.g. a `CheckedBallot`). */
export interface BallotCiphertexts {
  contests: readonly { contest: string; selections: readonly Ciphertext[] }[];
}

/** The same, as a ballot entry encodes them (a ballot body without its proofs). */
export interface EncodedBallot {
  contests: readonly { contest: string; selections: readonly CiphertextJson[] }[];
}

/** What a sum needs of a manifest: its contests' and their options' ids, in order. */
export interface TallyManifest {
  readonly contests: readonly {
    readonly id: string;
    readonly options: readonly { id: string }[];
  }[];
}

/**
 * Sums in transit (worker messages, snapshots): the number of ballots added minus subtracted
 * and, per contest, one tally ciphertext per option in manifest order. A contest left out sums
 * to (identity, identity).
 */
export interface TallyPartial {
  ballots: number;
  sums: Record<string, CiphertextJson[]>;
}

/** The ciphertexts of a ballot body, still encoded (the proofs left out). */
export const encodedBallotOf = (body: Pick<BallotBody, "contests">): EncodedBallot => ({
  contests: body.contests.map((c) => ({
    contest: c.contest,
    selections: c.selections.map((s) => s.ciphertext),
  })),
});

/** Decode a ballot's ciphertexts (alpha never the identity). Throws GroupError. */
export const decodeBallotCiphertexts = (b: EncodedBallot): BallotCiphertexts => ({
  contests: b.contests.map((c) => ({
    contest: c.contest,
    selections: c.selections.map((s) => decodeCiphertext(s, "ballot")),
  })),
});

/** A manifest's contest and option ids only (what a worker needs to sum a slice). */
export const tallyManifestOf = (m: TallyManifest): TallyManifest => ({
  contests: m.contests.map((c) => ({ id: c.id, options: c.options.map((o) => ({ id: o.id })) })),
});

interface Sums {
  options: string[];
  alpha: Element[];
  beta: Element[];
}

type Sign = 1 | -1;

export class TallyAccumulator<M extends TallyManifest = Manifest> {
  readonly #sums = new Map<string, Sums>();
  #count = 0;

  constructor(readonly manifest: M) {
    for (const c of manifest.contests)
      this.#sums.set(c.id, {
        options: c.options.map((o) => o.id),
        alpha: c.options.map(() => IDENTITY),
        beta: c.options.map(() => IDENTITY),
      });
  }

  /** An accumulator holding `partial` (see `merge` for what is refused). */
  static fromPartial<M extends TallyManifest>(
    manifest: M,
    partial: TallyPartial,
  ): TallyAccumulator<M> {
    const acc = new TallyAccumulator(manifest);
    acc.merge(partial);
    return acc;
  }

  /** Number of ballots added minus ballots subtracted. */
  get ballots(): number {
    return this.#count;
  }

  #contest(contest: string): Sums {
    const s = this.#sums.get(contest);
    if (!s) throw new TallyError("UNKNOWN_CONTEST", `unknown contest "${contest}"`);
    return s;
  }

  /** Check every contest's shape first, then change the sums: a refused input changes nothing. */
  #apply(
    contests: readonly { contest: string; selections: readonly Ciphertext[] }[],
    sign: Sign,
    count: number,
  ): void {
    for (const c of contests) {
      const s = this.#contest(c.contest);
      if (c.selections.length !== s.options.length)
        throw new TallyError(
          "BALLOT_SHAPE",
          `contest "${c.contest}" needs ${s.options.length} selections`,
        );
    }
    const op = sign === 1 ? addElements : subtractElements;
    for (const c of contests) {
      const s = this.#sums.get(c.contest)!;
      for (let j = 0; j < s.options.length; j++) {
        const ct = c.selections[j];
        s.alpha[j] = op(s.alpha[j], ct.alpha);
        s.beta[j] = op(s.beta[j], ct.beta);
      }
    }
    this.#count += sign * count;
  }

  /** Count a ballot: add its selections to the sums of its contests. Throws TallyError. */
  add(ballot: BallotCiphertexts): void {
    this.#apply(ballot.contests, 1, 1);
  }

  /** Take a previously added ballot out again (revote policy `last`). Throws TallyError. */
  subtract(ballot: BallotCiphertexts): void {
    this.#apply(ballot.contests, -1, 1);
  }

  /** `add` for a ballot as encoded on the log. Throws GroupError (bad encoding) or TallyError. */
  addEncoded(ballot: EncodedBallot): void {
    this.add(decodeBallotCiphertexts(ballot));
  }

  /** `subtract` for a ballot as encoded on the log. Throws GroupError or TallyError. */
  subtractEncoded(ballot: EncodedBallot): void {
    this.subtract(decodeBallotCiphertexts(ballot));
  }

  /**
   * Add (sign 1) or take out (sign −1) the sums of another accumulator over the same contests,
   * or a partial sum received from elsewhere: ballots and sums together. A partial is checked
   * whole first: its `ballots` must be a safe integer and `sums` an object (else TallyError
   * BAD_PARTIAL), each contest the manifest's (UNKNOWN_CONTEST) with one ciphertext per option
   * (BALLOT_SHAPE), each decoding as a tally ciphertext (GroupError).
   */
  merge(other: TallyAccumulator<TallyManifest> | TallyPartial, sign: Sign = 1): void {
    if (other instanceof TallyAccumulator) {
      const contests = [...other.#sums].map(([contest, s]) => ({
        contest,
        selections: s.alpha.map((alpha, j) => ({ alpha, beta: s.beta[j] })),
      }));
      this.#apply(contests, sign, other.ballots);
      return;
    }
    const p = other as Partial<TallyPartial> | null;
    if (typeof p !== "object" || p === null || !Number.isSafeInteger(p.ballots))
      throw new TallyError("BAD_PARTIAL", "a partial sum needs an integer count of ballots");
    if (typeof p.sums !== "object" || p.sums === null || Array.isArray(p.sums))
      throw new TallyError("BAD_PARTIAL", "a partial sum needs its sums per contest");
    const contests = Object.entries(p.sums).map(([contest, cts]) => {
      const s = this.#contest(contest);
      if (!Array.isArray(cts) || cts.length !== s.options.length)
        throw new TallyError(
          "BALLOT_SHAPE",
          `contest "${contest}" needs ${s.options.length} ciphertexts`,
        );
      return { contest, selections: cts.map((ct) => decodeCiphertext(ct, "tally")) };
    });
    this.#apply(contests, sign, p.ballots as number);
  }

  /** Every sum, for a worker message or a snapshot (`merge` or `fromPartial` reads it back). */
  toPartial(): TallyPartial {
    const sums: Record<string, CiphertextJson[]> = {};
    for (const [contest, s] of this.#sums)
      sums[contest] = s.alpha.map((alpha, j) => encodeCiphertext({ alpha, beta: s.beta[j] }));
    return { ballots: this.#count, sums };
  }

  /** The tally ciphertexts of a contest, in manifest option order. */
  contest(contest: string): Ciphertext[] {
    const s = this.#contest(contest);
    return s.alpha.map((alpha, j) => ({ alpha, beta: s.beta[j] }));
  }

  /** One contest as a tally entry's contest object. */
  toContest(contest: string): TallyContest {
    const s = this.#contest(contest);
    return {
      contest,
      options: s.options.map((option, j) => ({
        option,
        ciphertext: encodeCiphertext({ alpha: s.alpha[j], beta: s.beta[j] }),
      })),
    };
  }

  /** A tally body covering `contests` (default: every contest, in manifest order). */
  toBody(contests: readonly string[] = this.manifest.contests.map((c) => c.id)): TallyBody {
    return { ballots: this.#count, contests: contests.map((c) => this.toContest(c)) };
  }
}

/** Sum a stream of counted ballots (memory O(options)). */
export function encryptedTallyOf(
  manifest: Manifest,
  ballots: Iterable<BallotCiphertexts>,
): TallyAccumulator {
  const acc = new TallyAccumulator(manifest);
  for (const b of ballots) acc.add(b);
  return acc;
}
