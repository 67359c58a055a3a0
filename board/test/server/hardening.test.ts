/**
 * Issue 17 D, E, F: caching of size-dependent proofs; no internal details (absolute paths, HTML)
 * in error answers; malformed HTTP framing answered with the JSON error.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import { afterAll, beforeAll, expect, test } from "vitest";
import { BoardLogError } from "../../src/log/index.js";
import { createElection, generateCredentials, publishCredentials } from "../../src/actors/index.js";
import { signEntry } from "../../src/entry-sign.js";
import { webRouter } from "../../src/server/web.js";
import { manifestFor, newActors, removeDir, startBoard, type TestBoard, untar } from "./helpers.js";

const ID = "endurecida";
let tb: TestBoard;
let registrar: { secretKey: Uint8Array };
/** What the board logged (the details of 5xx answers go there, not to the suite's output). */
const logged: string[] = [];

beforeAll(async () => {
  tb = await startBoard({ log: (m) => logged.push(m) });
  const a = newActors(3);
  await createElection(tb.client, manifestFor(ID, a), a.authority.secretKey);
  registrar = a.registrar;
  const creds = generateCredentials(ID, 6, ["ent-09"]);
  await publishCredentials(
    tb.client,
    ID,
    a.registrar.secretKey,
    creds.map((c) => c.public),
    {
      batchSize: 1,
    },
  );
});
afterAll(async () => {
  await tb.close();
  removeDir(tb.dir);
});

const IMMUTABLE = "public, max-age=31536000, immutable";
const cacheOf = async (path: string): Promise<string | null> => {
  const res = await fetch(`${tb.url}${path}`);
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  return res.headers.get("cache-control");
};

test("D: only answers fixed by their URL are immutable", async () => {
  const e = `/elections/${ID}`;
  expect(await cacheOf(`${e}/proof/inclusion?index=1&size=5`)).toBe(IMMUTABLE);
  expect(await cacheOf(`${e}/proof/inclusion?index=1`)).toBe("public, max-age=1");
  expect(await cacheOf(`${e}/proof/consistency?from=2&to=5`)).toBe(IMMUTABLE);
  expect(await cacheOf(`${e}/proof/consistency?from=2`)).toBe("public, max-age=1");
  expect(await cacheOf(`${e}/checkpoint`)).toBe("no-cache");
  expect(await cacheOf(`${e}/status`)).toBe("no-cache");
  expect(await cacheOf(`${e}/entries/1`)).toBe(IMMUTABLE);
  expect(await cacheOf(`${e}/entries?start=0&end=3`)).toBe(IMMUTABLE);
  expect(await cacheOf(`${e}/entries?start=0`)).toBe("no-cache");
});

