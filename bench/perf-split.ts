/**
 * Splits a board's CPU by thread and by what it was doing, from `perf` samples of every thread
 * (README, Benchmarks: "Where a ballot's board CPU goes"). `perf` samples CPU time, native
 * frames included (OpenSSL, LevelDB, V8's garbage collector), where `node --cpu-prof` samples
 * wall time on one thread.
 *
 *   npm run bench -- board --skip-small --ballots 5000 "--board-node-args=--perf-basic-prof" &
 *   perf record -F 499 -g -p <board pid> -o perf.data -- sleep 25   # during the ballots
 *   perf script -i perf.data -F tid,ip,sym > script.txt
 *   npm run bench -- perf-split <board pid> [µs of board CPU per ballot] < script.txt
 *
 * A thread's role comes from its frames (the event loop is the board's pid; a crypto worker
 * runs crypto-worker.js, the tally worker tally-worker.js; V8's platform threads run only V8;
 * libuv's pool runs uv work). Each sample goes to the innermost frame that names a category
 * (RULES, in order). Prints each role's share of the samples and each category's share, and
 * µs per ballot when given the bench's "board CPU per accepted entry".
 */
import { readFileSync } from "node:fs";

const [mainPid, perBallot] = process.argv.slice(2);
if (!mainPid || mainPid === "--help") {
  process.stderr.write(
    "usage: perf script -F tid,ip,sym | npm run bench -- perf-split <board pid> [µs per ballot]\n",
  );
  process.exit(mainPid === "--help" ? 0 : 2);
}
const usPerBallot = perBallot === undefined ? NaN : Number(perBallot);

const RULES: ReadonlyArray<readonly [string, RegExp]> = [
  [
    "GC (on this thread)",
    /v8::internal::(Heap::|Scavenger|MarkCompact|MinorMarkCompact|IncrementalMarking|MarkingBarrier|Sweeper|ConcurrentMarking)/,
  ],
  ["canonical form (JCS)", /canonical\.js|canonicalize|safe-stable-stringify/],
  ["schema validation (ajv)", /schemas\/dist\/index\.js|JS:\S*validate\d+ |ajv/],
  ["JSON.parse of the body", /JS:\S*parseJson |JsonParser/],
  ["leaf hashing", /JS:\S*leafHash/],
  [
    "state rules (checkRules, recheck, apply)",
    /verifier\/dist\/election\/(state|entries\/|ciphertexts|state-data)/,
  ],
  ["running tally (main thread side)", /tally-sum\.js/],
  ["body read back in the worker", /withEntryBody/],
  ["signature: key check", /JS:\S*keyObject /],
  ["signature: OpenSSL verify + rest", /ed25519-fast\.js|verifySignedMessage|JS:\S*verifyOneShot/],
  ["proofs: hashing (SHA-512, JS)", /@noble\/hashes|JS:\S*hashParts |JS:\S*hashToScalar /],
  [
    "proofs: point/scalar decoding",
    /JS:\S*(decodeElement|decodeWasm|elementFromBase64|decodeCiphertext|parseRangeProof|decodeScalar|base64_32) /,
  ],
  ["proofs: batch check (MSM)", /verifier\/dist\/crypto\/(msm|batch)\.js|wasm\/points\.js/],
  ["proofs: other (range/ballot structure)", /verifier\/dist\/crypto\/|verify-work\.js/],
  [
    "IPC (postMessage, structured clone)",
    /worker-pool\.js|postMessage|ValueSerializer|ValueDeserializer|MessagePort|messageport|crypto-worker\.js/,
  ],
  ["receipt (inclusion proof, tlog-proof)", /receipt-lookup\.js|tlog-proof/],
  ["Merkle / tiles", /log\/(tiles|reader|fast-hash)\.js/],
  ["checkpoint signing", /log\/signer\.js|node-signer|signOneShot|JS:\S*sign /],
  ["commit (level)", /log-storage\.js|classic-level|abstract-level|level-internals|leveldb/],
  ["sequencer", /log\/sequencer\.js/],
  ["event feed", /server\/feed\.js/],
  ["HTTP response", /JS:\S*sendJson |_http_outgoing|JS:\S*writev|Socket\._write|writeGeneric/],
  [
    "HTTP request (headers, body)",
    /_http_server|_http_common|HTTPParser|llhttp|fast-write\.js|readable|node:net|stream_base|node:events/,
  ],
  ["admission / election (own code)", /admission\.js|election\.js|entry-body\.js|crypto-work\.js/],
  ["kernel (syscalls)", /\[k\]|kallsyms|entry_SYSCALL|do_syscall/],
];
/** Roles whose samples are not split further. */
const WHOLE = new Set(["V8 platform threads (GC, compiler)", "libuv pool", "other threads"]);

