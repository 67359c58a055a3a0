/**
 * A full random 3-of-5 ceremony through the participant functions, checked by the verifier;
 * a participant that sends one recipient a bad share is caught by that recipient and blamed,
 * and the blame verifies (while false or forged blames do not).
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  G,
  IDENTITY,
  ORDER,
  decodeElement,
  encodeScalar,
  mod,
  ceremony as dkg,
} from "@urna/verifier";
import {
  certify,
  checkBlame,
  evaluatePolynomial,
  generateStaticKey,
  makeBlame,
  makeBlameRandom,
  recover,
  round1,
  round1Random,
  round2,
  randomNonzeroScalar,
  xchacha20poly1305Seal,
  type Round1State,
  type Round2Output,
  type StaticKeyPair,
} from "../../src/ceremony/index.js";

const n = 5;
const t = 3;
const ids = [1, 2, 3, 4, 5];

/** Lagrange interpolation at 0 of the shares of `set`. */
function interpolateAtZero(set: number[], shares: bigint[]): bigint {
  let secret = 0n;
  for (const i of set) {
    let num = 1n;
    let den = 1n;
    for (const j of set) {
      if (j === i) continue;
      num = mod(num * BigInt(j));
      den = mod(den * BigInt(j - i));
    }
    secret = mod(secret + shares[i - 1] * num * modInverse(den));
  }
  return secret;
}
function modInverse(a: bigint): bigint {
  let [r0, r1, s0, s1] = [mod(a), ORDER, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0);
}

/** Replace c_{sender,recipient} by the encryption of `plaintext` under the honest key. */
function reencrypt(
  setup: dkg.CeremonySetup,
  sender: number,
  senderKey: StaticKeyPair,
  state: Round1State,
  msg: dkg.Round1Message,
  recipient: number,
  plaintext: Uint8Array,
): dkg.Round1Message {
  const Pr = decodeElement(setup.staticKeys[recipient - 1]);
  const { key, nonce } = dkg.deriveKeyAndNonce(
    Pr.multiply(state.ephemeralSecret).toBytes(),
    Pr.multiply(senderKey.secret).toBytes(),
    msg.ephemeralKey,
    setup.staticKeys[sender - 1],
    setup.staticKeys[recipient - 1],
    setup.context,
  );
  const ciphertexts = [...msg.ciphertexts];
  ciphertexts[recipient - 1] = xchacha20poly1305Seal(key, nonce, plaintext);
  return { ...msg, ciphertexts };
}

