/**
 * A connection flood (issue 17 C), against a board process started under `ulimit -n 256`:
 * - with the default caps (derived from the descriptor limit) excess event streams and
 *   connections are refused fast with a 503 JSON code, and writes keep working;
 * - with the caps lifted above the descriptor limit, the flood exhausts the descriptors, a
 *   LevelDB file rotation fails with EMFILE during a commit, the write is retried (not
 *   acknowledged meanwhile), and once the streams close the election accepts writes again
 *   without a restart.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createPrivateKey, randomBytes, sign } from "node:crypto";
import { mkdtempSync, readdirSync, readlinkSync } from "node:fs";
import { type Socket, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, expect, test } from "vitest";
import { canonicalJson } from "@urna/schemas";
import { signEntry } from "../../src/entry-sign.js";
import { type Actors, manifestFor, newActors, removeDir } from "./helpers.js";

const URNA = fileURLToPath(new URL("../../bin/urna.js", import.meta.url));

interface Child {
  proc: ChildProcess;
  url: string;
  host: string;
  port: number;
  stderr(): string;
  dir: string;
}
const children: Child[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const c of children.splice(0)) {
    const done = new Promise((r) => c.proc.once("exit", r));
    c.proc.kill("SIGKILL");
    await done;
    removeDir(c.dir);
  }
});

async function startChild(flags: string[]): Promise<Child> {
  const dir = mkdtempSync(join(tmpdir(), "urna-flood-"));
  const proc = spawn(
    "bash",
    [
      "-c",
      'ulimit -n 256 && exec "$0" "$@"',
      process.execPath,
      URNA,
      "board",
      "serve",
      "--data",
      dir,
      "--port",
      "0",
      "--name",
      "flood.test",
      "--workers",
      "1",
      "--json",
      ...flags,
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
      // a 64 KiB memtable: LevelDB switches files (and compacts) every few commits
      env: { ...process.env, URNA_LEVEL_WRITE_BUFFER_BYTES: "65536" },
    },
  );
  let err = "";
  proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      try {
        resolve((JSON.parse(out) as { url: string }).url);
      } catch {
        /* incomplete */
      }
    });
    proc.once("exit", (c) => reject(new Error(`board exited with ${c}: ${err}`)));
  });
  const u = new URL(url);
  const c = { proc, url, host: u.hostname, port: Number(u.port), stderr: () => err, dir };
  children.push(c);
  return c;
}

