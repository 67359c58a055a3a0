/**
 * Publicly verifiable blame for a bad encrypted share (the spec's Option 2 + Option 3).
 *
 * Ciphertext binding (Option 2): c_{j,i} is the one in sender j's own signed `ceremony.round1`
 * log entry, so j cannot deny it and the board cannot alter it.
 *
 * Decryption outcome (Option 3): accuser i reveals both ECDH shared secrets it used,
 * S^e = d_i·E_j and S^d = d_i·P_j, with a Chaum-Pedersen DLEQ proof that
 * log_B(P_i) = log_{E_j}(S^e) = log_{P_j}(S^d). Anyone then derives the AEAD key and nonce with
 * H6, decrypts c_{j,i}, and sees which fault (if any) occurs.
 *
 * Proof: k random; R1 = k·B, R2 = k·E_j, R3 = k·P_j;
 *   c = Hs("ceremony-blame", context, u32(i), u32(j), u8-reason, P_i, E_j, P_j, S^e, S^d,
 *          c_{j,i}, R1, R2, R3);  z = k + c·d_i.   proof = c || z (64 bytes).
 * (Hs is urna's domain-separated hash-to-scalar; u32 is 4 bytes big-endian; the context binds
 * the session id, i.e. the election's base hash.)
 */
import { G, decodeElement, decodeScalar, hashToScalar, type Element } from "../crypto/group.js";
import { CeremonyError, issueToError, type CeremonyErrorCode } from "./errors.js";
import type { Round1Message } from "./messages.js";
import type { CeremonySetup } from "./setup.js";
import { SHARE_FAULTS, openShare, type AeadOpen, type ShareFault } from "./share.js";
import { SCALAR_SIZE } from "./suite.js";
import { checkRound1 } from "./verify.js";

export const BLAME_TAG = "ceremony-blame";

export interface Blame {
  /** i: the recipient who publishes the blame. */
  accuser: number;
  /** j: the sender whose share c_{j,i} is bad. */
  accused: number;
  reason: ShareFault;
  /** enc(d_i·E_j), 32 bytes. */
  ecdhEphemeral: Uint8Array;
  /** enc(d_i·P_j), 32 bytes. */
  ecdhStatic: Uint8Array;
  /** c || z, 64 bytes. */
  proof: Uint8Array;
}

const u32be = (x: number): Uint8Array => {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, x, false);
  return out;
};

/** The blame DLEQ challenge; shared by the prover (board) and the verifier. */
export function blameChallenge(
  setup: CeremonySetup,
  accuser: number,
  accused: number,
  reason: ShareFault,
  accusedMessage: Round1Message,
  ecdhEphemeral: Uint8Array,
  ecdhStatic: Uint8Array,
  R1: Element,
  R2: Element,
  R3: Element,
): bigint {
  return hashToScalar(BLAME_TAG, [
    setup.context,
    u32be(accuser),
    u32be(accused),
    Uint8Array.of(SHARE_FAULTS.indexOf(reason)),
    setup.staticKeys[accuser - 1],
    accusedMessage.ephemeralKey,
    setup.staticKeys[accused - 1],
    ecdhEphemeral,
    ecdhStatic,
    accusedMessage.ciphertexts[accuser - 1],
    R1.toBytes(),
    R2.toBytes(),
    R3.toBytes(),
  ]);
}

export type BlameVerdict =
  /** The accused sent a bad share: `culprit` = accused. */
  | { upheld: true; culprit: number; fault: ShareFault }
  /** The blame is malformed, unproven or false: `culprit` = accuser. */
  | { upheld: false; culprit: number; code: BlameRefusal; message: string };

/** Why a blame is refused: malformed or unproven, or proven false (ceremony.md §6). */
export type BlameRefusal = Extract<
  CeremonyErrorCode,
  "CEREMONY_BAD_BLAME" | "CEREMONY_FALSE_BLAME"
>;

/**
 * Check a blame against the accused's round-1 message (which must itself be valid: it is on the
 * log only after `checkRound1` passed; otherwise this throws that message's first issue).
 */
export function verifyBlame(
  setup: CeremonySetup,
  accusedMessage: Round1Message,
  blame: Blame,
  open: AeadOpen,
): BlameVerdict {
  const { accuser: i, accused: j } = blame;
  const reject = (code: BlameRefusal, message: string): BlameVerdict => ({
    upheld: false,
    culprit: i,
    code,
    message,
  });
  const inRange = (x: number) => Number.isSafeInteger(x) && x >= 1 && x <= setup.n;
  if (!inRange(i)) throw new CeremonyError("CEREMONY_BAD_BLAME", "accuser index out of range");
  if (!inRange(j) || j === i)
    return reject("CEREMONY_BAD_BLAME", "accused index out of range or equal to the accuser");
  if (!SHARE_FAULTS.includes(blame.reason))
    return reject("CEREMONY_BAD_BLAME", "unknown blame reason");

  const check = checkRound1(setup, j, accusedMessage);
  if (check.issues.length > 0 || check.decoded === null) throw issueToError(check.issues[0]);
  const Ej = check.decoded.ephemeralKey;

  let Se: Element, Sd: Element, c: bigint, z: bigint;
  try {
    Se = decodeElement(blame.ecdhEphemeral);
    Sd = decodeElement(blame.ecdhStatic);
    if (blame.proof.length !== 2 * SCALAR_SIZE) throw new Error("proof size");
    c = decodeScalar(blame.proof.subarray(0, SCALAR_SIZE), { allowZero: true });
    z = decodeScalar(blame.proof.subarray(SCALAR_SIZE), { allowZero: true });
  } catch {
    return reject("CEREMONY_BAD_BLAME", "malformed shared secret or proof encoding");
  }
  const Pi = decodeElement(setup.staticKeys[i - 1]);
  const Pj = decodeElement(setup.staticKeys[j - 1]);
  const R1 = G.multiplyUnsafe(z).subtract(Pi.multiplyUnsafe(c));
  const R2 = Ej.multiplyUnsafe(z).subtract(Se.multiplyUnsafe(c));
  const R3 = Pj.multiplyUnsafe(z).subtract(Sd.multiplyUnsafe(c));
  if (
    blameChallenge(
      setup,
      i,
      j,
      blame.reason,
      accusedMessage,
      blame.ecdhEphemeral,
      blame.ecdhStatic,
      R1,
      R2,
      R3,
    ) !== c
  )
    return reject("CEREMONY_BAD_BLAME", "DLEQ proof of the shared secrets does not verify");

  const outcome = openShare(
    {
      ecdhEphemeral: blame.ecdhEphemeral,
      ecdhStatic: blame.ecdhStatic,
      senderEphemeral: accusedMessage.ephemeralKey,
      senderStatic: setup.staticKeys[j - 1],
      recipientStatic: setup.staticKeys[i - 1],
      recipient: i,
      context: setup.context,
      ciphertext: accusedMessage.ciphertexts[i - 1],
      commitments: check.decoded.commitments,
    },
    open,
  );
  if (outcome.ok) return reject("CEREMONY_FALSE_BLAME", `the share from custodian ${j} is valid`);
  if (outcome.fault !== blame.reason)
    return reject(
      "CEREMONY_BAD_BLAME",
      `claimed ${blame.reason} but the share fails with ${outcome.fault}`,
    );
  return { upheld: true, culprit: j, fault: outcome.fault };
}
