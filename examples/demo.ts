/**
 * The demo: a whole INE-style election abroad on an embedded board, verified end to end.
 *
 *   npm run demo -- [--out DIR] [--voters N] [--seed S] [--port P] [--quiet]
 *
 * Every actor goes through the public libraries and the board's HTTP API, as a real deployment
 * would. Progress goes to stderr; the summary to stdout. Exit 0 when everything verified.
 */
import { availableParallelism } from "node:os";
import { mkdirSync, writeFileSync, existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import {
  BoardApiError,
  BoardClient,
  castBallot,
  closeVoting,
  createBoard,
  createElection,
  generateCredentials,
  loadVotingView,
  newCustodianKeyFile,
  newSigningKeyFile,
  openVoting,
  postCertify,
  postDecryptionShare,
  postElectionKey,
  postResult,
  postRound1,
  postTally,
  publishCredentials,
  loadCustodianKeyFile,
  type CastResult,
  type CustodianStateFile,
} from "@urna/board";
import type { ResultBody, TrustFile } from "@urna/schemas";
import {
  encodePrivateKey,
  encodeVkey,
  fromBase64,
  generateSeed,
  parsePrivateKey,
  reportToHtml,
  reportToJson,
  reportToText,
  styleContests,
  verifyElection,
  verifyReceipt,
} from "@urna/verifier";
import { createWitness, encodeWitnessPrivateKey, folderSource } from "@urna/verifier/node";
import { exportRecord } from "./export-record.js";
import { ineManifest, loadIneData } from "./ine-manifest.js";
import { assignStyles, expectedTotals, prng, simulateChoices } from "./simulate.js";
import type { VoterOutcome, VoterTask } from "./voter-worker.js";

const USAGE = `usage: npm run demo -- [--out DIR] [--voters N] [--seed S] [--port P]

Runs a whole INE-style election from abroad on an embedded urna board and verifies it.
  --out DIR     output folder (default: a fresh folder under ./demo-output)
  --voters N    number of voters (default 1000)
  --seed S      simulation seed (default: random)
  --port P      board port on 127.0.0.1 (default: a free port)
  --all-combinations
                list every coalition combination as an option (17 per contest, as INE's
                electronic ballot does) instead of the parties and whole coalitions (11)
`;

const { values: args } = parseArgs({
  options: {
    out: { type: "string" },
    voters: { type: "string", default: "1000" },
    seed: { type: "string" },
    port: { type: "string", default: "0" },
    "all-combinations": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
});
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const N = Number(args.voters);
if (!Number.isSafeInteger(N) || N < 5) {
  process.stderr.write(`demo: --voters must be an integer >= 5\n${USAGE}`);
  process.exit(2);
}
const seed = args.seed !== undefined ? Number(args.seed) : Math.floor(Math.random() * 2 ** 31);
const out = resolve(
  args.out ?? join("demo-output", new Date().toISOString().replace(/[:.]/g, "-")),
);
if (existsSync(join(out, "board"))) {
  process.stderr.write(`demo: ${out} already holds a demo; choose another --out\n`);
  process.exit(2);
}

const t0 = performance.now();
const secs = () => ((performance.now() - t0) / 1000).toFixed(1).padStart(6);
const say = (msg: string) => process.stderr.write(`[${secs()} s] ${msg}\n`);
const fail = (msg: string): never => {
  say(`FAILED: ${msg}`);
  process.exit(1);
};

const ELECTION = "mx-2024-extranjero";
const BOARD_NAME = "urna.demo.ine.mx";
const keysDir = join(out, "keys");
mkdirSync(join(keysDir, "credentials"), { recursive: true });
mkdirSync(join(out, "receipts"), { recursive: true });
writeFileSync(
  join(keysDir, "README.txt"),
  "DEMO ONLY. These secret keys were generated for a demonstration election and are published\n" +
    "with it on purpose. Never use them, or keys handled like them, for a real election.\n",
);

say(`urna demo: ${N} voters, seed ${seed}, output in ${relative(process.cwd(), out) || "."}`);

// 1. The board's key, two witnesses that know it, and the board.
const boardKey = encodePrivateKey(BOARD_NAME, generateSeed());
writeFileSync(join(keysDir, "board.key"), boardKey + "\n", { mode: 0o600 });
const electionVkey = encodeVkey(
  `${BOARD_NAME}/elections/${ELECTION}`,
  parsePrivateKey(boardKey).publicKey,
);
const witnesses = await Promise.all(
  ["testigo-1.demo.mx", "testigo-2.demo.mx"].map(async (name, i) => {
    const seedBytes = generateSeed();
    writeFileSync(
      join(keysDir, `witness-${i + 1}.key`),
      encodeWitnessPrivateKey(name, seedBytes) + "\n",
      { mode: 0o600 },
    );
    const w = createWitness({
      dataDir: join(out, `witness-${i + 1}`),
      name,
      signingSeed: seedBytes,
      logs: [electionVkey],
    });
    const l = await w.listen(0, "127.0.0.1");
    return { w, l };
  }),
);
const board = await createBoard({
  dataDir: join(out, "board"),
  name: BOARD_NAME,
  signingKey: boardKey,
  witnesses: witnesses.map(({ w, l }) => ({ url: l.url, vkey: w.vkey })),
  quorum: 2,
  log: () => {},
});
const { url } = await board.listen(Number(args.port), "127.0.0.1");
const client = new BoardClient(url);
say(
  `board ${BOARD_NAME} listening on ${url}, cosigned by ${witnesses.map(({ w }) => w.name).join(" and ")}`,
);

try {
  // 2. Keys and manifest.
  const authority = newSigningKeyFile("authority");
  const registrar = newSigningKeyFile("registrar");
  const custodianFiles = Array.from({ length: 5 }, (_, i) =>
    newCustodianKeyFile(`Custodio ${i + 1}`),
  );
  writeFileSync(join(keysDir, "authority.json"), JSON.stringify(authority, null, 2), {
    mode: 0o600,
  });
  writeFileSync(join(keysDir, "registrar.json"), JSON.stringify(registrar, null, 2), {
    mode: 0o600,
  });
  custodianFiles.forEach((c, i) =>
    writeFileSync(join(keysDir, `custodian-${i + 1}.json`), JSON.stringify(c, null, 2), {
      mode: 0o600,
    }),
  );
  const custodians = custodianFiles.map(loadCustodianKeyFile);
  const data = loadIneData();
  const manifest = ineManifest(
    data,
    {
      authority: authority.publicKey,
      registrar: registrar.publicKey,
      custodians: custodians.map((c, i) => ({
        name: `Custodio ${i + 1}`,
        signingKey: c.signingKey,
        dkgKey: c.dkgKey,
      })),
    },
    {
      electionId: ELECTION,
      threshold: 3,
      revotePolicy: "single",
      options: args["all-combinations"] ? "all" : "compact",
    },
  );
  writeFileSync(join(out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  const authoritySk = fromBase64(authority.secretKey);
  await createElection(client, manifest, authoritySk);
  say(
    `manifest published: ${manifest.contests.length} contests, ${manifest.ballotStyles.length} ballot styles`,
  );

  // 3. Registrar: credentials spread over the entidades.
  const rand = prng(seed);
  const styles = assignStyles(data, N, rand);
  const creds = styles.map((s) => generateCredentials(ELECTION, 1, [s])[0]);
  creds.forEach((c, i) =>
    writeFileSync(
      join(keysDir, "credentials", `voter-${String(i).padStart(5, "0")}.json`),
      JSON.stringify(c.file),
      {
        mode: 0o600,
      },
    ),
  );
  await publishCredentials(
    client,
    ELECTION,
    fromBase64(registrar.secretKey),
    creds.map((c) => c.public),
  );
  say(`registrar published ${N} credentials over ${new Set(styles).size} entidades`);

  // 4. Key ceremony, 3 of 5.
  await Promise.all(custodians.map((k) => postRound1(client, ELECTION, k)));
  const states: CustodianStateFile[] = [];
  for (const [i, k] of custodians.entries()) {
    const { state } = await postCertify(client, ELECTION, k);
    states.push(state);
    writeFileSync(join(keysDir, `custodian-${i + 1}.state.json`), JSON.stringify(state, null, 2), {
      mode: 0o600,
    });
  }
  await postElectionKey(client, ELECTION, authoritySk);
  say("key ceremony done: 5 custodians certified the joint key (threshold 3)");

  // 5. Voting.
  await openVoting(client, ELECTION, authoritySk);
  say("voting open");
  const view = await loadVotingView(client, ELECTION);
  const tasks: VoterTask[] = creds.map((c, id) => ({
    id,
    credential: {
      election: ELECTION,
      style: c.file.style,
      secretKey: c.file.secretKey,
      publicKey: c.file.publicKey,
    },
    choices: simulateChoices(data, styleContests(view.manifest, c.file.style) ?? [], rand),
    challengeFirst: id % 97 === 13,
  }));
  const results = new Map<number, CastResult>();
  const workers = Math.max(1, Math.min(availableParallelism(), 4));
  let done = 0;
  let lastShown = 0;
  await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const mine = tasks.filter((t) => t.id % workers === w);
      return new Promise<void>((res, rej) => {
        const worker = new Worker(new URL("./voter-worker-bootstrap.mjs", import.meta.url), {
          workerData: { url, election: ELECTION, tasks: mine, inFlight: 8 },
        });
        worker.on("message", (m: VoterOutcome) => {
          if (!m.ok || !m.result) return rej(new Error(`voter ${m.id}: ${m.error}`));
          results.set(m.id, m.result);
          done++;
          if (done - lastShown >= Math.max(50, N / 10) || done === N) {
            lastShown = done;
            say(`  ${done}/${N} ballots cast`);
          }
        });
        worker.on("error", rej);
        worker.on("exit", (code) =>
          code === 0 ? res() : rej(new Error(`voter worker exited with ${code}`)),
        );
      });
    }),
  );
  const challenged = [...results.values()].filter((r) => r.challenged).length;
  say(`${N} voters cast their ballots (${challenged} challenged one encryption first)`);

  // One voter tries to vote a second time: the board must refuse (revote policy "single").
  const twice = tasks[0];
  try {
    await castBallot(
      client,
      { ...twice.credential, secretKey: fromBase64(twice.credential.secretKey) },
      twice.choices,
      { view },
    );
    fail("a second ballot from one credential was accepted");
  } catch (e) {
    if (!(e instanceof BoardApiError) || e.code !== "ALREADY_VOTED") throw e;
    say(`a second vote from voter 0 was refused: ${e.status} ${e.code}`);
  }

  for (const [id, r] of results)
    writeFileSync(
      join(out, "receipts", `voter-${String(id).padStart(5, "0")}.json`),
      JSON.stringify(r.cast.receipt, null, 2) + "\n",
    );

  await closeVoting(client, ELECTION, authoritySk);
  say("voting closed");

  // 6. Tally: the encrypted sum, 3 of the 5 custodians decrypt it, the result.
  await postTally(client, ELECTION, authoritySk);
  for (const i of [0, 2, 4]) await postDecryptionShare(client, ELECTION, custodians[i], states[i]);
  await postResult(client, ELECTION, authoritySk);
  say("tally posted, custodians 1, 3 and 5 posted decryption shares, result published");

  // 7. Export the record over HTTP, as an auditor would, and verify it.
  const recordDir = join(out, "record");
  const size = await exportRecord(url, ELECTION, recordDir);
  const trust: TrustFile = {
    version: 1,
    election: ELECTION,
    board: { vkey: electionVkey },
    authority: authority.publicKey,
    witnesses: witnesses.map(({ w }) => ({ vkey: w.vkey })),
    quorum: 2,
  };
  writeFileSync(join(out, "trust.json"), JSON.stringify(trust, null, 2) + "\n");
  say(`record exported: ${size} entries`);

  const report = await verifyElection({
    source: folderSource(recordDir),
    trust,
    workers: availableParallelism(),
    onProgress: (p) => {
      if (p.stage === "entries" && p.done % 500 === 0)
        say(`  verifying: ${p.done}/${p.total} entries`);
    },
  });
  writeFileSync(join(out, "report.json"), reportToJson(report));
  writeFileSync(join(out, "report.html"), reportToHtml(report));
  process.stdout.write("\n" + reportToText(report) + "\n");
  if (!report.ok) fail("the verifier found failures (see report.json)");

  // The result must equal what the simulated voters chose (the refused double vote never counted).
  const want = expectedTotals(
    manifest,
    tasks.map((t) => t.choices),
  );
  const result = report.result as ResultBody | undefined;
  if (!result) fail("the report has no result");
  for (const c of result!.contests)
    for (const o of c.options)
      if (want[c.contest][o.option] !== o.votes)
        fail(
          `${c.contest}/${o.option}: ${o.votes} votes, the voters cast ${want[c.contest][o.option]}`,
        );
  say("the decrypted result equals the simulated voters' choices");

  // 8. Three voters check their receipts against the record.
  for (const id of [0, Math.floor(N / 2), N - 1]) {
    const receipt = results.get(id)!.cast.receipt;
    const r = await verifyReceipt({ receipt, source: folderSource(recordDir), trust });
    const line = r.steps.map((s) => `${s.id} ${s.status}`).join(", ");
    if (!r.ok || r.steps.some((s) => s.status !== "pass")) fail(`receipt of voter ${id}: ${line}`);
    say(`receipt of voter ${id} (${receipt.trackingCode.slice(0, 16)}…): ${line}`);
  }

  const rel = (p: string) => relative(process.cwd(), join(out, p));
  process.stdout.write(`
Everything verified in ${secs().trim()} s. In ${rel("") || "."}:
  record/       checkpoint, entries.jsonl, tile/ (the published election record)
  trust.json    trust material for the verifier (board key, witness keys and quorum, authority key)
  report.json   the verification report; report.html to print and sign
  receipts/     one receipt per voter
  keys/         the demo's secret keys (DEMO ONLY)

Re-run the audit and a receipt check by hand:
  npx urna-verify election --record ${rel("record")} --trust ${rel("trust.json")}
  npx urna-verify receipt ${rel("receipts/voter-00000.json")} --record ${rel("record")} --trust ${rel("trust.json")}
`);
} finally {
  await board.close();
  await Promise.all(witnesses.map(({ l }) => l.close()));
}
