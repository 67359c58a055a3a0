/**
 * The actor CLIs never lose data (issue 16 item 2): every mistake a person can make with
 * `urna voter cast|challenge`, `custodian certify|share`, `registrar credentials`, the keygens and
 * `--board` is refused with its exit code and stable code, leaving no entry on a real board (its
 * size before and after) and no file overwritten (bytes and mtime); the successful paths save
 * the receipt and the secret share, print one line naming what was posted, and JSON with --json.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mkdtempSync } from "node:fs";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { DecryptionShareBody, TallyBody } from "@urna/schemas";
import {
  decodeElement,
  decodeScalar,
  fromBase64,
  humanTrackingCodeOf,
  toBase64,
} from "@urna/verifier";
import { urna } from "./fixtures/urna-cli.js";
import {
  closeVoting,
  createElection,
  custodianKeyFromFile,
  generateCredentials,
  newCustodianKeyFile,
  postCertify,
  postDecryptionShare,
  postRound1,
  postTally,
  publishCredentials,
  replay,
  type CustodianKeyFile,
  type CustodianStateFile,
} from "../board/src/actors/index.js";
import { freePort } from "./fixtures/pg-cluster.js";
import { decryptionShare } from "../board/src/crypto/index.js";
import { signEntry } from "../board/src/entry-sign.js";
import {
  manifestFor,
  newKey,
  openElection,
  removeDir,
  startBoard,
  type Actors,
  type TestBoard,
} from "../board/test/server/helpers.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "urna-cli-safety-"));
const p = (f: string) => join(dir, f);
let tb: TestBoard;
let actors: Actors;
let keyFiles: CustodianKeyFile[];

const size = async (election: string) => (await tb.client.status(election)).size;

/** A file's bytes and mtime, to show it was left untouched. */
const snapshot = (f: string) => ({ bytes: readFileSync(f, "utf8"), mtime: statSync(f).mtimeMs });

beforeAll(async () => {
  tb = await startBoard({ store: undefined });
  keyFiles = [1, 2, 3].map((i) => newCustodianKeyFile(`Custodio ${i}`));
  actors = {
    authority: newKey(),
    registrar: newKey(),
    custodians: keyFiles.map((f) => custodianKeyFromFile(f)),
  };
  keyFiles.forEach((f, i) => writeFileSync(p(`c${i + 1}.key`), JSON.stringify(f)));
  writeFileSync(
    p("registrar.key"),
    JSON.stringify({
      kind: "urna-signing-key",
      role: "registrar",
      secretKey: toBase64(actors.registrar.secretKey),
      publicKey: actors.registrar.publicKey,
    }),
  );
}, 60_000);

afterAll(async () => {
  await tb.close();
  removeDir(dir);
});

test("keygen never overwrites a key file unless --force", async () => {
  expect((await urna("authority", "keygen", "--out", p("a.key"))).code).toBe(0);
  const before = snapshot(p("a.key"));
  for (const args of [
    ["authority", "keygen", "--out", p("a.key")],
    ["registrar", "keygen", "--out", p("a.key")],
    ["custodian", "keygen", "--name", "X", "--out", p("a.key")],
  ]) {
    const r = await urna(...args, "--json");
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe("FILE_EXISTS");
    expect(r.stderr).toMatch(/FILE_EXISTS: .*a\.key already exists; it was left untouched/);
    expect(snapshot(p("a.key"))).toEqual(before);
  }
  const forced = await urna("authority", "keygen", "--out", p("a.key"), "--force");
  expect(forced.code).toBe(0);
  expect(readFileSync(p("a.key"), "utf8")).not.toBe(before.bytes);
  expect(statSync(p("a.key")).mode & 0o777).toBe(0o600);
  const missing = await urna("authority", "keygen", "--out", p("no/such/dir/a.key"));
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/OUTPUT_NOT_WRITABLE/);
});

