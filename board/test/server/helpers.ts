/** Shared fixtures for the board's server tests: keys, a manifest, a board on a temp dir. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ed25519 } from "@noble/curves/ed25519.js";
import type { Manifest, ResultBody, RevotePolicy } from "@urna/schemas";
import { toBase64 } from "@urna/verifier";
import { BoardClient } from "../../src/actors/client.js";
import { openVoting, postElectionKey } from "../../src/actors/authority.js";
import { postCertify, postRound1, type CustodianStateFile } from "../../src/actors/custodian.js";
import { generateCredentials, publishCredentials } from "../../src/actors/registrar.js";
import type { VoterCredential } from "../../src/actors/voter.js";
import { type CustodianKey, newCustodianKeyFile } from "../../src/actors/keys.js";
import { fromBase64, decodeScalar } from "@urna/verifier";
import { type Board, createBoard, type BoardOptions } from "../../src/server/index.js";
import { TEST_STORE, newTestStore } from "../../../tests/fixtures/test-store.js";

export interface Key {
  secretKey: Uint8Array;
  publicKey: string;
}

export function newKey(): Key {
  const secretKey = ed25519.utils.randomSecretKey();
  return { secretKey, publicKey: toBase64(ed25519.getPublicKey(secretKey)) };
}

export function newCustodian(name: string): CustodianKey {
  const f = newCustodianKeyFile(name);
  return {
    name,
    signingSecret: fromBase64(f.signing.secretKey),
    signingKey: f.signing.publicKey,
    dkgSecret: decodeScalar(fromBase64(f.dkg.secret)),
    dkgKey: f.dkg.public,
  };
}

export interface Actors {
  authority: Key;
  registrar: Key;
  custodians: CustodianKey[];
}

export function newActors(n: number): Actors {
  return {
    authority: newKey(),
    registrar: newKey(),
    custodians: Array.from({ length: n }, (_, i) => newCustodian(`Custodio ${i + 1}`)),
  };
}

/** A small election: presidency (1 of 4) for everyone, a senate contest per style (0..2 of 3). */
export function manifestFor(
  id: string,
  a: Actors,
  opts: { threshold?: number; revotePolicy?: RevotePolicy } = {},
): Manifest {
  return {
    electionId: id,
    title: `Elección de prueba ${id}`,
    suite: "urna-v1",
    authority: a.authority.publicKey,
    registrar: a.registrar.publicKey,
    custodians: a.custodians.map((c, i) => ({
      index: i + 1,
      name: c.name,
      signingKey: c.signingKey,
      dkgKey: c.dkgKey,
    })),
    threshold: opts.threshold ?? Math.min(3, a.custodians.length),
    revotePolicy: opts.revotePolicy ?? "single",
    contests: [
      {
        id: "presidencia",
        title: "Presidencia de la República",
        minSelections: 0,
        maxSelections: 1,
        options: [
          { id: "pan-pri-prd", label: "PAN-PRI-PRD" },
          { id: "pvem-pt-morena", label: "PVEM-PT-MORENA" },
          { id: "mc", label: "MC" },
          { id: "nulo", label: "Voto nulo" },
        ],
      },
      {
        id: "senaduria-09",
        title: "Senaduría Ciudad de México",
        minSelections: 0,
        maxSelections: 2,
        options: [
          { id: "a", label: "Fórmula A" },
          { id: "b", label: "Fórmula B" },
          { id: "c", label: "Fórmula C" },
        ],
      },
      {
        id: "senaduria-14",
        title: "Senaduría Jalisco",
        minSelections: 1,
        maxSelections: 1,
        options: [
          { id: "x", label: "Fórmula X" },
          { id: "y", label: "Fórmula Y" },
        ],
      },
    ],
    ballotStyles: [
      { id: "ent-09", contests: ["presidencia", "senaduria-09"] },
      { id: "ent-14", contests: ["presidencia", "senaduria-14"] },
    ],
  };
}

