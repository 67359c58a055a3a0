/**
 * A standby's event stream wakes on the sequencer's commit announcements (NOTIFY urna_commit,
 * board/src/server/standby-feed.ts), not on its poll: with the fallback poll set to 10 s, a
 * ballot's entry reaches the standby's stream within a second of its 201. When the listening
 * session is killed (pg_terminate_backend), the announcements sent meanwhile are lost, and the
 * stream still gets every entry: the standby opens the session again and reads the log once;
 * and with no announcements at all, the fallback poll alone delivers them. PostgreSQL only (a
 * fresh database of the postgres project's cluster).
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
} from "../server/helpers.js";
import { newTestStore } from "../../../tests/fixtures/test-store.js";

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

afterAll(async () => {
  for (const f of fronts) await f.close();
  await tb?.close();
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

/** An event stream, with the time each entry event arrived. */
function stream(url: string): {
  arrived: Map<number, number>;
  next(index: number, ms: number): Promise<number>;
  close(): void;
} {
  const ac = new AbortController();
  const arrived = new Map<number, number>();
  const waiting = new Set<() => void>();
  void (async () => {
    const res = await fetch(url, { signal: ac.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let text = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const now = performance.now();
      text += dec.decode(value, { stream: true });
      for (const m of text.matchAll(/^id: (\d+)$/gm))
        if (!arrived.has(Number(m[1]))) arrived.set(Number(m[1]), now);
      text = text.slice(text.lastIndexOf("\n\n") + 2);
      for (const w of waiting) w();
    }
  })().catch(() => undefined);
  return {
    arrived,
    next: (index, ms) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const t = arrived.get(index);
          if (t === undefined) return;
          waiting.delete(check);
          clearTimeout(timer);
          resolve(t);
        };
        const timer = setTimeout(() => {
          waiting.delete(check);
          reject(new Error(`entry ${index} did not reach the stream within ${ms} ms`));
        }, ms);
        waiting.add(check);
        check();
      }),
    close: () => ac.abort(),
  };
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
  const s = stream(`${url}/elections/${id}/events?after=${(await sizeNow()) - 1}`);
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
    s.close();
  }
});

test("without announcements the fallback poll alone feeds the stream", async () => {
  const front = standbyFront({ store, feed: { pollMs: 300, notify: false } });
  fronts.push(front);
  const { url } = await front.listen(0);
  const s = stream(`${url}/elections/${id}/events?after=${(await sizeNow()) - 1}`);
  try {
    await new Promise((r) => setTimeout(r, 100));
    const b = await vote();
    const t = await s.next(b.index, 3_000);
    expect(t - b.at).toBeLessThan(3_000);
  } finally {
    s.close();
  }
});
