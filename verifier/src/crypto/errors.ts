/**
 * Typed errors of the election cryptography, each with a stable string `code` that reports and
 * API error bodies carry unchanged. Malformed group elements and scalars surface as the
 * GroupError of ./group.ts (BAD_BASE64, BAD_ELEMENT_ENCODING, IDENTITY_NOT_ALLOWED,
 * BAD_SCALAR_ENCODING, SCALAR_OUT_OF_RANGE, ZERO_NOT_ALLOWED), wrapped where a proof is concerned.
 */

export type ProofErrorCode =
  /** Wrong number of commitments/challenges/responses, or an element/scalar that does not decode (`detail` holds the GroupError code). */
  | "PROOF_MALFORMED"
  /** The statement itself is unusable (lo > hi, range too wide, bad custodian index). */
  | "STATEMENT_INVALID"
  /** Σ c_j differs from the Fiat-Shamir challenge recomputed from the statement and commitments. */
  | "PROOF_CHALLENGE_MISMATCH"
  /** A verification equation does not hold (protocol.md §8.2, §10.2). */
  | "PROOF_EQUATION_FAILED"
  /** A decryption share that must be the identity is not, or must not be and is (§10.2). */
  | "SHARE_IDENTITY_MISMATCH";

export class ProofError extends Error {
  constructor(
    readonly code: ProofErrorCode,
    message: string,
    /** The underlying GroupError code, for PROOF_MALFORMED. */
    readonly detail?: string,
  ) {
    super(message);
    this.name = "ProofError";
  }
}

export type BallotErrorCode =
  /** The ballot's style is not a style of the manifest. */
  | "UNKNOWN_STYLE"
  /** The ballot's style is not its credential's style. */
  | "STYLE_MISMATCH"
  /** `contests` is not exactly the style's contests, in the style's order. */
  | "CONTEST_MISMATCH"
  /** A contest does not have exactly one selection per option. */
  | "SELECTION_COUNT"
  /** A ciphertext does not decode (bad encoding, or alpha is the identity); `detail` holds the GroupError code. */
  | "BAD_CIPHERTEXT"
  /** A range proof fails (ballot.challenged or verifyBallot); `detail` holds the ProofError code. */
  | "PROOF_FAILED"
  /** `revealed` does not list exactly the ballot's contests in order with one choice and nonce per selection. */
  | "REVEALED_MISMATCH"
  /** A revealed choice is not 0 or 1. */
  | "BAD_CHOICE"
  /** A revealed nonce is not a canonical nonzero scalar. */
  | "BAD_NONCE"
  /** A revealed nonce and choice do not reproduce the selection's ciphertext. */
  | "CIPHERTEXT_MISMATCH"
  /** The revealed choices of a contest sum outside [minSelections, maxSelections]. */
  | "CONTEST_SUM_OUT_OF_RANGE";

export class BallotError extends Error {
  constructor(
    readonly code: BallotErrorCode,
    message: string,
    readonly where: { contest?: string; option?: string } = {},
    readonly detail?: string,
  ) {
    super(message);
    this.name = "BallotError";
  }
}

export type TallyErrorCode =
  /** Fewer distinct custodians' shares than the threshold. */
  | "THRESHOLD_NOT_MET"
  /** The same custodian index twice in one combination. */
  | "DUPLICATE_CUSTODIAN"
  /** A custodian index that is not a positive integer below ℓ. */
  | "BAD_CUSTODIAN_INDEX"
  /** The decrypted total is not in [0, max] (protocol.md §10.3). */
  | "DLOG_OUT_OF_RANGE"
  /** A contest or option the manifest does not have. */
  | "UNKNOWN_CONTEST"
  | "UNKNOWN_OPTION"
  /** A ballot's structure does not match the manifest (accumulator input). */
  | "BALLOT_SHAPE"
  /** A partial sum (worker message, snapshot) that is not `{ ballots, sums }`. */
  | "BAD_PARTIAL";

export class TallyError extends Error {
  constructor(
    readonly code: TallyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "TallyError";
  }
}
