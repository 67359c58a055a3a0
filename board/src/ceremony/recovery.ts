/**
 * Recovery (spec "Share Recovery"): from d_i, the transcript T, the success certificate and the
 * encrypted share bundle C^rec_i, rebuild x_i, Y and Y_1..Y_n. In urna, T and every c_{j,i} are
 * on the log, so d_i and the log suffice.
 */
import { G, IDENTITY, bytesEqual, mod, ceremony as dkg } from "@urna/verifier";
import { xchacha20poly1305Open } from "./aead.js";
import { recipientSharedSecrets } from "./round2.js";

export interface RecoveryOutput {
  index: number;
  secretShare: bigint;
  groupPublicKey: Uint8Array;
  verificationShares: Uint8Array[];
  payloads: Uint8Array[];
  transcript: dkg.TranscriptData;
}

const FAULT_CODE: Record<dkg.ShareFault, dkg.CeremonyErrorCode> = {
  "decryption-failed": "CEREMONY_DECRYPTION_FAILED",
  "bad-plaintext": "CEREMONY_BAD_PLAINTEXT",
  "share-mismatch": "CEREMONY_SHARE_MISMATCH",
};

export function recover(
  staticSecret: bigint,
  transcript: Uint8Array,
  signatures: readonly Uint8Array[] | Uint8Array,
  bundle: Uint8Array,
  opts: dkg.FrameOptions = {},
): RecoveryOutput {
  // 1. Parse T (checks the ciphersuite id first).
  const data = dkg.parseTranscript(transcript);
  const setup: dkg.CeremonySetup = {
    n: data.n,
    t: data.t,
    staticKeys: data.staticKeys,
    context: data.context,
    extension: data.extension,
  };
  dkg.validateSetup(setup);
  // 2. Validate the certificate.
  const sigs =
    signatures instanceof Uint8Array
      ? dkg.parseAggregatedSignatures(signatures, data.n)
      : signatures;
  if (sigs.length !== data.n)
    throw new dkg.CeremonyError("CEREMONY_MESSAGE_COUNT", `expected ${data.n} signatures`);
  sigs.forEach((s, k) => {
    if (!dkg.verifyCertification(setup, transcript, k + 1, s))
      throw new dkg.CeremonyError(
        "CEREMONY_BAD_SIGNATURE",
        "certification signature does not verify",
        k + 1,
      );
  });
  // 3. Our index: the unique i with P_i = d·B.
  const mine = G.multiply(staticSecret).toBytes();
  const matches = data.staticKeys.flatMap((P, k) => (bytesEqual(P, mine) ? [k + 1] : []));
  if (matches.length !== 1)
    throw new dkg.CeremonyError(
      "CEREMONY_NOT_A_PARTICIPANT",
      "static secret matches no unique P_i",
    );
  const index = matches[0];
  // 5. Load the ciphertexts (exact parse).
  const ciphertexts = dkg.parseRecoveryBundle(bundle, data.n, opts);
  // 4, 6. Re-derive keys, decrypt, VSS-check.
  const commitments = data.commitments.map((C, k) => {
    const r = dkg.checkRound1(setup, k + 1, {
      commitments: C,
      pop: data.pops[k],
      ephemeralKey: data.ephemeralKeys[k],
      ciphertexts,
    });
    if (r.issues.length > 0 || r.decoded === null) throw dkg.issueToError(r.issues[0]);
    return r.decoded.commitments;
  });
  let x = 0n;
  const payloads: Uint8Array[] = [];
  for (let j = 1; j <= data.n; j++) {
    const E = data.ephemeralKeys[j - 1];
    const outcome = dkg.openShare(
      {
        ...recipientSharedSecrets(staticSecret, E, data.staticKeys[j - 1]),
        senderEphemeral: E,
        senderStatic: data.staticKeys[j - 1],
        recipientStatic: data.staticKeys[index - 1],
        recipient: index,
        context: data.context,
        ciphertext: ciphertexts[j - 1],
        commitments: commitments[j - 1],
      },
      xchacha20poly1305Open,
    );
    if (!outcome.ok)
      throw new dkg.CeremonyError(
        FAULT_CODE[outcome.fault],
        `share from custodian ${j}: ${outcome.fault}`,
        j,
      );
    x = mod(x + outcome.share);
    payloads.push(outcome.payload);
  }
  // 7, 8.
  const shares = dkg.verificationShares(commitments, data.n);
  if (!(x === 0n ? IDENTITY : G.multiply(x)).equals(shares[index - 1]))
    throw new dkg.CeremonyError("CEREMONY_FINAL_CHECK_FAILED", "x_i·B differs from Y_i", index);
  return {
    index,
    secretShare: x,
    groupPublicKey: dkg.groupPublicKey(commitments).toBytes(),
    verificationShares: shares.map((p) => p.toBytes()),
    payloads,
    transcript: data,
  };
}
