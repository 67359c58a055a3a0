/**
 * The public (verifier) side against the CCTV COCKTAIL-DKG vectors, byte for byte: context,
 * PoP intermediates, PoPs, transcript hash, certification signatures, group key and every
 * verification share; msg1 / transcript / aggregated-signature encodings round-trip.
 */
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../src/bytes.js";
import {
  CIPHERSUITE_ID,
  challengeInput,
  checkElectionKey,
  deriveContext,
  electionKeyBody,
  encodeAggregatedSignatures,
  encodeMsg1,
  parseMsg1,
  parseTranscript,
  payloadExtension,
  popMessage,
  schnorrChallenge,
  schnorrVerify,
  transcriptFor,
  transcriptHash,
  verifyCeremonyTranscript,
  verifyCertification,
} from "../../src/ceremony/index.js";
import { loadVectors, round1Of, setupOf, signaturesOf, vectorName } from "./vectors.js";

const file = loadVectors();
const le = (b: Uint8Array) => b.reduceRight((s, x) => (s << 8n) | BigInt(x), 0n);

describe("CCTV file", () => {
  it("is the Ristretto255 file with all four configurations", () => {
    expect(file.ciphersuite).toBe(CIPHERSUITE_ID);
    expect(file.vectors.map(vectorName)).toEqual([
      "2-of-3",
      "3-of-5",
      "7-of-14",
      "2-of-3 with payload extension",
    ]);
  });
});

describe.each(file.vectors.map((v) => [vectorName(v), v] as const))("vector %s", (_name, v) => {
  const setup = setupOf(v);
  const round1 = round1Of(v);
  const sigs = signaturesOf(v);

  it("derives the context from the session tag, ciphersuite and static keys", () => {
    expect(toHex(deriveContext(fromHex(v.session_tag), setup.staticKeys))).toBe(v.context);
  });

  it("has the expected extension", () => {
    if (v.payloads) expect(toHex(payloadExtension(v.payloads.map(fromHex)))).toBe(v.extension);
    else expect(v.extension).toBe("");
  });

  it("reproduces every PoP message and challenge, and every PoP verifies", () => {
    for (const [k, r] of v.round1.entries()) {
      const m = round1[k];
      const msg = popMessage(setup.context, m.commitments, m.ephemeralKey);
      expect(toHex(msg)).toBe(r.pop_intermediate.message);
      const R = m.pop.subarray(0, 32);
      expect(toHex(R)).toBe(r.pop_intermediate.nonce_commitment);
      expect(toHex(challengeInput(R, m.commitments[0], msg))).toBe(
        r.pop_intermediate.challenge_input,
      );
      const c = schnorrChallenge(R, m.commitments[0], msg);
      expect(c).toBe(le(fromHex(r.pop_intermediate.challenge)));
      expect(schnorrVerify(m.commitments[0], msg, m.pop)).toBe(true);
      // The PoP does not verify under another participant's commitment.
      expect(schnorrVerify(round1[(k + 1) % v.n].commitments[0], msg, m.pop)).toBe(false);
    }
  });

  it("reproduces the transcript hash, and every certification signature verifies", () => {
    const T = transcriptFor(setup, round1);
    expect(toHex(transcriptHash(T))).toBe(v.round3.transcript_hash);
    expect(v.round3.signatures.map((s) => s.signer_id)).toEqual(
      Array.from({ length: v.n }, (_, k) => k + 1),
    );
    sigs.forEach((s, k) => {
      expect(verifyCertification(setup, T, k + 1, s)).toBe(true);
      expect(verifyCertification(setup, T, ((k + 1) % v.n) + 1, s)).toBe(false);
    });
  });

  it("round-trips the transcript through parseTranscript", () => {
    const T = transcriptFor(setup, round1);
    const d = parseTranscript(T);
    expect([d.n, d.t]).toEqual([v.n, v.t]);
    expect(toHex(d.context)).toBe(v.context);
    expect(toHex(d.extension)).toBe(v.extension);
    expect(d.commitments.map((c) => c.map(toHex))).toEqual(v.round1.map((r) => r.vss_commitment));
    expect(d.pops.map(toHex)).toEqual(v.round1.map((r) => r.pop));
    expect(d.ephemeralKeys.map(toHex)).toEqual(v.round1.map((r) => r.ephemeral_public_key));
  });

  it("verifyCeremonyTranscript accepts the public transcript and returns Y and every Y_j", () => {
    const r = verifyCeremonyTranscript(
      setup,
      { round1, signatures: sigs },
      { sessionId: fromHex(v.session_tag) },
    );
    expect(toHex(r.groupPublicKey)).toBe(v.group_public_key);
    expect(r.verificationShares.map(toHex)).toEqual(v.round2.map((x) => x.verification_share));
    expect(toHex(r.transcriptHash)).toBe(v.round3.transcript_hash);
    // election.key body recomputation.
    const body = JSON.parse(JSON.stringify(electionKeyBody(r))) as unknown;
    expect(() => checkElectionKey(r, body)).not.toThrow();
  });

  it("accepts the same transcript given as msg1 bytes and aggregated signature bytes", () => {
    const bytes = round1.map(encodeMsg1);
    bytes.forEach((b, k) => {
      const p = parseMsg1(b, v.n, v.t, k + 1);
      expect(p.commitments.map(toHex)).toEqual(v.round1[k].vss_commitment);
      expect(p.ciphertexts.map(toHex)).toEqual(v.round1[k].encrypted_shares);
      expect(b.length).toBe(
        v.t * 32 + 64 + 32 + v.round1[k].encrypted_shares.reduce((s, c) => s + 8 + c.length / 2, 0),
      );
    });
    const r = verifyCeremonyTranscript(setup, {
      round1: bytes,
      signatures: encodeAggregatedSignatures(sigs),
    });
    expect(toHex(r.groupPublicKey)).toBe(v.group_public_key);
  });
});
