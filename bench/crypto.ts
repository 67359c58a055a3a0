/**
 * Election-cryptography benchmark (suite urna-v1):
 * `npm run bench -- crypto [--n N] [--quick] [--backend wasm|js]` (default: the WASM backend where
 * available; `--backend js` forces the pure-JS code, for comparison).
 *
 * Per selection (one 0/1 choice, its ciphertext and its [0, 1] range proof), on one core:
 *   - encrypt + prove (voter device; K with and without a precomputed table);
 *   - verify one at a time (decode the ciphertext and proof, challenge, equations);
 *   - verify batched, in batches of 1,000 and 10,000 selections (decode + challenge per proof,
 *     one multi-scalar multiplication per batch).
 * Also: the cost of one ristretto255 decode (a selection needs 6: alpha, beta, a_0, a_1, b_0,
 * b_1; counted with the verifier's `groupCounters`), our MSM against noble's `pippenger` on the
 * same input, decryption shares, and the discrete-log table. Timings are the best of a few runs
 * (the median is printed too): the machine may be shared.
 *
 * Distinct proofs are generated once (N, default 1,000) and reused to fill the 10,000 batch:
 * every verification decodes from the JSON afresh, so reuse does not make verifying cheaper.
 */
import { register } from "node:module";
import { cpus, loadavg, totalmem } from "node:os";
import type { CiphertextJson, RangeProofJson } from "@urna/schemas";
import type { RangeStatement } from "@urna/verifier";

// Run against the packages' TypeScript sources (as vitest does), not possibly stale dist/ builds.
const hook = `
const map = { "@urna/verifier": "verifier", "@urna/schemas": "schemas", "@urna/board": "board" };
export async function resolve(spec, ctx, next) {
  const pkg = map[spec];
  if (pkg) return next(new URL("../" + pkg + "/src/index.ts", ${JSON.stringify(import.meta.url)}).href, ctx);
  return next(spec, ctx);
}`;
register("data:text/javascript," + encodeURIComponent(hook));

const { ristretto255 } = await import("@noble/curves/ed25519.js");
const { pippenger } = await import("@noble/curves/abstract/curve.js");
const {
  BatchVerifier,
  DiscreteLog,
  G,
  decodeCiphertext,
  decodeElement,
  decodeShare,
  decodeTallyCiphertext,
  elementBytes,
  groupCounters,
  msm,
  toBase64,
  verifyDecryptionShare,
  verifyRangeProof,
} = await import("@urna/verifier");
const { decryptionShare, encryptChoice, fixedBase, proveRange, randomScalar } =
  await import("@urna/board");
const { cryptoBackend, setCryptoBackend } = await import("@urna/verifier");

const args = process.argv.slice(2);
const argN = args.indexOf("--n");
const quick = args.includes("--quick");
const N = argN >= 0 ? Number(args[argN + 1]) : quick ? 200 : 1000;
const argBackend = args.indexOf("--backend");
if (argBackend >= 0) {
  const b = args[argBackend + 1];
  if (b !== "wasm" && b !== "js") throw new Error("--backend wasm|js");
  setCryptoBackend(b);
}
const BIG = quick ? 2000 : 10_000;

const ms = (t0: number) => performance.now() - t0;
const fmt = (x: number) => x.toFixed(3);

