/**
 * The live feed under hostile subscribers (issue 17 A, B): each commit's events are built once and
 * the same bytes go to every stream; a stream that stops reading is cut off at its queue bound
 * and resumes with Last-Event-ID; streams end after their lifetime and get heartbeats when
 * idle; 20 streams add no listener per stream to the board's shutdown signal.
 */
import { createPrivateKey, randomBytes, sign } from "node:crypto";
import { type Socket, connect } from "node:net";
import { afterEach, expect, test } from "vitest";
import { canonicalJson } from "@urna/schemas";
import { createElection } from "../../src/actors/index.js";
import { Feed, type FeedEvent, buildFeedEvent } from "../../src/server/feed.js";
import {
  type Actors,
  manifestFor,
  newActors,
  removeDir,
  startBoard,
  type TestBoard,
} from "./helpers.js";

const boards: TestBoard[] = [];
afterEach(async () => {
  for (const tb of boards.splice(0)) {
    await tb.close();
    removeDir(tb.dir);
  }
});

async function board(opts: Parameters<typeof startBoard>[0] = {}): Promise<TestBoard> {
  const tb = await startBoard(opts);
  boards.push(tb);
  return tb;
}

async function election(tb: TestBoard, id: string): Promise<Actors> {
  const a = newActors(3);
  await createElection(tb.client, manifestFor(id, a), a.authority.secretKey);
  return a;
}

/**
 * `count` credentials entries of `perEntry` random keys each, batches from `firstBatch`, signed
 * with node:crypto (the same bytes as signEntry, much faster on large entries).
 */
function credentialEntries(
  id: string,
  a: Actors,
  firstBatch: number,
  count: number,
  perEntry: number,
): string[] {
  const key = createPrivateKey({
    key: Buffer.concat([
      Buffer.from("302e020100300506032b657004220420", "hex"),
      Buffer.from(a.registrar.secretKey),
    ]),
    format: "der",
    type: "pkcs8",
  });
  return Array.from({ length: count }, (_, i) => {
    const keys = randomBytes(32 * perEntry);
    const unsigned = {
      type: "credentials",
      election: id,
      body: {
        batch: firstBatch + i,
        credentials: Array.from({ length: perEntry }, (_, k) => ({
          key: keys.subarray(32 * k, 32 * k + 32).toString("base64"),
          style: "ent-09",
        })),
      },
      signer: a.registrar.publicKey,
    };
    const msg = Buffer.concat([
      Buffer.from("urna-v1/entry\n"),
      Buffer.from(canonicalJson(unsigned)),
    ]);
    return JSON.stringify({ ...unsigned, signature: sign(null, msg, key).toString("base64") });
  });
}

