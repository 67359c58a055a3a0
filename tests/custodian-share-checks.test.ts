/**
 * A custodian decrypts only the aggregate of valid ballots (board/src/actors/custodian.ts
 * postDecryptionShare, protocol.md §10.2): it reads the log once up to the checkpoint the board
 * signed and the witnesses cosigned, and runs the auditor's checks V1-V14 on exactly those bytes
 * before computing its share. Here against the real board (the trust file's checks) and, in
 * custodian-share-audit.test.ts, against a lying board that re-signs forged logs.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type {
  BallotBody,
  DecryptionShareBody,
  ElectionKeyBody,
  Entry,
  TallyBody,
  TrustFile,
} from "@urna/schemas";
import { canonicalBytes } from "@urna/schemas";
import {
  type Trust,
  MemoryTree,
  TallyAccumulator,
  ballotCiphertexts,
  baseHash,
  decodeCiphertext,
  decodeElement,
  encodeCiphertext,
  encodeCosignerVkey,
  encodeScalar,
  entryLeaf,
  fromBase64,
  leafHash,
  loadTrust,
  rootFromLeafHashes,
  subtractCiphertexts,
  toBase64,
} from "@urna/verifier";
import {
  ActorError,
  AuditFailedError,
  castBallot,
  closeVoting,
  createElection,
  postDecryptionShare,
  postTally,
  BoardClient,
  TallyFollower,
  loadElection,
  loadVotingView,
  type CustodianKey,
  type CustodianStateFile,
  type ShareOptions,
} from "../board/src/actors/index.js";
import { decryptionShare } from "../board/src/crypto/index.js";
import { signEntry } from "../board/src/entry-sign.js";
import {
  ELECTION_ID,
  ORIGIN,
  type GeneratedElection,
  cleanupRecords,
  generateElection,
  newBallot,
  readEntries,
  resignEntry,
  signCheckpoint,
} from "./fixtures/election.js";
import {
  type Actors,
  manifestFor,
  newActors,
  newKey,
  openElection,
  removeDir,
  startBoard,
  type TestBoard,
} from "../board/test/server/helpers.js";
import { type BoardDouble, makeView, startBoardDouble } from "./monitor-board-double.js";

const ID = "custodio-suma";
let tb: TestBoard;
let a: Actors;
let states: CustodianStateFile[];
let double: BoardDouble;
let honest: Uint8Array[];
let tampered: Uint8Array[];
let checkpoint: string;

const enc = new TextEncoder();
const trustFile = (quorum = 0, witnesses: string[] = []): TrustFile => ({
  version: 1,
  election: ID,
  board: { vkey: tb.board.electionVkey(ID) },
  authority: a.authority.publicKey,
  witnesses: witnesses.map((vkey) => ({ vkey })),
  quorum,
});

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

beforeAll(async () => {
  tb = await startBoard({ workers: 1 });
  a = newActors(2);
  await createElection(tb.client, manifestFor(ID, a, { threshold: 1 }), a.authority.secretKey);
  const opened = await openElection(tb.client, ID, a, 3);
  states = opened.states;
  const choices = ["mc", "nulo", "mc"];
  for (const [i, c] of opened.creds.entries())
    await castBallot(tb.client, c, {
      presidencia: [choices[i]],
      ...(c.style === "ent-09" ? { "senaduria-09": ["a"] } : { "senaduria-14": ["x"] }),
    });
  await closeVoting(tb.client, ID, a.authority.secretKey);
  await postTally(tb.client, ID, a.authority.secretKey);

  const lines = await tb.client.leaves(ID, 0, (await tb.client.status(ID)).size);
  honest = lines.map((l) => enc.encode(l));
  checkpoint = await tb.client.checkpoint(ID);
  // The attack: a "tally" whose first presidency total is the first voter's own ciphertext for
  // that option, signed by a colluding authority. Decrypting it would reveal that vote.
  const entries = lines.map((l) => JSON.parse(l) as Entry);
  const at = entries.findIndex((e) => e.type === "tally");
  const ballot = entries.find((e) => e.type === "ballot")!.body as BallotBody;
  const body = structuredClone(entries[at].body) as TallyBody;
  const pres = body.contests.find((c) => c.contest === "presidencia")!;
  pres.options[0].ciphertext = ballot.contests.find(
    (c) => c.contest === "presidencia",
  )!.selections[0].ciphertext;
  const forged = signEntry("tally", ID, body, a.authority.secretKey) as Entry;
  tampered = honest.slice();
  tampered[at] = entryLeaf(forged);

  double = await startBoardDouble(ID);
  double.setView("tampered", makeView(tampered, checkpoint));
  double.setView("honest", makeView(honest, checkpoint));
});

afterAll(async () => {
  await double.close();
  await tb.close();
  removeDir(tb.dir);
});

describe("with the trust file, the log must be the witnessed one", () => {
  test("entries that do not hash to the board's checkpoint: UNTRUSTED_LOG", async () => {
    const client = new BoardClient(double.clientUrl("tampered"));
    const err = await failure(
      postDecryptionShare(client, ID, a.custodians[0], states[0], {
        trust: loadTrust(trustFile()),
      }),
    );
    expect((err as ActorError).code).toBe("UNTRUSTED_LOG");
    expect((err as ActorError).message).toMatch(/root/);
  });

  test("a checkpoint short of the witness quorum: UNTRUSTED_LOG", async () => {
    const witness = encodeCosignerVkey("testigo.example", fromBase64(newKey().publicKey));
    const err = await failure(
      postDecryptionShare(tb.client, ID, a.custodians[0], states[0], {
        trust: loadTrust(trustFile(1, [witness])),
        witnessWaitMs: 600,
      }),
    );
    expect((err as ActorError).code).toBe("UNTRUSTED_LOG");
    expect((err as ActorError).message).toMatch(/0 of the 1 witness .*\(waited 1 s\)/);
  });

  test("a trust file for another election: WRONG_ELECTION", async () => {
    const err = await failure(
      postDecryptionShare(tb.client, ID, a.custodians[0], states[0], {
        trust: loadTrust({
          ...trustFile(),
          election: "otra",
          board: { vkey: tb.board.electionVkey("otra") },
        }),
      }),
    );
    expect((err as ActorError).code).toBe("WRONG_ELECTION");
  });

  test("the honest board and log: the share is posted", async () => {
    const before = (await tb.client.status(ID)).counts.shares;
    const posted = await postDecryptionShare(tb.client, ID, a.custodians[0], states[0], {
      trust: loadTrust(trustFile()),
    });
    expect(posted.length).toBeGreaterThan(0);
    expect((await tb.client.status(ID)).counts.shares).toBe(before + 1);
  });
});

// ---------------------------------------------------------------------------------------------
// A lying board: a malicious board (with a colluding authority) that re-signs, and has the
// witnesses cosign, whatever log it likes. Each check V4-V14 the custodian runs must catch its
// forgery before anything is decrypted; the board records every POST (nothing may be posted).

interface LyingBoard {
  url: string;
  /** The log served on the n-th read (0-based) of the entries starting at `start`. */
  serve(log: (read: number, start: number) => Uint8Array[], checkpoint: string): void;
  posted: Entry[];
  requests: string[];
  close(): Promise<void>;
}

