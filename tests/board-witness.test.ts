/**
 * The board asks its witnesses to cosign every checkpoint (spec/witness.md §2): served
 * checkpoints carry the cosignatures, a witness that is down does not stop the board, and the
 * quorum check of a verifier tells the difference.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  BoardClient,
  createBoard,
  createElection,
  generateCredentials,
  loadCustodianKeyFile,
  newCustodianKeyFile,
  newSigningKeyFile,
  publishCredentials,
  type Board,
} from "@urna/board";
import {
  encodePrivateKey,
  encodeVkey,
  fromBase64,
  generateSeed,
  parsePrivateKey,
  parseVkey,
  verifyWitnessQuorum,
} from "@urna/verifier";
import { createWitness } from "@urna/verifier/node";
import { ineManifest, loadIneData } from "../examples/ine-manifest.js";

const NAME = "urna.test.mx";
const ELECTION = "mx-witnessed";
const dir = mkdtempSync(join(tmpdir(), "urna-board-witness-"));
const boardKey = encodePrivateKey(NAME, generateSeed());
const electionVkey = encodeVkey(
  `${NAME}/elections/${ELECTION}`,
  parsePrivateKey(boardKey).publicKey,
);
const witnesses = ["w1.test", "w2.test"].map((name, i) =>
  createWitness({
    dataDir: join(dir, `w${i}`),
    name,
    signingSeed: generateSeed(),
    logs: [electionVkey],
  }),
);
let listening: { url: string; close(): Promise<void> }[] = [];
let board: Board;
let client: BoardClient;
const authority = newSigningKeyFile("authority");
const registrar = newSigningKeyFile("registrar");

beforeAll(async () => {
  listening = await Promise.all(witnesses.map((w) => w.listen(0)));
  board = await createBoard({
    dataDir: join(dir, "board"),
    name: NAME,
    signingKey: boardKey,
    witnesses: [
      ...witnesses.map((w, i) => ({ url: listening[i].url, vkey: w.vkey })),
      // A third witness that is not running: it must not stop the board.
      {
        url: "http://127.0.0.1:9",
        vkey: createWitness({
          dataDir: join(dir, "w3"),
          name: "w3.test",
          signingSeed: generateSeed(),
          logs: [],
        }).vkey,
      },
    ],
    quorum: 2,
    workers: 1,
    log: () => {},
  });
  const { url } = await board.listen(0, "127.0.0.1");
  client = new BoardClient(url);
  const custodians = Array.from({ length: 3 }, (_, i) =>
    loadCustodianKeyFile(newCustodianKeyFile(`C${i + 1}`)),
  );
  const manifest = ineManifest(
    loadIneData(),
    {
      authority: authority.publicKey,
      registrar: registrar.publicKey,
      custodians: custodians.map((c, i) => ({
        name: `C${i + 1}`,
        signingKey: c.signingKey,
        dkgKey: c.dkgKey,
      })),
    },
    { electionId: ELECTION, threshold: 2, entidades: ["Jalisco"], options: "compact" },
  );
  await createElection(client, manifest, fromBase64(authority.secretKey));
});

afterAll(async () => {
  await board?.close();
  await Promise.all(listening.map((l) => l.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe("board witnessing", () => {
  test("every acknowledged checkpoint carries the quorum of cosignatures", async () => {
    const creds = generateCredentials(ELECTION, 3, ["ent-14"]).map((c) => c.public);
    const acks = await publishCredentials(
      client,
      ELECTION,
      fromBase64(registrar.secretKey),
      creds,
      { batchSize: 1 },
    );
    expect(acks).toHaveLength(3);
    const verifiers = witnesses.map((w) => parseVkey(w.vkey));
    for (const a of acks) expect(verifyWitnessQuorum(a.checkpoint, verifiers, 2).ok).toBe(true);
    const served = await client.checkpoint(ELECTION);
    const q = verifyWitnessQuorum(served, verifiers, 2);
    expect(q.ok).toBe(true);
    expect(q.count).toBe(2);
    expect(served.startsWith(`${NAME}/elections/${ELECTION}\n4\n`)).toBe(true);
  });

  test("a quorum the witnesses did not reach is visible to a verifier", async () => {
    const served = await client.checkpoint(ELECTION);
    const both = witnesses.map((w) => parseVkey(w.vkey));
    expect(verifyWitnessQuorum(served, both, 3).ok).toBe(false);
    // Stop one witness: the board still acknowledges, with one cosignature.
    await listening[1].close();
    const [ack] = await publishCredentials(
      client,
      ELECTION,
      fromBase64(registrar.secretKey),
      generateCredentials(ELECTION, 1, ["ent-14"]).map((c) => c.public),
    );
    const q = verifyWitnessQuorum(ack.checkpoint, both, 2);
    expect(q.count).toBe(1);
    expect(q.ok).toBe(false);
  });
});