interface Sample {
  tid: string;
  frames: string[];
}
const samples: Sample[] = [];
for (const block of readFileSync(0, "utf8").split(/\n\n+/)) {
  const lines = block.split("\n").filter((l) => l.trim() !== "");
  if (lines.length === 0) continue;
  const tid = lines[0].trim().split(/\s+/)[0];
  samples.push({ tid, frames: lines.slice(1).map((l) => l.trim().replace(/^[0-9a-f]+ /, "")) });
}

function roleOfSample(s: Sample): string {
  const all = s.frames.join("\n");
  if (s.tid === mainPid) return "event loop";
  if (/crypto-worker\.js/.test(all)) return "crypto workers";
  if (/tally-worker\.js|crypto\/tally\.js/.test(all)) return "tally worker";
  if (/node::worker::Worker/.test(all)) return "worker thread (other)";
  if (/uv__work|libuv/.test(all) && !/v8::platform/.test(all)) return "libuv pool";
  if (/v8::platform|v8::internal/.test(all)) return "V8 platform threads (GC, compiler)";
  return "other threads";
}
// A thread's role: its most specific one (a worker's idle samples have no JS frame).
const votes = new Map<string, Map<string, number>>();
for (const s of samples) {
  const v = votes.get(s.tid) ?? new Map<string, number>();
  const r = roleOfSample(s);
  v.set(r, (v.get(r) ?? 0) + 1);
  votes.set(s.tid, v);
}
const role = new Map<string, string>();
for (const [tid, v] of votes) {
  const ranked = [...v].sort((a, b) => b[1] - a[1]);
  const specific = ranked.find(([r]) => r === "crypto workers" || r === "tally worker");
  role.set(tid, (specific ?? ranked[0])[0]);
}

const byCategory = new Map<string, number>();
const byRole = new Map<string, number>();
for (const s of samples) {
  const r = role.get(s.tid) ?? "other threads";
  let category = r;
  if (!WHOLE.has(r)) {
    category = "other";
    search: for (const f of s.frames)
      for (const [name, re] of RULES)
        if (re.test(`${f} `)) {
          category = name;
          break search;
        }
  }
  const k = `${r}\t${category}`;
  byCategory.set(k, (byCategory.get(k) ?? 0) + 1);
  byRole.set(r, (byRole.get(r) ?? 0) + 1);
}

const n = samples.length;
const pct = (c: number): string => `${((c / n) * 100).toFixed(1).padStart(5)} %`;
const us = (c: number): string =>
  Number.isNaN(usPerBallot) ? "" : `${String(Math.round((c / n) * usPerBallot)).padStart(6)} µs`;
console.log(`${n} samples, ${votes.size} threads`);
for (const [r, c] of [...byRole].sort((a, b) => b[1] - a[1])) {
  console.log(`\n${r}: ${pct(c)} ${us(c)}`);
  for (const [k, kc] of [...byCategory]
    .filter(([k]) => k.startsWith(`${r}\t`))
    .sort((a, b) => b[1] - a[1]))
    if (!WHOLE.has(r)) console.log(`  ${pct(kc)} ${us(kc)}  ${k.split("\t")[1]}`);
}
