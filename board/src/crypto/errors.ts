/** Errors of the prover side, with stable codes. */
export type ProverErrorCode =
  /** The style is not in the manifest. */
  | "UNKNOWN_STYLE"
  /** Choices missing for a contest of the style, wrong length, not 0/1, or a sum outside [min, max]. */
  | "BAD_CHOICES"
  /** A witness that does not satisfy its statement (m outside [lo, hi]). */
  | "BAD_WITNESS"
  /** A tally or share body that does not fit the manifest. */
  | "BAD_INPUT";

export class ProverError extends Error {
  constructor(
    readonly code: ProverErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ProverError";
  }
}
