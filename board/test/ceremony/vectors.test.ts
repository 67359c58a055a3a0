/**
 * The participant (board) side reproduces the CCTV COCKTAIL-DKG vectors byte for byte from the
 * published seed: static keys, round 1 (commitments, PoPs and their intermediates, ephemeral
 * keys, encrypted shares), round 2 (secret and verification shares, payloads), round 3
 * (transcript hash, signatures), the group key, and recovery.
 */
import { describe, expect, it } from "vitest";
import { sha512 } from "@noble/hashes/sha2.js";
import {
  G,
  ORDER,
  bytesToNumberLE,
  decodeElement,
  concatBytes,
  encodeScalar,
  fromHex,
  toHex,
  utf8,
  ceremony as dkg,
} from "@urna/verifier";
import {
  certify,
  recover,
  round1,
  round2,
  schnorrSignTrace,
  staticPublicKey,
  xchacha20poly1305Open,
  xchacha20poly1305Seal,
  type Round1Randomness,
} from "../../src/ceremony/index.js";
import {
  loadVectors,
  round1Of,
  setupOf,
  signaturesOf,
  vectorName,
  type Vector,
} from "../../../verifier/test/ceremony/vectors.js";

const file = loadVectors();
const seed = fromHex(file.seed);
const u32le = (x: number) => dkg.u32le(x);
const u64le = (x: number) => dkg.u64le(x);

/** H(seed || ciphersuite_id || u32le(t) || u32le(n) || label [|| u64le(counter)]). */
const labeled = (v: Vector, label: string, counter?: number): Uint8Array =>
  sha512(
    concatBytes(
      seed,
      utf8(file.ciphersuite),
      u32le(v.t),
      u32le(v.n),
      utf8(label),
      ...(counter === undefined ? [] : [u64le(counter)]),
    ),
  );
const scalarOf = (b: Uint8Array): bigint => bytesToNumberLE(b) % ORDER;

const staticSecret = (v: Vector, i: number): bigint =>
  scalarOf(labeled(v, `static_secret_key_${i}`));
/** The round1_participant_i stream: one 64-byte block per scalar, a_0..a_{t-1} then e_i. */
const randomnessOf = (v: Vector, i: number): Round1Randomness => ({
  coefficients: Array.from({ length: v.t }, (_, k) =>
    scalarOf(labeled(v, `round1_participant_${i}`, k)),
  ),
  ephemeralSecret: scalarOf(labeled(v, `round1_participant_${i}`, v.t)),
});
const payloadOf = (v: Vector, i: number): Uint8Array => labeled(v, `payload_${i}`);

