/**
 * Public verification of a COCKTAIL-DKG ceremony: everything a third party can check from the
 * setup, the n round-1 messages and the n certification signatures. Recomputes the group public
 * key Y and every verification share Y_j.
 *
 * `checkCeremonyTranscript` names every bad item; `verifyCeremonyTranscript` throws the first as
 * a CeremonyError.
 */
import { decodeElement, type Element } from "../crypto/group.js";
import { CeremonyError, issue, issueToError, type CeremonyIssue } from "./errors.js";
import {
  parseAggregatedSignatures,
  parseMsg1,
  type FrameOptions,
  type Round1Message,
} from "./messages.js";
import { schnorrVerify } from "./schnorr.js";
import { checkContext, validateSetup, type CeremonySetup } from "./setup.js";
import {
  MAX_CIPHERTEXT_SIZE,
  MIN_CIPHERTEXT_SIZE,
  POINT_SIZE,
  SIGNATURE_SIZE,
  popMessage,
} from "./suite.js";
import { transcriptFor, transcriptHash } from "./transcript.js";
import { groupPublicKey, verificationShares } from "./vss.js";

export interface CheckOptions extends FrameOptions {
  /** When given, the context must be the recommended construction over this session id. */
  sessionId?: Uint8Array;
}

export interface Round1Check {
  issues: CeremonyIssue[];
  /** The parsed message (null if the bytes did not parse). */
  message: Round1Message | null;
  /** Decoded C_j and E_j (null if any failed to decode). */
  decoded: { commitments: Element[]; ephemeralKey: Element } | null;
}

/**
 * Check one round-1 message of custodian `index` (1-based): structure, exactly t non-identity
 * commitment points, a non-identity E, n ciphertexts within [48, max] bytes, and the PoP.
 */
export function checkRound1(
  setup: CeremonySetup,
  index: number,
  msg: Round1Message | Uint8Array,
  opts: FrameOptions = {},
): Round1Check {
  const issues: CeremonyIssue[] = [];
  let m: Round1Message;
  if (msg instanceof Uint8Array) {
    try {
      m = parseMsg1(msg, setup.n, setup.t, index, opts);
    } catch (e) {
      if (!(e instanceof CeremonyError)) throw e;
      return { issues: [issue(e.code, index, e.message)], message: null, decoded: null };
    }
  } else m = msg;

  let commitmentsOk = true;
  if (m.commitments.length !== setup.t) {
    issues.push(
      issue(
        "CEREMONY_BAD_COMMITMENT_COUNT",
        index,
        `commitment has ${m.commitments.length} points, expected ${setup.t}`,
      ),
    );
    commitmentsOk = false;
  }
  const commitments: Element[] = [];
  m.commitments.forEach((c, k) => {
    try {
      commitments.push(decodeElement(c));
    } catch {
      issues.push(
        issue(
          "CEREMONY_BAD_COMMITMENT",
          index,
          `commitment point ${k} is not a valid non-identity element`,
        ),
      );
      commitmentsOk = false;
    }
  });
  let ephemeralKey: Element | null = null;
  try {
    ephemeralKey = decodeElement(m.ephemeralKey);
  } catch {
    issues.push(
      issue(
        "CEREMONY_BAD_EPHEMERAL_KEY",
        index,
        "ephemeral key is not a valid non-identity element",
      ),
    );
  }
  if (m.ciphertexts.length !== setup.n) {
    issues.push(
      issue(
        "CEREMONY_BAD_CIPHERTEXT_COUNT",
        index,
        `${m.ciphertexts.length} encrypted shares, expected ${setup.n}`,
      ),
    );
  }
  const max = opts.maxCiphertextSize ?? MAX_CIPHERTEXT_SIZE;
  m.ciphertexts.forEach((c, j) => {
    if (c.length > max)
      issues.push(
        issue(
          "CEREMONY_CIPHERTEXT_TOO_LARGE",
          index,
          `ciphertext to custodian ${j + 1} exceeds ${max} bytes`,
        ),
      );
    else if (c.length < MIN_CIPHERTEXT_SIZE)
      issues.push(
        issue(
          "CEREMONY_CIPHERTEXT_TOO_SMALL",
          index,
          `ciphertext to custodian ${j + 1} is shorter than ${MIN_CIPHERTEXT_SIZE} bytes`,
        ),
      );
  });
  if (m.pop.length !== SIGNATURE_SIZE) {
    issues.push(issue("CEREMONY_BAD_POP", index, `PoP must be ${SIGNATURE_SIZE} bytes`));
  } else if (commitmentsOk && ephemeralKey !== null) {
    if (
      !schnorrVerify(
        m.commitments[0],
        popMessage(setup.context, m.commitments, m.ephemeralKey),
        m.pop,
      )
    )
      issues.push(issue("CEREMONY_BAD_POP", index, "proof of possession does not verify"));
  }
  const decoded = commitmentsOk && ephemeralKey !== null ? { commitments, ephemeralKey } : null;
  return { issues, message: m, decoded };
}