async function postBulk(tb: TestBoard, id: string, entries: string[]): Promise<void> {
  const res = await fetch(`${tb.url}/elections/${id}/bulk`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: `[${entries.join(",")}]`,
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { results: Array<{ status: number }> };
  expect(body.results.every((r) => r.status === 201)).toBe(true);
}

/** A raw event-stream connection: everything it received, as text. */
interface RawStream {
  socket: Socket;
  text(): string;
  /** ids of the complete entry events received. */
  ids(): number[];
  ended: Promise<void>;
}

function rawStream(url: string, path: string, headers: Record<string, string> = {}): RawStream {
  const u = new URL(url);
  const socket = connect({ host: u.hostname, port: Number(u.port) });
  const chunks: Buffer[] = [];
  socket.on("data", (d: Buffer) => chunks.push(d));
  const ended = new Promise<void>((r) => socket.once("close", () => r()));
  socket.on("error", () => undefined);
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: ${u.host}\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("")}\r\n`,
  );
  const text = (): string => Buffer.concat(chunks).toString("utf8");
  return {
    socket,
    text,
    ids: () =>
      [...text().matchAll(/event: entry\nid: (\d+)\ndata: [^\n]*\n\n/g)].map((m) => Number(m[1])),
    ended,
  };
}

const until = async (cond: () => boolean, ms = 10_000): Promise<void> => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

test("A: one commit's events are built once and every stream gets the same bytes", async () => {
  const feed = new Feed();
  const got: FeedEvent[] = [];
  const subs = Array.from({ length: 30 }, () =>
    feed.subscribe({
      push: (ev) => got.push(ev),
      heartbeat: () => undefined,
      close: () => undefined,
    }),
  );
  const leaves = [1, 2, 3].map((i) =>
    new TextEncoder().encode(`{"body":{},"i":${i},"type":"ballot"}`),
  );
  feed.publish({ first: 7, leaves, size: 10, root: new Uint8Array(32), checkpoint: "cp\n" });
  expect(got).toHaveLength(30);
  for (const ev of got) expect(ev.bytes).toBe(got[0].bytes); // the same Buffer, not a copy
  const text = got[0].bytes.toString();
  expect([...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual([7, 8, 9]);
  expect(text).toContain('"type":"ballot"');
  expect(text.endsWith('"checkpoint":"cp\\n"}\n\n')).toBe(true);
  // a stream that already sent entry 7 is written the rest from the same bytes
  const ev = buildFeedEvent({
    first: 7,
    leaves,
    size: 10,
    root: new Uint8Array(32),
    checkpoint: "",
  });
  expect(ev.bytes.subarray(ev.offsets[1]).toString()).toMatch(/^event: entry\nid: 8\n/);
  for (const u of subs) u();
  expect(feed.subscribers).toBe(0);
});

test("A: commits within the coalescing window reach each stream as one write", async () => {
  const feed = new Feed(50);
  const got: FeedEvent[] = [];
  const unsubscribe = feed.subscribe({
    view: "full",
    push: (ev) => got.push(ev),
    heartbeat: () => undefined,
    close: () => undefined,
  });
  const leaf = (i: number) => new TextEncoder().encode(`{"body":{},"i":${i},"type":"ballot"}`);
  const commit = (first: number, n: number, cp: string) => ({
    first,
    leaves: Array.from({ length: n }, (_, k) => leaf(first + k)),
    size: first + n,
    root: new Uint8Array(32),
    checkpoint: cp,
  });
  feed.publish(commit(3, 2, "a"));
  feed.publish(commit(5, 1, "b"));
  feed.publish(commit(6, 0, "b+")); // a re-announcement: more cosignatures
  feed.publish(commit(6, 3, "c"));
  expect(got).toEqual([]); // nothing before the window closes
  await until(() => got.length > 0);
  expect(got.map((e) => [e.first, e.end, e.size])).toEqual([
    [3, 6, 6],
    [6, 6, 6],
    [6, 9, 9],
  ]);
  const text = got[0].bytes.toString();
  expect(
    [...text.matchAll(/^(id: \d+|data: \{"size"[^\n]*)$/gm)].map((m) => m[1].slice(0, 14)),
  ).toEqual(["id: 3", "id: 4", 'data: {"size":', "id: 5", 'data: {"size":']);
  expect(text).toContain('"checkpoint":"a"');
  expect(text.endsWith('"checkpoint":"b"}\n\n')).toBe(true);
  // the offsets of a merged event: a stream that sent entry 3 is written from entry 4 on
  expect(got[0].offsets).toHaveLength(4);
  expect(got[0].bytes.subarray(got[0].offsets[1]).toString()).toMatch(/^event: entry\nid: 4\n/);
  expect(got[0].bytes.subarray(got[0].offsets[2]).toString()).toMatch(/^event: entry\nid: 5\n/);
  expect(got[0].bytes.subarray(got[0].offsets[3]).toString()).toMatch(/^event: checkpoint\n/);
  expect(got[1].bytes.toString()).toContain('"checkpoint":"b+"');
  unsubscribe();
});

test("A: 20 live streams receive the same events, in order, over HTTP", async () => {
  const tb = await board();
  const id = "feed-shared";
  const a = await election(tb, id);
  const streams = Array.from({ length: 20 }, () => rawStream(tb.url, `/elections/${id}/events`));
  await until(() => streams.every((s) => s.ids().length === 1));
  await postBulk(tb, id, credentialEntries(id, a, 0, 30, 3));
  await until(() => streams.every((s) => s.ids().length === 31));
  for (const s of streams) {
    expect(s.ids()).toEqual(range(0, 31));
    s.socket.destroy();
  }
});

test("A: streams carry index, type and tracking code only by default; ?view=full the entry too", async () => {
  const tb = await board();
  const id = "feed-summary";
  const a = await election(tb, id);
  const full = rawStream(tb.url, `/elections/${id}/events?view=full`);
  const summary = [
    rawStream(tb.url, `/elections/${id}/events`),
    rawStream(tb.url, `/elections/${id}/events?view=summary`),
    rawStream(tb.url, `/elections/${id}/events?after=-1`),
  ];
  await until(() => [full, ...summary].every((s) => s.ids().length === 1));
  await postBulk(tb, id, credentialEntries(id, a, 0, 5, 3));
  await until(() => [full, ...summary].every((s) => s.ids().length === 6));
  const data = (t: string) =>
    [...t.matchAll(/event: entry\nid: \d+\ndata: ([^\n]*)\n\n/g)].map(
      (m) => JSON.parse(m[1]) as Record<string, unknown>,
    );
  const f = data(full.text());
  for (const s of summary) {
    const d = data(s.text());
    expect(d).toEqual(f.map(({ index, type, trackingCode }) => ({ index, type, trackingCode })));
  }
  expect(f[1].entry).toBeDefined();
  expect(JSON.stringify(f[1].entry)).toContain('"type":"credentials"');
  const bad = await fetch(`${tb.url}/elections/${id}/events?view=nope`);
  expect(bad.status).toBe(400);
  for (const s of [full, ...summary]) s.socket.destroy();
});

test("A: full-view streams have their own cap: past it 503 TOO_MANY_FULL_STREAMS, summary streams still served", async () => {
  const tb = await board({ limits: { connections: { maxFullStreams: 2 } } });
  const id = "feed-full-cap";
  await election(tb, id);
  const path = `/elections/${id}/events`;
  const full = [rawStream(tb.url, `${path}?view=full`), rawStream(tb.url, `${path}?view=full`)];
  await until(() => full.every((s) => s.ids().length === 1));
  const refused = await fetch(`${tb.url}${path}?view=full`);
  expect(refused.status).toBe(503);
  expect(refused.headers.get("retry-after")).toBe("5");
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
    "TOO_MANY_FULL_STREAMS",
  );
  const summary = rawStream(tb.url, path);
  await until(() => summary.ids().length === 1);
  // A full stream that ends frees its place.
  full[0].socket.destroy();
  await until(() => tb.board.elections.get(id)!.feed.subscribers === 2);
  const again = rawStream(tb.url, `${path}?view=full`);
  await until(() => again.ids().length === 1);
  expect(again.text()).toMatch(/^HTTP\/1\.1 200/);
  expect(again.text()).toContain('"entry":{');
  for (const s of [full[1], summary, again]) s.socket.destroy();
});

test("B: a subscriber that stops reading is cut off at its queue bound and resumes with Last-Event-ID", async () => {
  const bound = 1 << 20;
  const tb = await board({ limits: { feed: { maxQueueBytes: bound } } });
  const id = "feed-stalled";
  const a = await election(tb, id);
  const feed = tb.board.elections.get(id)!.feed;
  const stalled = rawStream(tb.url, `/elections/${id}/events?view=full`);
  await until(() => stalled.ids().length === 1);
  stalled.socket.pause(); // never reads again: the kernel's buffers fill, then the board's
  // Events in small commits (each well under the bound) until the stream is cut off: more than
  // the socket buffers on both ends of a loopback connection (about 4 MB, more where the kernel
  // grows them: posting a fixed 9 MB was not always enough in CI) plus the bound; at most 27 MB.
  const MAX = 720;
  let posted = 0;
  while (feed.stats().cutOff === 0 && posted < MAX) {
    const round = credentialEntries(id, a, posted, 40, 500);
    for (let i = 0; i < round.length; i += 4) await postBulk(tb, id, round.slice(i, i + 4));
    posted += round.length;
    await new Promise((r) => setTimeout(r, 250)); // the feed writes every FEED_COALESCE_MS
  }
  const size = posted + 1;
  await until(() => feed.stats().cutOff === 1);
  expect(feed.stats().cutOff).toBe(1);
  expect(feed.stats().maxHeldBytes).toBeLessThanOrEqual(bound);
  expect(feed.subscribers).toBe(0); // the board holds nothing more for it
  // The client reads what it was sent, sees the end, and resumes after its last whole event.
  stalled.socket.resume();
  await stalled.ended;
  const got = stalled.ids();
  expect(got).toEqual(range(0, got.length));
  expect(got.length).toBeLessThan(size);
  const last = got.at(-1)!;
  const resumed = rawStream(tb.url, `/elections/${id}/events?view=full`, {
    "Last-Event-ID": String(last),
  });
  // Megabytes of history come back to a client in this same process: wait on a cheap test of
  // the text, with time to spare on a loaded machine (CI runs two test files at once).
  const marker = `id: ${size - 1}\n`;
  await until(() => resumed.text().includes(marker), 45_000);
  await until(() => resumed.ids().at(-1) === size - 1);
  expect(resumed.ids()).toEqual(range(last + 1, size));
  resumed.socket.destroy();
}, 120_000);

test("B: a stream ends after its lifetime and gets a heartbeat comment when idle", async () => {
  const tb = await board({ limits: { feed: { maxLifetimeMs: 600, heartbeatMs: 100 } } });
  const id = "feed-lifetime";
  await election(tb, id);
  const s = rawStream(tb.url, `/elections/${id}/events`);
  const t0 = Date.now();
  await s.ended;
  const ms = Date.now() - t0;
  expect(ms).toBeGreaterThanOrEqual(500);
  expect(ms).toBeLessThan(5000);
  expect(s.ids()).toEqual([0]);
  expect(s.text()).toMatch(/\n: keep-alive\n\n/);
  expect(s.text()).toMatch(/\r\n0\r\n\r\n$/); // a clean end of the chunked body, not a reset
});

test("B: 20 event streams add no listener per stream (no MaxListenersExceededWarning)", async () => {
  const tb = await board();
  const id = "feed-listeners";
  await election(tb, id);
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on("warning", onWarning);
  try {
    const streams = Array.from({ length: 20 }, () => rawStream(tb.url, `/elections/${id}/events`));
    await until(() => streams.every((s) => s.ids().length === 1));
    await new Promise((r) => setTimeout(r, 50)); // warnings are emitted on the next tick
    expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
    for (const s of streams) s.socket.destroy();
  } finally {
    process.off("warning", onWarning);
  }
});
