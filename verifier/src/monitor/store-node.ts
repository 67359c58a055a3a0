/**
 * The monitor's state folder (Node): `head.json` (the last verified checkpoint and frontier,
 * replaced atomically at every verified checkpoint), `snapshot.json` (the election replay,
 * replaced atomically now and then and at stop) and `alert-<time>-<code>.json` (the evidence of
 * each alert: the checkpoints, proofs or findings involved).
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../witness/durable-node.js";
import type { MonitorHead, MonitorSnapshot, MonitorStore } from "./monitor.js";

export class FileMonitorStore implements MonitorStore {
  readonly dir: string;
  #ready?: Promise<void>;

  constructor(dir: string) {
    this.dir = dir;
  }

  async #mkdir(): Promise<void> {
    this.#ready ??= mkdir(this.dir, { recursive: true }).then(
      () => {},
      (e: unknown) => {
        this.#ready = undefined;
        throw e;
      },
    );
    return this.#ready;
  }

  async #read<T>(name: string): Promise<T | undefined> {
    let text: string;
    try {
      text = await readFile(join(this.dir, name), "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
    return JSON.parse(text) as T;
  }

  async #write(name: string, value: unknown, pretty = false): Promise<string> {
    await this.#mkdir();
    const path = join(this.dir, name);
    await writeFileAtomic(path, JSON.stringify(value, null, pretty ? 2 : undefined) + "\n");
    return path;
  }

  loadHead(): Promise<MonitorHead | undefined> {
    return this.#read<MonitorHead>("head.json");
  }
  async saveHead(h: MonitorHead): Promise<void> {
    await this.#write("head.json", h, true);
  }
  loadSnapshot(): Promise<MonitorSnapshot | undefined> {
    return this.#read<MonitorSnapshot>("snapshot.json");
  }
  async saveSnapshot(s: MonitorSnapshot): Promise<void> {
    await this.#write("snapshot.json", s);
  }
  saveEvidence(name: string, evidence: unknown): Promise<string> {
    return this.#write(`${name.replace(/[^A-Za-z0-9._-]/g, "_")}.json`, evidence, true);
  }
}
