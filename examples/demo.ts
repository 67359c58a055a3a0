/**
 * The demo: a whole INE-style election abroad on an embedded board, verified end to end.
 *
 *   npm run demo -- [--out DIR] [--voters N] [--seed S] [--port P] [--store postgres://...]
 *
 * Every actor goes through the public libraries and the board's HTTP API, as a real deployment
 * would. Progress goes to stderr (never silent for more than HEARTBEAT_MS: a line says what is
 * still running); stdout gets the verdict and ends with the summary (the verifier's full text
 * report, with the result tables, goes to report.txt). Exit 0 when everything verified.
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
  postElectionKey,
  postRound1,
  publishCredentials,
  loadCustodianKeyFile,
  store as boardStore,
  type CastResult,
  type CustodianStateFile,
  type ReceiptJson,
} from "@urna/board";
import type { ResultBody, TrustFile } from "@urna/schemas";
import {
  encodePrivateKey,
  encodeVkey,
  fromBase64,
  parseNote,
  parseTlogProof,
  generateSeed,
  pinnedTrustFile,
  parsePrivateKey,
  reportToHtml,
  reportToJson,
  reportToText,
  styleContests,
  verifyElection,
  verifyReceipt,
  humanTrackingCodeOf,
  defaultReportLang,
  certifyFromBoard,
  verifiedCheckpoint,
  type ReportLang,
} from "@urna/verifier";
import { encodeWitnessPrivateKey, folderSource, nodeEnvironment } from "@urna/verifier/node";
import type { AuthorityMessage } from "./authority-worker.js";
import type { CustodianOutcome } from "./custodian-worker.js";
import { exportRecord } from "./export-record.js";
import { runFirmAudit } from "./firm-audit.js";
import { ineManifest, loadIneData } from "./ine-manifest.js";
import { assignStyles, expectedTotals, prng, simulateChoices } from "./simulate.js";
import type { VoterOutcome, VoterTask } from "./voter-worker.js";
import type { WitnessReady } from "./witness-worker.js";

const USAGE = `usage: npm run demo -- [--out DIR] [--voters N] [--seed S] [--port P] [--store URL] [--lang es|en]

Runs a whole INE-style election from abroad on an embedded urna board and verifies it.
  --out DIR     output folder (default: a fresh folder under ./demo-output)
  --voters N    number of voters (default 1000)
  --seed S      simulation seed (default: random)
  --port P      board port on 127.0.0.1 (default: a free port)
  --store URL   the board's store: postgres://... runs the board on that PostgreSQL database
                (an empty one: the demo's election id must be new there); default URNA_STORE,
                else the embedded level database in the output folder
  --lang es|en  language of the verification report (default: Spanish, the election is Mexican)
  --all-combinations
                list every coalition combination as an option (17 per contest, as INE's
                electronic ballot does) instead of the parties and whole coalitions (11)
`;

const demoOptions = {
  out: { type: "string" },
  voters: { type: "string", default: "1000" },
  seed: { type: "string" },
  port: { type: "string", default: "0" },
  store: { type: "string", default: process.env.URNA_STORE },
  "all-combinations": { type: "boolean" },
  lang: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;
const { values: args } = (() => {
  try {
    return parseArgs({ options: demoOptions });
  } catch (e) {
    process.stderr.write(`demo: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    process.exit(2);
  }
})();
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const N = Number(args.voters);
if (!Number.isSafeInteger(N) || N < 5) {
  process.stderr.write(`demo: --voters must be an integer >= 5\n${USAGE}`);
  process.exit(2);
}
if (args.lang !== undefined && args.lang !== "es" && args.lang !== "en") {
  process.stderr.write(`demo: --lang must be es or en\n${USAGE}`);
  process.exit(2);
}
const seed = args.seed !== undefined ? Number(args.seed) : Math.floor(Math.random() * 2 ** 31);
const out = resolve(
  args.out ?? join("demo-output", new Date().toISOString().replace(/[:.]/g, "-")),
);
let storeName: string;
try {
  storeName = boardStore.describeStore(
    args.store || undefined,
    relative(process.cwd(), join(out, "board")),
  );
} catch (e) {
  process.stderr.write(`demo: --store: ${(e as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (existsSync(join(out, "board"))) {
  process.stderr.write(`demo: ${out} already holds a demo; choose another --out\n`);
  process.exit(2);
}

const t0 = performance.now();
const secs = () => ((performance.now() - t0) / 1000).toFixed(1).padStart(6);
let lastSaid = performance.now();
let doing = "starting";
/** What the heartbeat says while a phase runs (a count where there is one). */
let detail: () => string = () => `still working, after: ${doing}`;
const say = (msg: string) => {
  lastSaid = performance.now();
  if (!msg.startsWith("  ")) doing = msg.length > 60 ? msg.slice(0, 59) + "…" : msg;
  process.stderr.write(`[${secs()} s] ${msg}\n`);
};
/** Progress never sits silent: after HEARTBEAT_MS without a line, one saying what runs. */
const HEARTBEAT_MS = 3_000;
setInterval(() => {
  if (performance.now() - lastSaid >= HEARTBEAT_MS) say(`  … ${detail()}`);
}, 1_000).unref();
const fail = (msg: string): never => {
  say(`FAILED: ${msg}`);
  process.exit(1);
};

