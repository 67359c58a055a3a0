/**
 * The witness's durable state (Node): one JSON file per log, `<dir>/logs/<sha256(origin) hex>.json`,
 * replaced atomically (temp file, fsync, rename, fsync of the folder) before any cosignature is
 * returned.
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "./durable-node.js";
import {
  type WitnessEvidence,
  type WitnessLogState,
  type WitnessStore,
  originHash,
} from "./witness.js";

const FORMAT = "urna-witness-log-v1";

export class FileWitnessStore implements WitnessStore {
  readonly dir: string;
  readonly evidenceDir: string;
  #ready?: Promise<void>;
  #n = 0;

  constructor(dataDir: string) {
    this.dir = join(dataDir, "logs");
    this.evidenceDir = join(dataDir, "evidence");
  }

  /** `<data>/evidence/<origin hash>-<time>-<n>.json`: refused requests the log had signed. */
  async saveEvidence(origin: string, evidence: WitnessEvidence): Promise<void> {
    await mkdir(this.evidenceDir, { recursive: true });
    const name = `${originHash(origin)}-${evidence.at.replace(/[:.]/g, "-")}-${this.#n++}.json`;
    await writeFileAtomic(
      join(this.evidenceDir, name),
      JSON.stringify({ origin, ...evidence }, null, 1) + "\n",
    );
  }

  #path(origin: string): string {
    return join(this.dir, `${originHash(origin)}.json`);
  }

  async load(origin: string): Promise<WitnessLogState | undefined> {
    let text: string;
    try {
      text = await readFile(this.#path(origin), "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
    const j = JSON.parse(text) as WitnessLogState & { format?: string };
    if (
      j.format !== FORMAT ||
      j.origin !== origin ||
      !Number.isSafeInteger(j.size) ||
      j.size < 0 ||
      typeof j.root !== "string" ||
      typeof j.checkpoint !== "string" ||
      !Number.isSafeInteger(j.timestamp)
    )
      throw new Error(`witness state file for ${origin} is corrupt`);
    return {
      origin: j.origin,
      size: j.size,
      root: j.root,
      timestamp: j.timestamp,
      checkpoint: j.checkpoint,
    };
  }

  async save(state: WitnessLogState): Promise<void> {
    this.#ready ??= mkdir(this.dir, { recursive: true }).then(
      () => {},
      (e: unknown) => {
        this.#ready = undefined;
        throw e;
      },
    );
    await this.#ready;
    await writeFileAtomic(
      this.#path(state.origin),
      JSON.stringify({ format: FORMAT, ...state }, null, 1) + "\n",
    );
  }
}