function header(): void {
  const c = cpus();
  console.log(`# urna crypto benchmark`);
  console.log(
    `cpu: ${c[0]?.model ?? "?"} x${c.length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`,
  );
  console.log(
    `load average at start (1/5/15 min): ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
  console.log(`distinct selections: ${N}, large batch: ${BIG}, backend: ${cryptoBackend()}`);
}

header();
const baseHash = new Uint8Array(64).fill(7);
const signer = new Uint8Array(32).fill(9);
const s = randomScalar();
const K = G.multiply(s);

// Warm up the JIT and K's table.
fixedBase(K);
for (let i = 0; i < 20; i++) {
  const r = randomScalar();
  const { alpha, beta } = encryptChoice(K, i & 1, r);
  proveRange({
    baseHash,
    publicKey: K,
    signer,
    contest: "c",
    option: "o",
    alpha,
    beta,
    lo: 0,
    hi: 1,
    m: i & 1,
    r,
  });
}

interface Sel {
  ciphertext: CiphertextJson;
  proof: RangeProofJson;
  option: string;
}
const sels: Sel[] = [];
let t0 = performance.now();
for (let i = 0; i < N; i++) {
  const m = i % 3 === 0 ? 1 : 0;
  const r = randomScalar();
  const { alpha, beta } = encryptChoice(K, m, r);
  const option = `opt-${i}`;
  const proof = proveRange({
    baseHash,
    publicKey: K,
    signer,
    contest: "presidencia",
    option,
    alpha,
    beta,
    lo: 0,
    hi: 1,
    m,
    r,
  });
  sels.push({
    ciphertext: { alpha: toBase64(elementBytes(alpha)), beta: toBase64(elementBytes(beta)) },
    proof,
    option,
  });
}
const encMs = ms(t0) / N;
console.log(`encrypt + prove, K precomputed (window 8): ${fmt(encMs)} ms/selection`);

// Without K's table: a fresh copy of K each time defeats the cache.
{
  const n = Math.min(N, 100);
  const Kbytes = elementBytes(K);
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    const Kplain = ristretto255.Point.fromBytes(Kbytes);
    const r = randomScalar();
    const alpha = G.multiply(r);
    const beta = Kplain.multiply(r);
    void alpha.toBytes();
    void beta.toBytes();
    // proof without table: 2 branches x (s·G, s·K, t·G)
    for (let j = 0; j < 2; j++) {
      G.multiply(randomScalar()).toBytes();
      Kplain.multiply(randomScalar()).subtract(G.multiply(randomScalar())).toBytes();
    }
  }
  const tNo = ms(t) / n;
  const t2 = performance.now();
  const Kt = fixedBase(K);
  for (let i = 0; i < n; i++) {
    const r = randomScalar();
    void G.multiply(r).toBytes();
    void Kt.multiply(r).toBytes();
    for (let j = 0; j < 2; j++) {
      G.multiply(randomScalar()).toBytes();
      Kt.multiply(randomScalar()).subtract(G.multiply(randomScalar())).toBytes();
    }
  }
  const tYes = ms(t2) / n;
  console.log(
    `  same group work, K without table: ${fmt(tNo)} ms/selection; with table: ${fmt(tYes)} ms/selection (table build once: see above)`,
  );
}

function statement(sel: Sel): RangeStatement {
  return {
    baseHash,
    publicKey: K,
    signer,
    contest: "presidencia",
    option: sel.option,
    ciphertext: decodeCiphertext(sel.ciphertext, "ballot"),
    lo: 0,
    hi: 1,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const REPS = quick ? 2 : 3;

// Warm the verification paths up (JIT) before timing them.
for (let i = 0; i < Math.min(N, 100); i++) verifyRangeProof(statement(sels[i]), sels[i].proof);

// Decode cost: ours (RFC 9496 decoding with special-form reductions) and noble's fromBytes.
{
  const bytes = sels.slice(0, 200).map((x) => Buffer.from(x.ciphertext.alpha, "base64"));
  const ours: number[] = [];
  const nobles: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    let t = performance.now();
    for (const b of bytes) decodeElement(b);
    ours.push(ms(t) / bytes.length);
    t = performance.now();
    for (const b of bytes) ristretto255.Point.fromBytes(b);
    nobles.push(ms(t) / bytes.length);
  }
  const pts = bytes.map((b) => decodeElement(b));
  const t2 = performance.now();
  let acc = pts[0];
  for (const p of pts) acc = acc.add(p);
  const add = ms(t2) / pts.length;
  const dec = Math.min(...ours);
  console.log(
    `one ristretto255 decode: ${fmt(dec)} ms (noble fromBytes ${fmt(Math.min(...nobles))} ms); a selection needs 6 (alpha, beta, a_0, a_1, b_0, b_1) = ${fmt(6 * dec)} ms; one point addition: ${fmt(add * 1000)} µs`,
  );
}

// One at a time.
{
  const n = Math.min(N, quick ? 100 : 300);
  const runs: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) verifyRangeProof(statement(sels[i]), sels[i].proof);
    runs.push(ms(t) / n);
  }
  console.log(
    `verify one at a time: ${fmt(Math.min(...runs))} ms/selection (median ${fmt(median(runs))}, ${REPS} runs of ${n})`,
  );
}

function batch(size: number): { perSel: number; msm: number; pre: number; points: number } {
  const b = new BatchVerifier<number>();
  const t = performance.now();
  for (let i = 0; i < size; i++) {
    const sel = sels[i % sels.length];
    b.addRange(i, statement(sel), sel.proof);
  }
  const tPre = ms(t);
  const t2 = performance.now();
  const r = b.verify();
  const tMsm = ms(t2);
  if (!r.ok || r.fellBack) throw new Error("batch failed");
  return { perSel: (tPre + tMsm) / size, msm: tMsm / size, pre: tPre / size, points: r.msmPoints };
}
batch(Math.min(300, N)); // warm-up
for (const size of [Math.min(1000, BIG), BIG]) {
  const runs = Array.from({ length: REPS }, () => batch(size));
  const best = runs.reduce((x, y) => (y.perSel < x.perSel ? y : x));
  console.log(
    `verify batched (${size}): ${fmt(best.perSel)} ms/selection (median ${fmt(median(runs.map((r) => r.perSel)))}, ${REPS} runs)` +
      `  [decode + challenge ${fmt(best.pre)}, one MSM of ${best.points} points + G ${fmt(best.msm)}]`,
  );
}

// Count point decodings and encodings (each an inverse square root, about a third of a
// scalar multiplication) with the verifier's counters.
{
  const size = 200;
  const c0 = { ...groupCounters };
  batch(size);
  const dv = (groupCounters.decodes - c0.decodes) / size;
  const ev = (groupCounters.encodes - c0.encodes) / size;
  const c1 = { ...groupCounters };
  const r = randomScalar();
  const { alpha, beta } = encryptChoice(K, 1, r);
  proveRange({
    baseHash,
    publicKey: K,
    signer,
    contest: "c",
    option: "o",
    alpha,
    beta,
    lo: 0,
    hi: 1,
    m: 1,
    r,
  });
  console.log(
    `point decodings / encodings per selection: batched verification ${dv} / ${ev}; encrypt + prove ${groupCounters.decodes - c1.decodes} / ${groupCounters.encodes - c1.encodes}`,
  );
}

// The MSM alone: ours (signed digits, short weights) against noble's pippenger, same input.
{
  const size = Math.min(1000, BIG);
  const pts = [];
  const sc = [];
  for (let i = 0; i < size; i++) {
    const st = statement(sels[i % sels.length]);
    const p = sels[i % sels.length].proof;
    for (let j = 0; j < 2; j++) {
      pts.push(
        decodeCiphertext({ alpha: p.a[j], beta: p.b[j] }).alpha,
        decodeCiphertext({ alpha: p.b[j], beta: p.b[j] }).alpha,
      );
      sc.push(randomScalar() >> 125n, randomScalar() >> 125n);
    }
    pts.push(st.ciphertext.alpha, st.ciphertext.beta);
    sc.push(randomScalar(), randomScalar());
  }
  const t = performance.now();
  const x = msm(pts, sc);
  const tOurs = ms(t) / size;
  const t2 = performance.now();
  const y = pippenger(ristretto255.Point, pts, sc);
  const tNoble = ms(t2) / size;
  if (!x.equals(y)) throw new Error("msm mismatch");
  console.log(
    `MSM of ${pts.length} points (4 with 128-bit, 2 with full scalars per selection): ours ${fmt(tOurs)} ms/selection, noble pippenger ${fmt(tNoble)} ms/selection`,
  );
}

// Decryption shares (custodian) and their verification.
{
  const options = 50;
  const tally = {
    ballots: 1,
    contests: [
      {
        contest: "presidencia",
        options: sels
          .slice(0, options)
          .map((x) => ({ option: x.option, ciphertext: x.ciphertext })),
      },
    ],
  };
  const t = performance.now();
  const body = decryptionShare({ baseHash, publicKey: K, custodian: 1, secretShare: s, tally });
  const prove = ms(t) / options;
  const X = G.multiply(s);
  const t2 = performance.now();
  for (let j = 0; j < options; j++) {
    const ct = decodeTallyCiphertext(tally.contests[0].options[j].ciphertext);
    const o = body.contests[0].options[j];
    verifyDecryptionShare({
      baseHash,
      publicKey: K,
      custodian: 1,
      verificationShare: X,
      ciphertext: ct,
      share: decodeShare(o.share, ct),
      proof: o.proof,
    });
  }
  const verify = ms(t2) / options;
  const b = new BatchVerifier<number>();
  const t3 = performance.now();
  for (let j = 0; j < options; j++) {
    const ct = decodeTallyCiphertext(tally.contests[0].options[j].ciphertext);
    const o = body.contests[0].options[j];
    b.addDecryption(
      j,
      {
        baseHash,
        publicKey: K,
        custodian: 1,
        verificationShare: X,
        ciphertext: ct,
        share: decodeShare(o.share, ct),
      },
      o.proof,
    );
  }
  if (!b.verify().ok) throw new Error("share batch failed");
  const batched = ms(t3) / options;
  console.log(
    `decryption share: prove ${fmt(prove)} ms/option; verify one at a time ${fmt(verify)} ms; batched (${options}) ${fmt(batched)} ms`,
  );
}

// Discrete log.
{
  const d = new DiscreteLog();
  const t = performance.now();
  d.build();
  const build = ms(t);
  const t2 = performance.now();
  d.solve(G.multiplyUnsafe(123_456n));
  const small = ms(t2);
  const t3 = performance.now();
  d.solve(G.multiplyUnsafe(100_000_000n));
  const worst = ms(t3);
  console.log(
    `discrete log: table of ${d.babySteps} baby steps (${(d.tableBytes / 2 ** 20).toFixed(1)} MiB) built in ${build.toFixed(0)} ms; solve 123456 in ${small.toFixed(1)} ms, 10^8 in ${worst.toFixed(1)} ms`,
  );
}
console.log(
  `load average at end (1/5/15 min): ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);