/** Verify sig_index on T against P_index. */
export const verifyCertification = (
  setup: CeremonySetup,
  transcript: Uint8Array,
  index: number,
  signature: Uint8Array,
): boolean => schnorrVerify(setup.staticKeys[index - 1], transcript, signature);

export interface CeremonyInput {
  /** msg_{1|1}..msg_{1|n}, as bytes or split into fields. */
  round1: readonly (Round1Message | Uint8Array)[];
  /** sig_1..sig_n, as a list or as aggregated_sigs bytes. */
  signatures: readonly Uint8Array[] | Uint8Array;
}

export interface CeremonyResult {
  /** Y, 32 bytes. */
  groupPublicKey: Uint8Array;
  /** Y_1..Y_n, 32 bytes each. */
  verificationShares: Uint8Array[];
  /** The CertEq transcript T. */
  transcript: Uint8Array;
  /** SHA-512(T). */
  transcriptHash: Uint8Array;
  /** The parsed round-1 messages. */
  round1: Round1Message[];
}

export interface CeremonyCheck {
  ok: boolean;
  issues: CeremonyIssue[];
  /** T, when every transcript field was well-formed (even if some check failed). */
  transcript: Uint8Array | null;
  /** Present iff ok. */
  result: CeremonyResult | null;
}

/** Check everything public and name every bad item. Never throws on bad data. */
export function checkCeremonyTranscript(
  setup: CeremonySetup,
  input: CeremonyInput,
  opts: CheckOptions = {},
): CeremonyCheck {
  const fail = (issues: CeremonyIssue[], transcript: Uint8Array | null = null): CeremonyCheck => ({
    ok: false,
    issues,
    transcript,
    result: null,
  });
  try {
    validateSetup(setup);
    if (opts.sessionId !== undefined) checkContext(setup, opts.sessionId);
  } catch (e) {
    if (!(e instanceof CeremonyError)) throw e;
    return fail([issue(e.code, e.custodian, e.message)]);
  }
  const { n } = setup;
  if (input.round1.length !== n)
    return fail([
      issue(
        "CEREMONY_MESSAGE_COUNT",
        null,
        `${input.round1.length} round-1 messages, expected ${n}`,
      ),
    ]);

  const issues: CeremonyIssue[] = [];
  const checks = input.round1.map((m, idx) => checkRound1(setup, idx + 1, m, opts));
  for (const c of checks) issues.push(...c.issues);

  // T needs only well-sized transcript fields (t commitments of 32 bytes, 64-byte PoP, 32-byte E).
  const sized = checks.every(
    (c) =>
      c.message !== null &&
      c.message.commitments.length === setup.t &&
      c.message.commitments.every((x) => x.length === POINT_SIZE) &&
      c.message.pop.length === SIGNATURE_SIZE &&
      c.message.ephemeralKey.length === POINT_SIZE,
  );
  const round1 = checks.map((c) => c.message).filter((m): m is Round1Message => m !== null);
  const transcript = sized ? transcriptFor(setup, round1) : null;

  let sigs: readonly Uint8Array[] | null = null;
  if (input.signatures instanceof Uint8Array) {
    try {
      sigs = parseAggregatedSignatures(input.signatures, n);
    } catch (e) {
      if (!(e instanceof CeremonyError)) throw e;
      issues.push(issue("CEREMONY_MESSAGE_COUNT", null, e.message));
    }
  } else if (input.signatures.length !== n) {
    issues.push(
      issue(
        "CEREMONY_MESSAGE_COUNT",
        null,
        `${input.signatures.length} certification signatures, expected ${n}`,
      ),
    );
  } else sigs = input.signatures;

  if (transcript !== null && sigs !== null) {
    sigs.forEach((sig, idx) => {
      if (!verifyCertification(setup, transcript, idx + 1, sig))
        issues.push(
          issue(
            "CEREMONY_BAD_SIGNATURE",
            idx + 1,
            "certification signature does not verify on the transcript",
          ),
        );
    });
  }
  if (issues.length > 0 || transcript === null) return fail(issues, transcript);

  const decoded = checks.map((c) => c.decoded!.commitments);
  return {
    ok: true,
    issues: [],
    transcript,
    result: {
      groupPublicKey: groupPublicKey(decoded).toBytes(),
      verificationShares: verificationShares(decoded, n).map((p) => p.toBytes()),
      transcript,
      transcriptHash: transcriptHash(transcript),
      round1,
    },
  };
}

/** As `checkCeremonyTranscript`, but returns the result or throws the first issue. */
export function verifyCeremonyTranscript(
  setup: CeremonySetup,
  input: CeremonyInput,
  opts: CheckOptions = {},
): CeremonyResult {
  const c = checkCeremonyTranscript(setup, input, opts);
  if (!c.ok || c.result === null)
    throw issueToError(
      c.issues[0] ?? issue("CEREMONY_BAD_MESSAGE", null, "ceremony did not verify"),
    );
  return c.result;
}