test("custodian certify saves the share before posting, and refuses before posting", async () => {
  const id = "cert";
  await createElection(
    tb.client,
    manifestFor(id, actors, { threshold: 2 }),
    actors.authority.secretKey,
  );
  const gen = generateCredentials(id, 2, ["ent-09"]);
  await publishCredentials(
    tb.client,
    id,
    actors.registrar.secretKey,
    gen.map((g) => g.public),
  );
  for (const c of actors.custodians) await postRound1(tb.client, id, c);
  const certify = (i: number, ...extra: string[]) =>
    urna(
      "custodian",
      "certify",
      "--board",
      tb.url,
      "--election",
      id,
      "--key",
      p(`c${i}.key`),
      ...extra,
    );

  const help = await urna("custodian", "certify", "--help");
  expect(help.stdout).toMatch(/--timeout: at most SECONDS, default 60/);

  writeFileSync(p("c1.state"), "an earlier share\n");
  const kept = snapshot(p("c1.state"));
  const n = await size(id);
  const exists = await certify(1, "--state", p("c1.state"), "--json");
  expect(exists.code).toBe(2);
  expect(JSON.parse(exists.stdout).error.code).toBe("FILE_EXISTS");
  const unwritable = await certify(1, "--state", p("missing/c1.state"));
  expect(unwritable.code).toBe(2);
  expect(unwritable.stderr).toMatch(/OUTPUT_NOT_WRITABLE/);
  expect((await certify(1, "--state", p("c1b.state"), "--timeout", "soon")).code).toBe(2);
  expect((await certify(1, "--state", p("c1b.state"), "--board", "not a url")).code).toBe(2);
  expect(await size(id)).toBe(n);
  expect(snapshot(p("c1.state"))).toEqual(kept);
  expect(existsSync(p("c1b.state"))).toBe(false);

  const ok = await certify(1, "--state", p("c1b.state"));
  expect(ok.code).toBe(0);
  expect(ok.stdout).toBe(`ceremony.certify posted (entry ${n})\n`);
  const state = JSON.parse(readFileSync(p("c1b.state"), "utf8")) as CustodianStateFile;
  expect(state).toMatchObject({ kind: "urna-custodian-state", election: id, index: 1 });
  expect(statSync(p("c1b.state")).mode & 0o777).toBe(0o600);
  expect(await size(id)).toBe(n + 1);
  // With --force an existing state file is replaced.
  expect((await certify(2, "--state", p("c1.state"), "--force")).code).toBe(0);
  expect(JSON.parse(readFileSync(p("c1.state"), "utf8")).index).toBe(2);
});

