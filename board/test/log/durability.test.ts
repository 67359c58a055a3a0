/**
 * Crash durability: a child process appends and prints every acknowledged
 * entry and released checkpoint; the test SIGKILLs it at random moments,
 * several times. After each kill: every acknowledged entry is at its index,
 * the tree is consistent with every checkpoint released before the kill,
 * and the signer accepts the database (no false rollback alarm).
 */
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import {
  fromBase64,
  fromUtf8,
  leafHash,
  openCheckpoint,
  toHex,
  verifyConsistency,
} from "@urna/verifier";
import { ORIGIN, boardKey, openLog, tempDir } from "./helpers.js";
import { runAndKill as runChild } from "./fixtures/run-and-kill.js";

const child = fileURLToPath(new URL("./fixtures/durability-child.ts", import.meta.url));
const ROUNDS = 5;

interface Round {
  acks: Array<[number, string]>;
  checkpoints: string[];
  failed?: string;
}

/** Runs the child until it has acknowledged something, then kills it after a random delay. */
async function runAndKill(dir: string, tag: string, killAfterMs: number): Promise<Round> {
  const { lines, failed } = await runChild(child, dir, tag, killAfterMs, 15_000);
  return {
    acks: lines
      .filter((l) => l.startsWith("ACK "))
      .map((l) => [Number(l.split(" ")[1]), l.split(" ")[2]] as [number, string]),
    checkpoints: lines
      .filter((l) => l.startsWith("CP "))
      .map((l) => fromUtf8(fromBase64(l.slice(3)))),
    failed,
  };
}

test("SIGKILL at random moments loses no acknowledged entry and no released checkpoint", async () => {
  const d = await tempDir();
  const acked = new Map<number, string>();
  const checkpoints: string[] = [];
  const vkey = boardKey().verifier;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const r = await runAndKill(d.path, `r${round}`, 100 + Math.floor(Math.random() * 600));
      expect(r.failed).toBeUndefined();
      expect(r.acks.length).toBeGreaterThan(0);
      for (const [i, h] of r.acks) {
        // An index acknowledged in an earlier round keeps its entry.
        if (acked.has(i)) expect(acked.get(i)).toBe(h);
        acked.set(i, h);
      }
      checkpoints.push(...r.checkpoints);

      const log = await openLog(d.path);
      expect(log.seq.failure).toBeUndefined();
      const reader = log.seq.reader;
      const size = log.seq.size;
      const root = log.seq.head().root;
      // Every acknowledged entry is at its index: the stored entries hash to the acknowledged leaf hashes,
      // and so do the level-0 tiles.
      const stored = await reader.entries(0, size);
      for (const [i, h] of acked) {
        expect(i).toBeLessThan(size);
        expect(toHex(leafHash(stored[i]))).toBe(h);
      }
      for (const i of [...acked.keys()].slice(-50))
        expect(toHex(await reader.leafHashAt(i))).toBe(acked.get(i));
      // The tree is consistent with every checkpoint released before the kill: same root at its size
      // (and, for a sample, a verified consistency proof to the current tree).
      for (const [k, c] of checkpoints.entries()) {
        const { checkpoint } = openCheckpoint(c, vkey, { origin: ORIGIN });
        expect(checkpoint.size).toBeLessThanOrEqual(size);
        expect(await reader.rootAt(checkpoint.size)).toEqual(checkpoint.root);
        if (checkpoint.size > 0 && (k % 10 === 0 || k === checkpoints.length - 1))
          verifyConsistency(
            checkpoint.size,
            size,
            await reader.consistencyProof(checkpoint.size),
            checkpoint.root,
            root,
          );
      }
      await log.close();
    }
    expect(acked.size).toBeGreaterThan(ROUNDS);
  } finally {
    await d.cleanup();
  }
}, 60_000);
