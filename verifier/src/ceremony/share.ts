/**
 * Opening one encrypted share c_{j,i}, given the two ECDH shared secrets: key derivation (H6),
 * AEAD decryption, plaintext parsing and the VSS check s·B = Σ_k i^k·C_{j,k}. Shared by the
 * participant (round 2, recovery) and by anyone checking a blame.
 *
 * The AEAD, XChaCha20-Poly1305 (no associated data), is injected: the board supplies its own,
 * the auditor ./aead.ts (decryption only, to judge blames).
 */
import { G, IDENTITY, decodeScalar, type Element } from "../crypto/group.js";
import { SCALAR_SIZE, deriveKeyAndNonce } from "./suite.js";
import { evaluateCommitment } from "./vss.js";

/** XChaCha20-Poly1305 decryption: the plaintext, or null when authentication fails. */
export type AeadOpen = (
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
) => Uint8Array | null;

/** The three Round 2 decryption-related faults (the spec's Option 3 tags). */
export type ShareFault = "decryption-failed" | "bad-plaintext" | "share-mismatch";
export const SHARE_FAULTS: readonly ShareFault[] = [
  "decryption-failed",
  "bad-plaintext",
  "share-mismatch",
];

export type ShareOutcome =
  { ok: true; share: bigint; payload: Uint8Array } | { ok: false; fault: ShareFault };

export interface ShareOpening {
  /** enc(d_i·E_j) = enc(e_j·P_i). */
  ecdhEphemeral: Uint8Array;
  /** enc(d_i·P_j) = enc(d_j·P_i). */
  ecdhStatic: Uint8Array;
  senderEphemeral: Uint8Array;
  senderStatic: Uint8Array;
  recipientStatic: Uint8Array;
  /** Recipient index i (1-based): the VSS evaluation point. */
  recipient: number;
  context: Uint8Array;
  /** Raw (unframed) c_{j,i}. */
  ciphertext: Uint8Array;
  /** The sender's decoded VSS commitment C_j. */
  commitments: readonly Element[];
}

export function openShare(p: ShareOpening, open: AeadOpen): ShareOutcome {
  const { key, nonce } = deriveKeyAndNonce(
    p.ecdhEphemeral,
    p.ecdhStatic,
    p.senderEphemeral,
    p.senderStatic,
    p.recipientStatic,
    p.context,
  );
  const plaintext = open(key, nonce, p.ciphertext);
  if (plaintext === null) return { ok: false, fault: "decryption-failed" };
  if (plaintext.length < SCALAR_SIZE) return { ok: false, fault: "bad-plaintext" };
  let share: bigint;
  try {
    share = decodeScalar(plaintext.subarray(0, SCALAR_SIZE), { allowZero: true });
  } catch {
    return { ok: false, fault: "bad-plaintext" };
  }
  // The share is the recipient's secret: constant-time base multiplication.
  const lhs = share === 0n ? IDENTITY : G.multiply(share);
  if (!lhs.equals(evaluateCommitment(p.commitments, p.recipient)))
    return { ok: false, fault: "share-mismatch" };
  return { ok: true, share, payload: plaintext.slice(SCALAR_SIZE) };
}