test("voter cast and challenge check --receipt and --board before posting; the code comes first", async () => {
  const id = "vote";
  await createElection(
    tb.client,
    manifestFor(id, actors, { threshold: 2 }),
    actors.authority.secretKey,
  );
  const { creds, states } = await openElection(tb.client, id, actors, 4);
  creds.forEach((c, i) =>
    writeFileSync(
      p(`cred${i}.json`),
      JSON.stringify({
        kind: "urna-credential",
        election: id,
        style: c.style,
        secretKey: toBase64(c.secretKey),
        publicKey: c.publicKey,
      }),
    ),
  );
  const choices = (i: number) =>
    JSON.stringify(
      creds[i].style === "ent-09"
        ? { presidencia: ["mc"], "senaduria-09": ["b"] }
        : { presidencia: ["mc"], "senaduria-14": ["x"] },
    );
  const vote = (cmd: string, i: number, ...extra: string[]) =>
    urna("voter", cmd, "--credential", p(`cred${i}.json`), "--choices", choices(i), ...extra);
  writeFileSync(p("kept-receipt.json"), "an earlier receipt\n");
  const kept = snapshot(p("kept-receipt.json"));
  const n = await size(id);
  const b = ["--board", tb.url];
  for (const cmd of ["cast", "challenge"]) {
    const noReceipt = await vote(cmd, 0, ...b);
    expect(noReceipt.code).toBe(2);
    expect(noReceipt.stderr).toMatch(/--receipt is required/);
    const missingDir = await vote(cmd, 0, ...b, "--receipt", p("nope/r.json"), "--json");
    expect(missingDir.code).toBe(2);
    expect(JSON.parse(missingDir.stdout).error.code).toBe("OUTPUT_NOT_WRITABLE");
    const exists = await vote(cmd, 0, ...b, "--receipt", p("kept-receipt.json"), "--json");
    expect(exists.code).toBe(2);
    expect(JSON.parse(exists.stdout).error.code).toBe("FILE_EXISTS");
    for (const board of ["not a url", "ftp://127.0.0.1/", "http://127.0.0.1:1/?x=1"]) {
      const bad = await vote(cmd, 0, "--board", board, "--receipt", p("r.json"));
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--board/);
    }
  }
  const port = await freePort();
  const away = await vote(
    "cast",
    0,
    "--board",
    `http://127.0.0.1:${port}`,
    "--receipt",
    p("r.json"),
  );
  expect(away.code).toBe(1);
  expect(away.stderr).toContain(
    `BOARD_UNREACHABLE: cannot reach the board at http://127.0.0.1:${port}`,
  );
  expect(await size(id)).toBe(n);
  expect(snapshot(p("kept-receipt.json"))).toEqual(kept);
  expect(existsSync(p("r.json"))).toBe(false);

  const cast = await vote("cast", 0, ...b, "--receipt", p("r0.json"));
  expect(cast.code).toBe(0);
  const receipt = JSON.parse(readFileSync(p("r0.json"), "utf8")) as {
    index: number;
    trackingCode: string;
  };
  expect(receipt.index).toBe(n);
  expect(cast.stdout).toBe(
    `ballot posted (entry ${n}, tracking code ${humanTrackingCodeOf(receipt.trackingCode)})\n`,
  );
  const challenged = await vote("challenge", 1, ...b, "--receipt", p("r1.json"), "--json");
  expect(challenged.code).toBe(0);
  const r1 = JSON.parse(challenged.stdout) as {
    cast: { index: number; trackingCode: string };
    challenged: { index: number; trackingCode: string };
  };
  expect(challenged.stderr).toContain(
    `ballot.challenged posted (entry ${r1.challenged.index}, tracking code ${humanTrackingCodeOf(r1.challenged.trackingCode)})`,
  );
  expect(challenged.stderr).toContain(
    `ballot posted (entry ${r1.cast.index}, tracking code ${humanTrackingCodeOf(r1.cast.trackingCode)})`,
  );
  expect(await size(id)).toBe(n + 3);

  // The registrar: existing credential files or a refused batch leave no file written.
  const reg = (out: string, ...extra: string[]) =>
    urna(
      "registrar",
      "credentials",
      ...b,
      "--election",
      id,
      "--key",
      p("registrar.key"),
      "--count",
      "3",
      "--styles",
      "ent-09",
      "--out",
      p(out),
      ...extra,
    );
  mkdirSync(p("creds-a"));
  writeFileSync(p("creds-a/credential-000001.json"), "a voter's credential\n");
  const credKept = snapshot(p("creds-a/credential-000001.json"));
  const clash = await reg("creds-a", "--json");
  expect(clash.code).toBe(2);
  expect(JSON.parse(clash.stdout).error.code).toBe("FILE_EXISTS");
  expect(readdirSync(p("creds-a"))).toEqual(["credential-000001.json"]);
  expect(snapshot(p("creds-a/credential-000001.json"))).toEqual(credKept);
  const refused = await reg("creds-b", "--json"); // voting is open: no more credentials
  expect(refused.code).toBe(1);
  expect(JSON.parse(refused.stdout).error.code).toBe("WRONG_PHASE");
  expect(readdirSync(p("creds-b"))).toEqual([]);
  expect(await size(id)).toBe(n + 3);

  // A custodian's second share: SHARE_ALREADY_POSTED from the CLI and from the board.
  await closeVoting(tb.client, id, actors.authority.secretKey);
  await postTally(tb.client, id, actors.authority.secretKey);
  await postDecryptionShare(tb.client, id, actors.custodians[0], states[0], {
    insecureNoTrust: true,
  });
  writeFileSync(p("c1.vote.state"), JSON.stringify(states[0]));
  const m = await size(id);
  const again = await urna(
    "custodian",
    "share",
    ...b,
    "--election",
    id,
    "--key",
    p("c1.key"),
    "--state",
    p("c1.vote.state"),
    "--insecure-no-trust",
    "--json",
  );
  expect(again.code).toBe(1);
  expect(JSON.parse(again.stdout).error.code).toBe("SHARE_ALREADY_POSTED");
  const view = replay(await tb.client.entries(id));
  const tally = view.entries.find((e) => e.type === "tally")!.body as TallyBody;
  const body: DecryptionShareBody = decryptionShare({
    baseHash: view.state.baseHash,
    publicKey: decodeElement(fromBase64(view.state.electionKey!.publicKey)),
    custodian: 1,
    secretShare: decodeScalar(fromBase64(states[0].secretShare)),
    tally,
  });
  const res = await fetch(`${tb.url}/elections/${id}/entries`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(
      signEntry("decryption.share", id, body, actors.custodians[0].signingSecret),
    ),
  });
  expect(res.status).toBe(409);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
    "SHARE_ALREADY_POSTED",
  );
  expect(await size(id)).toBe(m);
});

test("urna board export on a board in use says so", async () => {
  const r = await urna("board", "export", "--data", tb.dir, "--election", "vote", "--out", p("x"));
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/BOARD_IN_USE: a board is running on .* stop it first/);
});

test("npm run demo with an unknown flag prints its usage, exit 2", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "examples/demo.ts", "--bogus"], {
    cwd: root,
    encoding: "utf8",
  });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/Unknown option '--bogus'/);
  expect(r.stderr).toMatch(/usage: npm run demo/);
  expect(r.stderr).not.toMatch(/\n\s+at /);
});
