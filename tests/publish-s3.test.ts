/**
 * The published record on a real S3 server (Ceph RADOS Gateway, tests/fixtures/ceph-rgw.ts) and
 * on a folder behind a plain static web server (spec/log.md §10): a board publishing to a bucket
 * runs a small election; the bucket's URL verifies with `urna-verify election --board` and
 * `urna-verify receipt --board`; its tiles and checkpoint are the board's, byte for byte, with
 * the cache headers set; an object planted with other bytes stops publishing (PUBLISH_CONFLICT)
 * and the published checkpoint stays where it was; publishing again after the failure accepts
 * what was already written (same bytes); `urna board serve --publish s3://...` publishes with
 * the endpoint and credentials from the AWS environment.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Receipt, ResultBody, TrustFile } from "@urna/schemas";
import {
  entryBundlePath,
  openCheckpoint,
  parseCheckpoint,
  parseNote,
  parseTlogProof,
  parseVkey,
  tilePath,
} from "@urna/verifier";
import { BoardClient, createElection } from "../board/src/actors/index.js";
import {
  FsPublishTarget,
  Publisher,
  PublishError,
  S3PublishTarget,
  electionPrefix,
  newTiles,
} from "../board/src/publish/index.js";
import {
  manifestFor,
  newActors,
  removeDir,
  startBoard,
  type TestBoard,
} from "../board/test/server/helpers.js";
import { type CephRgw, RUN_S3_TESTS, startCephRgw } from "./fixtures/ceph-rgw.js";
import { runElection } from "./fixtures/board-election.js";
import { spawnBoard } from "./fixtures/board-process.js";
import { runVerifyBin } from "./fixtures/verify-cli.js";
import { RUN_GO_TESTS, runTlogcheck } from "./fixtures/go-tlog.js";
import { staticServer } from "./fixtures/static-server.js";
import { tileSource } from "../verifier/src/record/tiles.js";
import { verifyReceipt } from "../verifier/src/receipt/verify-receipt.js";

const BUCKET = "urna-pub";
const id = "mx-2024-pub";
let rgw: CephRgw;
let tb: TestBoard;
let trust: TrustFile;
let result: ResultBody;
const receipts: { receipt: Receipt; counted: boolean }[] = [];
const work = mkdtempSync(join(tmpdir(), "urna-pub-"));
const trustPath = join(work, "trust.json");
const published = () => `${rgw.endpoint}/${BUCKET}/rec`;
const s3Target = (prefix: string) =>
  new S3PublishTarget({ bucket: BUCKET, prefix, client: rgw.client });

async function getBytes(url: string): Promise<{ status: number; bytes: Buffer; headers: Headers }> {
  const r = await fetch(url);
  return { status: r.status, bytes: Buffer.from(await r.arrayBuffer()), headers: r.headers };
}

describe.skipIf(!RUN_S3_TESTS)("the record published to S3 (Ceph RGW)", () => {
  beforeAll(async () => {
    rgw = await startCephRgw();
    await rgw.createPublicBucket(BUCKET);
    tb = await startBoard({ workers: 1, publish: s3Target("rec") });
    const ran = await runElection(tb, id, {
      voters: 3,
      ballots: [
        { voter: 0, choices: { presidencia: ["mc"], "senaduria-09": ["a"] } },
        { voter: 1, choices: { presidencia: ["pvem-pt-morena"], "senaduria-14": ["x"] } },
        { voter: 2, choices: { presidencia: ["mc"], "senaduria-09": ["a", "b"] } },
      ],
      decrypting: [1, 3],
    });
    ({ trust, result } = ran);
    receipts.push(...ran.receipts);
    writeFileSync(trustPath, JSON.stringify(trust));
    await tb.board.publishSettled(id);
  }, 240_000);

  afterAll(async () => {
    await tb?.close();
    if (tb) removeDir(tb.dir);
    await rgw?.stop();
    removeDir(work);
  }, 60_000);

  it("publishes the board's checkpoint, tiles and entry bundles byte for byte, with cache headers", async () => {
    const status = (await (await fetch(`${tb.url}/elections/${id}/status`)).json()) as {
      size: number;
      published?: { target: string; size: number; error?: unknown };
    };
    expect(status.published).toEqual({ target: `s3://${BUCKET}/rec`, size: status.size });
    const cp = await getBytes(`${published()}/elections/${id}/checkpoint`);
    expect(cp.status).toBe(200);
    expect(cp.bytes.toString()).toBe(
      await (await fetch(`${tb.url}/elections/${id}/checkpoint`)).text(),
    );
    expect(cp.headers.get("cache-control")).toBe("no-cache");
    expect(cp.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const size = parseCheckpoint(parseNote(cp.bytes.toString()).text).size;
    expect(size).toBe(status.size);
    // Every object under the election's prefix is a tile or bundle of the board, byte-equal.
    const list = await rgw.client.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `rec/${electionPrefix(id)}tile/` }),
    );
    const keys = (list.Contents ?? []).map((o) => o.Key as string).sort();
    const expected = newTiles(0, size)
      .flatMap((t) => {
        const w = t.width === 256 ? undefined : t.width;
        return t.level === 0
          ? [tilePath(t.level, t.index, w), entryBundlePath(t.index, w)]
          : [tilePath(t.level, t.index, w)];
      })
      .map((p) => `rec/${electionPrefix(id)}${p}`)
      .sort();
    // The final tree's tiles, and the partial tiles of the earlier checkpoints (never removed).
    expect(keys).toEqual(expect.arrayContaining(expected));
    expect(keys.length).toBeGreaterThan(expected.length);
    for (const key of keys) {
      const rel = key.slice(`rec/${electionPrefix(id)}`.length);
      const obj = await getBytes(`${rgw.endpoint}/${BUCKET}/${key}`);
      const live = await getBytes(`${tb.url}/elections/${id}/${rel}`);
      expect(obj.status).toBe(200);
      expect(obj.bytes.equals(live.bytes), key).toBe(true);
      expect(obj.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(obj.headers.get("content-type")).toBe("application/octet-stream");
    }
  });

  it("the bucket verifies with urna-verify election --board and receipts verify from it", async () => {
    const r = await runVerifyBin([
      "election",
      "--board",
      published(),
      "--trust",
      trustPath,
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`tiles ${published()}/elections/${id}`);
    const report = JSON.parse(r.stdout) as { ok: boolean; result: ResultBody };
    expect(report.ok).toBe(true);
    expect(report.result).toEqual(result);
    // One receipt through the CLI (it reads the published tiles: no credential lookup there) ...
    const file = join(work, "receipt.json");
    writeFileSync(file, JSON.stringify(receipts[0].receipt));
    const v = await runVerifyBin([
      "receipt",
      file,
      "--board",
      published(),
      "--trust",
      trustPath,
      "--json",
    ]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const o = JSON.parse(v.stdout) as { ok: boolean; mode: string; steps: { status: string }[] };
    expect(o.mode).toBe("record");
    expect(o.steps.map((s) => s.status)).toEqual(["pass", "pass", "pass", "pass", "pass"]);
    // ... and every receipt with the library, from the same published tiles.
    for (const { receipt } of receipts) {
      const out = await verifyReceipt({
        receipt,
        trust,
        source: tileSource({ url: `${published()}/elections/${id}` }),
      });
      expect(out.steps.map((s) => s.status)).toEqual(["pass", "pass", "pass", "pass", "pass"]);
    }
  }, 120_000);

  it.skipIf(!RUN_GO_TESTS)(
    "the Go x/mod tlog client reads the bucket: signed checkpoint, tiles, every entry, consistency",
    async () => {
      const s = await tb.client.status(id);
      const early = parseTlogProof(receipts[0].receipt.proof).checkpoint;
      const earlyCp = openCheckpoint(early, parseVkey(trust.board.vkey)).checkpoint;
      const r = await runTlogcheck(`${published()}/elections/${id}`, trust.board.vkey, {
        size: earlyCp.size,
        root: Buffer.from(earlyCp.root).toString("base64"),
      });
      expect(r.code, r.error).toBe(0);
      expect(r.out).toMatchObject({ size: s.size, root: s.root, records: s.size });
      expect(r.out?.consistentWith).toBe(earlyCp.size);
    },
    60_000,
  );

  it("an object planted with other bytes stops publishing (PUBLISH_CONFLICT), the checkpoint stays; publishing again keeps what was written", async () => {
    const reader = tb.board.elections.get(id)!.reader;
    const final = tb.board.elections.get(id)!.published;
    const publisher = new Publisher({
      target: s3Target("conflict"),
      state: tb.board.store.publishState,
    });
    // First an earlier checkpoint: the one in the first receipt.
    const early = parseTlogProof(receipts[0].receipt.proof).checkpoint;
    const earlyCp = openCheckpoint(early, parseVkey(trust.board.vkey)).checkpoint;
    expect(earlyCp.size).toBeLessThan(final.size);
    await publisher.publish(id, reader, {
      size: earlyCp.size,
      root: earlyCp.root,
      checkpoint: early,
    });
    const cpUrl = `${rgw.endpoint}/${BUCKET}/conflict/elections/${id}/checkpoint`;
    expect((await getBytes(cpUrl)).bytes.toString()).toBe(early);
    // An object the next publish must create, planted with other bytes.
    const fresh = newTiles(earlyCp.size, final.size).find((t) => t.level === 0)!;
    const planted = `conflict/${electionPrefix(id)}${entryBundlePath(fresh.index, fresh.width === 256 ? undefined : fresh.width)}`;
    await rgw.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: planted, Body: "not this" }));
    const err = await publisher.publish(id, reader, final).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect((err as PublishError).code).toBe("PUBLISH_CONFLICT");
    expect((await getBytes(cpUrl)).bytes.toString()).toBe(early);
    expect((await publisher.lastPublished(id))?.size).toBe(earlyCp.size);
    expect((await getBytes(`${rgw.endpoint}/${BUCKET}/${planted}`)).bytes.toString()).toBe(
      "not this",
    );
    // The operator removes the bad object; the objects the failed publish wrote are accepted again.
    await rgw.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: planted }));
    const again = await publisher.publish(id, reader, final);
    expect(again.size).toBe(final.size);
    expect(again.written).toBeGreaterThanOrEqual(1);
    expect(again.kept).toBeGreaterThanOrEqual(1);
    expect((await getBytes(cpUrl)).bytes.toString()).toBe(final.checkpoint);
    // An older tree than the one published is refused, and nothing changes.
    const older = await publisher
      .publish(id, reader, { size: earlyCp.size, root: earlyCp.root, checkpoint: early })
      .catch((e: unknown) => e);
    expect((older as PublishError).code).toBe("PUBLISH_INCONSISTENT");
    expect((await getBytes(cpUrl)).bytes.toString()).toBe(final.checkpoint);
  }, 60_000);

  it("a folder published by the fs target and served by a plain static server verifies too", async () => {
    const dir = join(work, "static");
    const publisher = new Publisher({
      target: new FsPublishTarget(dir),
      state: tb.board.store.publishState,
    });
    const e = tb.board.elections.get(id)!;
    const r1 = await publisher.publish(id, e.reader, e.published);
    expect(r1.kept).toBe(0);
    const server = await staticServer(dir);
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const r = await runVerifyBin(["election", "--board", url, "--trust", trustPath, "--json"]);
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as { result: ResultBody }).result).toEqual(result);
      // Its bytes are the bucket's.
      const p = `elections/${id}/${entryBundlePath(0, e.published.size >= 256 ? undefined : e.published.size)}`;
      expect(
        (await getBytes(`${url}/${p}`)).bytes.equals((await getBytes(`${published()}/${p}`)).bytes),
      ).toBe(true);
    } finally {
      await new Promise((r) => server.close(r));
    }
  }, 60_000);

  it("urna board serve --publish s3://… publishes with the AWS environment", async () => {
    await rgw.createPublicBucket("urna-cli");
    const dir = join(work, "cli");
    const { server, url } = await spawnBoard(
      ["--workers", "1", "--publish", "s3://urna-cli/x/y"],
      { ...rgw.env, URNA_DATA: dir, URNA_NAME: "cli.test" },
      { compiled: true },
    );
    try {
      const a = newActors(3);
      await createElection(
        new BoardClient(url),
        manifestFor("cli-pub", a, {}),
        a.authority.secretKey,
      );
      const cpUrl = `${rgw.endpoint}/urna-cli/x/y/elections/cli-pub/checkpoint`;
      let got = await getBytes(cpUrl);
      for (let i = 0; i < 100 && got.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        got = await getBytes(cpUrl);
      }
      expect(got.status).toBe(200);
      expect(got.bytes.toString()).toBe(
        await (await fetch(`${url}/elections/cli-pub/checkpoint`)).text(),
      );
    } finally {
      server.kill("SIGTERM");
      await new Promise((r) => (server.exitCode !== null ? r(undefined) : server.on("exit", r)));
    }
  }, 60_000);
});
