/** The checkpoint signer never signs two inconsistent checkpoints: restarts, rollbacks, forks. */
import { cp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import {
  emptyRoot,
  formatCheckpoint,
  fromBase64,
  fromUtf8,
  openCheckpoint,
  signNote,
  utf8,
} from "@urna/verifier";
import {
  BoardLogError,
  CheckpointSigner,
  MemoryLogStorage,
  Sequencer,
  checkpointOrigin,
  nodeEd25519Signer,
} from "../../src/log/index.js";
import { ORIGIN, SEED, boardKey, openLog, tempDir } from "./helpers.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
async function dir(): Promise<string> {
  const d = await tempDir();
  cleanups.push(d.cleanup);
  return d.path;
}
const fill = async (log: Awaited<ReturnType<typeof openLog>>, n: number, tag: string) => {
  await Promise.all(Array.from({ length: n }, (_, i) => log.seq.append(utf8(`${tag}${i}`))));
};

describe("database rolled back or replaced", () => {
  test("older copy of the database restored: SIGNER_ROLLBACK, appends refused, reads still served", async () => {
    const d = await dir();
    const a = await openLog(d);
    await fill(a, 100, "a");
    await a.close();
    await cp(join(d, "db"), join(d, "db-backup"), { recursive: true });

    const b = await openLog(d);
    await fill(b, 50, "b");
    expect(b.seq.size).toBe(150);
    await b.close();

    await rm(join(d, "db"), { recursive: true });
    await cp(join(d, "db-backup"), join(d, "db"), { recursive: true });
    const fatal: BoardLogError[] = [];
    const c = await openLog(d, { onFatal: (e) => fatal.push(e) });
    expect(c.seq.failure?.code).toBe("SIGNER_ROLLBACK");
    expect(fatal.map((e) => e.code)).toEqual(["SIGNER_ROLLBACK"]);
    await expect(c.seq.append(utf8("after rollback"))).rejects.toMatchObject({
      code: "SIGNER_ROLLBACK",
    });
    await expect(c.seq.append(utf8("again"))).rejects.toMatchObject({ code: "SIGNER_ROLLBACK" });
    // Nothing was written, and the old (previously signed) checkpoint is still what is served.
    expect((await c.storage.readState())?.size).toBe(100);
    expect(c.seq.size).toBe(100);
    expect(fromUtf8(await c.seq.reader.entry(99))).toBe("a99");
    // The signer file still remembers 150.
    expect(JSON.parse(await readFile(join(d, `signer-${"e2025-test"}.json`), "utf8")).size).toBe(
      150,
    );
    await c.close();
  });

  test("a different log of larger size swapped in: SIGNER_INCONSISTENT", async () => {
    const d = await dir();
    const other = await dir();
    const a = await openLog(d);
    await fill(a, 100, "a");
    await a.close();
    const b = await openLog(other);
    await fill(b, 300, "fork");
    await b.close();
    await rm(join(d, "db"), { recursive: true });
    await cp(join(other, "db"), join(d, "db"), { recursive: true });
    const c = await openLog(d);
    expect(c.seq.failure?.code).toBe("SIGNER_INCONSISTENT");
    await expect(c.seq.append(utf8("x"))).rejects.toMatchObject({ code: "SIGNER_INCONSISTENT" });
    await c.close();
  });

  test("same size, different root: SIGNER_INCONSISTENT", async () => {
    const d = await dir();
    const other = await dir();
    const a = await openLog(d);
    await fill(a, 40, "a");
    await a.close();
    const b = await openLog(other);
    await fill(b, 40, "b");
    await b.close();
    await rm(join(d, "db"), { recursive: true });
    await cp(join(other, "db"), join(d, "db"), { recursive: true });
    const c = await openLog(d);
    expect(c.seq.failure?.code).toBe("SIGNER_INCONSISTENT");
    await c.close();
  });

  test("the same database reopened (no rollback) is accepted", async () => {
    const d = await dir();
    const a = await openLog(d);
    await fill(a, 10, "a");
    await a.close();
    const b = await openLog(d);
    expect(b.seq.failure).toBeUndefined();
    await fill(b, 5, "b");
    expect(b.seq.size).toBe(15);
    await b.close();
  });
});

describe("signer state file", () => {
  test("records the published tree, atomically replaced", async () => {
    const d = await dir();
    const a = await openLog(d);
    await fill(a, 33, "s");
    const st = JSON.parse(await readFile(join(d, "signer-e2025-test.json"), "utf8"));
    expect(st).toMatchObject({ format: "urna-checkpoint-signer-v1", origin: ORIGIN, size: 33 });
    expect(fromBase64(st.root)).toEqual(a.seq.head().root);
    await a.close();
  });

  test("missing file with a non-empty log: SIGNER_STATE_MISSING unless adoptExisting", async () => {
    const d = await dir();
    const a = await openLog(d);
    await fill(a, 5, "m");
    await a.close();
    await rm(join(d, "signer-e2025-test.json"));
    const b = await openLog(d);
    expect(b.seq.failure?.code).toBe("SIGNER_STATE_MISSING");
    await b.close();
    const c = await openLog(d, { adoptExisting: true });
    expect(c.seq.failure).toBeUndefined();
    await fill(c, 1, "n");
    expect(c.seq.size).toBe(6);
    await c.close();
  });

  test("corrupt file, or a file of another log: SIGNER_STATE_INVALID", async () => {
    const d = await dir();
    const a = await openLog(d);
    await fill(a, 3, "c");
    await a.close();
    const path = join(d, "signer-e2025-test.json");
    const good = await readFile(path, "utf8");
    await writeFile(path, good.slice(0, 20));
    const b = await openLog(d);
    expect(b.seq.failure?.code).toBe("SIGNER_STATE_INVALID");
    await b.close();
    await writeFile(path, good.replace(ORIGIN, checkpointOrigin("board.example.org", "other")));
    const c = await openLog(d);
    expect(c.seq.failure?.code).toBe("SIGNER_STATE_INVALID");
    await c.close();
  });

  test("state file cannot be written: SIGNER_STATE_WRITE_FAILED, nothing acknowledged", async () => {
    const d = await dir();
    const signer = await CheckpointSigner.open({
      origin: ORIGIN,
      key: boardKey(),
      statePath: join(d, "missing-dir", "s.json"),
    });
    const seq = await Sequencer.open({
      storage: new MemoryLogStorage(),
      signer,
      onFatal: () => {},
    });
    expect(seq.failure?.code).toBe("SIGNER_STATE_WRITE_FAILED");
    await expect(seq.append(utf8("x"))).rejects.toMatchObject({
      code: "SIGNER_STATE_WRITE_FAILED",
    });
  });

  test("key name must equal the origin", async () => {
    const d = await dir();
    await expect(
      CheckpointSigner.open({
        origin: ORIGIN,
        key: nodeEd25519Signer("someone.else/key", SEED),
        statePath: join(d, "s.json"),
      }),
    ).rejects.toMatchObject({ code: "SIGNER_KEY_NAME" });
  });
});

describe("CheckpointSigner.sign", () => {
  const tree = (n: number) => ({
    size: n,
    root: Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + n) & 0xff),
  });

  test("refuses a smaller size, a different root at the same size, and a proof that does not verify; then stays failed", async () => {
    const d = await dir();
    const s = await CheckpointSigner.open({
      origin: ORIGIN,
      key: boardKey(),
      statePath: join(d, "s.json"),
    });
    const noProof = async () => [];
    await s.sign(0, emptyRoot(), noProof);
    const t5 = tree(5);
    await s.sign(t5.size, t5.root, noProof); // from the empty tree: no proof needed
    await s.persist(t5);
    await expect(s.sign(5, tree(6).root, noProof)).rejects.toMatchObject({
      code: "SIGNER_INCONSISTENT",
    });
    const s2 = await CheckpointSigner.open({
      origin: ORIGIN,
      key: boardKey(),
      statePath: join(d, "s.json"),
    });
    await expect(s2.sign(4, tree(4).root, noProof)).rejects.toMatchObject({
      code: "SIGNER_ROLLBACK",
    });
    const s3 = await CheckpointSigner.open({
      origin: ORIGIN,
      key: boardKey(),
      statePath: join(d, "s.json"),
    });
    const garbage = async () => [new Uint8Array(32), new Uint8Array(32), new Uint8Array(32)];
    await expect(s3.sign(9, tree(9).root, garbage)).rejects.toMatchObject({
      code: "SIGNER_INCONSISTENT",
    });
    // Sticky: even the very same tree as before is now refused.
    await expect(s3.sign(5, t5.root, noProof)).rejects.toMatchObject({
      code: "SIGNER_INCONSISTENT",
    });
    expect(s3.failure?.code).toBe("SIGNER_INCONSISTENT");
  });

  test("signs tlog-checkpoint notes", async () => {
    const d = await dir();
    const s = await CheckpointSigner.open({
      origin: ORIGIN,
      key: boardKey(),
      statePath: join(d, "s.json"),
    });
    const note = await s.sign(0, emptyRoot(), async () => []);
    expect(note.split("\n").slice(0, 4)).toEqual([
      ORIGIN,
      "0",
      "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
      "",
    ]);
    expect(note).toMatch(new RegExp(`\n— ${ORIGIN.replace(/\./g, "\\.")} [A-Za-z0-9+/]+=*\n$`));
    expect(utf8(note).length).toBeLessThan(300);
  });

  test("signing off the main thread (signAsync) gives the same note bytes as signNote", async () => {
    const key = boardKey();
    expect(typeof key.signAsync).toBe("function");
    const msg = utf8("urna async signing\n");
    expect(await key.signAsync(msg)).toEqual(key.sign(msg));
    const d = await dir();
    const root = Uint8Array.from({ length: 32 }, (_, i) => i);
    const withAsync = await CheckpointSigner.open({
      origin: ORIGIN,
      key,
      statePath: join(d, "a.json"),
      adoptExisting: true,
    });
    // The same key without signAsync: the synchronous signNote path.
    const { signAsync: _drop, ...syncKey } = key;
    void _drop;
    const withSync = await CheckpointSigner.open({
      origin: ORIGIN,
      key: syncKey,
      statePath: join(d, "s.json"),
      adoptExisting: true,
    });
    const a = await withAsync.sign(7, root, async () => []);
    const b = await withSync.sign(7, root, async () => []);
    expect(a).toBe(b);
    expect(a).toBe(
      signNote(formatCheckpoint({ origin: ORIGIN, size: 7, root, extensions: [] }), [key]),
    );
    openCheckpoint(a, key.verifier, { origin: ORIGIN });
  });
});
