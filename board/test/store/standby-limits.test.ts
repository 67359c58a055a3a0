/**
 * A standby's front (board/src/server/standby.ts) keeps the board's limits under hostile traffic
 * (README §Limits, spec/api.md §Limits): connection caps, per-address rates and JSON answers to
 * malformed framing, as the board's own front does. PostgreSQL only (a fresh database of the
 * postgres project's cluster); no board holds the lease, so what passes the limits is answered
 * by the front itself (NO_SEQUENCER for a write).
 */
import { connect, type Socket } from "node:net";
import { afterEach, expect, test } from "vitest";
import { type StandbyFront, standbyFront } from "../../src/server/standby.js";
import type { BoardLimitOptions } from "../../src/server/limits.js";
import { newTestStore } from "../../../tests/fixtures/test-store.js";

let front: StandbyFront | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await front?.close();
  front = undefined;
});

async function start(limits: BoardLimitOptions): Promise<string> {
  const store = await newTestStore();
  if (!store) throw new Error("this test runs in the postgres project only");
  front = standbyFront({ store, limits });
  return (await front.listen(0)).url;
}

/** One raw request on a new connection: the status line and the body. */
function raw(url: string, request: string, keep = false): Promise<{ head: string; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), hostname, () => s.write(request));
    sockets.push(s);
    let text = "";
    s.on("data", (d) => {
      text += d.toString();
      const i = text.indexOf("\r\n\r\n");
      const len = /content-length: (\d+)/i.exec(text)?.[1];
      if (i >= 0 && len !== undefined && text.length >= i + 4 + Number(len)) {
        if (!keep) s.destroy();
        resolve({ head: text.slice(0, i), body: text.slice(i + 4, i + 4 + Number(len)) });
      }
    });
    s.on("error", reject);
  });
}
const idle = (url: string): Promise<Socket> => {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const s = connect(Number(port), hostname, () => resolve(s));
    sockets.push(s);
  });
};

test("past its connection cap a standby answers 503 TOO_MANY_CONNECTIONS in JSON and closes", async () => {
  const url = await start({ connections: { maxConnections: 2, perAddressOnLoopback: true } });
  await idle(url);
  await idle(url);
  await new Promise((r) => setTimeout(r, 100));
  const r = await raw(url, "GET /elections HTTP/1.1\r\nHost: x\r\n\r\n");
  expect(r.head).toMatch(/^HTTP\/1\.1 503/);
  expect(r.head).toMatch(/retry-after: 5/i);
  expect(JSON.parse(r.body)).toMatchObject({ error: { code: "TOO_MANY_CONNECTIONS" } });
});

test("a standby rate-limits reads and writes per address: 429 RATE_LIMITED with Retry-After", async () => {
  const url = await start({
    rate: {
      readsPerSecond: 0.5,
      readBurst: 2,
      writesPerSecond: 0.5,
      writeBurst: 1,
      onLoopback: true,
    },
  });
  const get = () => fetch(`${url}/elections/nope/checkpoint`);
  const first = [await get(), await get()];
  for (const r of first) expect(r.status).not.toBe(429);
  const limited = await get();
  expect(limited.status).toBe(429);
  expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  expect(((await limited.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
  const post = () =>
    fetch(`${url}/elections/nope/entries`, {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json" },
    });
  expect((await post()).status).not.toBe(429);
  expect((await post()).status).toBe(429);
});

test("malformed framing gets the JSON error body on a standby too", async () => {
  const url = await start({});
  const r = await raw(
    url,
    "POST /elections/x/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
  );
  expect(r.head).toMatch(/^HTTP\/1\.1 400/);
  expect(JSON.parse(r.body)).toMatchObject({ error: { code: "BAD_REQUEST" } });
});
