/**
 * The write routes on plain node:http (routes/fast-write.ts) answer exactly as the express
 * routes they shortcut (routes/writes.ts), both being the one admission (admission.ts): for
 * every request below, the same status, the same headers (but the date) and the same JSON body,
 * whether it takes the fast path (exact path) or express (the same path with a query string,
 * which the fast path leaves to express). Refusals write nothing.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { signEntry } from "../../src/entry-sign.js";
import { createElection } from "../../src/actors/authority.js";
import { generateCredentials } from "../../src/actors/registrar.js";
import {
  type Actors,
  type TestBoard,
  manifestFor,
  newActors,
  removeDir,
  startBoard,
} from "./helpers.js";

const ID = "fast-route";
let t: TestBoard;
let a: Actors;

beforeAll(async () => {
  t = await startBoard({ workers: 0 });
  a = newActors(1);
  await createElection(t.client, manifestFor(ID, a, { threshold: 1 }), a.authority.secretKey);
});
afterAll(async () => {
  await t.close();
  removeDir(t.dir);
});

interface Answer {
  status: number;
  cors: string | null;
  type: string | null;
  /** Every header but the date (keep-alive and connection included). */
  headers: Record<string, string>;
  body: unknown;
}

async function post(
  path: string,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(`${t.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  return {
    status: res.status,
    cors: res.headers.get("access-control-allow-origin"),
    type: res.headers.get("content-type"),
    headers: Object.fromEntries([...res.headers].filter(([k]) => k !== "date")),
    body: await res.json(),
  };
}

const size = async () => (await t.client.status(ID)).size;

const creds = (batch: number, election = ID) =>
  signEntry(
    "credentials",
    election,
    { batch, credentials: [generateCredentials(ID, 1, ["ent-09"])[0].public] },
    a.registrar.secretKey,
  );

test("refusals: same status, code and message on the fast path and through express; nothing written", async () => {
  const good = creds(0);
  const badSig = { ...creds(0), signature: creds(1).signature };
  const cases: Array<[string, string, string | Uint8Array]> = [
    ["not JSON", `/elections/${ID}/entries`, "{nope"],
    ["empty body", `/elections/${ID}/entries`, ""],
    ["invalid UTF-8", `/elections/${ID}/entries`, Uint8Array.from([0x7b, 0xff, 0x7d])],
    ["schema violation", `/elections/${ID}/entries`, JSON.stringify({ type: "credentials" })],
    ["too large", `/elections/${ID}/entries`, JSON.stringify({ pad: "x".repeat(80 * 1024) })],
    ["unknown election", `/elections/nope/entries`, JSON.stringify(good)],
    [
      "entry of another election",
      `/elections/${ID}/entries`,
      JSON.stringify(creds(0, "other-one")),
    ],
    ["bad signature", `/elections/${ID}/entries`, JSON.stringify(badSig)],
    ["out-of-order batch", `/elections/${ID}/entries`, JSON.stringify(creds(5))],
    [
      "a second manifest",
      `/elections/${ID}/entries`,
      JSON.stringify(signEntry("manifest", ID, manifestFor(ID, a), a.authority.secretKey)),
    ],
  ];
  const before = await size();
  const codes: string[] = [];
  for (const [what, path, body] of cases) {
    const fast = await post(path, body);
    const viaExpress = await post(`${path}?via=express`, body);
    expect(fast, what).toEqual(viaExpress);
    expect(fast.status, what).toBeGreaterThanOrEqual(400);
    expect(fast.status, what).toBeLessThan(500);
    expect(fast.cors, what).toBe("*");
    expect(fast.type, what).toMatch(/^application\/json/);
    codes.push((fast.body as { error: { code: string } }).error.code);
  }
  expect(codes).toEqual([
    "BAD_JSON",
    "BAD_JSON",
    "BAD_JSON",
    "SCHEMA_INVALID",
    "ENTRY_TOO_LARGE",
    "UNKNOWN_ELECTION",
    "ELECTION_MISMATCH",
    "BAD_SIGNATURE",
    codes[8], // the state machine's code for a batch out of order
    "ELECTION_EXISTS",
  ]);
  expect(codes[8]).not.toBe("BAD_SIGNATURE");
  expect(await size()).toBe(before);
});

test("an accepted entry: 201 with index, tracking code and checkpoint; a replay is refused the same way on both paths", async () => {
  const before = await size();
  const entry = JSON.stringify(creds(0));
  const ok = await post(`/elections/${ID}/entries`, entry);
  expect(ok.status).toBe(201);
  expect(ok.cors).toBe("*");
  const out = ok.body as { index: number; trackingCode: string; checkpoint: string };
  expect(out.index).toBe(before);
  expect(out.trackingCode).toMatch(/^[0-9a-f]{64}$/);
  expect(out.checkpoint.split("\n")[1]).toBe(String(before + 1));
  expect(await size()).toBe(before + 1);
  const again = await post(`/elections/${ID}/entries`, entry);
  const againExpress = await post(`/elections/${ID}/entries?via=express`, entry);
  expect(again).toEqual(againExpress);
  expect(again.status).toBe(409);
  // The next batch through express, then through the fast path: both accepted, in order.
  const viaExpress = await post(`/elections/${ID}/entries?via=express`, JSON.stringify(creds(1)));
  expect(viaExpress.status).toBe(201);
  const fast = await post(`/elections/${ID}/entries`, JSON.stringify(creds(2)));
  expect(fast.status).toBe(201);
  expect((fast.body as { index: number }).index).toBe(before + 2);
  expect(await size()).toBe(before + 3);
});

test("requests the fast path leaves to express still work (other routes, compressed bodies)", async () => {
  const r = await fetch(`${t.url}/elections/${ID}/status`);
  expect(r.status).toBe(200);
  expect(r.headers.get("access-control-allow-origin")).toBe("*");
  const { gzipSync } = await import("node:zlib");
  const z = await post(`/elections/${ID}/entries`, gzipSync(JSON.stringify(creds(3))), {
    "content-encoding": "gzip",
  });
  expect(z.status).toBe(201); // express's body parser inflates it
});

test("bulk requests: the same answers, whole-request refusals and per-item results, on both paths", async () => {
  const path = `/elections/${ID}/bulk`;
  const before = await size();
  const next = before - 1; // the next credentials batch (one per entry after the manifest)
  const badSig = { ...creds(next), signature: creds(next + 1).signature };
  const refusals: Array<[string, string, string | Uint8Array, string]> = [
    ["not JSON", path, "[nope", "BAD_JSON"],
    ["empty body", path, "", "BAD_JSON"],
    ["not an array", path, JSON.stringify(creds(0)), "BULK_INVALID"],
    ["empty array", path, "[]", "BULK_INVALID"],
    ["too large", path, `["${"x".repeat(4 * 1024 * 1024)}"]`, "BULK_TOO_LARGE"],
    ["unknown election", `/elections/nope/bulk`, JSON.stringify([creds(0)]), "UNKNOWN_ELECTION"],
  ];
  for (const [what, p, body, code] of refusals) {
    const fast = await post(p, body);
    expect(fast, what).toEqual(await post(`${p}?via=express`, body));
    expect((fast.body as { error: { code: string } }).error.code, what).toBe(code);
  }
  // Items refused one by one: each its own error, the same on both paths.
  const items = JSON.stringify([
    { type: "credentials" },
    badSig,
    creds(0, "other-one"),
    signEntry("manifest", ID, manifestFor(ID, a), a.authority.secretKey),
  ]);
  const fast = await post(path, items);
  expect(fast).toEqual(await post(`${path}?via=express`, items));
  expect(fast.status).toBe(200);
  const results = (fast.body as { results: Array<{ status: number; error: { code: string } }> })
    .results;
  expect(results.map((r) => r.error.code)).toEqual([
    "SCHEMA_INVALID",
    "BAD_SIGNATURE",
    "ELECTION_MISMATCH",
    "ELECTION_EXISTS",
  ]);
  expect(await size()).toBe(before);
  // Accepted items: the same answer but for the entry's own index, tracking code and checkpoint.
  const viaFast = await post(path, JSON.stringify([creds(next)]));
  const viaExpress = await post(`${path}?via=express`, JSON.stringify([creds(next + 1)]));
  const shape = (x: Answer) => ({
    ...x,
    headers: { ...x.headers, "content-length": "?" },
    body: (x.body as { results: Array<Record<string, unknown>> }).results.map((r) =>
      Object.keys(r).sort(),
    ),
  });
  expect(shape(viaFast)).toEqual(shape(viaExpress));
  expect(viaFast.status).toBe(200);
  expect((viaFast.body as { results: Array<{ status: number; index: number }> }).results).toEqual([
    expect.objectContaining({ status: 201, index: before }),
  ]);
  expect(
    (viaExpress.body as { results: Array<{ status: number; index: number }> }).results,
  ).toEqual([expect.objectContaining({ status: 201, index: before + 1 })]);
  expect(await size()).toBe(before + 2);
});
