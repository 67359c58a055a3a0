/**
 * The read API against an independent client: tiles and entry bundles read with the verifier's
 * TileReader reproduce the checkpoint's root and the entries; proofs verify; ranges, caching
 * headers, the record archive (checked with the system's tar when there is one), board info.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  TileReader,
  encodeVkey,
  entryBundlePath,
  fromBase64,
  leafHash,
  openCheckpoint,
  parseVkey,
  rootFromLeafHashes,
  tilePath,
  toBase64,
  utf8,
  verifyConsistency,
  verifyInclusion,
} from "@urna/verifier";
import { createElection, generateCredentials } from "../../src/actors/index.js";
import { signEntry } from "../../src/entry-sign.js";
import { ustarStream, type TarSource } from "../../src/server/index.js";
import { manifestFor, newActors, removeDir, startBoard, type TestBoard, untar } from "./helpers.js";

const ID = "lecturas";
const N = 300; // more than one full tile
let tb: TestBoard;

beforeAll(async () => {
  tb = await startBoard({ workers: 0, maxBatchDelayMs: 1 });
  const a = newActors(1);
  await createElection(tb.client, manifestFor(ID, a, { threshold: 1 }), a.authority.secretKey);
  const creds = generateCredentials(ID, N - 1, ["ent-09", "ent-14"]);
  for (let i = 0; i < N - 1; i++)
    await tb.client.post(
      signEntry(
        "credentials",
        ID,
        { batch: i, credentials: [creds[i].public] },
        a.registrar.secretKey,
      ),
    );
});
afterAll(async () => {
  await tb.close();
  removeDir(tb.dir);
});

const get = (path: string) => fetch(tb.url + path);
const bytes = async (path: string): Promise<Uint8Array> => {
  const r = await get(path);
  if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
};

describe("reads", () => {
  test("board info and election list", async () => {
    const info = (await (await get("/")).json()) as {
      name: string;
      vkey: string;
      version: string;
      publicKey: string;
    };
    expect(info).toEqual({
      name: "board.test",
      vkey: tb.board.vkey,
      version: "0.1.0",
      publicKey: tb.board.publicKey,
    });
    // every election's checkpoints verify under the same public key, named after the origin
    expect(tb.board.electionVkey(ID)).toBe(
      encodeVkey(`board.test/elections/${ID}`, fromBase64(info.publicKey)),
    );
    expect(parseVkey(info.vkey).name).toBe("board.test");
    const list = (await (await get("/elections")).json()) as unknown[];
    expect(list).toEqual([{ id: ID, title: `Elección de prueba ${ID}`, phase: "setup", size: N }]);
  });

  test("checkpoint and tiles reproduce the tree; entry bundles hold the entries", async () => {
    const res = await get(`/elections/${ID}/checkpoint`);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(res.headers.get("cache-control")).toMatch(/no-cache|max-age=1/);
    const cp = openCheckpoint(await res.text(), parseVkey(tb.board.electionVkey(ID)), {
      origin: `board.test/elections/${ID}`,
    }).checkpoint;
    expect(cp.size).toBe(N);
    const reader = new TileReader(
      cp.size,
      (level, index, width) => bytes(`/elections/${ID}/${tilePath(level, index, width)}`),
      {
        fetchEntryBundle: (index, width) =>
          bytes(`/elections/${ID}/${entryBundlePath(index, width)}`),
      },
    );
    await reader.verifyRoot(cp.root);
    const entries = await reader.entries(0, N);
    const lines = await tb.client.leaves(ID, 0, N);
    expect(entries.map((e) => new TextDecoder().decode(e))).toEqual(lines);
    expect(toBase64(rootFromLeafHashes(lines.map((l) => leafHash(utf8(l)))))).toBe(
      toBase64(cp.root),
    );

    const full = await get(`/elections/${ID}/tile/0/000`);
    expect(full.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(full.headers.get("content-type")).toBe("application/octet-stream");
    expect((await full.arrayBuffer()).byteLength).toBe(256 * 32);
    const partial = await get(`/elections/${ID}/tile/0/001.p/${N - 256}`);
    expect((await partial.arrayBuffer()).byteLength).toBe((N - 256) * 32);
    expect(partial.headers.get("cache-control")).toBe("public, max-age=1");
    expect((await get(`/elections/${ID}/tile/0/001`)).status).toBe(404);
    expect((await get(`/elections/${ID}/tile/1/000.p/1`)).status).toBe(200);
  });

  test("CORS: reads and writes are open to any origin", async () => {
    const pre = await fetch(`${tb.url}/elections/${ID}/entries`, { method: "OPTIONS" });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
    expect(pre.headers.get("access-control-allow-methods")).toMatch(/POST/);
    expect((await get(`/elections/${ID}/status`)).headers.get("access-control-allow-origin")).toBe(
      "*",
    );
  });

  test("entries by index and by range", async () => {
    const one = await get(`/elections/${ID}/entries/7`);
    expect(one.headers.get("content-type")).toMatch(/^application\/json/);
    const text = await one.text();
    const range = await get(`/elections/${ID}/entries?start=5&end=9`);
    expect(range.headers.get("content-type")).toBe("application/x-ndjson");
    const lines = (await range.text()).split("\n");
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe("");
    expect(lines[2]).toBe(text);
    const clamped = (
      await (await get(`/elections/${ID}/entries?start=${N - 2}&end=${N + 50}`)).text()
    ).split("\n");
    expect(clamped).toHaveLength(3);
    expect(await (await get(`/elections/${ID}/entries?start=${N}`)).text()).toBe("");
  });

  test("inclusion and consistency proofs verify", async () => {
    const lines = await tb.client.leaves(ID, 0, N);
    const hashes = lines.map((l) => leafHash(utf8(l)));
    for (const [index, size] of [
      [0, 1],
      [5, 17],
      [255, 256],
      [256, 257],
      [123, N],
      [N - 1, N],
    ]) {
      const p = await tb.client.inclusionProof(ID, index, size);
      expect(p.leafHash).toBe(toBase64(hashes[index]));
      verifyInclusion(
        hashes[index],
        index,
        size,
        p.proof.map(fromBase64),
        rootFromLeafHashes(hashes.slice(0, size)),
      );
    }
    for (const [m, n] of [
      [1, 2],
      [3, 7],
      [100, 256],
      [256, N],
      [0, N],
      [N, N],
    ]) {
      const p = await tb.client.consistencyProof(ID, m, n);
      const root = (k: number) => rootFromLeafHashes(hashes.slice(0, k));
      if (m > 0) verifyConsistency(m, n, p.proof.map(fromBase64), root(m), root(n));
      else expect(p.proof).toEqual([]);
    }
  });

  test("the record is a valid ustar archive (checked with the system's tar if present)", async () => {
    const buf = await tb.client.record(ID, { tiles: true });
    const files = untar(buf);
    expect([...files.keys()].slice(0, 2)).toEqual(["checkpoint", "entries.jsonl"]);
    expect(files.has("tile/0/000")).toBe(true);
    expect(files.has(`tile/0/001.p/${N - 256}`)).toBe(true);
    expect(files.has(`tile/entries/001.p/${N - 256}`)).toBe(true);
    expect(files.has("tile/1/000.p/1")).toBe(true);
    let tarOk = false;
    try {
      execFileSync("tar", ["--version"], { stdio: "ignore" });
      tarOk = true;
    } catch {
      /* no system tar: the in-test reader above is the check */
    }
    if (tarOk) {
      const dir = mkdtempSync(join(tmpdir(), "urna-record-"));
      try {
        execFileSync("tar", ["-xf", "-", "-C", dir], { input: buf });
        expect(new Uint8Array(readFileSync(join(dir, "entries.jsonl")))).toEqual(
          files.get("entries.jsonl"),
        );
        expect(readFileSync(join(dir, "checkpoint"), "utf8")).toBe(await tb.client.checkpoint(ID));
        expect(new Uint8Array(readFileSync(join(dir, "tile/0/000")))).toEqual(
          files.get("tile/0/000"),
        );
      } finally {
        removeDir(dir);
      }
    }
  });
});