export interface TestBoard {
  board: Board;
  url: string;
  client: BoardClient;
  dir: string;
  /** The board's store URL (undefined: the level database in `dir`). */
  store: string | undefined;
  close(): Promise<void>;
  /** Close and reopen on the same data directory (and store). */
  restart(): Promise<TestBoard>;
}

export async function startBoard(
  opts: Partial<BoardOptions> = {},
  dir = mkdtempSync(join(tmpdir(), "urna-board-")),
): Promise<TestBoard> {
  // The store of the test project (level in `dir`, or a fresh postgres database), unless given.
  const store = "store" in opts ? opts.store : await newTestStore();
  const board = await createBoard({
    dataDir: dir,
    name: "board.test",
    workers: 1,
    log: () => undefined,
    ...opts,
    ...(store !== undefined ? { store } : {}),
  });
  if (!("store" in opts) && board.store.engine !== TEST_STORE)
    throw new Error(`the board runs on ${board.store.engine}, the test project on ${TEST_STORE}`);
  const { url } = await board.listen(0);
  const t: TestBoard = {
    board,
    url,
    client: new BoardClient(url),
    dir,
    store,
    close: () => board.close(),
    restart: async () => {
      await board.close();
      return startBoard({ ...opts, store }, dir);
    },
  };
  return t;
}

/** A result's votes in one contest, option id -> votes. */
export const votesOf = (r: ResultBody, contest: string): Record<string, number> =>
  Object.fromEntries(
    (r.contests.find((c) => c.contest === contest)?.options ?? []).map((o) => [o.option, o.votes]),
  );

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Reads a ustar archive (regular files, pax size records) into name -> bytes. */
export function untar(buf: Uint8Array): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const dec = new TextDecoder();
  const str = (a: number, b: number) => dec.decode(buf.subarray(a, b)).replace(/\0.*$/s, "");
  let p = 0;
  let paxSize: number | undefined;
  while (p + 512 <= buf.length) {
    const h = buf.subarray(p, p + 512);
    if (h.every((x) => x === 0)) break;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
    const want = parseInt(str(p + 148, p + 156).trim(), 8);
    if (sum !== want) throw new Error(`bad tar checksum at ${p}`);
    if (str(p + 257, p + 263) !== "ustar") throw new Error("not ustar");
    const name = str(p, p + 100);
    const prefix = str(p + 345, p + 500);
    let size = parseInt(str(p + 124, p + 136), 8);
    const type = String.fromCharCode(h[156]);
    p += 512;
    if (type === "x") {
      const rec = dec.decode(buf.subarray(p, p + size));
      const m = /size=(\d+)/.exec(rec);
      paxSize = m ? Number(m[1]) : undefined;
    } else {
      if (paxSize !== undefined) size = paxSize;
      paxSize = undefined;
      out.set(prefix ? `${prefix}/${name}` : name, buf.slice(p, p + size));
    }
    p += Math.ceil(size / 512) * 512;
  }
  return out;
}

/**
 * From a created election to open voting: `voters` credentials over the styles ent-09 and
 * ent-14 (batches of 3), the whole key ceremony, the joint key, `voting.open`. Returns the
 * voters' credentials and the custodians' secret-share states.
 */
export async function openElection(
  client: BoardClient,
  id: string,
  a: Actors,
  voters: number,
): Promise<{ creds: VoterCredential[]; states: CustodianStateFile[] }> {
  const gen = generateCredentials(id, voters, ["ent-09", "ent-14"]);
  await publishCredentials(
    client,
    id,
    a.registrar.secretKey,
    gen.map((g) => g.public),
    { batchSize: 3 },
  );
  for (const c of a.custodians) await postRound1(client, id, c);
  const states: CustodianStateFile[] = [];
  for (const c of a.custodians)
    states.push((await postCertify(client, id, c, { pollMs: 50 })).state);
  await postElectionKey(client, id, a.authority.secretKey);
  await openVoting(client, id, a.authority.secretKey);
  const creds = gen.map((g) => ({
    election: id,
    style: g.public.style,
    secretKey: fromBase64(g.file.secretKey),
    publicKey: g.public.key,
  }));
  return { creds, states };
}
