/**
 * A standby checks the writes it forwards itself (spec/api.md, "Several boards on one database",
 * Checked by the standby; board/src/server/standby-verify.ts): it refuses what fails the
 * stateless checks with the sequencer's very answer and never forwards it; what passes goes to
 * the sequencer with an `Urna-Verified` tag, and the sequencer skips the signature and proofs
 * of a tagged body but keeps every state rule; a tag it cannot verify (forged, or for another
 * body, election or route) only means it checks everything itself. A sequencer board and a
 * standby front in this process on one fresh PostgreSQL database; the sequencer behind a
 * server of the test's that records every request reaching it. PostgreSQL only.
 */
import { type Server, createServer } from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { AnyEntry, BallotBody, Entry } from "@urna/schemas";
import { scalarToBase64 } from "@urna/verifier";
import {
  BoardClient,
  type VoterCredential,
  ballotEntry,
  createElection,
  encryptFor,
  loadVotingView,
} from "../../src/actors/index.js";
import { signEntry } from "../../src/entry-sign.js";
import { type Board, createBoard } from "../../src/server/index.js";
import { seedOf } from "../../src/server/board-key.js";
import { type StandbyFront, standbyFront } from "../../src/server/standby.js";
import { verifiedTag, verifiedTagKey } from "../../src/server/verified-tag.js";
import { listenOn } from "../../src/server/listen.js";
import { manifestFor, newActors, openElection, removeDir } from "../server/helpers.js";
import { newTestStore } from "../../../tests/fixtures/test-store.js";

const ID = "verificada";
const dir = mkdtempSync(join(tmpdir(), "urna-standby-verify-"));
let board: Board;
let server: Server;
let front: StandbyFront;
let seqUrl: string;
let sbUrl: string;
let key: Uint8Array;
let creds: VoterCredential[];
let ballot: (c: VoterCredential, choice: number) => Entry;
/** Every request that reached the sequencer: its path and the tag it carried. */
const seen: Array<{ path: string; tag: string | undefined }> = [];

beforeAll(async () => {
  const store = await newTestStore();
  if (!store) throw new Error("this test runs in the postgres project only");
  // The recording server first: its URL is the one the sequencer advertises in the lease.
  server = createServer((req, res) => {
    const tag = req.headers["urna-verified"];
    seen.push({ path: req.url ?? "", tag: typeof tag === "string" ? tag : undefined });
    board.handle(req, res);
  });
  seqUrl = (await listenOn(server, 0, "127.0.0.1")).url;
  board = await createBoard({
    dataDir: dir,
    name: "board.test",
    workers: 1,
    log: () => undefined,
    store,
    advertiseUrl: seqUrl,
  });
  const client = new BoardClient(seqUrl);
  const a = newActors(1);
  await createElection(
    client,
    manifestFor(ID, a, { threshold: 1, revotePolicy: "single" }),
    a.authority.secretKey,
  );
  creds = (await openElection(client, ID, a, 9)).creds;
  const view = await loadVotingView(client, ID);
  ballot = (c, choice) =>
    ballotEntry(
      c,
      encryptFor(view, c, {
        presidencia: [0, 1, 2, 3].map((i) => (i === choice % 4 ? 1 : 0)),
        [c.style === "ent-09" ? "senaduria-09" : "senaduria-14"]:
          c.style === "ent-09" ? [1, 0, 0] : [0, 1],
      }).body,
    );
  const seed = seedOf(board.privateKeyForDemo());
  key = verifiedTagKey(seed);
  front = standbyFront({ store, verify: { seed, workers: 1 } });
  sbUrl = (await front.listen(0)).url;
}, 60_000);

afterAll(async () => {
  await front?.close();
  await board?.close();
  await new Promise((r) => server?.close(r));
  removeDir(dir);
});

interface Answer {
  status: number;
  body: unknown;
  type: string | null;
  cors: string | null;
}

async function post(
  url: string,
  path: string,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const r = await fetch(url + path, { method: "POST", body, headers });
  return {
    status: r.status,
    body: (await r.json()) as unknown,
    type: r.headers.get("content-type"),
    cors: r.headers.get("access-control-allow-origin"),
  };
}
const entries = `/elections/${ID}/entries`;
const bulk = `/elections/${ID}/bulk`;
const code = (a: Answer): string | undefined =>
  (a.body as { error?: { code?: string } }).error?.code;
