/**
 * The verifier's build and the machine it runs on, for the report's audit section (Node only):
 * name and version, the source commit (URNA_BUILD_COMMIT, else `git describe --always --dirty`
 * in the verifier's folder, else "unknown"), the Node version, the crypto backend in use (wasm
 * or js), the worker threads, and the machine's OS, CPU model and cores.
 */
import { execFileSync } from "node:child_process";
import { arch, availableParallelism, cpus, platform, release } from "node:os";
import { fileURLToPath } from "node:url";
import { cryptoBackend } from "../crypto/wasm/backend.js";
import type { AuditEnvironment } from "./audit-section.js";
import { VERIFIER_VERSION } from "./version.js";

/** The commit the verifier was built from, "-dirty" when its tree had local changes. */
export function buildCommit(): string {
  const env = process.env.URNA_BUILD_COMMIT?.trim();
  if (env) return env.slice(0, 256);
  try {
    const dir = fileURLToPath(new URL(".", import.meta.url));
    const out = execFileSync("git", ["describe", "--always", "--dirty", "--abbrev=40"], {
      cwd: dir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 5000,
    }).trim();
    return /^[\x21-\x7E]{1,256}$/.test(out) ? out : "unknown";
  } catch {
    return "unknown";
  }
}

const clip = (s: string): string => (s.trim() || "unknown").slice(0, 256);

export function nodeEnvironment(workers?: number): AuditEnvironment {
  const cpu = cpus()[0]?.model ?? "unknown";
  const env: AuditEnvironment = {
    verifier: {
      name: "urna-verify",
      version: VERIFIER_VERSION,
      commit: buildCommit(),
      runtime: `Node.js ${process.version}`,
      cryptoBackend: cryptoBackend(),
    },
    machine: {
      os: clip(`${platform()} ${release()} ${arch()}`),
      cpu: clip(cpu.replace(/\s+/g, " ")),
      cores: Math.max(1, availableParallelism()),
    },
  };
  if (workers !== undefined && env.verifier) env.verifier.workers = workers;
  return env;
}
