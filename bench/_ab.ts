import { register } from "node:module";
const hook = `const map = { "@urna/verifier": "verifier", "@urna/schemas": "schemas", "@urna/board": "board" };
export async function resolve(spec, ctx, next) { const pkg = map[spec]; if (pkg) return next(new URL("../" + pkg + "/src/index.ts", ${JSON.stringify(import.meta.url)}).href, ctx); return next(spec, ctx); }`;
register("data:text/javascript," + encodeURIComponent(hook));
const { G, ORDER, msm, ristretto255 } = await import("@urna/verifier");
const { pippenger } = await import("@noble/curves/abstract/curve.js");
const rand = (bits: number): bigint => { const b = crypto.getRandomValues(new Uint8Array(40)); let n = 0n; for (const x of b) n = (n << 8n) | BigInt(x); return n % (1n << BigInt(bits)); };
const base = Array.from({ length: 600 }, () => G.multiplyUnsafe(rand(250) + 1n));
for (const sel of [1000, 10000]) {
  const n = sel * 6;
  const pts = Array.from({ length: n }, (_, i) => base[i % 600].add(base[(i * 7) % 600]));
  const sc = pts.map((_, i) => (i % 6 < 4 ? rand(128) : rand(256) % ORDER));
  const a = [], b = [];
  for (let rep = 0; rep < 3; rep++) {
    let t = performance.now(); msm(pts, sc); a.push((performance.now() - t) / sel);
    t = performance.now(); pippenger(ristretto255.Point, pts, sc); b.push((performance.now() - t) / sel);
  }
  console.log(sel, "ours", a.map((x) => x.toFixed(3)).join(" "), "| noble", b.map((x) => x.toFixed(3)).join(" "));
}