// Wall-clock and CPU time (every thread of this process: board, actors, verifier) per phase.
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const phases: { name: string; wall: number; cpu: number }[] = [];
let phaseStart = { wall: performance.now(), cpu: cpuNow() };
const endPhase = (name: string): void => {
  const now = { wall: performance.now(), cpu: cpuNow() };
  phases.push({ name, wall: (now.wall - phaseStart.wall) / 1000, cpu: now.cpu - phaseStart.cpu });
  phaseStart = now;
};
const phaseTable = (): string =>
  ["phase            wall s   CPU s", ...phases, { name: "total", ...totals() }]
    .map((p) =>
      typeof p === "string"
        ? p
        : `${p.name.padEnd(14)} ${p.wall.toFixed(1).padStart(8)} ${p.cpu.toFixed(1).padStart(7)}`,
    )
    .join("\n");
const totals = () => ({
  wall: phases.reduce((a, p) => a + p.wall, 0),
  cpu: phases.reduce((a, p) => a + p.cpu, 0),
});

// The actors that run in their own threads (witnesses, voters, authority, custodians) are
// TypeScript modules loaded through a small bootstrap that registers tsx in the worker.
const bootstrap = new URL("./worker-bootstrap.mjs", import.meta.url);
const startWorker = (module: string, data: object): Worker =>
  new Worker(bootstrap, {
    workerData: { ...data, module: new URL(module, import.meta.url).href },
  });
/** A worker's next message; rejects if it fails or exits first. */
const nextMessage = <T>(w: Worker, what: string): Promise<T> =>
  new Promise<T>((res, rej) => {
    const onExit = (code: number) => rej(new Error(`${what} exited with code ${code}`));
    w.once("message", (m: T) => {
      w.off("exit", onExit);
      w.off("error", rej);
      res(m);
    });
    w.once("error", rej);
    w.once("exit", onExit);
  });

const ELECTION = "mx-2024-extranjero";
let shortCheckpoints = 0;
const BOARD_NAME = "urna.demo.ine.mx";
const keysDir = join(out, "keys");
mkdirSync(join(keysDir, "credentials"), { recursive: true });
mkdirSync(join(out, "receipts"), { recursive: true });
writeFileSync(
  join(keysDir, "README.txt"),
  "DEMO ONLY. These secret keys were generated for a demonstration election and are published\n" +
    "with it on purpose. Never use them, or keys handled like them, for a real election.\n",
);

say(
  `urna demo: ${N} voters, seed ${seed}, output in ${relative(process.cwd(), out) || "."}, store ${storeName}`,
);

// 1. The board's key, two witnesses that know it, and the board.
const boardKey = encodePrivateKey(BOARD_NAME, generateSeed());
writeFileSync(join(keysDir, "board.key"), boardKey + "\n", { mode: 0o600 });
const electionVkey = encodeVkey(
  `${BOARD_NAME}/elections/${ELECTION}`,
  parsePrivateKey(boardKey).publicKey,
);
// The witnesses run in a thread of their own, as they would on their own machines.
const witnessConfigs = ["testigo-1.demo.mx", "testigo-2.demo.mx"].map((name, i) => {
  const signingSeed = generateSeed();
  writeFileSync(
    join(keysDir, `witness-${i + 1}.key`),
    encodeWitnessPrivateKey(name, signingSeed) + "\n",
    { mode: 0o600 },
  );
  return { dataDir: join(out, `witness-${i + 1}`), name, signingSeed };
});
const witnessThread = startWorker("./witness-worker.ts", {
  witnesses: witnessConfigs,
  logs: [electionVkey],
});
const witnesses = await nextMessage<WitnessReady[]>(witnessThread, "the witnesses");
const board = await createBoard({
  dataDir: join(out, "board"),
  store: args.store || undefined,
  name: BOARD_NAME,
  signingKey: boardKey,
  witnesses: witnesses.map((w) => ({ url: w.url, vkey: w.vkey })),
  quorum: 2,
  // The board's own log goes to stderr; of its checkpoints that missed a witness's cosignature
  // (a witness answered late, or after a newer checkpoint), the first few, then a count.
  log: (m) => {
    if (/ of \d+ cosignatures$/.test(m) && ++shortCheckpoints > 3) return;
    say(`  board: ${m}`);
  },
});
const { url } = await board.listen(Number(args.port), "127.0.0.1");
const client = new BoardClient(url);
say(
  `board ${BOARD_NAME} listening on ${url}, cosigned by ${witnesses.map((w) => w.name).join(" and ")}`,
);
/** Actor threads to stop if the demo ends early. */
const otherWorkers: Worker[] = [];

