/**
 * Known-answer vectors (test/vectors/urna-v1/proofs.json): the Fiat-Shamir challenges are
 * recomputed here with node:crypto from the input order of protocol.md §8.2 and §10.2, so a
 * change in the hashing of either side shows up as a mismatch.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { CiphertextJson, DecryptionShareBody, RangeProofJson, TallyBody } from "@urna/schemas";
import {
  G,
  ORDER,
  decodeCiphertext,
  decodeShare,
  decodeTallyCiphertext,
  elementFromBase64,
  fromBase64,
  scalarFromBase64,
  verifyDecryptionShare,
  verifyRangeProof,
} from "@urna/verifier";

interface Vectors {
  publicKey: string;
  baseHash: string;
  signer: string;
  rangeProofs: {
    contest: string;
    option: string;
    lo: number;
    hi: number;
    ciphertext: CiphertextJson;
    proof: RangeProofJson;
    challenge: string;
  }[];
  decryption: {
    custodian: number;
    verificationShare: string;
    tally: TallyBody;
    share: DecryptionShareBody;
  };
}
const v = JSON.parse(
  readFileSync(new URL("../vectors/urna-v1/proofs.json", import.meta.url), "utf8"),
) as Vectors;

/** H(tag, parts) per protocol.md §3, reduced mod ℓ, written independently of group.ts. */
function hs(tag: string, parts: Buffer[]): bigint {
  const lp = (b: Buffer) => {
    const n = Buffer.alloc(8);
    n.writeBigUInt64BE(BigInt(b.length));
    return Buffer.concat([n, b]);
  };
  const d = createHash("sha512")
    .update(Buffer.concat([lp(Buffer.from(`urna-v1/${tag}`)), ...parts.map(lp)]))
    .digest();
  return BigInt("0x" + Buffer.from(d).reverse().toString("hex")) % ORDER;
}
const b = (s: string) => Buffer.from(s, "base64");
const u32 = (x: number) => {
  const o = Buffer.alloc(4);
  o.writeUInt32BE(x);
  return o;
};

describe("urna-v1 proof vectors", () => {
  const K = elementFromBase64(v.publicKey);
  const baseHash = fromBase64(v.baseHash);
  const signer = fromBase64(v.signer);

  it("range proofs: challenge = Hs(range-proof, baseHash, K, signer, contest, option, alpha, beta, u32 lo, u32 hi, a_0, b_0, …)", () => {
    expect(v.rangeProofs.map((r) => r.proof.a.length)).toEqual([2, 2, 3]);
    for (const r of v.rangeProofs) {
      const c = hs("range-proof", [
        b(v.baseHash),
        b(v.publicKey),
        b(v.signer),
        Buffer.from(r.contest, "utf8"),
        Buffer.from(r.option, "utf8"),
        b(r.ciphertext.alpha),
        b(r.ciphertext.beta),
        u32(r.lo),
        u32(r.hi),
        ...r.proof.a.flatMap((a, j) => [b(a), b(r.proof.b[j])]),
      ]);
      expect(c).toBe(scalarFromBase64(r.challenge));
      const sum =
        r.proof.c.reduce((s, x) => s + scalarFromBase64(x, { allowZero: true }), 0n) % ORDER;
      expect(sum).toBe(c);
      verifyRangeProof(
        {
          baseHash,
          publicKey: K,
          signer,
          contest: r.contest,
          option: r.option,
          ciphertext: decodeCiphertext(r.ciphertext),
          lo: r.lo,
          hi: r.hi,
        },
        r.proof,
      );
    }
  });

  it("decryption shares: c = Hs(decryption-proof, baseHash, K, u32 i, X_i, alpha, beta, D_i, a, b) and the proofs verify", () => {
    const d = v.decryption;
    const X = elementFromBase64(d.verificationShare);
    const tc = d.tally.contests[0];
    d.share.contests[0].options.forEach((so, j) => {
      const ctJson = tc.options[j].ciphertext;
      const ct = decodeTallyCiphertext(ctJson);
      const share = decodeShare(so.share, ct);
      verifyDecryptionShare({
        baseHash,
        publicKey: K,
        custodian: d.custodian,
        verificationShare: X,
        ciphertext: ct,
        share,
        proof: so.proof,
      });
      const c = hs("decryption-proof", [
        b(v.baseHash),
        b(v.publicKey),
        u32(d.custodian),
        b(d.verificationShare),
        b(ctJson.alpha),
        b(ctJson.beta),
        b(so.share),
        b(so.proof.a),
        b(so.proof.b),
      ]);
      // v·G = a + c·X_i with this c (checked directly, without the verifier's code path).
      const vv = scalarFromBase64(so.proof.v, { allowZero: true });
      const a = elementFromBase64(so.proof.a);
      expect(G.multiplyUnsafe(vv).equals(a.add(X.multiplyUnsafe(c)))).toBe(true);
    });
    expect(d.share.contests[0].options[1].share).toBe(Buffer.alloc(32).toString("base64"));
  });
});
