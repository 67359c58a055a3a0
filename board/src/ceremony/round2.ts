/**
 * Round 2 for participant i: check every round-1 message publicly (commitment count and points,
 * E_j, PoP_j, ciphertext sizes), decrypt and VSS-check every share addressed to i, then compute
 * x_i = Σ_j s_{j,i}, Y, Y_1..Y_n and T. A bad share is returned (not thrown) so that the caller
 * can publish a blame for each.
 */
import { G, IDENTITY, decodeElement, mod, ceremony as dkg } from "@urna/verifier";
import { xchacha20poly1305Open } from "./aead.js";
import { checkOwnKey } from "./keys.js";

export interface Round2Output {
  index: number;
  /** x_i (secret). */
  secretShare: bigint;
  /** Y. */
  groupPublicKey: Uint8Array;
  /** Y_i. */
  verificationShare: Uint8Array;
  /** Y_1..Y_n. */
  verificationShares: Uint8Array[];
  /** payload_{j,i} for j = 1..n. */
  payloads: Uint8Array[];
  /** The CertEq transcript T to sign in round 3. */
  transcript: Uint8Array;
}

export interface BadShare {
  /** j, the sender of the bad c_{j,i}. */
  sender: number;
  fault: dkg.ShareFault;
}

export type Round2Result =
  { ok: true; output: Round2Output } | { ok: false; badShares: BadShare[] };

/** The two ECDH shared secrets recipient i computes for sender j: enc(d_i·E_j), enc(d_i·P_j). */
export function recipientSharedSecrets(
  staticSecret: bigint,
  senderEphemeral: Uint8Array,
  senderStatic: Uint8Array,
): { ecdhEphemeral: Uint8Array; ecdhStatic: Uint8Array } {
  return {
    ecdhEphemeral: decodeElement(senderEphemeral).multiply(staticSecret).toBytes(),
    ecdhStatic: decodeElement(senderStatic).multiply(staticSecret).toBytes(),
  };
}

/**
 * Throws a CeremonyError for a public fault (the first one found: every participant and the
 * verifier see the same); returns the bad shares addressed to i otherwise.
 */
export function round2(
  setup: dkg.CeremonySetup,
  index: number,
  staticSecret: bigint,
  round1: readonly dkg.Round1Message[],
): Round2Result {
  dkg.validateSetup(setup);
  checkOwnKey(setup, index, staticSecret);
  if (round1.length !== setup.n)
    throw new dkg.CeremonyError(
      "CEREMONY_MESSAGE_COUNT",
      `${round1.length} round-1 messages, expected ${setup.n}`,
    );
  const checks = round1.map((m, k) => dkg.checkRound1(setup, k + 1, m));
  for (const c of checks) if (c.issues.length > 0) throw dkg.issueToError(c.issues[0]);
  const commitments = checks.map((c) => c.decoded!.commitments);

  const badShares: BadShare[] = [];
  const payloads: Uint8Array[] = [];
  let x = 0n;
  for (let j = 1; j <= setup.n; j++) {
    const m = round1[j - 1];
    const outcome = dkg.openShare(
      {
        ...recipientSharedSecrets(staticSecret, m.ephemeralKey, setup.staticKeys[j - 1]),
        senderEphemeral: m.ephemeralKey,
        senderStatic: setup.staticKeys[j - 1],
        recipientStatic: setup.staticKeys[index - 1],
        recipient: index,
        context: setup.context,
        ciphertext: m.ciphertexts[index - 1],
        commitments: commitments[j - 1],
      },
      xchacha20poly1305Open,
    );
    if (!outcome.ok) {
      badShares.push({ sender: j, fault: outcome.fault });
      continue;
    }
    x = mod(x + outcome.share);
    payloads.push(outcome.payload);
  }
  if (badShares.length > 0) return { ok: false, badShares };

  const shares = dkg.verificationShares(commitments, setup.n);
  const Yi = shares[index - 1];
  if (!(x === 0n ? IDENTITY : G.multiply(x)).equals(Yi))
    throw new dkg.CeremonyError("CEREMONY_FINAL_CHECK_FAILED", "x_i·B differs from Y_i", index);
  return {
    ok: true,
    output: {
      index,
      secretShare: x,
      groupPublicKey: dkg.groupPublicKey(commitments).toBytes(),
      verificationShare: Yi.toBytes(),
      verificationShares: shares.map((p) => p.toBytes()),
      payloads,
      transcript: dkg.transcriptFor(setup, round1),
    },
  };
}