describe.each(file.vectors.map((v) => [vectorName(v), v] as const))("vector %s", (_name, v) => {
  const setup = setupOf(v);
  const ids = Array.from({ length: v.n }, (_, k) => k + 1);

  it("derives the static keys and payloads from the seed", () => {
    for (const i of ids) {
      expect(toHex(encodeScalar(staticSecret(v, i)))).toBe(v.config.static_secret_keys[i - 1]);
      expect(toHex(staticPublicKey(staticSecret(v, i)))).toBe(v.config.static_public_keys[i - 1]);
    }
    if (v.payloads) expect(ids.map((i) => toHex(payloadOf(v, i)))).toEqual(v.payloads);
  });

  it("round 1 reproduces commitments, PoPs, ephemeral keys and encrypted shares", () => {
    for (const i of ids) {
      const { message, state } = round1(
        setup,
        i,
        staticSecret(v, i),
        randomnessOf(v, i),
        v.payloads ? payloadOf(v, i) : undefined,
      );
      const r = v.round1[i - 1];
      expect(r.participant_id).toBe(i);
      expect(message.commitments.map(toHex)).toEqual(r.vss_commitment);
      expect(toHex(message.pop)).toBe(r.pop);
      expect(toHex(message.ephemeralKey)).toBe(r.ephemeral_public_key);
      expect(message.ciphertexts.map(toHex)).toEqual(r.encrypted_shares);
      expect(state.coefficients).toHaveLength(v.t);
    }
  });

  it("reproduces every PoP intermediate", () => {
    for (const i of ids) {
      const r = v.round1[i - 1];
      const a0 = randomnessOf(v, i).coefficients[0];
      const tr = schnorrSignTrace(a0, fromHex(r.pop_intermediate.message));
      expect(toHex(tr.nonceInput)).toBe(r.pop_intermediate.nonce_input);
      expect(toHex(encodeScalar(tr.nonce))).toBe(r.pop_intermediate.nonce);
      expect(toHex(tr.nonceCommitment)).toBe(r.pop_intermediate.nonce_commitment);
      expect(toHex(tr.challengeInput)).toBe(r.pop_intermediate.challenge_input);
      expect(toHex(encodeScalar(tr.challenge))).toBe(r.pop_intermediate.challenge);
      expect(toHex(tr.signature)).toBe(r.pop);
    }
  });

  it("round 2 reproduces every secret share, verification share, the group key and payloads", () => {
    const msgs = round1Of(v);
    for (const i of ids) {
      const res = round2(setup, i, staticSecret(v, i), msgs);
      if (!res.ok) throw new Error(`participant ${i}: ${JSON.stringify(res.badShares)}`);
      const o = res.output;
      expect(toHex(encodeScalar(o.secretShare))).toBe(v.round2[i - 1].secret_share);
      expect(toHex(o.verificationShare)).toBe(v.round2[i - 1].verification_share);
      expect(o.verificationShares.map(toHex)).toEqual(v.round2.map((x) => x.verification_share));
      expect(toHex(o.groupPublicKey)).toBe(v.group_public_key);
      expect(toHex(dkg.transcriptHash(o.transcript))).toBe(v.round3.transcript_hash);
      expect(o.payloads.map(toHex)).toEqual(v.payloads ?? ids.map(() => ""));
      expect(toHex(G.multiply(o.secretShare).toBytes())).toBe(v.round2[i - 1].verification_share);
    }
  });

  it("round 3 reproduces every certification signature", () => {
    const T = dkg.transcriptFor(setup, round1Of(v));
    for (const i of ids)
      expect(toHex(certify(setup, i, staticSecret(v, i), T))).toBe(
        v.round3.signatures[i - 1].signature,
      );
  });

  it("XChaCha20-Poly1305: opens c_{1,2}, re-seals it to the same bytes, refuses any tampering", () => {
    const m = round1Of(v)[0];
    const d2 = staticSecret(v, 2);
    const { key, nonce } = dkg.deriveKeyAndNonce(
      decodeElement(m.ephemeralKey).multiply(d2).toBytes(),
      decodeElement(setup.staticKeys[0]).multiply(d2).toBytes(),
      m.ephemeralKey,
      setup.staticKeys[0],
      setup.staticKeys[1],
      setup.context,
    );
    const ct = m.ciphertexts[1];
    const pt = xchacha20poly1305Open(key, nonce, ct);
    expect(pt).not.toBeNull();
    expect(pt!.length).toBe(ct.length - 16);
    const s = bytesToNumberLE(pt!.subarray(0, 32));
    const C1 = m.commitments.map((c) => decodeElement(c));
    expect(G.multiply(s).equals(dkg.evaluateCommitment(C1, 2))).toBe(true);
    expect(xchacha20poly1305Seal(key, nonce, pt!)).toEqual(ct);
    for (const at of [0, 31, ct.length - 16, ct.length - 1]) {
      expect(
        xchacha20poly1305Open(
          key,
          nonce,
          Uint8Array.from(ct, (b, j) => (j === at ? b ^ 0x80 : b)),
        ),
      ).toBeNull();
    }
    expect(
      xchacha20poly1305Open(
        key,
        Uint8Array.from(nonce, (b, j) => (j === 20 ? b ^ 1 : b)),
        ct,
      ),
    ).toBeNull();
    expect(
      xchacha20poly1305Open(
        key,
        Uint8Array.from(nonce, (b, j) => (j === 3 ? b ^ 1 : b)),
        ct,
      ),
    ).toBeNull();
    expect(
      xchacha20poly1305Open(
        Uint8Array.from(key, (b, j) => (j === 0 ? b ^ 1 : b)),
        nonce,
        ct,
      ),
    ).toBeNull();
    expect(xchacha20poly1305Open(key, nonce, ct.slice(0, 15))).toBeNull();
  });

  if (v.recovery) {
    const rec = v.recovery;
    it("recovery of participant 1 reproduces x_1 and Y_1 from the bundle", () => {
      expect(rec.participant_id).toBe(1);
      expect(rec.ciphertexts).toEqual(v.round1.map((r) => r.encrypted_shares[0]));
      const T = dkg.transcriptFor(setup, round1Of(v));
      const bundle = dkg.encodeRecoveryBundle(rec.ciphertexts.map(fromHex));
      const out = recover(staticSecret(v, 1), T, signaturesOf(v), bundle);
      expect(out.index).toBe(1);
      expect(toHex(encodeScalar(out.secretShare))).toBe(rec.recovered_secret_share);
      expect(toHex(out.verificationShares[0])).toBe(rec.recovered_verification_share);
      expect(toHex(out.groupPublicKey)).toBe(v.group_public_key);
      expect(out.verificationShares.map(toHex)).toEqual(v.round2.map((x) => x.verification_share));
      // Aggregated signature bytes work as well.
      const again = recover(
        staticSecret(v, 1),
        T,
        dkg.encodeAggregatedSignatures(signaturesOf(v)),
        bundle,
      );
      expect(again.secretShare).toBe(out.secretShare);
    });

    it("recovery refuses bad inputs with stable codes", () => {
      const T = dkg.transcriptFor(setup, round1Of(v));
      const cts = rec.ciphertexts.map(fromHex);
      const bundle = dkg.encodeRecoveryBundle(cts);
      const sigs = signaturesOf(v);
      const d1 = staticSecret(v, 1);
      const code = (f: () => unknown) => {
        try {
          f();
        } catch (e) {
          return (e as dkg.CeremonyError).code;
        }
        return "no error";
      };
      expect(code(() => recover(d1, T, sigs, concatBytes(bundle, Uint8Array.of(0))))).toBe(
        "CEREMONY_BAD_FRAME",
      );
      expect(code(() => recover(d1, T, sigs, bundle.slice(0, -1)))).toBe("CEREMONY_BAD_FRAME");
      const badSigs = sigs.map((s, k) =>
        k === 1 ? Uint8Array.from(s, (b, j) => (j === 40 ? b ^ 1 : b)) : s,
      );
      expect(code(() => recover(d1, T, badSigs, bundle))).toBe("CEREMONY_BAD_SIGNATURE");
      expect(code(() => recover(12345n, T, sigs, bundle))).toBe("CEREMONY_NOT_A_PARTICIPANT");
      const flipped = cts.map((c, k) =>
        k === 2 ? Uint8Array.from(c, (b, j) => (j === 5 ? b ^ 1 : b)) : c,
      );
      expect(code(() => recover(d1, T, sigs, dkg.encodeRecoveryBundle(flipped)))).toBe(
        "CEREMONY_DECRYPTION_FAILED",
      );
      // Participant 2's bundle does not decrypt for participant 1.
      const other = dkg.encodeRecoveryBundle(v.round1.map((r) => fromHex(r.encrypted_shares[1])));
      expect(code(() => recover(d1, T, sigs, other))).toBe("CEREMONY_DECRYPTION_FAILED");
      const wrongSuite = Uint8Array.from(T);
      wrongSuite[8 + 9] ^= 0x20;
      expect(code(() => recover(d1, wrongSuite, sigs, bundle))).toBe("CEREMONY_WRONG_CIPHERSUITE");
    });
  }
});
