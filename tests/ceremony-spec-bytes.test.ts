/**
 * spec/ceremony.md's byte layouts, written out here from the spec alone (plain concatenation,
 * SHA-512 and ristretto255 from @noble, no urna ceremony code), against a generated election's
 * log: the context, each proof of possession's message and signature, the transcript T and
 * every certification on it, a round-1 message's DKG-spec byte form, a share's H6 key and nonce,
 * and a blame proof's challenge. Each is compared with the bytes the code produces.
 */
import { ristretto255 } from "@noble/curves/ed25519.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Entry, Manifest } from "@urna/schemas";
import { canonicalBytes } from "@urna/schemas";
import { ceremony as dkg, baseHash, fromBase64 } from "@urna/verifier";
import { makeBlame } from "../board/src/ceremony/blame.js";
import { xchacha20poly1305Open } from "../board/src/ceremony/aead.js";
import {
  cleanupRecords,
  generateElection,
  readEntries,
  type GeneratedElection,
} from "./fixtures/election.js";

const P = ristretto255.Point;
const L = P.Fn.ORDER;
const enc = (s: string) => new TextEncoder().encode(s);
const cat = (...xs: Uint8Array[]) => {
  const out = new Uint8Array(xs.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of xs) (out.set(x, o), (o += x.length));
  return out;
};
const int = (x: number | bigint, bytes: number, little: boolean) => {
  const out = new Uint8Array(bytes);
  let v = BigInt(x);
  for (let k = 0; k < bytes; k++) {
    out[little ? k : bytes - 1 - k] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
};
const u32le = (x: number) => int(x, 4, true);
const u64le = (x: number) => int(x, 8, true);
const u64be = (x: number) => int(x, 8, false);
const u32be = (x: number) => int(x, 4, false);
const le32 = (x: bigint) => int(x, 32, true);
const intLe = (b: Uint8Array) => b.reduceRight((n, x) => (n << 8n) | BigInt(x), 0n);
const hashToScalar = (x: Uint8Array) => intLe(sha512(x)) % L;
const CS = enc("COCKTAIL(Ristretto255, SHA-512)");
const lp = (x: Uint8Array) => cat(u64be(x.length), x);
/** protocol.md §3: Hs(tag, p1..pk) = int_le(SHA-512(lp("urna-v1/" || tag) || lp(p1) || ...)) mod ℓ */
const Hs = (tag: string, ...ps: Uint8Array[]) =>
  intLe(sha512(cat(lp(enc("urna-v1/" + tag)), ...ps.map(lp)))) % L;

/** ceremony.md §1: Schnorr verification, written from the spec. */
function schnorrOk(pk: Uint8Array, m: Uint8Array, sig: Uint8Array): boolean {
  const Rb = sig.subarray(0, 32);
  const z = intLe(sig.subarray(32));
  if (z >= L) return false;
  const R = P.fromBytes(Rb);
  const A = P.fromBytes(pk);
  if (R.is0() || A.is0()) return false;
  const c = hashToScalar(cat(enc("COCKTAIL-DKG-Ristretto255-SHA512-H7"), Rb, pk, m));
  const lhs = z === 0n ? P.ZERO : P.BASE.multiply(z);
  return lhs.equals(c === 0n ? R : R.add(A.multiply(c)));
}

let g: GeneratedElection;
let entries: Entry[];
afterAll(cleanupRecords);
beforeAll(async () => {
  g = await generateElection({ voters: 2, custodians: 4, threshold: 3, seed: 3 });
  entries = readEntries(g.dir);
}, 120_000);

interface R1 {
  custodian: number;
  commitments: string[];
  pop: string;
  ephemeralKey: string;
  ciphertexts: string[];
}

describe("ceremony.md byte layouts, recomputed from the spec", () => {
  it("context, PoP messages, T and the certifications; msg1; H6; the blame challenge", () => {
    const manifest = entries[0].body as Manifest;
    const n = manifest.custodians.length;
    const t = manifest.threshold;
    const Ps = manifest.custodians.map((c) => fromBase64(c.dkgKey));
    // protocol.md §4
    const bh = sha512(
      cat(
        lp(enc("urna-v1/base-hash")),
        lp(enc(g.manifest.electionId)),
        lp(canonicalBytes(manifest)),
      ),
    );
    expect(bh).toEqual(baseHash(g.manifest.electionId, manifest));
    // §2 context
    const context = sha512(
      cat(enc("COCKTAIL-DKG-CONTEXT"), u64be(64), bh, u64be(31), CS, u32le(n), ...Ps),
    );
    const setup = dkg.setupFromManifest(manifest, bh);
    expect(setup.context).toEqual(context);
    expect(setup.extension.length).toBe(0);

    const r1 = entries
      .filter((e) => e.type === "ceremony.round1")
      .map((e) => e.body as R1)
      .sort((a, b) => a.custodian - b.custodian);
    expect(r1.map((b) => b.custodian)).toEqual(Array.from({ length: n }, (_, k) => k + 1));
    const C = r1.map((b) => b.commitments.map(fromBase64));
    const pops = r1.map((b) => fromBase64(b.pop));
    const E = r1.map((b) => fromBase64(b.ephemeralKey));
    // §3.1 PoP: Schnorr by C_{i,0} over context || C_{i,0..t-1} || E_i
    for (let i = 0; i < n; i++) {
      const msg = cat(context, ...C[i], E[i]);
      expect(msg.length).toBe(64 + 32 * (t + 1));
      expect(dkg.popMessage(context, C[i], E[i])).toEqual(msg);
      expect(schnorrOk(C[i][0], msg, pops[i])).toBe(true);
      expect(schnorrOk(C[i][0], cat(msg, Uint8Array.of(0)), pops[i])).toBe(false);
    }
    // §3.1 msg_{1|i}
    const cts = r1.map((b) => b.ciphertexts.map(fromBase64));
    const msg1 = cat(...C[1], pops[1], E[1], ...cts[1].flatMap((c) => [u64be(c.length), c]));
    const code = r1.map((b) => dkg.round1FromBody(b).message);
    expect(dkg.encodeMsg1(code[1])).toEqual(msg1);

    // §3.3 T, and every certification verifies on it against P_i
    const T = cat(
      u64le(31),
      CS,
      u64le(64),
      context,
      u32le(n),
      u32le(t),
      ...Ps,
      ...C.flat(),
      ...pops,
      ...E,
      u64le(0),
    );
    expect(T.length).toBe(119 + 32 * n + 32 * n * t + 64 * n + 32 * n + 8);
    expect(dkg.transcriptFor(setup, code)).toEqual(T);
    const certs = entries.filter((e) => e.type === "ceremony.certify");
    expect(certs.length).toBe(n);
    for (const e of certs) {
      const b = e.body as { custodian: number; signature: string };
      expect(schnorrOk(Ps[b.custodian - 1], T, fromBase64(b.signature))).toBe(true);
    }

    // §3.1 H6 key and nonce of c_{2,1} (sender 2, recipient 1), opened with custodian 1's d_1:
    // the plaintext is s_{2,1} with s·B = Σ_k 1^k·C_{2,k}.
    const d1 = g.keys.custodians[0].dkgSecret;
    const Se = P.fromBytes(E[1]).multiply(d1).toBytes();
    const Sd = P.fromBytes(Ps[1]).multiply(d1).toBytes();
    const tmp = sha512(
      cat(
        enc("COCKTAIL-DKG-Ristretto255-SHA512-H6"),
        Se,
        Sd,
        E[1],
        Ps[1],
        Ps[0],
        u64le(64),
        context,
      ),
    );
    expect(dkg.deriveKeyAndNonce(Se, Sd, E[1], Ps[1], Ps[0], context)).toEqual({
      key: tmp.slice(0, 32),
      nonce: tmp.slice(32, 56),
    });
    const plain = xchacha20poly1305Open(tmp.slice(0, 32), tmp.slice(32, 56), cts[1][0]);
    expect(plain?.length).toBe(32);
    const s = intLe(plain!);
    const sum = C[1].map((x) => P.fromBytes(x)).reduce((a, b) => a.add(b));
    expect(P.BASE.multiply(s).equals(sum)).toBe(true);

    // §3.4 the blame challenge (custodian 1 blames 2; a false blame: the bytes are the same)
    const blame = makeBlame(setup, 1, d1, 2, code[1], "share-mismatch", 123456789n);
    expect(blame.ecdhEphemeral).toEqual(Se);
    expect(blame.ecdhStatic).toEqual(Sd);
    const c = intLe(blame.proof.subarray(0, 32));
    const z = intLe(blame.proof.subarray(32));
    const R1 = P.BASE.multiply(z).subtract(P.fromBytes(Ps[0]).multiply(c));
    const R2 = P.fromBytes(E[1]).multiply(z).subtract(P.fromBytes(Se).multiply(c));
    const R3 = P.fromBytes(Ps[1]).multiply(z).subtract(P.fromBytes(Sd).multiply(c));
    expect(R1.equals(P.BASE.multiply(123456789n))).toBe(true);
    const want = Hs(
      "ceremony-blame",
      context,
      u32be(1),
      u32be(2),
      Uint8Array.of(2), // share-mismatch
      Ps[0],
      E[1],
      Ps[1],
      Se,
      Sd,
      cts[1][0],
      R1.toBytes(),
      R2.toBytes(),
      R3.toBytes(),
    );
    expect(c).toBe(want);
    expect(blame.proof.subarray(0, 32)).toEqual(le32(want));
  });
});
