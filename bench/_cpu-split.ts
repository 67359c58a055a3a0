/**
 * Where a verifier's CPU goes, from V8 CPU profiles (`node --cpu-prof`): every sample is charged
 * to the first frame, walking from the sampled function towards the root, that one of the
 * categories below names (so SHA-512 under a Fiat-Shamir challenge is "hashing", a WebAssembly
 * function under `decodeWasm` is "point decoding"); samples no category claims are "rest".
 * Idle samples are left out. Used by `npm run bench -- verify --cpu-prof DIR`, or alone:
 *
 *   node --import tsx bench/_cpu-split.ts DIR_OR_FILE...
 *
 * The profiler samples wall time on each thread, so on a loaded machine a share is the
 * meaningful figure: multiply it by the process's measured CPU time.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

interface CallFrame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A category and the frames it claims (function name, and optionally the file). */
interface Category {
  name: string;
  group: string;
  fn: RegExp;
  url?: RegExp;
  /** A helper many owners call: charged as "<name> in <owner>" to the nearest owner above it. */
  helper?: boolean;
}

/** In the order they are tried on each frame; the first frame (leaf first) that matches wins. */
export const CATEGORIES: readonly Category[] = [
  { name: "GC", group: "rest", fn: /^\(garbage collector\)$/ },
  {
    name: "ristretto255 decode",
    group: "point decoding",
    fn: /^(decodeWasm|decodeManyWasm|decodeRistretto|decodeElement|decodeElements)$/,
  },
  {
    name: "ristretto255 encode",
    group: "point decoding",
    fn: /^(encodeWasm|encodeRistretto|elementBytes)$/,
  },
  {
    name: "base64",
    group: "JSON",
    fn: /^(base64Bytes|base64_32|fromBase64|toBase64|elementToBase64)$|^encode$|^decode$/,
    url: /(group|bytes)\.[jt]s$|scure\/base\/index\.js$/,
  },
  {
    name: "MSM (batched proof equations)",
    group: "MSM",
    fn: /^(msmWasm|msm|run|isIdentity|evaluate|add|addShared|addG|next)$/,
    url: /crypto\/(msm|wasm\/points)\.[jt]s$/,
  },
  {
    name: "equation coefficients (bigint)",
    group: "MSM",
    fn: /^(accumulateRangeEquations|accumulateDecryptionEquations|accumulate)$/,
  },
  {
    name: "Ed25519 signatures",
    group: "signatures",
    fn: /^(verifyEd25519Wasm|verifyEntrySignature|verifyEd25519|verify)$/,
    url: /(ed25519|entry)\.[jt]s$/,
  },
  {
    name: "SHA-512 / Fiat-Shamir",
    group: "hashing",
    fn: /^(hashParts|hashToScalar|rangeChallenge|decryptionChallenge|checkRangeChallenge)$/,
  },
  {
    name: "SHA-256 leaves / Merkle / entries",
    group: "hashing",
    fn: /^(leafHash|nodeHash|push|update|digest)$/,
    url: /(merkle|merkle-hash|sha2)\.[jt]s$/,
  },
  {
    name: "SHA-2",
    group: "hashing",
    fn: /^(process|digestInto|finish|update|digest)$/,
    url: /hashes\/.*(sha2|_md)\.js$/,
    helper: true,
  },
  {
    name: "homomorphic sums (contest sum, tally)",
    group: "rest",
    fn: /^(sumWasm|sumCiphertexts|addCiphertexts|subtractCiphertexts|sumBallots|addPartialSums|addWasm|subtractWasm|binary)$/,
  },
  {
    name: "JSON.parse / UTF-8",
    group: "JSON",
    fn: /^(parse|fromUtf8|decode|utf8)$/,
  },
  {
    name: "schema validation",
    group: "JSON",
    fn: /^(validateEntry|validate\d*|informativeBody)$/,
  },
  {
    name: "canonical JSON (JCS)",
    group: "JSON",
    fn: /^(canonicalize|canonicalBytes|canonical|entryLeaf|check|serialize)$/,
    url: /(canonical|canonicalize|entry|verify-election)\.[jt]s$/,
  },
  {
    name: "worker messages (structured clone)",
    group: "JSON",
    fn: /^(postMessage|receiveMessageOnPort|serialize|deserialize|postTask|_distributeTask)$/,
  },
  {
    name: "proof parsing (scalars, arrays)",
    group: "rest",
    fn: /^(parseRangeProof|parseDecryptionProof|decodeScalar|bytesToNumberLE)$/,
  },
  {
    name: "module loading (tsx, esbuild)",
    group: "start-up",
    fn: /^(transformSync|runCallSync|atomicsWaitLoop|compileSourceTextModule)$|./,
    url: /(esm\/|tsx|esbuild|cjs-module-lexer|bootstrap|worker\.js$|main\.js$)/,
  },
];

