/**
 * `urna-verify witness`: runs a C2SP tlog-witness for urna boards (Node).
 *
 *   urna-verify witness --data DIR --port PORT --name NAME --log VKEY... [--key FILE] [--host HOST]
 *
 * Exit codes: 0 stopped by SIGINT/SIGTERM (or the caller's signal), 1 runtime failure (cannot
 * listen, cannot read or write its state), 2 bad usage or input (flags, vkeys, key file).
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { ed25519 } from "@noble/curves/ed25519.js";
import { LogError } from "../log/errors.js";
import { parseVkey } from "../log/note.js";
import { UsageError, integerFlag, parseArgs, single } from "./args.js";
import { writeFileAtomic } from "./durable-node.js";
import { encodeWitnessPrivateKey, parseWitnessPrivateKey } from "./key.js";
import { createWitness } from "./server-node.js";
import type { WitnessEvent } from "./witness.js";

export const WITNESS_USAGE = `usage: urna-verify witness --data DIR --port PORT --name NAME --log VKEY... [options]

Runs a C2SP tlog-witness (c2sp.org/tlog-witness, add-checkpoint) that cosigns a board's
checkpoints with an Ed25519 cosignature/v1 key, only when they are signed by the board and
consistent with the last checkpoint it cosigned for that log (spec/witness.md).

  --data DIR     state folder, created if needed: logs/<sha256(origin)>.json, witness.key
  --port PORT    TCP port (0: any free port)
  --host HOST    address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --name NAME    the witness's key name, e.g. witness.example.org/w1 (may be omitted when
                 the key file exists: its name is used)
  --log VKEY     a log to witness: the election's board vkey, whose name is the log's origin
                 <board name>/elections/<id> (repeatable, at least one)
  --key FILE     the private key file (default DIR/witness.key, generated on first start)
  --quiet        no line per request on stderr

Prints the witness's cosigner vkey (for trust files) on stdout, then serves
  POST /add-checkpoint                 (tlog-witness)
  GET  /<sha256(origin) hex>/checkpoint (the latest cosigned checkpoint of a log)

exit codes: 0 stopped by SIGINT/SIGTERM, 1 runtime failure, 2 bad usage or input
`;

export interface CliIo {
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
  /** Stops the service (in addition to SIGINT/SIGTERM). */
  signal?: AbortSignal;
  /** Called once listening, with the base URL. */
  onListening?: (url: string) => void;
}

const KEY_FILE = "witness.key";

export async function runWitnessCli(argv: string[], io: CliIo = {}): Promise<number> {
  const out = io.stdout ?? ((s: string) => void process.stdout.write(s));
  const err = io.stderr ?? ((s: string) => void process.stderr.write(s));
  let p;
  let port: number;
  let host: string;
  let logs;
  let dataDir: string;
  let keyPath: string;
  let explicitKey: boolean;
  let name: string | undefined;
  try {
    p = parseArgs(argv, ["--data", "--port", "--host", "--name", "--log", "--key"], ["--quiet"]);
    if (p.flags.has("--help")) {
      out(WITNESS_USAGE);
      return 0;
    }
    if (p.positional.length) throw new UsageError(`unexpected argument ${p.positional[0]}`);
    const d = single(p, "--data");
    if (!d) throw new UsageError("--data DIR is required");
    dataDir = d;
    const pt = integerFlag(p, "--port", 0, 65535);
    if (pt === undefined) throw new UsageError("--port PORT is required");
    port = pt;
    host = single(p, "--host") ?? "127.0.0.1";
    name = single(p, "--name");
    const vkeys = p.values.get("--log") ?? [];
    if (vkeys.length === 0) throw new UsageError("give at least one --log VKEY");
    logs = vkeys.map((v) => {
      try {
        return parseVkey(v);
      } catch (e) {
        throw new UsageError(`--log ${v}: ${(e as Error).message}`);
      }
    });
    const k = single(p, "--key");
    explicitKey = k !== undefined;
    keyPath = k ?? join(dataDir, KEY_FILE);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`urna-verify witness: ${e.message}\n(see urna-verify witness --help)\n`);
      return 2;
    }
    throw e;
  }

  // ---- the key: read, or generate on first start
  let seed: Uint8Array;
  try {
    await mkdir(dataDir, { recursive: true });
    let text: string | undefined;
    try {
      text = await readFile(keyPath, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    if (text !== undefined) {
      const key = parseWitnessPrivateKey(text);
      if (name !== undefined && key.name !== name)
        throw new UsageError(`the key in ${keyPath} is named ${key.name}, not ${name}`);
      name = key.name;
      seed = key.seed;
    } else {
      if (explicitKey) throw new UsageError(`no key file ${keyPath}`);
      if (name === undefined)
        throw new UsageError("--name NAME is required to generate the witness key");
      seed = ed25519.utils.randomSecretKey();
      await writeFileAtomic(keyPath, encodeWitnessPrivateKey(name, seed) + "\n");
      err(`urna-verify witness: generated a new key in ${keyPath}\n`);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof LogError) {
      err(`urna-verify witness: ${e.message}\n`);
      return 2;
    }
    err(`urna-verify witness: cannot prepare ${dataDir}: ${(e as Error).message}\n`);
    return 1;
  }

  const quiet = p.flags.has("--quiet");
  const log = (e: WitnessEvent) => {
    if (quiet) return;
    const t = new Date().toISOString();
    if (e.type === "cosigned") err(`${t} cosigned ${e.origin} size ${e.size} (old ${e.oldSize})\n`);
    else err(`${t} refused ${e.status} ${e.code}${e.origin ? ` ${e.origin}` : ""}: ${e.message}\n`);
  };
  let svc;
  try {
    svc = createWitness({ dataDir, name: name as string, signingSeed: seed, logs, onEvent: log });
  } catch (e) {
    err(`urna-verify witness: ${(e as Error).message}\n`);
    return 2;
  }
  let listening;
  try {
    listening = await svc.listen(port, host);
  } catch (e) {
    err(`urna-verify witness: cannot listen on ${host}:${port}: ${(e as Error).message}\n`);
    return 1;
  }
  out(`${svc.vkey}\n`);
  err(
    `urna-verify witness: ${svc.name} listening on ${listening.url} for ${logs.map((l) => l.name).join(", ")}\n`,
  );
  io.onListening?.(listening.url);

  await waitForStop(io.signal);
  await listening.close();
  err("urna-verify witness: stopped\n");
  return 0;
}

/** Resolves on SIGINT, SIGTERM or the signal's abort, removing its listeners. */
export function waitForStop(signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      signal?.removeEventListener("abort", stop);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    if (signal?.aborted) stop();
    else signal?.addEventListener("abort", stop, { once: true });
  });
}