try {
  // 2. Keys and manifest.
  const authority = newSigningKeyFile("authority");
  const registrar = newSigningKeyFile("registrar");
  // The two auditing firms the manifest lists (protocol.md §6.12): they attest after the result.
  const firms = ["Firma A", "Firma B"].map((name) => ({ name, key: newSigningKeyFile("auditor") }));
  firms.forEach((f, i) =>
    writeFileSync(join(keysDir, `firm-${"ab"[i]}.json`), JSON.stringify(f.key, null, 2), {
      mode: 0o600,
    }),
  );
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
  manifest.auditors = firms.map((f) => ({ name: f.name, key: f.key.publicKey }));
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
  // The authority, in its own thread, follows the log and sums the ballots as they are cast;
  // custodians 1, 3 and 5 get ready, each in its own thread, and wait for the tally. They start
  // once the voters are under way (a tenth, then half of the ballots cast), so that loading
  // them does not hold up the first ballots; the authority catches up with the log then.
  let authorityThread: Worker | undefined;
  let tallyPosted: Promise<AuthorityMessage> | undefined;
  const startAuthority = (): Worker => {
    if (authorityThread) return authorityThread;
    const w = startWorker("./authority-worker.ts", {
      url,
      election: ELECTION,
      secretKey: authority.secretKey,
    });
    tallyPosted = nextMessage<AuthorityMessage>(w, "the authority");
    tallyPosted.catch(() => {}); // awaited after voting closes
    otherWorkers.push(w);
    return (authorityThread = w);
  };
  // The trust file: for the custodians (they decrypt only from the witnessed log) and the auditors.
  // It pins the official manifest, registrar, custodians and nominal list (voters per style), as
  // the authority publishes them out of band (spec/record.md §Trust file).
  const registered: Record<string, number> = {};
  for (const s of styles) registered[s] = (registered[s] ?? 0) + 1;
  const trust: TrustFile = pinnedTrustFile(
    {
      board: { vkey: electionVkey },
      witnesses: witnesses.map((w) => ({ vkey: w.vkey })),
      quorum: 2,
    },
    manifest,
    registered,
  );
  let custodianThreads: { worker: Worker; outcome: Promise<CustodianOutcome> }[] | undefined;
  const startCustodians = () =>
    (custodianThreads ??= [0, 2, 4].map((i) => {
      const worker = startWorker("./custodian-worker.ts", {
        url,
        election: ELECTION,
        keyFile: custodianFiles[i],
        state: states[i],
        trust,
      });
      const outcome = nextMessage<CustodianOutcome>(worker, `custodian ${i + 1}`);
      outcome.catch(() => {}); // awaited after the tally
      otherWorkers.push(worker);
      return { worker, outcome };
    }));
  endPhase("setup");
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
  detail = () => `${done}/${N} ballots cast`;
  await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const mine = tasks.filter((t) => t.id % workers === w);
      return new Promise<void>((res, rej) => {
        const worker = startWorker("./voter-worker.ts", {
          url,
          election: ELECTION,
          tasks: mine,
          inFlight: 8,
        });
        worker.on("message", (m: VoterOutcome) => {
          if (!m.ok || !m.result) return rej(new Error(`voter ${m.id}: ${m.error}`));
          results.set(m.id, m.result);
          done++;
          if (done === Math.ceil(N / 10)) {
            startAuthority();
            say("  the authority follows the log and sums the ballots as they come");
          }
          if (done === Math.ceil(N / 2)) startCustodians();
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
  if (shortCheckpoints > 3)
    say(`  board: ${shortCheckpoints} checkpoints in all were short of the witness quorum`);
  const challenged = [...results.values()].filter((r) => r.challenged).length;
  detail = () => `still working, after: ${doing}`;
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

  const receiptFile = (id: number) =>
    join(out, "receipts", `voter-${String(id).padStart(5, "0")}.json`);
  for (const [id, r] of results)
    writeFileSync(receiptFile(id), JSON.stringify(r.cast.receipt, null, 2) + "\n");

  await closeVoting(client, ELECTION, authoritySk);
  endPhase("casting");
  say("voting closed");

  // 6. Tally: the encrypted sum, 3 of the 5 custodians decrypt it (in parallel), the result.
  const authorityWorker = startAuthority();
  const custodianWorkers = startCustodians();
  const tally = await (tallyPosted as Promise<AuthorityMessage>);
  if (!tally.ok) fail(`the authority could not post the tally: ${tally.error}`);
  say("the authority posted the encrypted tally; the board checked it against its running sum");
  for (const c of custodianWorkers) c.worker.postMessage("go");
  const shares = await Promise.all(custodianWorkers.map((c) => c.outcome));
  for (const [k, r] of shares.entries())
    if (!r.ok) fail(`custodian ${[1, 3, 5][k]} could not post its share: ${r.error}`);
  say("custodians 1, 3 and 5 posted their decryption shares, each from its own thread");
  const resultPosted = nextMessage<AuthorityMessage>(authorityWorker, "the authority");
  authorityWorker.postMessage("result");
  const posted = await resultPosted;
  if (!posted.ok) fail(`the authority could not post the result: ${posted.error}`);
  endPhase("tally");
  say("result published: the authority combined the three custodians' shares");

  // 7. Export the record over HTTP, as an auditor would, and verify it.
  const recordDir = join(out, "record");
  const size = await exportRecord(url, ELECTION, recordDir);
  const trustBytes = new TextEncoder().encode(JSON.stringify(trust, null, 2) + "\n");
  writeFileSync(join(out, "trust.json"), trustBytes);

  // A receipt is issued against the checkpoint of its ballot's batch, with the cosignatures
  // the witnesses gave within the board's timeout. If a witness answered late (a loaded
  // machine), that checkpoint is short of the quorum: the voter's app fetches a fresh receipt
  // (the same inclusion, against the board's current, cosigned checkpoint), as the demo does.
  const witnessNames = new Set(witnesses.map((w) => w.name));
  const cosigners = (receipt: ReceiptJson) =>
    new Set(
      parseNote(parseTlogProof(receipt.proof).checkpoint)
        .signatures.map((sig) => sig.name)
        .filter((n) => witnessNames.has(n)),
    ).size;
  const short = [...results].filter(([, r]) => cosigners(r.cast.receipt) < trust.quorum);
  for (const [id, r] of short) {
    const { entry: _entry, ...fresh } = await client.receipt(ELECTION, r.cast.trackingCode);
    void _entry;
    if (fresh.index !== r.cast.index || cosigners(fresh) < trust.quorum)
      fail(`the board's fresh receipt for voter ${id} is not cosigned by the witness quorum`);
    r.cast.receipt = fresh;
    writeFileSync(receiptFile(id), JSON.stringify(fresh, null, 2) + "\n");
  }
  if (short.length > 0)
    say(
      `${short.length} receipt(s) had a checkpoint short of the witness quorum (a witness answered late); fetched fresh ones`,
    );
  endPhase("export");
  say(`record exported: ${size} entries`);

  const report = await verifyElection({
    source: folderSource(recordDir),
    trust,
    workers: availableParallelism(),
    // The report's audit section: the trust file's bytes as written, the build and the machine.
    trustBytes,
    environment: nodeEnvironment(availableParallelism()),
    onProgress: (p) => {
      detail = () => `verifying: ${p.stage} ${p.done}/${p.total}`;
      if (p.stage === "entries" && p.done % 500 === 0)
        say(`  verifying: ${p.done}/${p.total} entries`);
    },
  });
  detail = () => `still working, after: ${doing}`;
  endPhase("verification");
  writeFileSync(join(out, "report.json"), reportToJson(report));
  const lang: ReportLang = (args.lang as ReportLang | undefined) ?? defaultReportLang(ELECTION);
  writeFileSync(join(out, "report.html"), reportToHtml(report, { lang }));
  // The full text report (every check, and the result tables) goes to a file; stdout gets its
  // verdict (the report's last paragraph) and, at the end, the summary.
  const text = reportToText(report, { lang });
  writeFileSync(join(out, "report.txt"), text + "\n");
  const verdict = text.trimEnd().split("\n\n").pop() ?? "";
  process.stdout.write(
    `\nVerification: ${verdict}\n  every check and the result per contest: ${relative(process.cwd(), join(out, "report.txt"))}\n`,
  );
  if (!report.ok) fail("the verifier found failures (see report.json)");
  if (!report.complete) fail("the verifier skipped checks: the election is not finished");

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

  // The two firms audit independently: each runs urna-verify as its own process against the
  // board (fetching the record itself) into its own folder, in parallel, and signs an
  // attestation of its own report naming where it would publish it. The board accepts an
  // attestation only after the result, from a listed firm, over a checkpoint it signed.
  say("Firma A and Firma B each verify the election from the board with their own urna-verify");
  const audits = await Promise.all(
    firms.map((f, i) =>
      runFirmAudit({
        firm: f.name,
        keyFile: join(keysDir, `firm-${"ab"[i]}.json`),
        board: url,
        election: ELECTION,
        trustFile: join(out, "trust.json"),
        dir: join(out, `firma-${"ab"[i]}`),
        reportUrl: `https://firma-${"ab"[i]}.example/urna/${ELECTION}/report.json`,
        opinion: `${f.name}: sin observaciones (demo).`,
        workers: Math.max(1, Math.floor(availableParallelism() / 2)),
      }),
    ),
  );
  for (const a of audits) {
    const posted = await client.post(a.entry);
    say(
      `${a.firm}'s attestation is entry ${posted.index} (its own run: ${a.report.checkpoint.size} entries verified in ${(a.ms / 1000).toFixed(1)} s, ${relative(process.cwd(), a.dir)}/)`,
    );
  }
  endPhase("firms");
  // What the results page shows under "Certificado por", checked here with the page's own code.
  const status = (await (await fetch(`${url}/elections/${ELECTION}/status`)).json()) as {
    vkey: string;
    origin: string;
  };
  const cp = await verifiedCheckpoint(url, ELECTION, status.vkey, status.origin);
  const certs = await certifyFromBoard({
    base: url,
    election: ELECTION,
    auditors: manifest.auditors,
    indexes: audits.map((_, k) => cp.size - audits.length + k),
    checkpoint: cp,
    // After the result only attestations are accepted: the record exported ends with it.
    resultEnd: cp.size - audits.length,
    result: result ?? null,
  });
  for (const c of certs)
    if (!c.verified)
      fail(
        `the results page would not verify ${c.body?.firm ?? `entry ${c.index}`}: ${c.problems.map((p) => p.message).join("; ")}`,
      );
  say(
    `results page ${url}/web/results.html?id=${ELECTION}: "Certificado por" ${certs.map((c) => `${c.body?.firm} (verificada)`).join(", ")}`,
  );

  // 8. Three voters check their receipts against the record.
  for (const id of [0, Math.floor(N / 2), N - 1]) {
    const receipt = results.get(id)!.cast.receipt;
    const r = await verifyReceipt({ receipt, source: folderSource(recordDir), trust });
    const line = r.steps.map((s) => `${s.id} ${s.status}`).join(", ");
    if (!r.ok || r.steps.some((s) => s.status !== "pass")) fail(`receipt of voter ${id}: ${line}`);
    say(`receipt of voter ${id} (${humanTrackingCodeOf(receipt.trackingCode)}): ${line}`);
  }
  endPhase("receipts");
  process.stderr.write(`\n${phaseTable()}\n`);

  const rel = (p: string) => relative(process.cwd(), join(out, p));
  process.stdout.write(`
Everything verified in ${secs().trim()} s. In ${rel("") || "."}:
  record/       checkpoint, entries.jsonl, tile/ (the published election record)
  trust.json    trust material for the verifier (board key, witness keys and quorum, authority key)
  report.txt    the verifier's text report: every check, and the result per contest
  report.json   the verification report; report.html to print and sign
  firma-a/, firma-b/  each auditing firm's own run: report.json, report.txt, attestation.json
  receipts/     one receipt per voter
  keys/         the demo's secret keys (DEMO ONLY)

Re-run the audit and a receipt check by hand:
  npx urna-verify election --record ${rel("record")} --trust ${rel("trust.json")}
  npx urna-verify receipt ${rel("receipts/voter-00000.json")} --record ${rel("record")} --trust ${rel("trust.json")}
`);
} finally {
  await Promise.all(otherWorkers.map((w) => w.terminate()));
  await board.close();
  await new Promise<void>((r) => {
    witnessThread.once("exit", () => r());
    witnessThread.postMessage("close");
  });
}
