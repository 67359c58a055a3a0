/**
 * Property: whatever is posted (random JSON, random text, deep nesting, huge values, valid
 * entries with one value changed or removed, entries of another election, re-signed ballots with
 * a broken proof), the board answers a 4xx with a stable code from spec/api.md, never a 5xx, and
 * never writes: every log keeps its size.
 */
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { BallotBody, Entry } from "@urna/schemas";
import { decodeElement, fromBase64, toBase64 } from "@urna/verifier";
import {
  castBallot,
  createElection,
  generateCredentials,
  loadVotingView,
  openVoting,
  postCertify,
  postElectionKey,
  postRound1,
  publishCredentials,
} from "../../src/actors/index.js";
import { encryptBallot } from "../../src/crypto/index.js";
import { signEntry } from "../../src/entry-sign.js";
import { STATUS } from "../../src/server/errors.js";
import { manifestFor, newActors, removeDir, startBoard, type TestBoard } from "./helpers.js";

let tb: TestBoard;
const A = "fuzz-a";
const B = "fuzz-b";
let pool: Entry[] = [];
let other: Entry[] = [];
let resignable: { body: BallotBody; secretKey: Uint8Array }[] = [];

beforeAll(async () => {
  tb = await startBoard({ workers: 2 });
  const a = newActors(1);
  const { client } = tb;
  await createElection(client, manifestFor(A, a, { threshold: 1 }), a.authority.secretKey);
  const creds = generateCredentials(A, 4, ["ent-09", "ent-14"]);
  await publishCredentials(
    client,
    A,
    a.registrar.secretKey,
    creds.map((c) => c.public),
  );
  await postRound1(client, A, a.custodians[0]);
  await postCertify(client, A, a.custodians[0], { pollMs: 20 });
  await postElectionKey(client, A, a.authority.secretKey);
  await openVoting(client, A, a.authority.secretKey);
  const voters = creds.map((c) => ({
    election: A,
    style: c.public.style,
    secretKey: fromBase64(c.file.secretKey),
    publicKey: c.public.key,
  }));
  await castBallot(
    client,
    voters[0],
    { presidencia: ["mc"], "senaduria-09": ["a"] },
    { challengeFirst: true },
  );
  await castBallot(client, voters[1], { presidencia: ["nulo"], "senaduria-14": ["y"] });
  pool = await client.entries(A);
  // unvoted credentials' ballots, to re-sign after breaking one proof value
  const view = await loadVotingView(client, A);
  const K = decodeElement(fromBase64(view.state.electionKey!.publicKey));
  resignable = voters.slice(2).map((v) => ({
    secretKey: v.secretKey,
    body: encryptBallot({
      manifest: view.manifest,
      baseHash: view.state.baseHash,
      publicKey: K,
      signer: fromBase64(v.publicKey),
      style: v.style,
      choices:
        v.style === "ent-09"
          ? { presidencia: [1, 0, 0, 0], "senaduria-09": [0, 0, 1] }
          : { presidencia: [0, 0, 0, 1], "senaduria-14": [1, 0] },
    }).body,
  }));
  // a second election in setup: its entries replayed into A, and A's into it
  const b = newActors(1);
  await createElection(client, manifestFor(B, b, { threshold: 1 }), b.authority.secretKey);
  await publishCredentials(
    client,
    B,
    b.registrar.secretKey,
    generateCredentials(B, 2, ["ent-09"]).map((c) => c.public),
  );
  other = await client.entries(B);
});
afterAll(async () => {
  await tb.close();
  removeDir(tb.dir);
});

type Pointer = (string | number)[];
function paths(v: unknown, at: Pointer = [], out: Pointer[] = []): Pointer[] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === "object")
    for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}
function setAt(root: unknown, p: Pointer, value: unknown, remove: boolean): unknown {
  if (p.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let o = copy;
  for (const k of p.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = p[p.length - 1];
  if (remove) {
    if (Array.isArray(o)) o.splice(last as number, 1);
    else delete o[last];
  } else o[last] = value;
  return copy;
}

const weird = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    null,
    true,
    "",
    0,
    -1,
    1.5,
    1e308,
    -1e-308,
    2 ** 53,
    "A".repeat(5000),
    "\u0000",
    "é",
    "AAAA",
    "====",
    [],
    {},
  ),
  fc.string({ maxLength: 80 }),
  fc.integer(),
  fc.base64String({ maxLength: 64 }),
);

/** [route election, body text] */
const arbRequest: fc.Arbitrary<[string, string]> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc
      .jsonValue({ maxDepth: 4 })
      .map((v): [string, string] => [A, JSON.stringify(v) ?? "null"]),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((s): [string, string] => [A, s]) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 30_000 }), fc.boolean())
      .map(([d, arr]): [string, string] => [
        A,
        arr ? "[".repeat(d) + "]".repeat(d) : '{"a":'.repeat(d) + "1" + "}".repeat(d),
      ]),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.nat(), fc.integer({ min: 60_000, max: 90_000 }))
      .map(([i, n]): [string, string] => {
        const e = pool[i % pool.length];
        return [A, JSON.stringify({ ...e, body: { ...(e.body as object), pad: "x".repeat(n) } })];
      }),
  },
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.nat(), fc.nat(), weird, fc.boolean())
      .map(([i, j, value, remove]): [string, string] => {
        const e = pool[i % pool.length];
        const ps = paths(e);
        return [A, JSON.stringify(setAt(e, ps[j % ps.length], value, remove)) ?? "null"];
      }),
  },
  {
    weight: 1,
    arbitrary: fc.nat().map((i): [string, string] => [A, JSON.stringify(other[i % other.length])]),
  },
  {
    weight: 1,
    arbitrary: fc.nat().map((i): [string, string] => [B, JSON.stringify(pool[i % pool.length])]),
  },
  {
    weight: 1,
    arbitrary: fc.nat().map((i): [string, string] => [A, JSON.stringify(pool[i % pool.length])]),
  },
);

