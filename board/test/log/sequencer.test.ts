/** Sequencer: group commit, order, checks, meta, size limit, checkpoints, close, restart. */
import { afterEach, describe, expect, test } from "vitest";
import {
  ed25519Signer,
  encodeEntryBundle,
  fromUtf8,
  leafHash,
  openCheckpoint,
  parseVkey,
  signNote,
  utf8,
  verifyConsistency,
  verifyInclusion,
} from "@urna/verifier";
import {
  BoardLogError,
  LevelLogStorage,
  MemoryLogStorage,
  isBoardLogError,
  leafHashFast,
  nodeEd25519Signer,
} from "../../src/log/index.js";
import { ORIGIN, SEED, openLog, tempDir } from "./helpers.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
async function levelLog(opts: Parameters<typeof openLog>[1] = {}) {
  const d = await tempDir();
  const log = await openLog(d.path, opts);
  cleanups.push(async () => {
    await log.close().catch(() => {});
    await d.cleanup();
  });
  return { log, dir: d.path };
}

describe("group commit", () => {
  test("600 concurrent appends: indices in submission order, one checkpoint per batch of <= 256", async () => {
    const storage = new MemoryLogStorage();
    const log = await openLog(undefined, { storage });
    const commitsBefore = storage.commits; // the empty tree's checkpoint
    const rs = await Promise.all(
      Array.from({ length: 600 }, (_, i) => log.seq.append(utf8(`e${i}`))),
    );
    rs.forEach((r, i) => {
      expect(r.index).toBe(i);
      expect(r.leafHash).toEqual(leafHash(utf8(`e${i}`)));
      expect(r.size).toBeGreaterThan(i);
    });
    const sizes = [...new Set(rs.map((r) => r.size))];
    expect(sizes).toEqual([256, 512, 600]);
    expect(storage.commits - commitsBefore).toBe(3);
    // Every entry's checkpoint verifies with the board key and includes it.
    const vkey = parseVkey(log.key.vkey);
    for (const r of [rs[0], rs[300], rs[599]]) {
      const { checkpoint } = openCheckpoint(r.checkpoint, vkey, { origin: ORIGIN });
      expect(checkpoint.size).toBe(r.size);
      expect(checkpoint.root).toEqual(r.root);
      verifyInclusion(
        r.leafHash,
        r.index,
        r.size,
        await log.seq.reader.inclusionProof(r.index, r.size),
        r.root,
      );
    }
    verifyConsistency(
      256,
      600,
      await log.seq.reader.consistencyProof(256, 600),
      rs[0].root,
      rs[599].root,
    );
    await log.close();
  });

  test("a lone entry does not wait for the batch delay; entries of one turn share a batch", async () => {
    const log = await openLog(undefined, { maxBatchDelayMs: 5_000 });
    const t0 = performance.now();
    const r = await log.seq.append(utf8("alone"));
    expect(r.index).toBe(0);
    expect(performance.now() - t0).toBeLessThan(1000);
    const rs = await Promise.all([1, 2, 3].map((i) => log.seq.append(utf8(`turn${i}`))));
    expect(rs.map((x) => x.size)).toEqual([4, 4, 4]); // one batch, one checkpoint
    await log.close();
  });

  test("while a commit is in flight, entries wait for it (at most the batch delay) and share the next batch", async () => {
    const storage = new MemoryLogStorage();
    const orig = storage.commit.bind(storage);
    let release: (() => void) | undefined;
    let commits = 0;
    storage.commit = async (b) => {
      if (b.leaves.length > 0) commits++;
      if (b.state.size === 1) await new Promise<void>((r) => (release = r));
      await orig(b);
    };
    const log = await openLog(undefined, { storage, maxBatchDelayMs: 5_000 });
    const first = log.seq.append(utf8("first"));
    await new Promise((r) => setTimeout(r, 20));
    expect(release).toBeDefined(); // batch 1 is being committed
    const later = Array.from({ length: 5 }, (_, i) => log.seq.append(utf8(`later${i}`)));
    await new Promise((r) => setTimeout(r, 20));
    expect(commits).toBe(1); // the later entries wait for the commit in flight
    release!();
    const rs = await Promise.all([first, ...later]);
    expect(rs[0].size).toBe(1);
    expect(rs.slice(1).map((x) => x.size)).toEqual([6, 6, 6, 6, 6]);
    expect(commits).toBe(2);
    await log.close();
  });

  test("the published checkpoint only moves after the commit is durable and in order", async () => {
    const storage = new MemoryLogStorage();
    const seen: number[] = [];
    const orig = storage.commit.bind(storage);
    storage.commit = async (b) => {
      await new Promise((r) => setTimeout(r, 5));
      await orig(b);
      seen.push(b.state.size);
    };
    const log = await openLog(undefined, { storage, maxBatchSize: 10 });
    const published: number[] = [];
    const ps = Array.from({ length: 55 }, (_, i) =>
      log.seq.append(utf8(`x${i}`)).then((r) => {
        expect(seen).toContain(r.size); // durable before release
        published.push(log.seq.size);
        return r;
      }),
    );
    await Promise.all(ps);
    expect(published).toEqual([...published].sort((a, b) => a - b));
    expect(log.seq.size).toBe(55);
    await log.close();
  });
});

