/**
 * The `urna` command line end to end: `urna board serve` as a real child process (stopped with
 * SIGTERM), and every actor sub-command run through the CLI's own `main` against it: key
 * generation, election creation, credentials, ceremony, voting, tally, shares and result, plus
 * usage errors and refusals with their exit codes.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { leafHash, parseCheckpoint, rootFromLeafHashes, toBase64, utf8 } from "@urna/verifier";
import { urna } from "./fixtures/urna-cli.js";
import { manifestFor, removeDir } from "../board/test/server/helpers.js";
import { spawnBoard } from "./fixtures/board-process.js";

const dir = mkdtempSync(join(tmpdir(), "urna-cli-"));
let server: ChildProcess;
let url = "";

beforeAll(async () => {
  ({ server, url } = await spawnBoard(["--workers", "1"], {
    URNA_DATA: join(dir, "data"),
    URNA_NAME: "cli.test",
  }));
}, 60_000);

afterAll(() => {
  if (server.exitCode === null) server.kill("SIGKILL");
  removeDir(dir);
});

const p = (f: string) => join(dir, f);

test("urna: a whole election from the command line", async () => {
  expect((await urna("--help")).code).toBe(0);
  expect((await urna()).code).toBe(2);
  expect((await urna("nope")).code).toBe(2);
  expect((await urna("authority")).code).toBe(2);
  const help = await urna("voter", "cast", "--help");
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/--credential FILE/);
  expect((await urna("authority", "create", "--board", url)).code).toBe(2);
  expect((await urna("authority", "open", "--bogus")).code).toBe(2);

  const authority = JSON.parse(
    (await urna("authority", "keygen", "--out", p("authority.key"), "--json")).stdout,
  ) as { publicKey: string };
  const registrar = JSON.parse(
    (await urna("registrar", "keygen", "--out", p("registrar.key"), "--json")).stdout,
  ) as { publicKey: string };
  expect(readFileSync(p("authority.key"), "utf8")).toMatch(/"secretKey"/);
  const custodians = [];
  for (let i = 1; i <= 3; i++) {
    const r = await urna(
      "custodian",
      "keygen",
      "--name",
      `Custodio ${i}`,
      "--out",
      p(`c${i}.key`),
      "--json",
    );
    custodians.push(JSON.parse(r.stdout) as { name: string; signingKey: string; dkgKey: string });
  }
  const manifest = manifestFor(
    "cli",
    {
      authority: { publicKey: authority.publicKey, secretKey: new Uint8Array() },
      registrar: { publicKey: registrar.publicKey, secretKey: new Uint8Array() },
      custodians: custodians.map((c) => ({ ...c, signingSecret: new Uint8Array(), dkgSecret: 0n })),
    },
    { threshold: 2 },
  );
  writeFileSync(p("manifest.json"), JSON.stringify(manifest));

  const b = ["--board", url];
  expect(
    (
      await urna(
        "authority",
        "create",
        ...b,
        "--manifest",
        p("manifest.json"),
        "--key",
        p("authority.key"),
      )
    ).code,
  ).toBe(0);
  const again = await urna(
    "authority",
    "create",
    ...b,
    "--manifest",
    p("manifest.json"),
    "--key",
    p("authority.key"),
    "--json",
  );
  expect(again.code).toBe(1);
  expect(JSON.parse(again.stdout).error.code).toBe("ELECTION_EXISTS");
  expect(
    (
      await urna(
        "authority",
        "create",
        ...b,
        "--manifest",
        p("manifest.json"),
        "--key",
        p("nope.key"),
      )
    ).code,
  ).toBe(2);

  const e = ["--election", "cli"];
  const creds = await urna(
    "registrar",
    "credentials",
    ...b,
    ...e,
    "--key",
    p("registrar.key"),
    "--count",
    "3",
    "--styles",
    "ent-09,ent-14",
    "--out",
    p("creds"),
    "--json",
  );
  expect(creds.code).toBe(0);
  expect((JSON.parse(creds.stdout) as { files: string[] }).files).toHaveLength(3);
  for (let i = 1; i <= 3; i++)
    expect((await urna("custodian", "round1", ...b, ...e, "--key", p(`c${i}.key`))).code).toBe(0);
  for (let i = 1; i <= 3; i++)
    expect(
      (
        await urna(
          "custodian",
          "certify",
          ...b,
          ...e,
          "--key",
          p(`c${i}.key`),
          "--state",
          p(`c${i}.state`),
        )
      ).code,
    ).toBe(0);
  expect((await urna("authority", "key", ...b, ...e, "--key", p("authority.key"))).code).toBe(0);
  expect((await urna("authority", "open", ...b, ...e, "--key", p("authority.key"))).code).toBe(0);

  const cast = await urna(
    "voter",
    "cast",
    ...b,
    "--credential",
    p("creds/credential-000000.json"),
    "--choices",
    '{"presidencia":["mc"],"senaduria-09":["b"]}',
    "--receipt",
    p("r0.json"),
    "--json",
  );
  expect(cast.code).toBe(0);
  const receipt = JSON.parse(readFileSync(p("r0.json"), "utf8")) as {
    trackingCode: string;
    proof: string;
  };
  expect(receipt.proof).toMatch(/^c2sp\.org\/tlog-proof@v1\n/);
  const challenged = await urna(
    "voter",
    "challenge",
    ...b,
    "--credential",
    p("creds/credential-000001.json"),
    "--choices",
    '{"presidencia":["nulo"],"senaduria-14":["x"]}',
    "--receipt",
    p("r1.json"),
  );
  expect(challenged.code).toBe(0);
  expect(challenged.stdout).toMatch(
    /^ballot.challenged posted \(entry \d+, tracking code [A-Z2-7]{4}(?:-[A-Z2-7]{4}){5}\)\nballot posted \(entry \d+/,
  );
  const twice = await urna(
    "voter",
    "cast",
    ...b,
    "--credential",
    p("creds/credential-000000.json"),
    "--choices",
    '{"presidencia":["mc"]}',
    "--receipt",
    p("r2.json"),
  );
  expect(twice.code).toBe(1);
  expect(twice.stderr).toMatch(/ALREADY_VOTED/);
  expect(
    (
      await urna(
        "voter",
        "cast",
        ...b,
        "--credential",
        p("creds/credential-000002.json"),
        "--choices",
        "{bad",
        "--receipt",
        p("r3.json"),
      )
    ).code,
  ).toBe(2);

  expect((await urna("authority", "close", ...b, ...e, "--key", p("authority.key"))).code).toBe(0);
  expect((await urna("authority", "tally", ...b, ...e, "--key", p("authority.key"))).code).toBe(0);
  // Without a trust file a custodian refuses; custodian 1 then explicitly takes the board's word
  // for its key (and is warned); custodian 3 reads the log up to the board-signed checkpoint of
  // the trust file (no witnesses in this test: quorum 0). Both run the checks V1-V14 first.
  const share = (i: number, ...extra: string[]) =>
    urna(
      "custodian",
      "share",
      ...b,
      ...e,
      "--key",
      p(`c${i}.key`),
      "--state",
      p(`c${i}.state`),
      ...extra,
    );
  const refused = await share(1);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(/needs the election's trust file: --trust FILE/);
  const share1 = await share(1, "--insecure-no-trust");
  expect(share1.code).toBe(0);
  expect(share1.stderr).toMatch(/--insecure-no-trust: the board's own key/);
  const status = (await (await fetch(`${url}/elections/cli/status`)).json()) as { vkey: string };
  writeFileSync(
    p("trust.json"),
    JSON.stringify({
      version: 1,
      election: "cli",
      board: { vkey: status.vkey },
      authority: (JSON.parse(readFileSync(p("authority.key"), "utf8")) as { publicKey: string })
        .publicKey,
      witnesses: [],
      quorum: 0,
    }),
  );
  writeFileSync(p("bad-trust.json"), JSON.stringify({ version: 1, election: "cli" }));
  expect((await share(3, "--trust", p("bad-trust.json"))).code).toBe(2);
  const share3 = await share(3, "--trust", p("trust.json"));
  expect(share3.code).toBe(0);
  expect(share3.stderr).not.toMatch(/insecure/);
  const result = await urna(
    "authority",
    "result",
    ...b,
    ...e,
    "--key",
    p("authority.key"),
    "--max-votes",
    "100",
    "--json",
  );
  expect(result.code).toBe(0);
  const body = (
    JSON.parse(result.stdout) as {
      results: {
        custodians: number[];
        contests: { contest: string; options: { option: string; votes: number }[] }[];
      }[];
    }
  ).results[0];
  expect(body.custodians).toEqual([1, 3]);
  const pres = Object.fromEntries(body.contests[0].options.map((o) => [o.option, o.votes]));
  expect(pres).toEqual({ "pan-pri-prd": 0, "pvem-pt-morena": 0, mc: 1, nulo: 1 });

  // graceful shutdown on SIGTERM
  const exited = new Promise<number | null>((r) => server.on("exit", (code) => r(code)));
  server.kill("SIGTERM");
  expect(await exited).toBe(0);

  // the stopped board's data exports as a record folder whose root is the checkpoint's
  const exp = await urna(
    "board",
    "export",
    "--data",
    p("data"),
    "--election",
    "cli",
    "--out",
    p("record"),
    "--tiles",
    "--json",
  );
  expect(exp.code).toBe(0);
  const lines = readFileSync(p("record/entries.jsonl"), "utf8").split("\n").slice(0, -1);
  expect(lines.length).toBe((JSON.parse(exp.stdout) as { size: number }).size);
  const note = readFileSync(p("record/checkpoint"), "utf8");
  const cp = parseCheckpoint(note.slice(0, note.indexOf("\n\n") + 1));
  expect(toBase64(rootFromLeafHashes(lines.map((l) => leafHash(utf8(l)))))).toBe(toBase64(cp.root));
  expect(readFileSync(p(`record/tile/0/000.p/${cp.size}`)).length).toBe(32 * cp.size);
  expect(
    (await urna("board", "export", "--data", p("data"), "--election", "nope", "--out", p("x")))
      .code,
  ).toBe(1);
});