/** No absolute path of this machine (the data or install directory) in a text. */
const noPath = (text: string): void => {
  expect(text).not.toContain(tb.dir);
  expect(text).not.toMatch(/(^|[\s"'(:])\/(tmp|work|home|srv|var|usr|root)\//);
};

test("E: a storage failure answers LOG_UNAVAILABLE without the database's path", async () => {
  const id = "almacen-roto";
  const a = newActors(3);
  await createElection(tb.client, manifestFor(id, a), a.authority.secretKey);
  const e = tb.board.elections.get(id)!;
  const ldb = join(tb.dir, "db", "000016.ldb");
  const failure = new BoardLogError(
    "STORAGE_FAILED",
    `level batch failed: IO error: ${ldb}: Input/output error`,
  );
  // The storage fails for good (not a transient EMFILE/ENOSPC): the log becomes read-only.
  e.storage.commit = () => Promise.reject(failure);
  const creds = generateCredentials(id, 1, ["ent-09"]);
  const post = await fetch(`${tb.url}/elections/${id}/bulk`, {
    method: "POST",
    body: JSON.stringify([
      signEntry(
        "credentials",
        id,
        { batch: 0, credentials: creds.map((c) => c.public) },
        a.registrar.secretKey,
      ),
    ]),
  });
  const text = await post.text();
  noPath(text);
  const results = (
    JSON.parse(text) as {
      results: Array<{ status: number; error: { code: string; message: string } }>;
    }
  ).results;
  expect(results[0].status).toBe(503);
  expect(results[0].error.code).toBe("LOG_UNAVAILABLE");
  expect(results[0].error.message).toContain("STORAGE_FAILED");
  // reads that fail in the database answer the same way
  e.reader.entries = () => Promise.reject(failure);
  const r = await fetch(`${tb.url}/elections/${id}/entries?start=0&end=1`);
  expect(r.status).toBe(503);
  const body = await r.text();
  noPath(body);
  expect((JSON.parse(body) as { error: { code: string } }).error.code).toBe("LOG_UNAVAILABLE");
  // The operator finds the details, path included, in the board's log.
  expect(logged.filter((l) => l.startsWith("LOG_UNAVAILABLE: "))).toEqual([
    expect.stringContaining(`STORAGE_FAILED: level batch failed: IO error: ${ldb}`),
  ]);
});

test("E: errors under /web/ are JSON with a code, not express's HTML page", async () => {
  const dir = mkdtempSync(join(tmpdir(), "urna-web-"));
  try {
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>x</title>");
    symlinkSync("loop.html", join(dir, "loop.html")); // reading it fails (ELOOP): a 500
    const app = express();
    const webLog: string[] = [];
    app.use(
      "/web",
      webRouter(dir, (m) => webLog.push(m)),
    );
    const server = createServer(app);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      for (const [path, status, code] of [
        ["/web/loop.html", 500, "INTERNAL"],
        ["/web/no-such-page.html", 404, "NOT_FOUND"],
        ["/web/%E0%A4%A", 404, "NOT_FOUND"],
        ["/web/index.html", 200, ""],
      ] as const) {
        const res = await fetch(`http://127.0.0.1:${port}${path}`);
        const text = await res.text();
        expect(res.status, path).toBe(status);
        if (status === 200) continue;
        expect(res.headers.get("content-type"), path).toMatch(/^application\/json/);
        expect((JSON.parse(text) as { error: { code: string } }).error.code, path).toBe(code);
        expect(text).not.toContain(dir);
        noPath(text);
      }
      // The unreadable page is reported to the board's log, with its path.
      expect(webLog).toEqual([expect.stringMatching(/^web: Error: ELOOP: .*loop\.html/)]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  } finally {
    removeDir(dir);
  }
});

/** Sends raw bytes on a new connection; resolves with everything the board answered. */
function raw(bytes: string): Promise<string> {
  const u = new URL(tb.url);
  return new Promise((resolve, reject) => {
    const s = connect({ host: u.hostname, port: Number(u.port) });
    let out = "";
    s.on("data", (d: Buffer) => (out += d.toString()));
    s.on("error", reject);
    s.on("close", () => resolve(out));
    s.write(bytes);
  });
}

test("F: malformed HTTP framing gets a 400 with the JSON error body", async () => {
  const cases = [
    // Content-Length with Transfer-Encoding
    `POST /elections/${ID}/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    // a negative length
    `POST /elections/${ID}/entries HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n`,
    // a path without "/"
    `GET elections HTTP/1.1\r\nHost: x\r\n\r\n`,
  ];
  for (const c of cases) {
    const out = await raw(c);
    expect(out, c).toMatch(/^HTTP\/1\.1 400 /);
    expect(out).toMatch(/\r\ncontent-type: application\/json/i);
    const body = JSON.parse(out.slice(out.indexOf("\r\n\r\n") + 4)) as { error: { code: string } };
    expect(body.error.code).toBe("BAD_REQUEST");
  }
  // bytes past the length: the first request is answered, the garbage after it gets the 400
  const out = await raw(
    `GET /elections/${ID}/status HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}garbage past the length\r\n\r\n`,
  );
  expect(out).toMatch(/^HTTP\/1\.1 200 /);
  const second = out.slice(out.indexOf("HTTP/1.1 400 "));
  expect(second).toMatch(/^HTTP\/1\.1 400 /);
  expect(
    (JSON.parse(second.slice(second.indexOf("\r\n\r\n") + 4)) as { error: { code: string } }).error
      .code,
  ).toBe("BAD_REQUEST");
});

test("G: per-address token buckets answer 429 RATE_LIMITED with Retry-After (loopback by flag)", async () => {
  const limited = await startBoard({
    limits: {
      rate: {
        writesPerSecond: 1,
        writeBurst: 3,
        readsPerSecond: 1,
        readBurst: 5,
        onLoopback: true,
      },
    },
  });
  try {
    const writes = [];
    for (let i = 0; i < 5; i++)
      writes.push(await fetch(`${limited.url}/elections`, { method: "POST", body: "{" }));
    expect(writes.map((r) => r.status)).toEqual([400, 400, 400, 429, 429]);
    const w = writes[3];
    expect(Number(w.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await w.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
    // reads have their own bucket
    const reads = [];
    for (let i = 0; i < 7; i++) reads.push((await fetch(`${limited.url}/elections`)).status);
    expect(reads).toEqual([200, 200, 200, 200, 200, 429, 429]);
    // the bucket refills
    await new Promise((r) => setTimeout(r, 1100));
    expect((await fetch(`${limited.url}/elections`)).status).toBe(200);
  } finally {
    await limited.close();
    removeDir(limited.dir);
  }
  // by default loopback clients are not limited
  const statuses = [];
  for (let i = 0; i < 30; i++)
    statuses.push((await fetch(`${tb.url}/elections`, { method: "POST", body: "{" })).status);
  expect(statuses.every((s) => s === 400)).toBe(true);
});

test("G: the record archive is built once per checkpoint and served from the cache", async () => {
  const get = async (q = ""): Promise<Buffer> => {
    const res = await fetch(`${tb.url}/elections/${ID}/record${q}`);
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  };
  const first = await get();
  const tiles = await get("?tiles=1");
  // tar headers carry the build time: a rebuild a second later would differ
  await new Promise((r) => setTimeout(r, 1100));
  expect((await get()).equals(first)).toBe(true);
  expect((await get("?tiles=1")).equals(tiles)).toBe(true);
  // a new checkpoint: a new archive, with the new entry
  const before = (await tb.client.status(ID)).size;
  const creds = generateCredentials(ID, 1, ["ent-09"]);
  await publishCredentials(
    tb.client,
    ID,
    registrar.secretKey,
    creds.map((c) => c.public),
  );
  const after = await get();
  expect(after.equals(first)).toBe(false);
  const lines = untar(after).get("entries.jsonl")!;
  expect(new TextDecoder().decode(lines).trim().split("\n")).toHaveLength(before + 1);
});