const size = async (): Promise<number> => (await new BoardClient(seqUrl).status(ID)).size;

/** A ballot of credential `c` whose first selection's proof does not verify. */
function badProof(c: VoterCredential): AnyEntry {
  const b = structuredClone(ballot(c, 0).body) as BallotBody;
  b.contests[0].selections[1].proof.v[0] = scalarToBase64(12345n);
  return signEntry("ballot", ID, b, c.secretKey);
}

test("refusals: the standby answers exactly as the sequencer would (status, headers, body), and nothing reaches the sequencer", async () => {
  const c = creds[0];
  const good = ballot(c, 1);
  const cases: Array<[string, string, string]> = [
    ["bad proof", entries, JSON.stringify(badProof(c))],
    ["bad signature", entries, JSON.stringify({ ...good, signature: ballot(c, 2).signature })],
    ["schema error", entries, JSON.stringify({ ...good, body: { contests: "no" } })],
    ["not JSON", entries, "{nope"],
    ["non-canonical number", entries, JSON.stringify(good).replace(/}$/, ',"x":1e400}')],
    ["entry of another election", entries, JSON.stringify({ ...good, election: "otra" })],
    ["too large", entries, JSON.stringify({ pad: "x".repeat(80 * 1024) })],
    ["bulk not an array", bulk, JSON.stringify(good)],
    ["bulk empty", bulk, "[]"],
  ];
  const before = { size: await size(), ...board.admissions };
  const codes: string[] = [];
  for (const [what, path, body] of cases) {
    const n = seen.length;
    const viaStandby = await post(sbUrl, path, body);
    expect(seen.length, `${what}: reached the sequencer`).toBe(n);
    const direct = await post(seqUrl, path, body);
    expect(seen.length).toBe(n + 1);
    expect(viaStandby, what).toEqual(direct);
    expect(viaStandby.status, what).toBeGreaterThanOrEqual(400);
    codes.push(code(viaStandby)!);
  }
  expect(codes).toEqual([
    "INVALID_PROOF",
    "BAD_SIGNATURE",
    "SCHEMA_INVALID",
    "BAD_JSON",
    codes[4], // whatever the schema or canonical form says of it
    "ELECTION_MISMATCH",
    "ENTRY_TOO_LARGE",
    "BULK_INVALID",
    "BULK_INVALID",
  ]);
  expect(await size()).toBe(before.size);
  // The two that reached the election's path directly were checked in full there.
  expect(board.admissions.onTag).toBe(before.onTag);
  expect(board.admissions.inFull).toBe(before.inFull + 2);
});

test("a valid ballot through the standby is accepted on its tag: the sequencer checks no signature or proof for it", async () => {
  const before = { ...board.admissions };
  const n = seen.length;
  // A client's own header is dropped: the sequencer sees the standby's tag only.
  const forged = `v1 ${"A".repeat(43)}`;
  const body = JSON.stringify(ballot(creds[1], 0));
  const r = await post(sbUrl, entries, body, { "urna-verified": forged });
  expect(r.status).toBe(201);
  expect((r.body as { receipt?: unknown }).receipt).toBeDefined();
  expect(seen.slice(n)).toEqual([
    { path: entries, tag: verifiedTag(key, "entries", ID, Buffer.from(body)) },
  ]);
  expect(board.admissions).toEqual({ onTag: before.onTag + 1, inFull: before.inFull });
  // A second ballot of that credential: the state rule holds (on the standby's replay or on
  // the sequencer's state, whichever sees it first), with the sequencer's code.
  const again = await post(sbUrl, entries, JSON.stringify(ballot(creds[1], 3)));
  expect(again.status).toBe(409);
  expect(code(again)).toBe("ALREADY_VOTED");
});

