/**
 * Typed errors of the COCKTAIL-DKG key ceremony. Every failure carries a stable `code` and,
 * when the fault is attributable, the 1-based index of the custodian at fault.
 */
export type CeremonyErrorCode =
  /** n, t, or the static keys are unusable (t > n, duplicate or invalid P_i, ...). */
  | "CEREMONY_BAD_SETUP"
  /** The context does not equal the one derived from session id, ciphersuite and keys. */
  | "CEREMONY_CONTEXT_MISMATCH"
  /** Not exactly n round-1 messages or n certification signatures. */
  | "CEREMONY_MESSAGE_COUNT"
  /** A message is structurally malformed (wrong sizes, trailing bytes, bad field). */
  | "CEREMONY_BAD_MESSAGE"
  /** A VSS commitment does not hold exactly t points. */
  | "CEREMONY_BAD_COMMITMENT_COUNT"
  /** A VSS commitment point is not a canonical, non-identity ristretto255 element. */
  | "CEREMONY_BAD_COMMITMENT"
  /** An ephemeral public key is not a canonical, non-identity ristretto255 element. */
  | "CEREMONY_BAD_EPHEMERAL_KEY"
  /** A proof of possession does not verify. */
  | "CEREMONY_BAD_POP"
  /** Not exactly n encrypted shares in a round-1 message. */
  | "CEREMONY_BAD_CIPHERTEXT_COUNT"
  /** A ciphertext (or its length prefix) exceeds MAX_CIPHERTEXT_SIZE. */
  | "CEREMONY_CIPHERTEXT_TOO_LARGE"
  /** A ciphertext is shorter than scalar size + AEAD tag (48 bytes). */
  | "CEREMONY_CIPHERTEXT_TOO_SMALL"
  /** A length-framed ciphertext sequence is truncated or has trailing bytes. */
  | "CEREMONY_BAD_FRAME"
  /** A certification (CertEq) signature does not verify on the transcript. */
  | "CEREMONY_BAD_SIGNATURE"
  /** A transcript does not parse (lengths, sizes, trailing bytes). */
  | "CEREMONY_BAD_TRANSCRIPT"
  /** A transcript names another ciphersuite. */
  | "CEREMONY_WRONG_CIPHERSUITE"
  /** A received share's AEAD authentication failed (private, recipient-side). */
  | "CEREMONY_DECRYPTION_FAILED"
  /** A decrypted plaintext is too short or its share is not a canonical scalar. */
  | "CEREMONY_BAD_PLAINTEXT"
  /** A decrypted share does not match the sender's VSS commitment. */
  | "CEREMONY_SHARE_MISMATCH"
  /** x_i·B ≠ Y_i after all shares verified (implementation bug). */
  | "CEREMONY_FINAL_CHECK_FAILED"
  /** Recovery: the static secret matches no (or several) P_i of the transcript. */
  | "CEREMONY_NOT_A_PARTICIPANT"
  /** Schnorr signing hit k = 0: the session is locally failed. */
  | "CEREMONY_SIGNING_ABORTED"
  /** A blame is malformed or its DLEQ proof does not verify. */
  | "CEREMONY_BAD_BLAME"
  /** A well-formed blame accuses a sender whose share is in fact valid. */
  | "CEREMONY_FALSE_BLAME"
  /** A published election key differs from the one recomputed from the ceremony. */
  | "CEREMONY_KEY_MISMATCH";

export class CeremonyError extends Error {
  constructor(
    readonly code: CeremonyErrorCode,
    message: string,
    /** 1-based index of the custodian at fault, when attributable. */
    readonly custodian: number | null = null,
  ) {
    super(custodian === null ? message : `custodian ${custodian}: ${message}`);
    this.name = "CeremonyError";
  }
}

/** One finding of a structured check: the same code and culprit a CeremonyError would carry. */
export interface CeremonyIssue {
  code: CeremonyErrorCode;
  custodian: number | null;
  message: string;
}

export const issue = (
  code: CeremonyErrorCode,
  custodian: number | null,
  message: string,
): CeremonyIssue => ({
  code,
  custodian,
  message,
});

export const issueToError = (i: CeremonyIssue): CeremonyError =>
  new CeremonyError(i.code, i.message, i.custodian);