async function sizes(): Promise<number[]> {
  return [(await tb.client.status(A)).size, (await tb.client.status(B)).size];
}

const seen = new Map<string, number>();

async function post(route: string, body: string): Promise<void> {
  const res = await fetch(`${tb.url}/elections/${route}/entries`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  const text = await res.text();
  if (res.status < 400 || res.status >= 500)
    throw new Error(`status ${res.status} for ${body.slice(0, 300)}: ${text.slice(0, 300)}`);
  const code = (JSON.parse(text) as { error: { code: keyof typeof STATUS } }).error.code;
  if (STATUS[code] !== res.status) throw new Error(`code ${code} with status ${res.status}`);
  seen.set(code, (seen.get(code) ?? 0) + 1);
}

test("random and mutated entries: always a stable 4xx, never a write", async () => {
  const before = await sizes();
  let posted = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(arbRequest, { minLength: 25, maxLength: 25 }), async (batch) => {
      await Promise.all(batch.map(([route, body]) => post(route, body)));
      posted += batch.length;
      expect(await sizes()).toEqual(before);
    }),
    { numRuns: 80 },
  );
  expect(posted).toBeGreaterThanOrEqual(2000);
  // the inputs reach every layer of the write path
  for (const code of [
    "BAD_JSON",
    "ENTRY_TOO_LARGE",
    "SCHEMA_INVALID",
    "ELECTION_MISMATCH",
    "BAD_SIGNATURE",
    "DUPLICATE_ENTRY",
  ])
    expect(seen.get(code) ?? 0, code).toBeGreaterThan(0);
});

test("re-signed ballots with one proof value changed reach the crypto checks and are refused", async () => {
  const before = await sizes();
  let proofRefusals = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.nat(),
      fc.nat(),
      fc.nat(),
      fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toBase64),
      async (i, j, k, value) => {
        const r = resignable[i % resignable.length];
        const body = structuredClone(r.body);
        const c = body.contests[j % body.contests.length];
        const proofs = [c.proof, ...c.selections.map((s) => s.proof)];
        const p = proofs[k % proofs.length];
        const field = (["a", "b", "c", "v"] as const)[k % 4];
        if (p[field][0] === value) return;
        p[field][0] = value;
        const res = await fetch(`${tb.url}/elections/${A}/entries`, {
          method: "POST",
          body: JSON.stringify(signEntry("ballot", A, body, r.secretKey)),
        });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        const code = ((await res.json()) as { error: { code: string } }).error.code;
        expect(["INVALID_PROOF", "SCHEMA_INVALID"]).toContain(code);
        if (code === "INVALID_PROOF") proofRefusals++;
      },
    ),
    { numRuns: 24 },
  );
  expect(proofRefusals).toBeGreaterThan(0);
  expect(await sizes()).toEqual(before);
});

test("the same inputs in bulk requests: never a 5xx, never a write; every item a stable 4xx", async () => {
  const before = await sizes();
  let items = 0;
  const bulkSeen = new Set<string>();
  const check = (status: number, code: keyof typeof STATUS, what: string): void => {
    if (STATUS[code] !== status) throw new Error(`code ${code} with status ${status}: ${what}`);
    bulkSeen.add(code);
  };
  await fc.assert(
    fc.asyncProperty(
      fc.array(arbRequest, { minLength: 1, maxLength: 25 }),
      fc.boolean(),
      async (reqs, raw) => {
        // Each body as an array item (JSON as its value, anything else as a string); or, now and
        // then, one body posted as is to the bulk route (not an array, too deep, ...).
        const body = raw
          ? reqs[0][1]
          : `[${reqs
              .map(([, b]) => {
                try {
                  JSON.parse(b);
                  return b;
                } catch {
                  return JSON.stringify(b);
                }
              })
              .join(",")}]`;
        const res = await fetch(`${tb.url}/elections/${A}/bulk`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        const text = await res.text();
        if (res.status >= 500) throw new Error(`status ${res.status}: ${text.slice(0, 300)}`);
        if (res.status === 200) {
          const { results } = JSON.parse(text) as {
            results: Array<{ status: number; error?: { code: keyof typeof STATUS } }>;
          };
          expect(results).toHaveLength((JSON.parse(body) as unknown[]).length);
          for (const r of results) {
            if (!r.error || r.status < 400 || r.status >= 500)
              throw new Error(`item accepted or 5xx: ${JSON.stringify(r).slice(0, 300)}`);
            check(r.status, r.error.code, body.slice(0, 200));
          }
          items += results.length;
        } else {
          expect(res.status).toBeGreaterThanOrEqual(400);
          const code = (JSON.parse(text) as { error: { code: keyof typeof STATUS } }).error.code;
          check(res.status, code, body.slice(0, 200));
        }
        expect(await sizes()).toEqual(before);
      },
    ),
    { numRuns: 60 },
  );
  expect(items).toBeGreaterThan(100);
  for (const code of ["BULK_INVALID", "SCHEMA_INVALID", "ELECTION_MISMATCH", "DUPLICATE_ENTRY"])
    expect(bulkSeen.has(code), code).toBe(true);
});