test("a forged tag, or one for another body, election or route, means full verification at the sequencer", async () => {
  const before = { ...board.admissions, size: await size() };
  const bad = JSON.stringify(badProof(creds[2]));
  const goodBody = JSON.stringify(ballot(creds[2], 1));
  const tagOf = (route: "entries" | "bulk", election: string, b: string) =>
    verifiedTag(key, route, election, Buffer.from(b));
  // Forged, and the genuine tag of another body: the bad proof is found and refused.
  for (const tag of [`v1 ${"A".repeat(43)}`, "v1 nope", tagOf("entries", ID, goodBody)]) {
    const r = await post(seqUrl, entries, bad, { "urna-verified": tag });
    expect(r.status, tag).toBe(422);
    expect(code(r), tag).toBe("INVALID_PROOF");
  }
  expect(board.admissions).toEqual({ onTag: before.onTag, inFull: before.inFull + 3 });
  // A good ballot with a tag for another election, then for another route: checked in full.
  for (const tag of [tagOf("entries", "otra", goodBody), tagOf("bulk", ID, goodBody)]) {
    const r = await post(seqUrl, entries, goodBody, { "urna-verified": tag });
    expect([201, 409]).toContain(r.status); // the second is the same entry again
  }
  expect(board.admissions).toEqual({ onTag: before.onTag, inFull: before.inFull + 5 });
  expect(await size()).toBe(before.size + 1);
});

test("bulk: tagged only when every item passes; otherwise the sequencer answers each item", async () => {
  const before = { ...board.admissions };
  const n = seen.length;
  const ok = await post(sbUrl, bulk, JSON.stringify([ballot(creds[3], 0), ballot(creds[4], 1)]));
  expect(ok.status).toBe(200);
  expect((ok.body as { results: Array<{ status: number }> }).results.map((x) => x.status)).toEqual([
    201, 201,
  ]);
  expect(seen[n].tag).toMatch(/^v1 /);
  expect(board.admissions).toEqual({ onTag: before.onTag + 2, inFull: before.inFull });
  const mixed = await post(sbUrl, bulk, JSON.stringify([badProof(creds[5]), ballot(creds[6], 2)]));
  expect(seen[n + 1].tag).toBeUndefined();
  const results = (mixed.body as { results: Array<{ status: number; error?: { code: string } }> })
    .results;
  expect(results.map((x) => x.error?.code ?? x.status)).toEqual(["INVALID_PROOF", 201]);
  expect(board.admissions).toEqual({ onTag: before.onTag + 2, inFull: before.inFull + 2 });
});

test("one credential's two ballots at once, one through the standby and one to the sequencer: exactly one accepted", async () => {
  const c = creds[7];
  const [x, y] = await Promise.all([
    post(sbUrl, entries, JSON.stringify(ballot(c, 0))),
    post(seqUrl, entries, JSON.stringify(ballot(c, 1))),
  ]);
  expect([x.status, y.status].sort()).toEqual([201, 409]);
  expect([x, y].map(code).filter(Boolean)).toEqual(["ALREADY_VOTED"]);
});

test("the tag is trusted for the crypto alone: a body with a genuine tag gets no signature or proof check at the sequencer", async () => {
  // Only a process holding the board key can make this tag; the test holds it. A bad proof
  // under a genuine tag is sequenced (the standby vouched for it), while the state rules apply.
  const body = JSON.stringify(badProof(creds[0]));
  const tag = verifiedTag(key, "entries", ID, Buffer.from(body));
  const r = await post(seqUrl, entries, body, { "urna-verified": tag });
  expect(r.status).toBe(201);
  const second = JSON.stringify(ballot(creds[0], 1));
  const again = await post(seqUrl, entries, second, {
    "urna-verified": verifiedTag(key, "entries", ID, Buffer.from(second)),
  });
  expect(code(again)).toBe("ALREADY_VOTED");
});

test("while prewarming (as `urna board serve --standby` does), the standby checks against the replay its loop follows", async () => {
  front.prewarm(true);
  await new Promise((r) => setTimeout(r, 600)); // a poll or two of the committed log
  const before = { ...board.admissions };
  const bad = await post(sbUrl, entries, JSON.stringify(badProof(creds[8])));
  expect(code(bad)).toBe("INVALID_PROOF");
  const ok = await post(sbUrl, entries, JSON.stringify(ballot(creds[8], 2)));
  expect(ok.status).toBe(201);
  expect(board.admissions).toEqual({ onTag: before.onTag + 1, inFull: before.inFull });
  front.prewarm(false);
});
