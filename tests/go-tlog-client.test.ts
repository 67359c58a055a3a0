/**
 * An outside client reads urna's log: the Go transparency-log code of golang.org/x/mod/sumdb
 * (tests/go/tlogcheck, Debian's golang-golang-x-mod-dev) opens the checkpoint as a signed note,
 * authenticates every tile against its root with tlog.TileHashReader, proves and checks every
 * entry of every entry bundle and the consistency with an older tree, on the live board's tile
 * routes and on the folder the board published (spec/log.md; the bucket is checked the same way
 * in tests/publish-s3.test.ts). A flipped byte in a tile or an entry bundle, or a checkpoint under
 * another key, makes it fail. The log holds more than two full tiles (601 entries), so full and
 * partial tiles of levels 0 and 1 are all read.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Entry } from "@urna/schemas";
import { ed25519 } from "@noble/curves/ed25519.js";
import { encodeVkey, entryBundlePath, tilePath } from "@urna/verifier";
import { createElection, generateCredentials } from "../board/src/actors/index.js";
import { signEntry } from "../board/src/entry-sign.js";
import { FsPublishTarget } from "../board/src/publish/index.js";
import {
  manifestFor,
  newActors,
  removeDir,
  startBoard,
  type TestBoard,
} from "../board/test/server/helpers.js";
import { RUN_GO_TESTS, runTlogcheck } from "./fixtures/go-tlog.js";
import { staticServer } from "./fixtures/static-server.js";

const id = "mx-go-tlog";
const work = mkdtempSync(join(tmpdir(), "urna-go-tlog-"));
const folder = join(work, "published");
let tb: TestBoard;
let server: Server;
let staticUrl = "";
let status: { size: number; root: string; vkey: string; origin: string };
/** The tree after the first 300 entries. */
let older: { size: number; root: string };

describe.skipIf(!RUN_GO_TESTS)("the Go x/mod tlog client reads urna's log", () => {
  beforeAll(async () => {
    tb = await startBoard({ workers: 1, publish: new FsPublishTarget(folder) });
    const a = newActors(1);
    await createElection(tb.client, manifestFor(id, a, { threshold: 1 }), a.authority.secretKey);
    const batch = (b: number): Entry =>
      signEntry(
        "credentials",
        id,
        { batch: b, credentials: generateCredentials(id, 1, ["ent-09"]).map((g) => g.public) },
        a.registrar.secretKey,
      ) as Entry;
    for (let b = 0; b < 600; b += 150) {
      const rs = await tb.client.postBulk(
        id,
        Array.from({ length: 150 }, (_, i) => batch(b + i)),
      );
      expect(rs.every((r) => !("error" in r))).toBe(true);
      if (b === 150) {
        const s = await tb.client.status(id);
        older = { size: s.size, root: s.root };
      }
    }
    status = (await tb.client.status(id)) as typeof status;
    expect(status.size).toBe(601);
    await tb.board.publishSettled(id);
    server = await staticServer(work);
    staticUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/published/elections/${id}`;
  }, 120_000);

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await tb?.close();
    if (tb) removeDir(tb.dir);
    removeDir(work);
  });

  it("the live board and its published folder: checkpoint, every tile, every entry, consistency", async () => {
    for (const url of [`${tb.url}/elections/${id}`, staticUrl]) {
      const r = await runTlogcheck(url, status.vkey, older);
      expect(r.code, `${url}: ${r.error}`).toBe(0);
      expect(r.out).toEqual({
        origin: status.origin,
        size: 601,
        root: status.root,
        records: 601,
        consistentWith: older.size,
      });
    }
  }, 120_000);

  it("fails on a flipped byte in a tile or an entry bundle, a wrong older root, or another key", async () => {
    const tampered = (name: string, path: string, at: number): string => {
      const dir = join(work, name);
      cpSync(join(folder, "elections", id), dir, { recursive: true });
      const file = join(dir, path);
      const bytes = readFileSync(file);
      bytes[at] ^= 1;
      writeFileSync(file, bytes);
      return `http://127.0.0.1:${(server.address() as { port: number }).port}/${name}`;
    };
    const cases: [string, string][] = [
      // entry 1's hash in the first full tile of level 0: entry 0's proof (its sibling) fails
      [tampered("bad-tile", tilePath(0, 0), 40), "entry 0: invalid transparency proof"],
      // the partial tile of level 1 (the right edge): the tiles no longer give the root
      [tampered("bad-tile1", tilePath(1, 0, 2), 3), "downloaded inconsistent tile"],
      // a byte of the first entry of the second full bundle
      [tampered("bad-bundle", entryBundlePath(1), 100), "entry 256: invalid transparency proof"],
    ];
    for (const [url, says] of cases) {
      const r = await runTlogcheck(url, status.vkey);
      expect(r.code, url).toBe(1);
      expect(r.error, url).toContain(says);
    }
    const wrongOld = await runTlogcheck(staticUrl, status.vkey, {
      size: older.size,
      root: Buffer.alloc(32, 7).toString("base64"),
    });
    expect(wrongOld.code).toBe(1);
    expect(wrongOld.error).toContain(`consistency with size ${older.size}`);
    // The same key name (origin), another key: the checkpoint's signature is not that key's.
    const other = encodeVkey(status.origin, ed25519.getPublicKey(ed25519.utils.randomSecretKey()));
    const r = await runTlogcheck(staticUrl, other);
    expect(r.code).toBe(1);
    expect(r.error).toContain("checkpoint signature");
  }, 120_000);
});
