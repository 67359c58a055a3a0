/**
 * The board's witnessing over time (spec/witness.md §2): checkpoints of concurrent writes are
 * witnessed in order (a witness refuses a checkpoint smaller than one it cosigned, so racing
 * requests would leave acknowledged checkpoints short of the quorum), a checkpoint short of the
 * quorum is asked for again without any new entry, and after a restart the published
 * checkpoint is witnessed again.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { castBallot, type VoterCredential } from "../board/src/actors/index.js";
import { createElection } from "../board/src/actors/index.js";
import {
  manifestFor,
  newActors,
  openElection,
  removeDir,
  startBoard,
  type TestBoard,
} from "../board/test/server/helpers.js";
import {
  encodePrivateKey,
  encodeVkey,
  generateSeed,
  parsePrivateKey,
  parseVkey,
  verifyWitnessQuorum,
} from "@urna/verifier";
import { createWitness, type WitnessService } from "@urna/verifier/node";

const ID = "mx-rewitness";
const dir = mkdtempSync(join(tmpdir(), "urna-rewitness-"));
const boardKey = encodePrivateKey("board.test", generateSeed());
const vkey = encodeVkey(`board.test/elections/${ID}`, parsePrivateKey(boardKey).publicKey);
const seeds = [generateSeed(), generateSeed()];
const witnessAt = (i: number): WitnessService =>
  createWitness({
    dataDir: join(dir, `w${i}`),
    name: `w${i}.test`,
    signingSeed: seeds[i],
    logs: [vkey],
  });
const witnesses = [witnessAt(0), witnessAt(1)];
const verifiers = witnesses.map((w) => parseVkey(w.vkey));
let listening: { url: string; port: number; close(): Promise<void> }[] = [];
let tb: TestBoard;
let creds: VoterCredential[];

/** A full ballot for the credential's style (board/test/server/helpers.ts manifest). */
const choices = (c: VoterCredential): Record<string, string[]> =>
  c.style === "ent-09"
    ? { presidencia: ["mc"], "senaduria-09": ["a"] }
    : { presidencia: ["mc"], "senaduria-14": ["x"] };

/** The checkpoint inside a receipt's tlog-proof (after the blank line). */
const receiptCheckpoint = (proof: string): string => proof.slice(proof.indexOf("\n\n") + 2);
const cosigned = (note: string): number => verifyWitnessQuorum(note, verifiers, 2).count;

async function until<T>(f: () => Promise<T>, ok: (t: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const t = await f();
    if (ok(t) || Date.now() > end) return t;
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  listening = await Promise.all(witnesses.map((w) => w.listen(0)));
  tb = await startBoard(
    {
      signingKey: boardKey,
      witnesses: witnesses.map((w, i) => ({ url: listening[i].url, vkey: w.vkey })),
      quorum: 2,
      witnessRetryMs: 100,
    },
    join(dir, "board"),
  );
  const a = newActors(3);
  await createElection(tb.client, manifestFor(ID, a, { threshold: 2 }), a.authority.secretKey);
  creds = (await openElection(tb.client, ID, a, 14)).creds;
}, 120_000);

afterAll(async () => {
  await tb?.close();
  await Promise.all(listening.map((l) => l.close().catch(() => undefined)));
  removeDir(dir);
});

describe("board witnessing over time", () => {
  it("concurrent ballots: every acknowledged checkpoint and receipt has the quorum", async () => {
    const results = await Promise.all(
      creds.slice(0, 12).map((c) => castBallot(tb.client, c, choices(c))),
    );
    const sizes = new Set<number>();
    for (const r of results) {
      const note = receiptCheckpoint(r.cast.receipt.proof);
      expect(cosigned(note)).toBe(2);
      sizes.add(Number(note.split("\n")[1]));
    }
    // The writes really overlapped: more than one checkpoint was acknowledged.
    expect(sizes.size).toBeGreaterThan(1);
  }, 120_000);

  it("a checkpoint short of the quorum is witnessed again without a new entry", async () => {
    await listening[1].close();
    const r = await castBallot(tb.client, creds[12], choices(creds[12]));
    const acked = receiptCheckpoint(r.cast.receipt.proof);
    expect(cosigned(acked)).toBe(1);
    const size = (await tb.client.status(ID)).size;
    // The witness comes back on the same address: the board asks again on its own.
    listening[1] = await witnessAt(1).listen(listening[1].port);
    const served = await until(
      () => tb.client.checkpoint(ID),
      (n) => cosigned(n) === 2,
    );
    expect(cosigned(served)).toBe(2);
    expect(served.split("\n")[1]).toBe(String(size));
    expect((await tb.client.status(ID)).size).toBe(size);
  }, 60_000);

  it("after a restart the published checkpoint is witnessed again", async () => {
    const size = (await tb.client.status(ID)).size;
    tb = await tb.restart();
    const served = await until(
      () => tb.client.checkpoint(ID),
      (n) => cosigned(n) === 2,
    );
    expect(cosigned(served)).toBe(2);
    expect(served.split("\n")[1]).toBe(String(size));
    // Writes go on as before.
    const r = await castBallot(tb.client, creds[13], choices(creds[13]));
    expect(cosigned(receiptCheckpoint(r.cast.receipt.proof))).toBe(2);
  }, 60_000);
});