async function startLyingBoard(election: string, vkey: string): Promise<LyingBoard> {
  let log: (read: number, start: number) => Uint8Array[] = () => [];
  let note = "";
  const reads = new Map<number, number>();
  const posted: Entry[] = [];
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://x");
    requests.push(`${req.method} ${u.pathname}${u.search}`);
    const send = (status: number, body: string | Uint8Array, type = "application/json") => {
      res.writeHead(status, { "content-type": type });
      res.end(body);
    };
    const base = `/elections/${election}/`;
    if (!u.pathname.startsWith(base)) return send(404, `{"error":{"code":"NOT_FOUND"}}`);
    const rest = u.pathname.slice(base.length);
    if (req.method === "POST" && rest === "entries") {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        posted.push(JSON.parse(body) as Entry);
        send(201, JSON.stringify({ index: 0, trackingCode: "0".repeat(64), checkpoint: note }));
      });
      return;
    }
    if (rest === "checkpoint") return send(200, note, "text/plain; charset=utf-8");
    if (rest === "status")
      return send(200, JSON.stringify({ id: election, vkey, size: log(0, 0).length }));
    if (rest === "entries") {
      const start = Number(u.searchParams.get("start"));
      const end = Number(u.searchParams.get("end"));
      const n = reads.get(start) ?? 0;
      reads.set(start, n + 1);
      const parts: Uint8Array[] = [];
      for (const l of log(n, start).slice(start, end)) parts.push(l, Uint8Array.of(0x0a));
      return send(200, Buffer.concat(parts), "application/x-ndjson");
    }
    if (rest === "proof/consistency") {
      const from = Number(u.searchParams.get("from"));
      const to = Number(u.searchParams.get("to"));
      const tree = new MemoryTree(log(0, 0).map((l) => leafHash(l)));
      return send(
        200,
        JSON.stringify({ from, to, proof: tree.consistencyProof(from, to).map(toBase64) }),
      );
    }
    const one = /^entries\/(\d+)$/.exec(rest);
    if (one) {
      // A single entry is always a second read: served as the second read of its own range.
      const i = Number(one[1]);
      const l = log(1, i)[i];
      return l ? send(200, l) : send(404, `{"error":{"code":"NOT_FOUND"}}`);
    }
    return send(404, `{"error":{"code":"NOT_FOUND"}}`);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    serve(l, cp) {
      log = l;
      note = cp;
      reads.clear();
      posted.length = 0;
      requests.length = 0;
    },
    posted,
    requests,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