describe("a random 3-of-5 ceremony", () => {
  const keys = ids.map(() => generateStaticKey());
  const sessionId = globalThis.crypto.getRandomValues(new Uint8Array(64));
  const setup = dkg.ceremonySetup({ sessionId, t, staticKeys: keys.map((k) => k.publicKey) });
  let states: Round1State[];
  let msgs: dkg.Round1Message[];
  let outputs: Round2Output[];
  let sigs: Uint8Array[];

  beforeAll(() => {
    const r1 = ids.map((i) => round1Random(setup, i, keys[i - 1].secret));
    states = r1.map((r) => r.state);
    // Through the log: JSON bodies, strictly decoded.
    msgs = r1.map((r, k) => {
      const { custodian, message } = dkg.round1FromBody(
        JSON.parse(JSON.stringify(dkg.round1ToBody(k + 1, r.message))),
      );
      expect(custodian).toBe(k + 1);
      return message;
    });
    outputs = ids.map((i) => {
      const res = round2(setup, i, keys[i - 1].secret, msgs);
      if (!res.ok) throw new Error(`round 2 failed for ${i}`);
      return res.output;
    });
    sigs = outputs.map((o) => {
      const body = dkg.certifyToBody(
        o.index,
        certify(setup, o.index, keys[o.index - 1].secret, o.transcript),
      );
      return dkg.certifyFromBody(JSON.parse(JSON.stringify(body))).signature;
    });
  });

  it("every board-side round-1 message passes the verifier's per-entry check", () => {
    msgs.forEach((m, k) => expect(dkg.checkRound1(setup, k + 1, m).issues).toEqual([]));
  });

  it("all participants agree on Y, every Y_j and T, and x_i·B = Y_i", () => {
    for (const o of outputs) {
      expect(o.groupPublicKey).toEqual(outputs[0].groupPublicKey);
      expect(o.verificationShares).toEqual(outputs[0].verificationShares);
      expect(o.transcript).toEqual(outputs[0].transcript);
      expect(G.multiply(o.secretShare).toBytes()).toEqual(o.verificationShare);
    }
  });

  it("the verifier accepts the ceremony and recomputes the same key and shares", () => {
    const r = dkg.verifyCeremonyTranscript(
      setup,
      { round1: msgs, signatures: sigs },
      { sessionId },
    );
    expect(r.groupPublicKey).toEqual(outputs[0].groupPublicKey);
    expect(r.verificationShares).toEqual(outputs[0].verificationShares);
    expect(() =>
      dkg.checkElectionKey(r, JSON.parse(JSON.stringify(dkg.electionKeyBody(r)))),
    ).not.toThrow();
  });

  it("any t shares reconstruct the group secret; t-1 do not", () => {
    const shares = outputs.map((o) => o.secretShare);
    const Y = decodeElement(outputs[0].groupPublicKey);
    for (const set of [
      [1, 2, 3],
      [2, 4, 5],
      [1, 3, 5],
      [1, 2, 3, 4, 5],
    ]) {
      expect(G.multiply(interpolateAtZero(set, shares)).equals(Y)).toBe(true);
    }
    const two = interpolateAtZero([1, 2], shares);
    expect(two === 0n ? IDENTITY.equals(Y) : G.multiply(two).equals(Y)).toBe(false);
  });

  it("each custodian recovers its outputs from its static key and the log", () => {
    for (const i of ids) {
      const bundle = dkg.encodeRecoveryBundle(dkg.bundleFor(msgs, i));
      const out = recover(keys[i - 1].secret, outputs[0].transcript, sigs, bundle);
      expect(out.index).toBe(i);
      expect(out.secretShare).toBe(outputs[i - 1].secretShare);
      expect(out.verificationShares).toEqual(outputs[0].verificationShares);
    }
  });

  describe("a participant sending one recipient a bad share", () => {
    const sender = 2;
    const victim = 4;
    const cases: { label: string; fault: dkg.ShareFault; plaintext: () => Uint8Array | null }[] = [
      {
        label: "share off by one",
        fault: "share-mismatch",
        plaintext: () =>
          encodeScalar(mod(evaluatePolynomial(states[sender - 1].coefficients, victim) + 1n)),
      },
      {
        label: "non-canonical scalar",
        fault: "bad-plaintext",
        plaintext: () => new Uint8Array(32).fill(0xff),
      },
      { label: "31-byte plaintext", fault: "bad-plaintext", plaintext: () => new Uint8Array(31) },
      { label: "random ciphertext", fault: "decryption-failed", plaintext: () => null },
    ];
    for (const { label, fault, plaintext } of cases) {
      it(`is caught and blamed: ${label} (${fault})`, () => {
        const pt = plaintext();
        const bad =
          pt === null
            ? {
                ...msgs[sender - 1],
                ciphertexts: msgs[sender - 1].ciphertexts.map((c, k) =>
                  k === victim - 1 ? globalThis.crypto.getRandomValues(new Uint8Array(48)) : c,
                ),
              }
            : reencrypt(
                setup,
                sender,
                keys[sender - 1],
                states[sender - 1],
                msgs[sender - 1],
                victim,
                pt,
              );
        if (bad.ciphertexts[victim - 1].length < dkg.MIN_CIPHERTEXT_SIZE) {
          // A 31-byte plaintext gives a 47-byte ciphertext: refused publicly, no blame needed.
          expect(dkg.checkRound1(setup, sender, bad).issues.map((x) => x.code)).toEqual([
            "CEREMONY_CIPHERTEXT_TOO_SMALL",
          ]);
          return;
        }
        const round1Msgs = msgs.map((m, k) => (k === sender - 1 ? bad : m));
        // Publicly the round-1 message is still fine: only the victim can tell.
        expect(dkg.checkRound1(setup, sender, bad).issues).toEqual([]);
        for (const i of ids) {
          const res = round2(setup, i, keys[i - 1].secret, round1Msgs);
          if (i === victim) expect(res).toEqual({ ok: false, badShares: [{ sender, fault }] });
          else expect(res.ok).toBe(true);
        }
        const blame = makeBlameRandom(setup, victim, keys[victim - 1].secret, sender, bad, fault);
        const body = JSON.parse(JSON.stringify(dkg.blameToBody(blame))) as unknown;
        const decoded = dkg.blameFromBody(body);
        expect(checkBlame(setup, bad, decoded)).toEqual({ upheld: true, culprit: sender, fault });
        // The same blame against the honest message is false: the accuser is at fault.
        const honest = checkBlame(
          setup,
          msgs[sender - 1],
          makeBlameRandom(setup, victim, keys[victim - 1].secret, sender, msgs[sender - 1], fault),
        );
        expect(honest).toMatchObject({
          upheld: false,
          culprit: victim,
          code: "CEREMONY_FALSE_BLAME",
        });
      });
    }

    it("forged or mislabelled blames are refused and pin the accuser", () => {
      const pt = encodeScalar(
        mod(evaluatePolynomial(states[sender - 1].coefficients, victim) + 1n),
      );
      const bad = reencrypt(
        setup,
        sender,
        keys[sender - 1],
        states[sender - 1],
        msgs[sender - 1],
        victim,
        pt,
      );
      const blame = makeBlame(
        setup,
        victim,
        keys[victim - 1].secret,
        sender,
        bad,
        "share-mismatch",
        randomNonzeroScalar(),
      );
      expect(checkBlame(setup, bad, blame).upheld).toBe(true);
      const verdict = (b: dkg.Blame) => checkBlame(setup, bad, b);
      const flip = (x: Uint8Array, at: number) =>
        Uint8Array.from(x, (v, k) => (k === at ? v ^ 1 : v));
      // Wrong shared secret (a different point), with or without a fresh-looking proof.
      const otherPoint = G.multiply(99n).toBytes();
      expect(verdict({ ...blame, ecdhEphemeral: otherPoint })).toMatchObject({
        upheld: false,
        culprit: victim,
        code: "CEREMONY_BAD_BLAME",
      });
      expect(verdict({ ...blame, ecdhStatic: otherPoint })).toMatchObject({
        upheld: false,
        culprit: victim,
        code: "CEREMONY_BAD_BLAME",
      });
      expect(verdict({ ...blame, ecdhStatic: new Uint8Array(32) })).toMatchObject({
        upheld: false,
        code: "CEREMONY_BAD_BLAME",
      });
      for (const at of [0, 33, 63])
        expect(verdict({ ...blame, proof: flip(blame.proof, at) })).toMatchObject({
          upheld: false,
          code: "CEREMONY_BAD_BLAME",
        });
      expect(verdict({ ...blame, proof: blame.proof.slice(0, 63) })).toMatchObject({
        upheld: false,
        code: "CEREMONY_BAD_BLAME",
      });
      // The proof binds the reason: relabelling breaks it; a correctly proven wrong label is refused too.
      expect(verdict({ ...blame, reason: "decryption-failed" })).toMatchObject({
        upheld: false,
        code: "CEREMONY_BAD_BLAME",
      });
      const mislabelled = makeBlameRandom(
        setup,
        victim,
        keys[victim - 1].secret,
        sender,
        bad,
        "decryption-failed",
      );
      expect(verdict(mislabelled)).toMatchObject({
        upheld: false,
        culprit: victim,
        code: "CEREMONY_BAD_BLAME",
      });
      // Someone else cannot re-use the victim's proof.
      expect(verdict({ ...blame, accuser: 5 })).toMatchObject({
        upheld: false,
        culprit: 5,
        code: "CEREMONY_BAD_BLAME",
      });
      // The prover refuses to blame in someone else's name.
      expect(() =>
        makeBlame(setup, victim, keys[4].secret, sender, bad, "share-mismatch", 7n),
      ).toThrowError(expect.objectContaining({ code: "CEREMONY_BAD_SETUP" }));
      // Self-blame and out-of-range indices.
      expect(verdict({ ...blame, accused: victim })).toMatchObject({
        upheld: false,
        code: "CEREMONY_BAD_BLAME",
      });
      expect(verdict({ ...blame, accused: 9 })).toMatchObject({
        upheld: false,
        code: "CEREMONY_BAD_BLAME",
      });
    });
  });

  it("round 2 refuses a publicly bad round-1 message with its code and culprit", () => {
    const tampered = msgs.map((m, k) =>
      k === 2 ? { ...m, pop: Uint8Array.from(m.pop, (b, j) => (j === 50 ? b ^ 1 : b)) } : m,
    );
    expect(() => round2(setup, 1, keys[0].secret, tampered)).toThrowError(
      expect.objectContaining({ code: "CEREMONY_BAD_POP", custodian: 3 }),
    );
    expect(() => round2(setup, 1, keys[1].secret, msgs)).toThrowError(
      expect.objectContaining({ code: "CEREMONY_BAD_SETUP" }),
    );
  });

  it("round 1 is deterministic in its randomness and validates it", () => {
    const rnd = { coefficients: [5n, 6n, 7n], ephemeralSecret: 8n };
    const a = round1(setup, 1, keys[0].secret, rnd);
    const b = round1(setup, 1, keys[0].secret, rnd);
    expect(dkg.encodeMsg1(a.message)).toEqual(dkg.encodeMsg1(b.message));
    expect(dkg.checkRound1(setup, 1, a.message).issues).toEqual([]);
    for (const bad of [
      { coefficients: [5n, 6n], ephemeralSecret: 8n },
      { coefficients: [5n, 0n, 7n], ephemeralSecret: 8n },
      { coefficients: [5n, 6n, ORDER], ephemeralSecret: 8n },
      { coefficients: [5n, 6n, 7n], ephemeralSecret: 0n },
    ]) {
      expect(() => round1(setup, 1, keys[0].secret, bad)).toThrowError(
        expect.objectContaining({ code: "CEREMONY_BAD_SETUP" }),
      );
    }
    expect(() => round1(setup, 2, keys[0].secret, rnd)).toThrowError(
      expect.objectContaining({ code: "CEREMONY_BAD_SETUP", custodian: 2 }),
    );
  });
});
