/**
 * The board's witnessing (board/src/witnessing, spec/witness.md §2) against real witness
 * services on loopback: collecting a quorum, following 409s, a witness that is down, witnesses
 * that answer with bad or foreign cosignatures, and the `--witness URL=VKEY` flag.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  MemoryTree,
  ed25519Cosigner,
  ed25519Signer,
  formatCheckpoint,
  formatSignatureLine,
  leafHash,
  parseNote,
  parseVkey,
  signNote,
  utf8,
  verifyWitnessQuorum,
} from "../verifier/src/index.js";
import { createWitness } from "../verifier/src/witness/server-node.js";
import {
  Witnessing,
  WitnessingError,
  collectCosignatures,
  parseWitnessFlag,
  withSignatures,
} from "../board/src/witnessing/index.js";

const ORIGIN = "board.urna.test/elections/wc";
const seed = (s: string) => sha256(utf8(s));
const board = ed25519Signer(ORIGIN, seed("board"));
const tree = new MemoryTree(Array.from({ length: 40 }, (_, i) => leafHash(utf8(`{"e":${i}}`))));
const cp = (size: number) =>
  signNote(formatCheckpoint({ origin: ORIGIN, size, root: tree.root(size), extensions: [] }), [
    board,
  ]);
const proof = (size: number) => (old: number) => tree.consistencyProof(old, size);

const dirs: string[] = [];
const closers: (() => Promise<void>)[] = [];
const ws: { url: string; vkey: string; name: string }[] = [];

async function startWitness(name: string) {
  const d = mkdtempSync(join(tmpdir(), "urna-wc-"));
  dirs.push(d);
  const svc = createWitness({ dataDir: d, name, signingSeed: seed(name), logs: [board.vkey] });
  const l = await svc.listen(0);
  closers.push(l.close);
  return { url: l.url, vkey: svc.vkey, name };
}

/** A fake witness answering every add-checkpoint with a fixed body. */
async function fakeWitness(respond: (body: string) => string) {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(respond(body));
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  closers.push(() => new Promise<void>((ok) => server.close(() => ok())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  ws.push(await startWitness("w1.urna.test"), await startWitness("w2.urna.test"));
});
afterAll(async () => {
  for (const c of closers) await c();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("collecting cosignatures", () => {
  test("two witnesses, quorum 2: both cosign; the next checkpoint starts from their size", async () => {
    const w = new Witnessing({ witnesses: ws, quorum: 2 });
    const r = await w.cosign(cp(5), proof(5));
    expect(r).toMatchObject({
      quorumMet: true,
      count: 2,
      cosigned: ["w1.urna.test", "w2.urna.test"],
    });
    const verifiers = ws.map((x) => parseVkey(x.vkey));
    expect(verifyWitnessQuorum(r.checkpoint, verifiers, 2).ok).toBe(true);
    expect(parseNote(r.checkpoint).signatures).toHaveLength(3); // board + 2 witnesses
    const r2 = await w.cosign(cp(9), proof(9));
    expect(r2.quorumMet).toBe(true);
    expect(
      r2.results.map((x) => ({
        ok: x.ok,
        attempts: x.attempts,
        old: (x as { oldSize?: number }).oldSize,
      })),
    ).toEqual([
      { ok: true, attempts: 1, old: 5 },
      { ok: true, attempts: 1, old: 5 },
    ]);
  });

  test("a client that does not know the witnesses' size follows their 409s", async () => {
    const r = await collectCosignatures({
      witnesses: ws,
      quorum: 2,
      checkpoint: cp(12),
      consistencyProof: proof(12),
    });
    expect(r.quorumMet).toBe(true);
    expect(r.results.map((x) => x.attempts)).toEqual([2, 2]);
  });

  test("a witness that is down: the quorum is not met, the others' cosignatures are kept", async () => {
    const down = {
      url: "http://127.0.0.1:9",
      vkey: ed25519Cosigner("w3.urna.test", seed("w3")).vkey,
    };
    const r = await collectCosignatures({
      witnesses: [...ws, down],
      quorum: 3,
      checkpoint: cp(14),
      oldSize: 12,
      consistencyProof: proof(14),
      timeoutMs: 2000,
    });
    expect(r).toMatchObject({ quorumMet: false, count: 2 });
    expect(r.results[2]).toMatchObject({ ok: false, status: 0 });
    expect(
      verifyWitnessQuorum(
        r.checkpoint,
        ws.map((x) => parseVkey(x.vkey)),
        2,
      ).ok,
    ).toBe(true);
  });

  test("a witness that returns an invalid or a foreign cosignature does not count", async () => {
    const liar = ed25519Cosigner("w4.urna.test", seed("w4"));
    const other = ed25519Cosigner("w5.urna.test", seed("w5"));
    const body = parseNote(cp(14)).text;
    // A cosignature by the right key over another checkpoint.
    const badUrl = await fakeWitness(() =>
      formatSignatureLine(liar.cosign(parseNote(cp(13)).text, 1_700_000_000)),
    );
    const foreignUrl = await fakeWitness(() =>
      formatSignatureLine(other.cosign(body, 1_700_000_000)),
    );
    const goodUrl = await fakeWitness(() => formatSignatureLine(liar.cosign(body, 1_700_000_000)));
    const run = (url: string) =>
      collectCosignatures({
        witnesses: [{ url, vkey: liar.vkey }],
        quorum: 1,
        checkpoint: cp(14),
        oldSize: 12,
        consistencyProof: proof(14),
      });
    const bad = await run(badUrl);
    expect(bad.quorumMet).toBe(false);
    expect(bad.results[0]).toMatchObject({
      ok: false,
      error: expect.stringMatching(/does not verify/),
    });
    const foreign = await run(foreignUrl);
    expect(foreign.quorumMet).toBe(false);
    expect(parseNote(foreign.checkpoint).signatures).toHaveLength(1);
    const good = await run(goodUrl); // control: the same fake with a right answer counts
    expect(good.quorumMet).toBe(true);
  });

  test("withSignatures replaces an older line of the same witness", () => {
    const c = ed25519Cosigner("w1.urna.test", seed("w1.urna.test"));
    const body = parseNote(cp(3)).text;
    const once = withSignatures(cp(3), [c.cosign(body, 100)]);
    const twice = withSignatures(once, [c.cosign(body, 200)]);
    const sigs = parseNote(twice).signatures;
    expect(sigs).toHaveLength(2);
    expect(verifyWitnessQuorum(twice, [c.verifier], 1).timestamps["w1.urna.test"]).toBe(200);
  });
});

describe("configuration", () => {
  test("--witness URL=VKEY", () => {
    const v = ws[0].vkey;
    expect(parseWitnessFlag(`http://127.0.0.1:7000=${v}`)).toEqual({
      url: "http://127.0.0.1:7000",
      vkey: v,
    });
    expect(parseWitnessFlag(`https://w.example/p?a=b=${v}`)).toEqual({
      url: "https://w.example/p?a=b",
      vkey: v,
    });
    expect(() => parseWitnessFlag(`http://127.0.0.1:7000`)).toThrow(WitnessingError);
    expect(() => parseWitnessFlag(`ftp://x=${v}`)).toThrow(WitnessingError);
    expect(() => parseWitnessFlag(`http://x=${board.vkey}`)).toThrow(WitnessingError); // a 0x01 key
  });

  test("a quorum above the number of witnesses, or two witnesses with one name, is refused", () => {
    expect(() => new Witnessing({ witnesses: ws, quorum: 3 })).toThrow(WitnessingError);
    expect(
      () =>
        new Witnessing({ witnesses: [ws[0], { ...ws[0], url: "http://127.0.0.1:1" }], quorum: 1 }),
    ).toThrow(WitnessingError);
    expect(new Witnessing({ witnesses: [], quorum: 0 }).quorum).toBe(0);
  });
});
