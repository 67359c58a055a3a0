/**
 * A custodian decrypts only the aggregate (board/src/actors/custodian.ts postDecryptionShare):
 * before computing its share it checks that every tally on the log is the homomorphic sum of
 * the counted ballots, and, given the trust file, that the log it read is the one the board
 * signed and the witnesses cosigned. A board (with or without the authority) that shows the
 * custodian one voter's ballot dressed up as the tally gets nothing; the honest log passes.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { BallotBody, Entry, TallyBody, TrustFile } from "@urna/schemas";
import { encodeCosignerVkey, entryLeaf, fromBase64, loadTrust } from "@urna/verifier";
import {
  ActorError,
  BoardApiError,
  castBallot,
  closeVoting,
  createElection,
  postDecryptionShare,
  postTally,
  BoardClient,
  type CustodianStateFile,
} from "../board/src/actors/index.js";
import { signEntry } from "../board/src/entry-sign.js";
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

describe("the tally must be the sum of the counted ballots", () => {
  test("a forged tally is refused before anything is decrypted or posted", async () => {
    const client = new BoardClient(double.clientUrl("tampered"));
    const err = await failure(postDecryptionShare(client, ID, a.custodians[0], states[0]));
    expect(err).toBeInstanceOf(ActorError);
    expect((err as ActorError).code).toBe("TALLY_MISMATCH");
    expect((err as ActorError).message).toMatch(/presidencia/);
  });

  test("the same log untampered passes the check (the read-only double then refuses the POST)", async () => {
    const client = new BoardClient(double.clientUrl("honest"));
    const err = await failure(postDecryptionShare(client, ID, a.custodians[0], states[0]));
    expect(err).toBeInstanceOf(BoardApiError); // got as far as posting: the check passed
    expect((err as BoardApiError).status).toBe(405);
  });
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
      }),
    );
    expect((err as ActorError).code).toBe("UNTRUSTED_LOG");
    expect((err as ActorError).message).toMatch(/0 of the 1 witness/);
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