describe("ustar writer", () => {
  const collect = async (files: TarSource[]): Promise<Uint8Array> => {
    const chunks: Uint8Array[] = [];
    for await (const c of ustarStream(files)) chunks.push(c);
    return new Uint8Array(Buffer.concat(chunks));
  };

  test("long paths use the prefix field and a file above 8 GiB gets a pax size record", async () => {
    const long = `tile/entries/${"x001/".repeat(30)}000`;
    const all = await collect([
      { name: long, size: 3, data: () => [new Uint8Array([1, 2, 3])] },
      { name: "b", size: 513, data: () => [new Uint8Array(500).fill(7), new Uint8Array(13)] },
    ]);
    expect(all.length % 512).toBe(0);
    const files = untar(all);
    expect(files.get(long)).toEqual(new Uint8Array([1, 2, 3]));
    expect(files.get("b")?.length).toBe(513);
    // The headers of a 9 GiB file, read before its data (the iteration stops there).
    const head: Uint8Array[] = [];
    let n = 0;
    const huge: TarSource = {
      name: "entries.jsonl",
      size: 9 * 2 ** 30,
      data: function* () {
        for (;;) yield new Uint8Array(1 << 16); // the reader stops long before 9 GiB
      },
    };
    for await (const c of ustarStream([huge])) {
      head.push(c);
      n += c.length;
      if (n >= 3 * 512) break;
    }
    const h = new Uint8Array(Buffer.concat(head));
    expect(String.fromCharCode(h[156])).toBe("x");
    expect(new TextDecoder().decode(h.subarray(512, 1024))).toMatch(/\d+ size=9663676416\n/);
    expect(new TextDecoder().decode(h.subarray(512, 1024))).toMatch(/\d+ path=entries\.jsonl\n/);
    expect(String.fromCharCode(h[1024 + 156])).toBe("0");
  });

  test("a file whose data does not match its size is an error", async () => {
    await expect(
      collect([{ name: "a", size: 5, data: () => [new Uint8Array(3)] }]),
    ).rejects.toThrow(/declared 5/);
    await expect(
      collect([{ name: "a", size: 2, data: () => [new Uint8Array(3)] }]),
    ).rejects.toThrow(/longer than its declared size 2/);
  });

  test("the archive is streamed: the first file's bytes come before the last file is read", async () => {
    let lastRead = false;
    const files = (async function* (): AsyncGenerator<TarSource> {
      yield { name: "first", size: 4, data: () => [new Uint8Array([1, 2, 3, 4])] };
      await new Promise((ok) => setTimeout(ok, 10));
      lastRead = true;
      yield { name: "last", size: 1, data: () => [new Uint8Array([9])] };
    })();
    const it = ustarStream(files);
    const first = await it.next();
    expect(first.done).toBe(false);
    expect(lastRead).toBe(false);
    await it.return(undefined);
  });
});

describe("reading counted ballots for the tally", () => {
  test("entriesAt reads each bundle once and yields exactly the requested indices in order", async () => {
    const { entriesAt } = await import("../../src/server/tally-sum.js");
    const reads: Array<[number, number]> = [];
    const read = async (a: number, b: number) => {
      reads.push([a, b]);
      return Array.from({ length: b - a }, (_, k) =>
        utf8(JSON.stringify({ type: "ballot", i: a + k })),
      );
    };
    const indices = [3, 4, 255, 256, 300, 511, 512, 1000, 70_000];
    const got: number[] = [];
    for await (const { index, entry } of entriesAt(indices, read)) {
      expect((entry as unknown as { i: number }).i).toBe(index);
      got.push(index);
    }
    expect(got).toEqual(indices);
    expect(reads).toEqual([
      [0, 256],
      [256, 512],
      [512, 513],
      [768, 1001],
      [69_888, 70_001],
    ]);
  });
});
