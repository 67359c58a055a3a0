/**
 * One group commit for every log of a database, and one signer-state file for every log of a
 * board: the commits of several logs share a durable write, nothing is acknowledged before it is
 * durable, and a SIGKILL at random moments loses no acknowledged entry of any log and no released
 * checkpoint; after each kill the signer accepts every log (no false rollback alarm).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, expect, test } from "vitest";
import {
  fromBase64,
  fromUtf8,
  leafHash,
  openCheckpoint,
  toHex,
  utf8,
  verifyConsistency,
} from "@urna/verifier";
import {
  CheckpointSigner,
  SharedSignerState,
  commitGroupOf,
  checkpointOrigin,
} from "../../src/log/index.js";
import { BOARD, boardKey, tempDir } from "./helpers.js";
import { LOGS, openSharedLogs } from "./fixtures/shared-commit.js";
import { runAndKill as runChild } from "./fixtures/run-and-kill.js";

const child = fileURLToPath(new URL("./fixtures/shared-commit-child.ts", import.meta.url));
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

test("the commits of several logs share one durable write; each resolves only after it", async () => {
  const d = await tempDir();
  cleanups.push(d.cleanup);
  const logs = await openSharedLogs(d.path);
  const group = commitGroupOf(logs.db);
  const w0 = group.writes;
  const m0 = group.members;
  const s0 = logs.shared.writes;
  // Writes queued in the same turn share one durable db.batch; one queued while it is in flight
  // waits for it and goes into the next; none resolves before its own batch is written.
  const sub = logs.db.sublevel<string, Uint8Array>("scratch", { valueEncoding: "view" });
  const key = (k: string) => sub.prefix + k;
  const done: string[] = [];
  const first = LOGS.map((id) =>
    group.write([{ type: "put", key: key(id), value: utf8(id) }]).then(() => done.push(id)),
  );
  await new Promise((r) => setImmediate(r)); // the shared write has started
  const late = group
    .write([{ type: "put", key: key("late"), value: utf8("late") }])
    .then(() => done.push("late"));
  expect(done).toEqual([]);
  await Promise.all([...first, late]);
  expect(done).toEqual([...LOGS, "late"]);
  expect(group.writes - w0).toBe(2);
  expect(group.members - m0).toBe(LOGS.length + 1);
  for (const id of LOGS) expect(new Uint8Array((await sub.get(id))!)).toEqual(utf8(id));

  // One entry per log: every commit goes through the group; the signer states share writes.
  const w1 = group.writes;
  const m1 = group.members;
  const rs = await Promise.all(LOGS.map((id) => logs.seqs.get(id)!.append(utf8(`first ${id}`))));
  expect(rs.map((r) => r.index)).toEqual(LOGS.map(() => 0));
  expect(group.members - m1).toBe(LOGS.length);
  expect(group.writes - w1).toBeLessThanOrEqual(LOGS.length);
  expect(logs.shared.writes - s0).toBeLessThanOrEqual(group.writes - w1);
  // The shared signer state records every log's signed tree.
  for (const [i, id] of LOGS.entries())
    expect(logs.shared.get(checkpointOrigin(BOARD, id))).toEqual({ size: 1, root: rs[i].root });
  // Under load (several writers per log) the writes stay far fewer than the commits.
  const more = await Promise.all(
    LOGS.flatMap((id) =>
      Array.from({ length: 40 }, (_, k) => logs.seqs.get(id)!.append(utf8(`${id} ${k}`))),
    ),
  );
  expect(more.length).toBe(LOGS.length * 40);
  expect(group.writes - w1).toBeLessThan((group.members - m1) / 2);
  await logs.close();
  // Read back from its files: every log's last tree.
  const back = await SharedSignerState.open(join(d.path, "signer-state"));
  for (const id of LOGS) expect(back.get(checkpointOrigin(BOARD, id))?.size).toBe(41);
  await back.close();
});

test("a failed shared write rejects every commit in it and fails those logs", async () => {
  const d = await tempDir();
  cleanups.push(d.cleanup);
  const logs = await openSharedLogs(d.path);
  const db = logs.db;
  // The implementation's write (the group commit calls it directly, or through db.batch).
  const impl = db as unknown as { _batch: (a: unknown, b: unknown) => unknown };
  const orig = impl._batch.bind(db);
  let fail = true;
  impl._batch = (ops: unknown, o: unknown) =>
    fail
      ? Promise.reject(new Error("disk on fire"))
      : (orig as (a: unknown, b: unknown) => unknown)(ops, o);
  const rs = await Promise.allSettled(
    LOGS.slice(0, 3).map((id) => logs.seqs.get(id)!.append(utf8(`doomed ${id}`))),
  );
  expect(rs.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
  for (const id of LOGS.slice(0, 3)) {
    expect(logs.seqs.get(id)!.failure?.code).toBe("STORAGE_FAILED");
    expect(logs.seqs.get(id)!.size).toBe(0); // nothing published
  }
  fail = false;
  // A log that had nothing in the failed write still works.
  const ok = await logs.seqs.get(LOGS[5])!.append(utf8("fine"));
  expect(ok.index).toBe(0);
  await logs.close();
});

test("a shared signer state that claims a bigger tree than the database is a rollback", async () => {
  const d = await tempDir();
  cleanups.push(d.cleanup);
  const logs = await openSharedLogs(d.path);
  await Promise.all(LOGS.map((id) => logs.seqs.get(id)!.append(utf8(`x ${id}`))));
  await logs.close();
  const path = join(d.path, "signer-state");
  const shared = await SharedSignerState.open(path);
  const origin = checkpointOrigin(BOARD, LOGS[2]);
  expect(shared.get(origin)?.size).toBe(1);
  const root1 = shared.get(origin)!.root;
  // Pretend a checkpoint of size 5 was signed for one log: its database now looks rolled back.
  await shared.record(origin, { size: 5, root: new Uint8Array(32) });
  await shared.close();
  const again = await openSharedLogs(d.path);
  expect(again.seqs.get(LOGS[2])!.failure?.code).toBe("SIGNER_ROLLBACK");
  expect(again.seqs.get(LOGS[1])!.failure).toBeUndefined();
  await again.close();
  // A write torn by a crash (the newest slot fails its checksum) falls back to the previous
  // state, which the record of size 5 overwrote nothing of: size 1 again.
  const { readFileSync, writeFileSync } = await import("node:fs");
  const slots = [0, 1].map((i) => readFileSync(`${path}.${i}`));
  const seqOf = (b: Buffer) => Number(b.readBigUInt64BE(8));
  const newest = seqOf(slots[0]) > seqOf(slots[1]) ? 0 : 1;
  const torn = Buffer.from(slots[newest]);
  torn[torn.length - 40] ^= 1;
  writeFileSync(`${path}.${newest}`, torn);
  const fallback = await SharedSignerState.open(path);
  expect(fallback.get(origin)?.size).toBe(1);
  expect(fallback.get(origin)?.root).toEqual(root1);
  await fallback.close();
  // Neither slot valid: refuses to load.
  const other = Buffer.from(slots[1 - newest]);
  other[30] ^= 1;
  writeFileSync(`${path}.${1 - newest}`, other);
  await expect(SharedSignerState.open(path)).rejects.toMatchObject({
    code: "SIGNER_STATE_INVALID",
  });
  // A log absent from the shared file falls back to its per-log (earlier version) file.
  const fresh = await SharedSignerState.open(join(d.path, "fresh"));
  const legacy = await CheckpointSigner.open({
    origin,
    key: boardKey(origin),
    statePath: join(d.path, "nonexistent.json"),
    shared: fresh,
  });
  expect(legacy.lastSigned).toBeUndefined();
  await fresh.close();
});

interface Round {
  acks: Array<[string, number, string]>;
  checkpoints: Array<[string, string]>;
  failed?: string;
}

async function runAndKill(dir: string, tag: string, killAfterMs: number): Promise<Round> {
  const { lines, failed } = await runChild(child, dir, tag, killAfterMs, 20_000);
  return {
    acks: lines
      .filter((l) => l.startsWith("ACK "))
      .map((l) => {
        const [, id, i, h] = l.split(" ");
        return [id, Number(i), h] as [string, number, string];
      }),
    checkpoints: lines
      .filter((l) => l.startsWith("CP "))
      .map((l) => {
        const [, id, b] = l.split(" ");
        return [id, fromUtf8(fromBase64(b))] as [string, string];
      }),
    failed,
  };
}

test("SIGKILL during shared commits loses no acknowledged entry of any log", async () => {
  const d = await tempDir();
  cleanups.push(d.cleanup);
  const acked = new Map<string, Map<number, string>>(LOGS.map((id) => [id, new Map()]));
  const checkpoints: Array<[string, string]> = [];
  for (let round = 0; round < 4; round++) {
    const r = await runAndKill(d.path, `r${round}`, 100 + Math.floor(Math.random() * 500));
    expect(r.failed).toBeUndefined();
    for (const [id, i, h] of r.acks) {
      const m = acked.get(id)!;
      if (m.has(i)) expect(m.get(i)).toBe(h); // an index acknowledged earlier keeps its entry
      m.set(i, h);
    }
    checkpoints.push(...r.checkpoints);
    // Every log got acknowledgements in this round (they really were committed together).
    expect(new Set(r.acks.map(([id]) => id)).size).toBe(LOGS.length);

    const logs = await openSharedLogs(d.path);
    for (const id of LOGS) {
      const seq = logs.seqs.get(id)!;
      expect(seq.failure).toBeUndefined();
      const size = seq.size;
      const root = seq.head().root;
      const stored = await seq.reader.entries(0, size);
      for (const [i, h] of acked.get(id)!) {
        expect(i).toBeLessThan(size);
        expect(toHex(leafHash(stored[i]))).toBe(h);
      }
      const origin = checkpointOrigin(BOARD, id);
      const mine = checkpoints.filter(([c]) => c === id).map(([, c]) => c);
      for (const [k, c] of mine.entries()) {
        const { checkpoint } = openCheckpoint(c, boardKey(origin).verifier, { origin });
        expect(checkpoint.size).toBeLessThanOrEqual(size);
        expect(await seq.reader.rootAt(checkpoint.size)).toEqual(checkpoint.root);
        if (k === mine.length - 1)
          verifyConsistency(
            checkpoint.size,
            size,
            await seq.reader.consistencyProof(checkpoint.size),
            checkpoint.root,
            root,
          );
      }
    }
    await logs.close();
  }
  for (const id of LOGS) expect(acked.get(id)!.size).toBeGreaterThan(4);
}, 90_000);