describe("checks, meta and limits", () => {
  test("check runs in index order; a throw rejects that entry only and writes nothing of it", async () => {
    const { log } = await levelLog();
    const voted = new Set<string>();
    const calls: number[] = [];
    const vote = (cred: string) =>
      log.seq.append(utf8(`ballot:${cred}`), [[`voted/${cred}`, "1"]], {
        check: (index) => {
          calls.push(index);
          if (voted.has(cred))
            throw new BoardLogError("ENTRY_INVALID", `credential ${cred} already voted`);
          voted.add(cred);
        },
      });
    const results = await Promise.allSettled([
      vote("a"),
      vote("b"),
      vote("a"),
      vote("c"),
      vote("b"),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
      "rejected",
    ]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value.index : -1))).toEqual([
      0, 1, -1, 2, -1,
    ]);
    expect(calls).toEqual([0, 1, 2, 2, 3]); // rejected entries do not consume an index
    expect(log.seq.size).toBe(3);
    expect((await log.seq.reader.entries(0, 3)).map(fromUtf8)).toEqual([
      "ballot:a",
      "ballot:b",
      "ballot:c",
    ]);
    expect(fromUtf8((await log.storage.getMeta("voted/c"))!)).toBe("1");
    const metas: string[] = [];
    for await (const [k] of log.storage.iterateMeta("voted/")) metas.push(k);
    expect(metas).toEqual(["voted/a", "voted/b", "voted/c"]);
  });

  test("meta computed from the index is committed with the entry", async () => {
    const { log } = await levelLog();
    const rs = await Promise.all(
      ["t1", "t2", "t3"].map((code) =>
        log.seq.append(utf8(`entry ${code}`), (index) => [[`receipt/${code}`, String(index)]]),
      ),
    );
    for (const [i, code] of ["t1", "t2", "t3"].entries())
      expect(fromUtf8((await log.storage.getMeta(`receipt/${code}`))!)).toBe(String(rs[i].index));
  });

  test("bad meta rejects only that entry", async () => {
    const log = await openLog(undefined);
    const bad = log.seq.append(utf8("x"), [["", "empty key"]]);
    const good = log.seq.append(utf8("y"));
    await expect(bad).rejects.toThrow(TypeError);
    expect((await good).index).toBe(0);
    await log.close();
  });

  test("entry of 65,536 bytes: ENTRY_TOO_LARGE, nothing written; 65,535 bytes accepted", async () => {
    const { log } = await levelLog();
    await log.seq.append(utf8("first"));
    const before = await log.storage.readState();
    const err = await log.seq.append(new Uint8Array(65_536)).catch((e: unknown) => e);
    expect(isBoardLogError(err, "ENTRY_TOO_LARGE")).toBe(true);
    await log.seq.flush();
    expect(await log.storage.readState()).toEqual(before);
    expect(log.seq.size).toBe(1);
    const big = new Uint8Array(65_535).fill(7);
    const r = await log.seq.append(big);
    expect(r.index).toBe(1);
    expect(await log.seq.reader.entry(1)).toEqual(big);
    expect(await log.seq.reader.entryBundle(0, 2)).toEqual(encodeEntryBundle([utf8("first"), big]));
  });

  test("non-bytes entry: ENTRY_INVALID", async () => {
    const log = await openLog(undefined);
    await expect(log.seq.append("text" as unknown as Uint8Array)).rejects.toMatchObject({
      code: "ENTRY_INVALID",
    });
    await log.close();
  });
});