/** One keep-alive connection, one request at a time (opened before the flood). */
class Conn {
  readonly sock: Socket;
  #buf = Buffer.alloc(0);
  #wait: ((r: { status: number; body: string }) => void) | undefined;
  constructor(c: Child) {
    this.sock = connect({ host: c.host, port: c.port });
    sockets.push(this.sock);
    this.sock.on("data", (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      const end = this.#buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = this.#buf.subarray(0, end).toString("latin1");
      const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (this.#buf.length < end + 4 + len) return;
      const body = this.#buf.subarray(end + 4, end + 4 + len).toString();
      this.#buf = this.#buf.subarray(end + 4 + len);
      const w = this.#wait;
      this.#wait = undefined;
      w?.({ status: Number(head.slice(9, 12)), body });
    });
  }
  request(method: string, path: string, body = ""): Promise<{ status: number; body: string }> {
    return new Promise((resolve) => {
      this.#wait = resolve;
      this.sock.write(
        `${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
  }
}

/** Opens an event stream; resolves with its status line's code (0: closed without an answer). */
function stream(c: Child, path: string): Promise<{ status: number; text: string; sock: Socket }> {
  return new Promise((resolve) => {
    const sock = connect({ host: c.host, port: c.port });
    sockets.push(sock);
    let text = "";
    let done = false;
    const finish = (status: number): void => {
      if (done) return;
      done = true;
      resolve({ status, text, sock });
    };
    sock.on("data", (d: Buffer) => {
      text += d.toString();
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) return;
      const status = Number(text.slice(9, 12));
      if (status === 200) finish(200);
      else if (/\r\n\r\n\{.*\}\s*$/s.test(text) || text.includes("}}")) finish(status);
    });
    sock.on("error", () => finish(0));
    sock.on("close", () => finish(text ? Number(text.slice(9, 12)) : 0));
    sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  });
}

function credentials(id: string, a: Actors, batch: number, n: number): string {
  const key = createPrivateKey({
    key: Buffer.concat([
      Buffer.from("302e020100300506032b657004220420", "hex"),
      Buffer.from(a.registrar.secretKey),
    ]),
    format: "der",
    type: "pkcs8",
  });
  const keys = randomBytes(32 * n);
  const unsigned = {
    type: "credentials",
    election: id,
    body: {
      batch,
      credentials: Array.from({ length: n }, (_, k) => ({
        key: keys.subarray(32 * k, 32 * k + 32).toString("base64"),
        style: "ent-09",
      })),
    },
    signer: a.registrar.publicKey,
  };
  const msg = Buffer.concat([Buffer.from("urna-v1/entry\n"), Buffer.from(canonicalJson(unsigned))]);
  return JSON.stringify({ ...unsigned, signature: sign(null, msg, key).toString("base64") });
}

async function createElection(conn: Conn, id: string): Promise<Actors> {
  const a = newActors(3);
  const r = await conn.request(
    "POST",
    "/elections",
    JSON.stringify(signEntry("manifest", id, manifestFor(id, a), a.authority.secretKey)),
  );
  expect(r.status, r.body).toBe(201);
  return a;
}

const openFds = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

test("default caps under ulimit -n 256: excess streams and connections get 503 JSON, writes go on", async () => {
  const c = await startChild([]);
  const conn = new Conn(c); // maxConnections 32 (from the limit), maxStreams 24
  const id = "flood-caps";
  const a = await createElection(conn, id);
  const got = await Promise.all(
    Array.from({ length: 40 }, () => stream(c, `/elections/${id}/events`)),
  );
  const by = (s: number) => got.filter((g) => g.status === s);
  expect(by(200).length).toBe(24);
  expect(by(503).length).toBe(16);
  const codes = new Set(
    by(503).map(
      (g) =>
        (JSON.parse(g.text.slice(g.text.indexOf("\r\n\r\n") + 4)) as { error: { code: string } })
          .error.code,
    ),
  );
  expect([...codes].every((x) => x === "TOO_MANY_STREAMS" || x === "TOO_MANY_CONNECTIONS")).toBe(
    true,
  );
  expect(codes.has("TOO_MANY_CONNECTIONS")).toBe(true);
  for (const g of by(503)) expect(g.text).toMatch(/\r\nretry-after: \d+\r\n/i);
  // a write on a connection opened before the flood is accepted
  expect(
    (await conn.request("POST", `/elections/${id}/entries`, credentials(id, a, 0, 5))).status,
  ).toBe(201);
  expect(openFds(c.proc.pid!)).toBeLessThan(200);
}, 40_000); // 6 s on a quiet machine; over 20 s at a load of 29 on 2 cores

test("descriptors exhausted past the caps: the commit is retried and the election is writable again without a restart", async () => {
  const c = await startChild(["--max-connections", "5000", "--max-streams", "5000"]);
  const conn = new Conn(c);
  const id = "flood-emfile";
  const a = await createElection(conn, id);
  let batch = 0;
  const post = () =>
    conn.request("POST", `/elections/${id}/entries`, credentials(id, a, batch, 100));
  // Flood: event streams until the board runs out of descriptors.
  const pid = c.proc.pid!;
  const streams: Array<{ status: number; text: string; sock: Socket }> = [];
  // Until the descriptors run out: a stream may be closed unanswered before that (the board's
  // accept meets EMFILE while LevelDB or a worker holds a few descriptors for a moment).
  // (A time budget, not a count of rounds: on a busy machine more streams close unanswered.)
  const until = Date.now() + 20_000;
  while (Date.now() < until && openFds(pid) < 250) {
    const more = await Promise.all(
      Array.from({ length: 10 }, () => stream(c, `/elections/${id}/events?after=0`)),
    );
    streams.push(...more);
  }
  expect(openFds(pid)).toBeGreaterThanOrEqual(250);
  // Closed unanswered (0) or served (200): never an error answer.
  expect(streams.filter((s) => s.status !== 200 && s.status !== 0).map((s) => s.text)).toEqual([]);
  // The flood goes on: every descriptor that frees up is taken by a new stream.
  const flood = setInterval(() => {
    for (let i = 0; i < 5; i++)
      void stream(c, `/elections/${id}/events?after=0`).then((s) => streams.push(s));
  }, 20);
  // Writes until one is held back (a LevelDB file switch failing with EMFILE).
  let stuck: Promise<{ status: number; body: string }> | undefined;
  for (let i = 0; i < 40 && !stuck; i++) {
    const p = post();
    const r = await Promise.race([
      p,
      new Promise<undefined>((ok) => setTimeout(() => ok(undefined), 1500)),
    ]);
    if (r === undefined) stuck = p;
    else {
      expect(r.status, `${r.body}\n${c.stderr()}`).toBe(201);
      batch++;
    }
  }
  if (!stuck) clearInterval(flood);
  expect(stuck).toBeDefined();
  expect(c.stderr()).toMatch(/storage short of resources, retrying/);
  // Not acknowledged while it cannot be durable.
  expect(
    await Promise.race([stuck, new Promise<string>((ok) => setTimeout(() => ok("pending"), 300))]),
  ).toBe("pending");
  // The flood ends: the write goes through, and the next ones too.
  clearInterval(flood);
  await new Promise((r) => setTimeout(r, 100));
  for (const s of streams) s.sock.destroy();
  const r = await stuck!;
  expect(r.status).toBe(201);
  batch++;
  expect((await post()).status).toBe(201);
  const st = JSON.parse((await conn.request("GET", `/elections/${id}/status`)).body) as Record<
    string,
    unknown
  >;
  expect(st.readOnly).toBeUndefined();
  expect(st.size).toBe(batch + 2);
  expect(c.stderr()).toMatch(/storage writable again/);
}, 30_000);
