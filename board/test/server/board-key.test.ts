/**
 * The board key (spec/api.md §Board key; issue: a missing board.key silently replaced the board's
 * key and re-signed every election under a new one). A key is generated only while the board has
 * signed nothing; afterwards a missing key (BOARD_KEY_MISSING) or another key
 * (BOARD_KEY_MISMATCH) stops the start, and a key file others can read is refused
 * (BOARD_KEY_MODE). `keyFile` keeps the key outside the data folder.
 */
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { encodePrivateKey, generateSeed } from "@urna/verifier";
import { createElection } from "../../src/actors/index.js";
import { BoardKeyError } from "../../src/server/board-key.js";
import { manifestFor, newActors, removeDir, startBoard } from "./helpers.js";

const dirs: string[] = [];
const tmp = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), p));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach(removeDir));

/** A board in `dir` that has signed one election's checkpoint, then stopped. */
async function boardWithElection(dir: string, keyFile?: string): Promise<string> {
  const tb = await startBoard(keyFile ? { keyFile } : {}, dir);
  const a = newActors(2);
  await createElection(
    tb.client,
    manifestFor("key-test", a, { threshold: 1 }),
    a.authority.secretKey,
  );
  const vkey = tb.board.vkey;
  await tb.close();
  return vkey;
}

async function refusal(start: () => Promise<unknown>): Promise<BoardKeyError> {
  const err = await start().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BoardKeyError);
  return err as BoardKeyError;
}

describe("board key", () => {
  test("first start: a key is made, readable by its owner only; a restart keeps it", async () => {
    const dir = tmp("urna-key-");
    const vkey = await boardWithElection(dir);
    expect(statSync(join(dir, "board.key")).mode & 0o777).toBe(0o600);
    const again = await startBoard({}, dir);
    expect(again.board.vkey).toBe(vkey);
    await again.close();
  });

  test("a missing key after checkpoints were signed: BOARD_KEY_MISSING, and no new key is written", async () => {
    const dir = tmp("urna-key-");
    await boardWithElection(dir);
    rmSync(join(dir, "board.key"));
    const e = await refusal(() => startBoard({}, dir));
    expect(e.code).toBe("BOARD_KEY_MISSING");
    expect(existsSync(join(dir, "board.key"))).toBe(false);
  });

  test("another key of the same name: BOARD_KEY_MISMATCH, naming the election", async () => {
    const dir = tmp("urna-key-");
    await boardWithElection(dir);
    writeFileSync(join(dir, "board.key"), encodePrivateKey("board.test", generateSeed()) + "\n", {
      mode: 0o600,
    });
    const e = await refusal(() => startBoard({}, dir));
    expect(e.code).toBe("BOARD_KEY_MISMATCH");
    expect(e.message).toContain("key-test");
  });

  test("a key file others can read: BOARD_KEY_MODE", async () => {
    const dir = tmp("urna-key-");
    await boardWithElection(dir);
    chmodSync(join(dir, "board.key"), 0o644);
    const e = await refusal(() => startBoard({}, dir));
    expect(e.code).toBe("BOARD_KEY_MODE");
  });

  test("keyFile outside the data folder: used, and nothing is written as board.key", async () => {
    const dir = tmp("urna-key-");
    const keyFile = join(tmp("urna-keyfile-"), "board.key");
    writeFileSync(keyFile, encodePrivateKey("board.test", generateSeed()) + "\n", { mode: 0o600 });
    const vkey = await boardWithElection(dir, keyFile);
    expect(existsSync(join(dir, "board.key"))).toBe(false);
    expect(readFileSync(keyFile, "utf8")).toContain("PRIVATE+KEY+board.test+");
    const again = await startBoard({ keyFile }, dir);
    expect(again.board.vkey).toBe(vkey);
    await again.close();
    // Without it, the folder's signer has signed: no key is made up.
    expect((await refusal(() => startBoard({}, dir))).code).toBe("BOARD_KEY_MISSING");
  });
});
