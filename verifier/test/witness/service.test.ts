/**
 * The witness (spec/witness.md §1) over real HTTP on loopback, with its state in a temp folder:
 * it cosigns a growing log and refuses, with the tlog-witness status codes, an unknown log (404),
 * bad signatures (403), a stale old size (409 with its size), inconsistent proofs (422) and
 * malformed requests (400); its state survives a restart; concurrent requests cannot roll it back.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  MemoryTree,
  addSignatures,
  ed25519Signer,
  formatCheckpoint,
  fromBase64,
  leafHash,
  parseNote,
  parseVkey,
  signNote,
  utf8,
  verifyWitnessQuorum,
  openCheckpoint,
  type Ed25519NoteSigner,
} from "../../src/index.js";
import { createWitness, type WitnessService } from "../../src/witness/server-node.js";
import { runWitnessCli } from "../../src/witness/cli-node.js";
import {
  formatAddCheckpointRequest,
  parseCosignatureResponse,
  parseWitnessPrivateKey,
  originHash,
} from "../../src/witness/index.js";

const ORIGIN = "board.urna.test/elections/w-test";
const ORIGIN2 = "board.urna.test/elections/w-other";
const seed = (s: string) => sha256(utf8(s));
const board = ed25519Signer(ORIGIN, seed("board key"));
const board2 = ed25519Signer(ORIGIN2, seed("board key"));
const impostor = ed25519Signer(ORIGIN, seed("impostor key"));
const WITNESS_NAME = "witness1.urna.test";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "urna-witness-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const leaves = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => leafHash(utf8(`{"${prefix}":${i}}`)));

function checkpointOf(
  tree: MemoryTree,
  size: number,
  key: Ed25519NoteSigner = board,
  origin = ORIGIN,
): string {
  return signNote(formatCheckpoint({ origin, size, root: tree.root(size), extensions: [] }), [key]);
}

async function post(url: string, body: string) {
  const r = await fetch(`${url}/add-checkpoint`, { method: "POST", body });
  return { status: r.status, type: r.headers.get("content-type"), body: await r.text() };
}

const request = (tree: MemoryTree, oldSize: number, size: number, key: Ed25519NoteSigner = board) =>
  formatAddCheckpointRequest({
    oldSize,
    proof: oldSize === 0 ? [] : tree.consistencyProof(oldSize, size),
    checkpoint: checkpointOf(tree, size, key),
  });

describe("witness service", () => {
  const dataDir = tempDir();
  const wseed = seed("witness key");
  let svc: WitnessService;
  let url: string;
  let close: () => Promise<void>;
  const tree = new MemoryTree(leaves("a", 20));
  // A fork: the same first 5 leaves, then different ones.
  const fork = new MemoryTree([...leaves("a", 5), ...leaves("b", 15)]);

  const start = async () => {
    svc = createWitness({
      dataDir,
      name: WITNESS_NAME,
      signingSeed: wseed,
      logs: [board.vkey, board2.vkey],
    });
    const l = await svc.listen(0);
    url = l.url;
    close = l.close;
  };
  beforeAll(start);
  afterAll(() => close());

  const cosignedBy = (cp: string, body: string) => {
    const sigs = parseCosignatureResponse(body);
    expect(sigs.length).toBe(1);
    const note = addSignatures(cp, sigs);
    const q = verifyWitnessQuorum(note, [parseVkey(svc.vkey)], 1);
    expect(q.ok).toBe(true);
    expect(q.valid).toEqual([WITNESS_NAME]);
    return q.timestamps[WITNESS_NAME];
  };

  test("a size-0 checkpoint with a non-empty root is refused (422)", async () => {
    const body = formatAddCheckpointRequest({
      oldSize: 0,
      proof: [],
      checkpoint: signNote(
        formatCheckpoint({ origin: ORIGIN2, size: 0, root: tree.root(3), extensions: [] }),
        [board2],
      ),
    });
    expect((await post(url, body)).status).toBe(422);
  });

  test("cosigns the first checkpoint from old size 0, then each consistent larger one", async () => {
    let r = await post(url, request(tree, 0, 3));
    expect(r.status).toBe(200);
    const t = cosignedBy(checkpointOf(tree, 3), r.body);
    expect(t).toBeGreaterThan(1_600_000_000);
    r = await post(url, request(tree, 3, 7));
    expect(r.status).toBe(200);
    cosignedBy(checkpointOf(tree, 7), r.body);
    // The same checkpoint again: old size = size, empty proof.
    r = await post(
      url,
      formatAddCheckpointRequest({ oldSize: 7, proof: [], checkpoint: checkpointOf(tree, 7) }),
    );
    expect(r.status).toBe(200);
  });

  test("a stale old size gets 409 with the latest cosigned size as text/x.tlog.size", async () => {
    const r = await post(url, request(tree, 3, 10));
    expect(r.status).toBe(409);
    expect(r.type).toBe("text/x.tlog.size");
    expect(r.body).toBe("7\n");
    const r0 = await post(url, request(tree, 0, 10));
    expect(r0.status).toBe(409);
    expect(r0.body).toBe("7\n");
  });

  test("an inconsistent checkpoint (a fork) or a corrupted proof gets 422", async () => {
    // The fork, correctly signed by the board, with the fork's own (valid for the fork) proof.
    const forked = formatAddCheckpointRequest({
      oldSize: 7,
      proof: fork.consistencyProof(7, 12),
      checkpoint: checkpointOf(fork, 12),
    });
    expect((await post(url, forked)).status).toBe(422);
    // Same size, other root.
    const same = formatAddCheckpointRequest({
      oldSize: 7,
      proof: [],
      checkpoint: checkpointOf(fork, 7),
    });
    expect((await post(url, same)).status).toBe(422);
    // A real checkpoint with one proof hash flipped; and a proof of the wrong length.
    const proof = tree.consistencyProof(7, 12);
    proof[0] = proof[0].slice();
    proof[0][0] ^= 1;
    expect(
      (
        await post(
          url,
          formatAddCheckpointRequest({ oldSize: 7, proof, checkpoint: checkpointOf(tree, 12) }),
        )
      ).status,
    ).toBe(422);
    const short = tree.consistencyProof(7, 12).slice(1);
    expect(
      (
        await post(
          url,
          formatAddCheckpointRequest({
            oldSize: 7,
            proof: short,
            checkpoint: checkpointOf(tree, 12),
          }),
        )
      ).status,
    ).toBe(422);
    // Nothing was cosigned: the witness is still at 7.
    expect((await svc.witness.latest(ORIGIN))?.size).toBe(7);
    // The refused, board-signed fork was kept as evidence with the checkpoint it contradicts.
    const evidence = readdirSync(join(dataDir, "evidence")).map(
      (f) =>
        JSON.parse(readFileSync(join(dataDir, "evidence", f), "utf8")) as {
          origin: string;
          cosigned: string;
          request: string;
        },
    );
    expect(evidence.length).toBe(4);
    expect(evidence.some((e) => e.request === forked && e.cosigned.includes("\n7\n"))).toBe(true);
  });

  test("an unknown log gets 404", async () => {
    const other = ed25519Signer("board.urna.test/elections/unknown", seed("board key"));
    const body = formatAddCheckpointRequest({
      oldSize: 0,
      proof: [],
      checkpoint: signNote(
        formatCheckpoint({ origin: other.name, size: 2, root: tree.root(2), extensions: [] }),
        [other],
      ),
    });
    expect((await post(url, body)).status).toBe(404);
  });

  test("bad signatures get 403", async () => {
    // Another key under the log's name: not a known key, so no valid signature.
    expect((await post(url, request(tree, 7, 9, impostor))).status).toBe(403);
    // The board's key ID with a corrupted signature.
    const cp = checkpointOf(tree, 9);
    const n = parseNote(cp);
    const sig = n.signatures[0].signature.slice();
    sig[10] ^= 0x40;
    const bad =
      cp.split("\n\n")[0] +
      "\n\n" +
      `— ${ORIGIN} ${Buffer.from([...n.signatures[0].keyId, ...sig]).toString("base64")}\n`;
    expect(
      (
        await post(
          url,
          formatAddCheckpointRequest({
            oldSize: 7,
            proof: tree.consistencyProof(7, 9),
            checkpoint: bad,
          }),
        )
      ).status,
    ).toBe(403);
    // The board's signature over another body (size changed after signing).
    const moved = cp.replace(`\n9\n`, `\n8\n`);
    expect(
      (
        await post(
          url,
          formatAddCheckpointRequest({
            oldSize: 7,
            proof: tree.consistencyProof(7, 8),
            checkpoint: moved,
          }),
        )
      ).status,
    ).toBe(403);
    expect((await svc.witness.latest(ORIGIN))?.size).toBe(7);
  });

  test("malformed requests get 400", async () => {
    const cp = checkpointOf(tree, 9);
    for (const body of [
      `old x\n\n${cp}`,
      `old 07\n\n${cp}`,
      `old 7\n${cp}`,
      `old 7\nnot base64!\n\n${cp}`,
      `old 7\n${Buffer.alloc(31).toString("base64")}\n\n${cp}`,
      `old 7\n\nnot a note\n`,
      `old 10\n\n${cp}`, // old size > checkpoint size
      `new 7\n\n${cp}`,
    ])
      expect((await post(url, body)).status, body.slice(0, 20)).toBe(400);
    expect((await fetch(`${url}/add-checkpoint`)).status).toBe(405);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });

  test("concurrent requests from one old size: exactly one is cosigned, the other gets 409", async () => {
    const [a, b] = await Promise.all([
      post(url, request(tree, 7, 11)),
      post(url, request(tree, 7, 13)),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const won = a.status === 200 ? 11 : 13;
    expect((a.status === 409 ? a : b).body).toBe(`${won}\n`);
    expect((await svc.witness.latest(ORIGIN))?.size).toBe(won);
    // Move to 13 for the next tests.
    if (won === 11) expect((await post(url, request(tree, 11, 13))).status).toBe(200);
  });

  test("the monitoring endpoint serves the latest cosigned checkpoint", async () => {
    const r = await fetch(`${url}/${originHash(ORIGIN)}/checkpoint`);
    expect(r.status).toBe(200);
    const note = await r.text();
    expect(openCheckpoint(note, board.verifier, { origin: ORIGIN }).checkpoint.size).toBe(13);
    expect(verifyWitnessQuorum(note, [parseVkey(svc.vkey)], 1).ok).toBe(true);
    expect((await fetch(`${url}/${originHash("nobody")}/checkpoint`)).status).toBe(404);
  });

  test("a restart keeps the state: stale requests still get 409, and it goes on from its size", async () => {
    await close();
    await start();
    const r = await post(url, request(tree, 7, 15));
    expect(r.status).toBe(409);
    expect(r.body).toBe("13\n");
    expect((await post(url, request(tree, 13, 15))).status).toBe(200);
    // A fork from before the restart is still refused.
    const forked = formatAddCheckpointRequest({
      oldSize: 15,
      proof: fork.consistencyProof(15, 20),
      checkpoint: checkpointOf(fork, 20),
    });
    expect((await post(url, forked)).status).toBe(422);
    // One state file per log, no temporary files left behind.
    const files = readdirSync(join(dataDir, "logs"));
    expect(files.sort()).toEqual([`${originHash(ORIGIN)}.json`]);
    const saved = JSON.parse(readFileSync(join(dataDir, "logs", files[0]), "utf8")) as {
      size: number;
      root: string;
    };
    expect(saved.size).toBe(15);
    expect(fromBase64(saved.root)).toEqual(tree.root(15));
  });
});

describe("urna-verify witness (runWitnessCli)", () => {
  test("generates its key on first start, prints its vkey, reuses the key, and serves", async () => {
    const dataDir = tempDir();
    const run = async (args: string[], act?: (url: string) => Promise<void>) => {
      const ac = new AbortController();
      let out = "";
      let err = "";
      const code = runWitnessCli(args, {
        stdout: (s) => void (out += s),
        stderr: (s) => void (err += s),
        signal: ac.signal,
        onListening: (u) => {
          void (async () => {
            try {
              await act?.(u);
            } finally {
              ac.abort();
            }
          })();
        },
      });
      return { code: await code, out, err };
    };
    const args = [
      "--data",
      dataDir,
      "--port",
      "0",
      "--name",
      WITNESS_NAME,
      "--log",
      board.vkey,
      "--quiet",
    ];
    let status = 0;
    const first = await run(args, async (u) => {
      status = (await post(u, request(new MemoryTree(leaves("a", 4)), 0, 4))).status;
    });
    expect(first.code).toBe(0);
    expect(status).toBe(200);
    const vkey = first.out.trim();
    expect(parseVkey(vkey).name).toBe(WITNESS_NAME);
    const key = parseWitnessPrivateKey(readFileSync(join(dataDir, "witness.key"), "utf8"));
    expect(key.cosigner.vkey).toBe(vkey);
    // Second start: same key; the state is kept (stale old size 0 -> 409 "4").
    let second409 = "";
    const second = await run(
      ["--data", dataDir, "--port", "0", "--log", board.vkey, "--quiet"],
      async (u) => {
        second409 = (await post(u, request(new MemoryTree(leaves("a", 6)), 0, 6))).body;
      },
    );
    expect(second.code).toBe(0);
    expect(second.out.trim()).toBe(vkey);
    expect(second409).toBe("4\n");
  });

  test("usage and input errors exit 2", async () => {
    const dataDir = tempDir();
    const quiet = { stdout: () => {}, stderr: () => {} };
    expect(await runWitnessCli(["--port", "0", "--name", "w", "--log", board.vkey], quiet)).toBe(2);
    expect(
      await runWitnessCli(["--data", dataDir, "--name", "w", "--log", board.vkey], quiet),
    ).toBe(2);
    expect(await runWitnessCli(["--data", dataDir, "--port", "0", "--name", "w"], quiet)).toBe(2);
    expect(
      await runWitnessCli(
        ["--data", dataDir, "--port", "0", "--name", "w", "--log", "not+a+vkey"],
        quiet,
      ),
    ).toBe(2);
    expect(
      await runWitnessCli(
        ["--data", dataDir, "--port", "99999", "--name", "w", "--log", board.vkey],
        quiet,
      ),
    ).toBe(2);
    expect(
      await runWitnessCli(["--data", dataDir, "--port", "0", "--log", board.vkey], quiet),
    ).toBe(2); // no name, no key
    expect(
      await runWitnessCli(
        [
          "--data",
          dataDir,
          "--port",
          "0",
          "--name",
          "w",
          "--log",
          board.vkey,
          "--key",
          join(dataDir, "missing"),
        ],
        quiet,
      ),
    ).toBe(2);
    let help = "";
    expect(await runWitnessCli(["--help"], { stdout: (s) => void (help += s) })).toBe(0);
    expect(help).toContain("--log VKEY");
  });

  test("a key named differently from --name exits 2", async () => {
    const dataDir = tempDir();
    const ac = new AbortController();
    const quiet = {
      stdout: () => {},
      stderr: () => {},
      signal: ac.signal,
      onListening: () => ac.abort(),
    };
    expect(
      await runWitnessCli(
        ["--data", dataDir, "--port", "0", "--name", "w1.test", "--log", board.vkey],
        quiet,
      ),
    ).toBe(0);
    expect(
      await runWitnessCli(
        ["--data", dataDir, "--port", "0", "--name", "w2.test", "--log", board.vkey],
        quiet,
      ),
    ).toBe(2);
  });
});
