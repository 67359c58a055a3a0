/**
 * The public setup of a ceremony: n, t, the ordered static keys P_1..P_n, the context and the
 * extension. Setup MUSTs of the spec: 1 ≤ t ≤ n, distinct valid non-identity P_j.
 */
import { bytesEqual, toHex } from "../bytes.js";
import { decodeElement, type Element } from "../crypto/group.js";
import { CeremonyError } from "./errors.js";
import { MAX_PARTICIPANTS, deriveContext } from "./suite.js";

export interface CeremonySetup {
  /** Number of participants. */
  readonly n: number;
  /** Threshold. */
  readonly t: number;
  /** P_1..P_n, 32-byte ristretto255 encodings, in custodian-index order. */
  readonly staticKeys: readonly Uint8Array[];
  /** The session context (64 bytes under the recommended construction). */
  readonly context: Uint8Array;
  /** Application extension bound into the transcript (empty in urna). */
  readonly extension: Uint8Array;
}

/** Build a setup whose context is the spec's recommended construction over `sessionId`. */
export function ceremonySetup(args: {
  sessionId: Uint8Array;
  t: number;
  staticKeys: readonly Uint8Array[];
  extension?: Uint8Array;
}): CeremonySetup {
  const setup: CeremonySetup = {
    n: args.staticKeys.length,
    t: args.t,
    staticKeys: args.staticKeys.map((k) => Uint8Array.from(k)),
    context: deriveContext(args.sessionId, args.staticKeys),
    extension: args.extension ?? new Uint8Array(0),
  };
  validateSetup(setup);
  return setup;
}

/** Check the setup MUSTs; returns the decoded static keys. Throws CEREMONY_BAD_SETUP. */
export function validateSetup(setup: CeremonySetup): Element[] {
  const { n, t } = setup;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_PARTICIPANTS)
    throw new CeremonyError(
      "CEREMONY_BAD_SETUP",
      `n must be an integer in [1, ${MAX_PARTICIPANTS}]`,
    );
  if (!Number.isSafeInteger(t) || t < 1 || t > n)
    throw new CeremonyError("CEREMONY_BAD_SETUP", "t must be an integer in [1, n]");
  if (setup.staticKeys.length !== n)
    throw new CeremonyError("CEREMONY_BAD_SETUP", "exactly n static public keys are required");
  const seen = new Set<string>();
  const points: Element[] = [];
  setup.staticKeys.forEach((k, idx) => {
    try {
      points.push(decodeElement(k));
    } catch {
      throw new CeremonyError(
        "CEREMONY_BAD_SETUP",
        "static public key is not a valid non-identity element",
        idx + 1,
      );
    }
    const h = toHex(k);
    if (seen.has(h))
      throw new CeremonyError("CEREMONY_BAD_SETUP", "duplicate static public key", idx + 1);
    seen.add(h);
  });
  return points;
}

/** Throw CEREMONY_CONTEXT_MISMATCH unless `setup.context` is the recommended one over `sessionId`. */
export function checkContext(setup: CeremonySetup, sessionId: Uint8Array): void {
  if (!bytesEqual(setup.context, deriveContext(sessionId, setup.staticKeys)))
    throw new CeremonyError(
      "CEREMONY_CONTEXT_MISMATCH",
      "context differs from the one derived from the session id",
    );
}