export interface Split {
  /** Sampled busy time (idle excluded), microseconds. */
  busyUs: number;
  rows: { name: string; group: string; us: number }[];
}

function categoryOf(frame: CallFrame): Category | undefined {
  const url = frame.url;
  for (const c of CATEGORIES)
    if (c.fn.test(frame.functionName) && (c.url === undefined || c.url.test(url))) return c;
  return undefined;
}

/** The split of one or more profiles (summed). */
export function splitProfiles(profiles: readonly CpuProfile[]): Split {
  const totals = new Map<string, { group: string; us: number }>();
  let busy = 0;
  for (const p of profiles) {
    const parent = new Map<number, number>();
    const byId = new Map<number, ProfileNode>();
    for (const n of p.nodes) {
      byId.set(n.id, n);
      for (const c of n.children ?? []) parent.set(c, n.id);
    }
    const memo = new Map<number, string>();
    const claim = (id: number): string => {
      const known = memo.get(id);
      if (known !== undefined) return known;
      let name = "rest";
      let helper: Category | undefined;
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const c = categoryOf((byId.get(at) as ProfileNode).callFrame);
        if (!c || (helper && c.helper)) continue;
        if (c.helper) {
          helper = c;
          name = c.name;
          continue;
        }
        name = helper ? `${helper.name} in ${c.name}` : c.name;
        helper = undefined;
        break;
      }
      if (helper) name = `${helper.name}, other callers (entries.jsonl digest)`;
      memo.set(id, name);
      return name;
    };
    for (let i = 0; i < p.samples.length; i++) {
      const node = byId.get(p.samples[i]) as ProfileNode;
      const fn = node.callFrame.functionName;
      if (fn === "(idle)" || fn === "(program)" || fn === "(root)") continue;
      const us = p.timeDeltas[i] ?? 0;
      busy += us;
      const name = claim(node.id);
      const group = CATEGORIES.find((c) => name.startsWith(c.name))?.group ?? "rest";
      const t = totals.get(name) ?? { group, us: 0 };
      t.us += us;
      totals.set(name, t);
    }
  }
  const rows = [...totals].map(([name, t]) => ({ name, group: t.group, us: t.us }));
  rows.sort((a, b) => b.us - a.us);
  return { busyUs: busy, rows };
}

/** The .cpuprofile files of a folder (or the file itself). */
export function readProfiles(path: string): CpuProfile[] {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => f.endsWith(".cpuprofile"))
        .map((f) => join(path, f))
    : [path];
  return files.map((f) => JSON.parse(readFileSync(f, "utf8")) as CpuProfile);
}

/** A text table: each category's share and, given the CPU time and the unit count, its CPU per unit. */
export function formatSplit(s: Split, cpuMs?: number, units?: number, unit = "selection"): string {
  const lines: string[] = [];
  // Start-up (module loading) mostly precedes the measured CPU time: shares of the rest.
  const startUs = s.rows.filter((r) => r.group === "start-up").reduce((n, r) => n + r.us, 0);
  const workUs = s.busyUs - startUs;
  const per = (us: number) =>
    cpuMs !== undefined && units
      ? `${((cpuMs * 1000 * (us / workUs)) / units).toFixed(1)} µs/${unit}`
      : "";
  const groups = new Map<string, number>();
  for (const r of s.rows) groups.set(r.group, (groups.get(r.group) ?? 0) + r.us);
  lines.push(
    `sampled busy time ${(s.busyUs / 1e6).toFixed(2)} s, of which start-up ${(startUs / 1e6).toFixed(2)} s (left out of the shares below)`,
  );
  const pct = (us: number) => ((100 * us) / workUs).toFixed(1).padStart(5);
  for (const [g, us] of [...groups].sort((a, b) => b[1] - a[1])) {
    if (g === "start-up") continue;
    lines.push(`${g.padEnd(16)} ${pct(us)} %  ${per(us)}`);
    for (const r of s.rows.filter((x) => x.group === g))
      lines.push(`  ${r.name.padEnd(44)} ${pct(r.us)} %  ${per(r.us)}`);
  }
  return lines.join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const paths = process.argv.slice(2);
  if (paths.length === 0 || paths.includes("--help")) {
    process.stderr.write("usage: node --import tsx bench/_cpu-split.ts DIR_OR_FILE...\n");
    process.exit(paths.length === 0 ? 2 : 0);
  }
  process.stdout.write(formatSplit(splitProfiles(paths.flatMap(readProfiles))) + "\n");
}
