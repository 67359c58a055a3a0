/**
 * A standby's event stream wakes on the sequencer's commit announcements (NOTIFY urna_commit,
 * board/src/server/standby-feed.ts), not on its poll: with the fallback poll set to 10 s, a
 * ballot's entry reaches the standby's stream within a second of its 201. When the listening
 * session is killed (pg_terminate_backend), the announcements sent meanwhile are lost, and the
 * stream still gets every entry: the standby opens the session again and reads the log once;
 * and with no announcements at all, the fallback poll alone delivers them. And the standby serves
 * the record archive itself, from the database, with the sequencer's very bytes for the same
 * checkpoint. PostgreSQL only (a fresh database of the postgres project's cluster).
 */
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { castBallot, createElection } from "../../src/actors/index.js";
import { loadVotingView } from "../../src/actors/ballot.js";
import type { VoterCredential } from "../../src/actors/ballot.js";
import { type StandbyFront, standbyFront } from "../../src/server/standby.js";
import { COMMIT_LISTENER_NAME } from "../../src/store/postgres/notify.js";
import {
  type TestBoard,
  manifestFor,
  newActors,
  openElection,
  removeDir,
  startBoard,
  untar,
} from "../server/helpers.js";
import { newTestStore } from "../../../tests/fixtures/test-store.js";
import { watchArrivals } from "../../../tests/fixtures/event-arrivals.js";

const id = "aviso";
let tb: TestBoard;
let store: string;
let creds: VoterCredential[];
let view: Awaited<ReturnType<typeof loadVotingView>>;
let voted = 0;
const fronts: StandbyFront[] = [];

beforeAll(async () => {
  const url = await newTestStore();
  if (!url) throw new Error("this test runs in the postgres project only");
  store = url;
  tb = await startBoard({ store });
  const a = newActors(1);
  await createElection(tb.client, manifestFor(id, a, { threshold: 1 }), a.authority.secretKey);
  // Voters of style ent-09 (their ballot has senaduria-09).
  creds = (await openElection(tb.client, id, a, 16)).creds.filter((c) => c.style === "ent-09");
  view = await loadVotingView(tb.client, id);
});

let closed = false;
afterAll(async () => {
  for (const f of fronts) await f.close();
  if (!closed) await tb?.close();
  if (tb) removeDir(tb.dir);
});

/** A ballot of the next voter at the sequencer: its index and when its 201 arrived. */
async function vote(): Promise<{ index: number; at: number }> {
  let at = 0;
  const cred = creds[voted++];
  const r = await castBallot(
    tb.client,
    cred,
    { presidencia: ["mc"], "senaduria-09": ["a"] },
    { view, onPosted: () => (at = performance.now()) },
  );
  return { index: r.cast.index, at };
}

async function sizeNow(): Promise<number> {
  return (await tb.client.status(id)).size;
}

/** The listening sessions of the standby's commit listener. */
async function listeners(kill = false): Promise<number> {
  const c = new pg.Client({ connectionString: store });
  await c.connect();
  try {
    const r = await c.query(
      `SELECT ${kill ? "pg_terminate_backend(pid)" : "pid"} FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`,
      [COMMIT_LISTENER_NAME],
    );
    return r.rowCount ?? 0;
  } finally {
    await c.end();
  }
}

async function until(f: () => Promise<boolean>, ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (!(await f())) {
    if (performance.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("a ballot's entry reaches a standby's stream within a second of its 201, the fallback poll set to 10 s; after the listening session is killed the stream still gets every entry", async () => {
  const front = standbyFront({ store, feed: { pollMs: 10_000 } });
  fronts.push(front);
  const { url } = await front.listen(0);
  const s = watchArrivals(`${url}/elections/${id}/events?after=${(await sizeNow()) - 1}`);
  try {
    await until(async () => (await listeners()) === 1, 5_000);
    for (let i = 0; i < 3; i++) {
      const b = await vote();
      expect((await s.next(b.index, 1_000)) - b.at).toBeLessThan(1_000);
    }
    // Kill the listening session: a commit right after it is announced to nobody. The standby
    // listens again (500 ms later) and reads the log once: the entry arrives well before the
    // 10 s poll.
    expect(await listeners(true)).toBe(1);
    const lost = await vote();
    expect((await s.next(lost.index, 5_000)) - lost.at).toBeLessThan(5_000);
    await until(async () => (await listeners()) === 1, 5_000);
    const b = await vote();
    expect((await s.next(b.index, 1_000)) - b.at).toBeLessThan(1_000);
    // Every entry, once, in order.
    expect([...s.arrived.keys()]).toEqual(Array.from({ length: 5 }, (_, i) => b.index - 4 + i));
  } finally {
    s.stop();
  }
});

test("without announcements the fallback poll alone feeds the stream", async () => {
  const front = standbyFront({ store, feed: { pollMs: 300, notify: false } });
  fronts.push(front);
  const { url } = await front.listen(0);
  const s = watchArrivals(`${url}/elections/${id}/events?after=${(await sizeNow()) - 1}`);
  try {
    await new Promise((r) => setTimeout(r, 100));
    const b = await vote();
    const t = await s.next(b.index, 3_000);
    expect(t - b.at).toBeLessThan(3_000);
  } finally {
    s.stop();
  }
});

test("a standby serves the record archive from the database: the sequencer's bytes for the same checkpoint, also with no sequencer", async () => {
  const front = standbyFront({ store });
  fronts.push(front);
  const { url } = await front.listen(0);
  const get = async (base: string, q: string) => {
    const res = await fetch(`${base}/elections/${id}/record${q}`);
    return {
      status: res.status,
      type: res.headers.get("content-type"),
      length: res.headers.get("content-length"),
      bytes: Buffer.from(await res.arrayBuffer()),
    };
  };
  const size = await sizeNow();
  const seq = [await get(tb.url, ""), await get(tb.url, "?tiles=1")];
  const checkpoint = await tb.client.checkpoint(id);
  // Nobody sequences any more: only the standby itself can answer.
  await tb.close();
  closed = true;
  const standby = [await get(url, ""), await get(url, "?tiles=1")];
  for (const [i, s] of standby.entries()) {
    expect(s.status).toBe(200);
    expect(s.type).toBe("application/x-tar");
    expect(s.bytes.equals(seq[i].bytes)).toBe(true);
    // Built once for the checkpoint and kept: the same bytes again, with their length.
    const again = await get(url, i === 0 ? "" : "?tiles=1");
    expect(again.length).toBe(String(s.bytes.length));
    expect(again.bytes.equals(s.bytes)).toBe(true);
  }
  const files = untar(standby[1].bytes);
  expect(new TextDecoder().decode(files.get("checkpoint"))).toBe(checkpoint);
  expect(new TextDecoder().decode(files.get("entries.jsonl")).split("\n")).toHaveLength(size + 1);
  expect([...files.keys()].some((k) => k.startsWith("tile/entries/"))).toBe(true);
  expect([...untar(standby[0].bytes).keys()]).toEqual(["checkpoint", "entries.jsonl"]);
  // An unknown election is forwarded, and with no sequencer that is 503 NO_SEQUENCER.
  expect((await fetch(`${url}/elections/nada/record`)).status).toBe(503);
});
