import { register } from "node:module";
const hook = `const map = { "@urna/verifier": "verifier", "@urna/schemas": "schemas", "@urna/board": "board" };
export async function resolve(spec, ctx, next) { const pkg = map[spec]; if (pkg) return next(new URL("../" + pkg + "/src/index.ts", ${JSON.stringify(import.meta.url)}).href, ctx); return next(spec, ctx); }`;
register("data:text/javascript," + encodeURIComponent(hook));
const { G, ORDER, msm } = await import("@urna/verifier");
const rand = (bits: number): bigint => { const b = crypto.getRandomValues(new Uint8Array(40)); let n = 0n; for (const x of b) n = (n << 8n) | BigInt(x); return n % (1n << BigInt(bits)); };
const base = Array.from({ length: 600 }, () => G.multiplyUnsafe(rand(250) + 1n));
for (const sel of [1000, 10000]) {
  const n = sel * 6;
  const pts = Array.from({ length: n }, (_, i) => base[i % 600].add(base[(i * 7) % 600]));
  const sc = pts.map((_, i) => (i % 6 < 4 ? rand(128) : rand(256) % ORDER));
  msm(pts, sc);
  const line = [];
  for (const w of [undefined, 8, 9, 10, 11, 12, 13, 14]) { const t = performance.now(); msm(pts, sc, w); line.push(`${w ?? "auto"}:${((performance.now() - t) / sel).toFixed(3)}`); }
  console.log(sel, line.join(" "));
}