describe("the leaf hash given by the caller (hashed once)", () => {
  test("the same tree, checkpoints and leaf hashes as when the sequencer hashes; a malformed one is ENTRY_INVALID", async () => {
    const a = await openLog(undefined);
    const b = await openLog(undefined);
    const leaves = Array.from({ length: 300 }, (_, i) => utf8(`entry ${i}`));
    const ra = await Promise.all(leaves.map((l) => a.seq.append(l)));
    const rb = await Promise.all(
      leaves.map((l) => b.seq.append(l, undefined, { leafHash: leafHashFast(l) })),
    );
    expect(rb.map((r) => [r.index, r.leafHash, r.size, r.root])).toEqual(
      ra.map((r) => [r.index, r.leafHash, r.size, r.root]),
    );
    expect(b.seq.head().root).toEqual(a.seq.head().root);
    expect(await b.seq.reader.inclusionProof(7)).toEqual(await a.seq.reader.inclusionProof(7));
    for (const bad of [new Uint8Array(31), "x" as unknown as Uint8Array])
      await expect(b.seq.append(utf8("more"), undefined, { leafHash: bad })).rejects.toMatchObject({
        code: "ENTRY_INVALID",
      });
    expect(b.seq.size).toBe(300);
    await a.close();
    await b.close();
  });

  test("a receipt's inclusion proof reads the right edge's partial tiles from memory, not storage", async () => {
    const storage = new MemoryLogStorage();
    const reads: string[] = [];
    const readTile = storage.readTile.bind(storage);
    storage.readTile = (level, index) => {
      reads.push(`${level}/${index}`);
      return readTile(level, index);
    };
    const log = await openLog(undefined, { storage });
    for (let round = 0; round < 3; round++) {
      const rs = await Promise.all(
        Array.from({ length: 200 }, (_, i) => log.seq.append(utf8(`r${round} e${i}`))),
      );
      reads.length = 0;
      for (const r of [rs[0], rs[199]]) {
        const proof = await log.seq.reader.inclusionProof(r.index, r.size);
        verifyInclusion(r.leafHash, r.index, r.size, proof, r.root);
      }
      expect(reads).toEqual([]);
    }
    await log.close();
  });
});