describe("a lying board: the custodian runs the auditor's checks V1-V14 before decrypting", () => {
  let g: GeneratedElection;
  let lying: LyingBoard;
  let key: CustodianKey;
  let cstate: CustodianStateFile;
  let trust: Trust;
  /** The record up to and including the tally (no shares yet), as the custodians find it. */
  let base: Entry[];
  let closeAt: number;

  const leavesOf = (entries: Entry[]) => entries.map((e) => canonicalBytes(e));
  const checkpointOf = (leaves: Uint8Array[]) =>
    signCheckpoint(
      g.keys.board,
      g.keys.witnesses,
      ORIGIN,
      leaves.length,
      rootFromLeafHashes(leaves.map((l) => leafHash(l))),
    );
  /** The sum of the counted ballots' ciphertexts, as the colluding authority recomputes it. */
  const tallyOf = (entries: Entry[]): Entry => {
    const acc = new TallyAccumulator(g.manifest);
    for (const e of entries)
      if (e.type === "ballot")
        acc.add({
          contests: (e.body as BallotBody).contests.map((c) => ({
            contest: c.contest,
            selections: c.selections.map((s) => decodeCiphertext(s.ciphertext)),
          })),
        });
    return signEntry("tally", ELECTION_ID, acc.toBody(), g.keys.authority) as Entry;
  };
  /** The log with `fake` cast just before voting closes and the tally recomputed to include it. */
  const withFake = (fake: Entry): Entry[] => {
    const entries = [...base.slice(0, closeAt), fake, base[closeAt]];
    return [...entries, tallyOf(entries)];
  };
  /**
   * The attack: a ballot whose presidency ciphertexts are the first counted voter's minus the sum
   * of every counted ballot, so that the tally becomes that voter's own ballot. Well formed and
   * cast with the abstaining voter's credential (valid signature, eligible); its proofs cannot be
   * valid (it encrypts no 0/1 selection).
   */
  const cancelling = (signer: Uint8Array = g.keys.credentials.at(-1)!.secretKey): Entry => {
    const abstainer = g.keys.credentials.at(-1)!;
    const fake = newBallot(g, abstainer);
    const counted = base.filter((e) => e.type === "ballot").map((e) => e.body as BallotBody);
    const pres = (b: BallotBody) => b.contests.find((c) => c.contest === "presidencia")!;
    const target = pres(counted[0]).selections.map((s) => decodeCiphertext(s.ciphertext));
    const mine = pres(fake.body as BallotBody);
    mine.selections.forEach((s, j) => {
      let ct = target[j];
      for (const b of counted)
        ct = subtractCiphertexts(ct, decodeCiphertext(pres(b).selections[j].ciphertext));
      s.ciphertext = encodeCiphertext(ct);
    });
    return resignEntry(fake, signer);
  };
  const serveOnce = (entries: Entry[]) => {
    const leaves = leavesOf(entries);
    lying.serve(() => leaves, checkpointOf(leaves));
  };
  const share = (opts?: { insecureNoTrust: true }) =>
    postDecryptionShare(new BoardClient(lying.url), ELECTION_ID, key, cstate, opts ?? { trust });
  const refusal = async (opts?: { insecureNoTrust: true }): Promise<AuditFailedError> => {
    const err = await failure(share(opts));
    expect(err).toBeInstanceOf(AuditFailedError);
    expect((err as AuditFailedError).code).toBe("AUDIT_FAILED");
    expect(lying.posted).toEqual([]); // nothing decrypted is ever posted
    return err as AuditFailedError;
  };

  beforeAll(async () => {
    g = await generateElection({
      voters: 6,
      custodians: 3,
      threshold: 2,
      witnesses: 1,
      quorum: 1,
      receipts: false,
    });
    const all = readEntries(g.dir);
    base = all.slice(0, (g.at.tally as number) + 1);
    closeAt = g.at.close as number;
    trust = loadTrust(g.trust);
    const c = g.keys.custodians[0];
    const m = g.manifest.custodians[0];
    key = {
      name: m.name,
      signingSecret: c.signing,
      signingKey: m.signingKey,
      dkgSecret: c.dkgSecret,
      dkgKey: m.dkgKey,
    };
    const ek = all[g.at.key].body as ElectionKeyBody;
    cstate = {
      kind: "urna-custodian-state",
      election: ELECTION_ID,
      index: 1,
      secretShare: toBase64(encodeScalar(c.secretShare)),
      verificationShare: ek.verificationShares[0],
      groupPublicKey: ek.publicKey,
    };
    lying = await startLyingBoard(ELECTION_ID, g.trust.board.vkey);
  });
  afterAll(async () => {
    await lying?.close();
    cleanupRecords();
  });

  test("the honest log: the share is posted, each leaf and the checkpoint read once", async () => {
    serveOnce(base);
    const posted = await share();
    expect(posted.length).toBeGreaterThan(0);
    expect(lying.posted.map((e) => e.type)).toEqual(posted.map(() => "decryption.share"));
    expect(lying.requests.filter((r) => r.includes("/checkpoint"))).toHaveLength(1);
    expect(lying.requests.filter((r) => r.includes("/entries?"))).toHaveLength(1);
  });

  test("the attack works on paper: the forged tally is one voter's presidency ballot", () => {
    const entries = withFake(cancelling());
    const tally = entries.at(-1)!.body as TallyBody;
    const first = base.find((e) => e.type === "ballot")!.body as BallotBody;
    expect(
      tally.contests.find((c) => c.contest === "presidencia")!.options.map((o) => o.ciphertext),
    ).toEqual(
      first.contests.find((c) => c.contest === "presidencia")!.selections.map((s) => s.ciphertext),
    );
  });

  test("a cancelling ballot with a valid credential's signature: V12 fails, nothing is posted", async () => {
    serveOnce(withFake(cancelling()));
    const err = await refusal();
    // Signature and eligibility check out; the proofs do not, so the ballot is invalid and never
    // counts (verification.md §Failing entries, 3): the tally that summed it fails V14 as well.
    expect(err.failed).toEqual(["V12", "V14"]);
    expect(err.message).toMatch(/V12 \(entry \d+/);
  });

  test("the same without a trust file (insecureNoTrust): the checks still run", async () => {
    serveOnce(withFake(cancelling()));
    expect((await refusal({ insecureNoTrust: true })).failed).toEqual(["V12", "V14"]);
  });

  test("a cancelling ballot signed by a key that is no credential (the registrar's): V10", async () => {
    serveOnce(withFake(cancelling(g.keys.registrar)));
    expect((await refusal()).failed).toContain("V10");
  });

  test("a cancelling ballot with a bad signature: V5", async () => {
    const fake = cancelling();
    const sig = fromBase64(fake.signature);
    sig[5] ^= 1;
    serveOnce(withFake({ ...fake, signature: toBase64(sig) }));
    expect((await refusal()).failed).toContain("V5");
  });

  test("a valid ballot with a bad proof (its ciphertexts swapped): V12", async () => {
    const fake = newBallot(g, g.keys.credentials.at(-1)!);
    const sel = (fake.body as BallotBody).contests[0].selections;
    [sel[0].ciphertext, sel[1].ciphertext] = [sel[1].ciphertext, sel[0].ciphertext];
    serveOnce(withFake(resignEntry(fake, g.keys.credentials.at(-1)!.secretKey)));
    expect((await refusal()).failed).toEqual(["V12", "V14"]); // summed by the forged tally
  });

  test("a tally that is one voter's ballot, signed by the authority: V14", async () => {
    const entries = base.slice();
    const first = base.find((e) => e.type === "ballot")!.body as BallotBody;
    const body = structuredClone(entries.at(-1)!.body) as TallyBody;
    const pres = body.contests.find((c) => c.contest === "presidencia")!;
    pres.options[0].ciphertext = first.contests.find(
      (c) => c.contest === "presidencia",
    )!.selections[0].ciphertext;
    entries[entries.length - 1] = signEntry("tally", ELECTION_ID, body, g.keys.authority) as Entry;
    serveOnce(entries);
    const err = await refusal();
    expect(err.failed).toEqual(["V14"]);
    expect(err.message).toMatch(/presidencia/);
  });

  test("different bytes on a re-read never reach the share: it is computed from the bytes audited", async () => {
    // The first read of each range is the honest log; any later read serves the forged tally.
    const honestLeaves = leavesOf(base);
    const forged = base.slice();
    const body = structuredClone(forged.at(-1)!.body) as TallyBody;
    const o = body.contests[0].options;
    [o[0].ciphertext, o[1].ciphertext] = [o[1].ciphertext, o[0].ciphertext];
    forged[forged.length - 1] = signEntry("tally", ELECTION_ID, body, g.keys.authority) as Entry;
    const forgedLeaves = leavesOf(forged);
    lying.serve((read) => (read === 0 ? honestLeaves : forgedLeaves), checkpointOf(honestLeaves));
    await share();
    const want = decryptionShare({
      baseHash: baseHash(ELECTION_ID, g.manifest),
      publicKey: decodeElement(fromBase64(cstate.groupPublicKey)),
      custodian: 1,
      secretShare: g.keys.custodians[0].secretShare,
      tally: base.at(-1)!.body as TallyBody,
    });
    const got = lying.posted.flatMap((e) => (e.body as DecryptionShareBody).contests);
    expect(got.map((c) => c.options.map((o) => o.share))).toEqual(
      want.contests.map((c) => c.options.map((o) => o.share)),
    );
    expect(lying.requests.filter((r) => r.includes("/entries?"))).toHaveLength(1);
  });

  test("an actor's view with the trust file is bound to the witnessed checkpoint", async () => {
    // The honest log, then the same checkpoint over a log whose joint key is the board's own
    // (re-signed by the authority): a voter encrypting under it could be read by the board.
    const honestLeaves = leavesOf(base);
    const cp = checkpointOf(honestLeaves);
    const forged = base.slice();
    const ek = structuredClone(forged[g.at.key].body) as ElectionKeyBody;
    ek.publicKey = ek.verificationShares[0];
    forged[g.at.key] = signEntry("election.key", ELECTION_ID, ek, g.keys.authority) as Entry;
    const client = new BoardClient(lying.url);
    lying.serve(() => honestLeaves, cp);
    const view = await loadVotingView(client, ELECTION_ID, { trust });
    expect(view.state.electionKey?.publicKey).toBe(cstate.groupPublicKey);
    expect((await loadElection(client, ELECTION_ID, { trust })).entries).toHaveLength(base.length);
    lying.serve(() => leavesOf(forged), cp);
    for (const load of [
      () => loadVotingView(client, ELECTION_ID, { trust }),
      () => loadElection(client, ELECTION_ID, { trust }),
    ]) {
      const err = await failure(load());
      expect((err as ActorError).code).toBe("UNTRUSTED_LOG");
    }
  });

  test("no trust file and no explicit insecureNoTrust: NO_TRUST before anything is read", async () => {
    serveOnce(base);
    const err = await failure(
      postDecryptionShare(
        new BoardClient(lying.url),
        ELECTION_ID,
        key,
        cstate,
        {} as unknown as ShareOptions,
      ),
    );
    expect((err as ActorError).code).toBe("NO_TRUST");
    expect(lying.requests).toEqual([]);
  });
});

describe("an actor's re-read is compared with the leaf hash it read first", () => {
  test("the authority's running sum (revote policy last): a superseded ballot served with other bytes is UNTRUSTED_LOG", async () => {
    const g = await generateElection({
      voters: 6,
      custodians: 3,
      threshold: 2,
      witnesses: 0,
      quorum: 0,
      receipts: false,
      revotePolicy: "last",
    });
    const all = readEntries(g.dir);
    const closed = all.slice(0, (g.at.close as number) + 1);
    const honestLeaves = closed.map((e) => canonicalBytes(e));
    // Every ballot, when read on its own (the second read), is another voter's ballot.
    const other = all.find((e) => e.type === "ballot")!;
    const forgedLeaves = honestLeaves.map((l, i) =>
      closed[i].type === "ballot" ? canonicalBytes({ ...other }) : l,
    );
    const lying = await startLyingBoard(ELECTION_ID, g.trust.board.vkey);
    try {
      const cp = signCheckpoint(
        g.keys.board,
        [],
        ORIGIN,
        honestLeaves.length,
        rootFromLeafHashes(honestLeaves.map((l) => leafHash(l))),
      );
      // Honest bytes on every read: the follower's sum is the record's tally.
      lying.serve(() => honestLeaves, cp);
      const follower = new TallyFollower(new BoardClient(lying.url), ELECTION_ID);
      await follower.update();
      const want = new TallyAccumulator(g.manifest);
      for (const i of follower.state.countedBallots())
        want.add(ballotCiphertexts(closed[i].body as BallotBody));
      expect(follower.tallyBody()).toEqual(want.toBody());
      expect(follower.state.supersededBallots().length).toBeGreaterThan(0);
      // The second read of a superseded ballot (a one-entry range) gets other bytes.
      lying.serve((_read, start) => (start === 0 ? honestLeaves : forgedLeaves), cp);
      const err = await failure(
        new TallyFollower(new BoardClient(lying.url), ELECTION_ID).update(),
      );
      expect((err as ActorError).code).toBe("UNTRUSTED_LOG");
      expect((err as ActorError).message).toMatch(/second read/);
    } finally {
      await lying.close();
    }
  });
});