describe("lifecycle", () => {
  test("close flushes queued entries, then refuses appends", async () => {
    const { log } = await levelLog({ maxBatchDelayMs: 10_000 });
    const ps = Array.from({ length: 10 }, (_, i) => log.seq.append(utf8(`q${i}`)));
    await log.seq.close();
    const rs = await Promise.all(ps);
    expect(rs.map((r) => r.index)).toEqual([...Array(10).keys()]);
    await expect(log.seq.append(utf8("late"))).rejects.toMatchObject({ code: "LOG_CLOSED" });
  });

  test("restart: state, checkpoint and tiles reload; appends continue", async () => {
    const d = await tempDir();
    cleanups.push(d.cleanup);
    const a = await openLog(d.path);
    await Promise.all(Array.from({ length: 700 }, (_, i) => a.seq.append(utf8(`r${i}`))));
    const head = a.seq.head();
    await a.close();
    const b = await openLog(d.path);
    expect(b.seq.failure).toBeUndefined();
    expect(b.seq.head()).toEqual(head);
    expect(b.seq.checkpoint()).toBe(head.checkpoint); // Ed25519 is deterministic: same note
    const r = await b.seq.append(utf8("after restart"));
    expect(r.index).toBe(700);
    verifyConsistency(700, 701, await b.seq.reader.consistencyProof(700), head.root, r.root);
    await b.close();
  });

  test("reads stop at the published size", async () => {
    const log = await openLog(undefined);
    await Promise.all([0, 1, 2].map((i) => log.seq.append(utf8(`p${i}`))));
    const r = log.seq.reader;
    await expect(r.entry(3)).rejects.toMatchObject({ code: "INDEX_OUT_OF_RANGE" });
    await expect(r.rootAt(4)).rejects.toMatchObject({ code: "SIZE_OUT_OF_RANGE" });
    await expect(r.inclusionProof(1, 4)).rejects.toMatchObject({ code: "SIZE_OUT_OF_RANGE" });
    await expect(r.tile(0, 0)).rejects.toMatchObject({ code: "NOT_FOUND" }); // only the .p/3 tile exists
    expect((await r.tile(0, 0, 3)).length).toBe(96);
    await expect(r.entryBundle(0, 4)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await log.close();
  });

  test("one Level db holds several logs, isolated", async () => {
    const d = await tempDir();
    cleanups.push(d.cleanup);
    const { openLevelDb } = await import("../../src/log/index.js");
    const db = await openLevelDb(`${d.path}/db`);
    const a = await openLog(d.path, { logId: "e-a", storage: new LevelLogStorage(db, "e-a") });
    const b = await openLog(d.path, { logId: "e-b", storage: new LevelLogStorage(db, "e-b") });
    await Promise.all([
      a.seq.append(utf8("a0")),
      a.seq.append(utf8("a1")),
      b.seq.append(utf8("b0")),
    ]);
    expect(a.seq.size).toBe(2);
    expect(b.seq.size).toBe(1);
    expect((await b.seq.reader.entries(0, 1)).map(fromUtf8)).toEqual(["b0"]);
    expect(a.seq.checkpoint()).toContain("/elections/e-a\n2\n");
    await a.seq.close();
    await b.seq.close();
    await db.close();
    expect(() => new LevelLogStorage(db, "bad id!")).toThrow(/BAD_LOG_ID/);
    // A second writer for the same log on the same database is refused.
    expect(() => new LevelLogStorage(db, "e-a")).toThrow(/STORAGE_CONFLICT/);
  });
});

describe("keys and storage guards", () => {
  test("node:crypto note signer = verifier's portable signer, byte for byte", () => {
    const fast = nodeEd25519Signer(ORIGIN, SEED);
    const portable = ed25519Signer(ORIGIN, SEED);
    expect(fast.vkey).toBe(portable.vkey);
    expect(fast.keyId).toEqual(portable.keyId);
    const text = `${ORIGIN}\n5\nq6yroAAAAAAAAAAAAAAAAAAAAAAAAAAAAGAGHgASNFY=\n`;
    expect(signNote(text, [fast])).toBe(signNote(text, [portable]));
  });

  test("storage refuses a commit from the wrong size (STORAGE_CONFLICT), for both backends", async () => {
    const d = await tempDir();
    cleanups.push(d.cleanup);
    for (const s of [new MemoryLogStorage(), await LevelLogStorage.open(`${d.path}/db`, "x")]) {
      const batch = {
        previousSize: 5,
        state: { size: 6, root: new Uint8Array(32) },
        leaves: [utf8("z")],
        tiles: [],
        checkpoint: "c\n",
        meta: [],
      };
      await expect(s.commit(batch)).rejects.toMatchObject({ code: "STORAGE_CONFLICT" });
      expect(await s.readState()).toBeUndefined();
      await s.close();
    }
  });
});
