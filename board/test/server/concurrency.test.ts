/**
 * 200 ballots posted at once are all acknowledged with distinct indices, every receipt verifies,
 * the live feed sees each exactly once in order, and everything is still there after a restart.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Manifest } from "@urna/schemas";
import {
  decodeElement,
  fromBase64,
  fromHex,
  leafHash,
  parseVkey,
  toHex,
  utf8,
  verifyTlogProof,
} from "@urna/verifier";
import {
  type AppendResult,
  createElection,
  generateCredentials,
  loadVotingView,
  openVoting,
  postCertify,
  postElectionKey,
  postRound1,
  publishCredentials,
} from "../../src/actors/index.js";
import { encryptBallot } from "../../src/crypto/index.js";
import { signEntry } from "../../src/entry-sign.js";
import { newActors, removeDir, startBoard, type TestBoard } from "./helpers.js";

const N = 200;
const ID = "concurrente";
let tb: TestBoard;

beforeAll(async () => {
  tb = await startBoard({ workers: 2 });
});
afterAll(async () => {
  await tb.close();
  removeDir(tb.dir);
});

async function readEvents(
  url: string,
  headers: Record<string, string>,
  until: (ids: number[]) => boolean,
): Promise<{ ids: number[]; checkpoints: number[] }> {
  const ctrl = new AbortController();
  const res = await fetch(url, { headers, signal: ctrl.signal });
  expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = "";
  const ids: number[] = [];
  const checkpoints: number[] = [];
  while (!until(ids)) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let k;
    while ((k = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, k);
      buf = buf.slice(k + 2);
      const ev = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (ev === "entry") {
        const d = JSON.parse(data!) as { index: number; trackingCode: string; entry: unknown };
        expect(toHex(leafHash(utf8(JSON.stringify(d.entry))))).toBe(d.trackingCode);
        expect(/^id: (\d+)$/m.exec(block)?.[1]).toBe(String(d.index));
        ids.push(d.index);
      } else if (ev === "checkpoint")
        checkpoints.push((JSON.parse(data!) as { size: number }).size);
    }
  }
  ctrl.abort();
  return { ids, checkpoints };
}

test(`${N} concurrent ballots: distinct indices, receipts, feed, restart`, async () => {
  const a = newActors(1);
  const manifest: Manifest = {
    electionId: ID,
    title: "Consulta",
    suite: "urna-v1",
    authority: a.authority.publicKey,
    registrar: a.registrar.publicKey,
    custodians: [
      {
        index: 1,
        name: "Custodio 1",
        signingKey: a.custodians[0].signingKey,
        dkgKey: a.custodians[0].dkgKey,
      },
    ],
    threshold: 1,
    revotePolicy: "single",
    contests: [
      {
        id: "consulta",
        title: "¿Sí o no?",
        minSelections: 0,
        maxSelections: 1,
        options: [{ id: "si", label: "Sí" }],
      },
    ],
    ballotStyles: [{ id: "unico", contests: ["consulta"] }],
  };
  const { client } = tb;
  await createElection(client, manifest, a.authority.secretKey);
  const creds = generateCredentials(ID, N, ["unico"]);
  await publishCredentials(
    client,
    ID,
    a.registrar.secretKey,
    creds.map((c) => c.public),
  );
  await postRound1(client, ID, a.custodians[0]);
  await postCertify(client, ID, a.custodians[0], { pollMs: 20 });
  await postElectionKey(client, ID, a.authority.secretKey);
  await openVoting(client, ID, a.authority.secretKey);
  const view = await loadVotingView(client, ID);
  const K = decodeElement(fromBase64(view.state.electionKey!.publicKey));
  const first = (await client.status(ID)).size;

  const ballots = creds.map((c, i) =>
    JSON.stringify(
      signEntry(
        "ballot",
        ID,
        encryptBallot({
          manifest,
          baseHash: view.state.baseHash,
          publicKey: K,
          signer: fromBase64(c.public.key),
          style: "unico",
          choices: { consulta: [i % 2] },
        }).body,
        fromBase64(c.file.secretKey),
      ),
    ),
  );

  const feed = readEvents(
    `${tb.url}/elections/${ID}/events?view=full&after=${first - 1}`,
    {},
    (ids) => ids.length >= N,
  );
  const results = await Promise.all(
    ballots.map(async (b) => {
      const res = await fetch(`${tb.url}/elections/${ID}/entries`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: b,
      });
      expect(res.status).toBe(201);
      return (await res.json()) as AppendResult;
    }),
  );
  const indices = results.map((r) => r.index).sort((x, y) => x - y);
  expect(new Set(indices).size).toBe(N);
  expect(indices[0]).toBe(first);
  expect(indices[N - 1]).toBe(first + N - 1);
  const vkey = parseVkey(tb.board.electionVkey(ID));
  for (const r of results)
    expect(verifyTlogProof(r.receipt!.proof, fromHex(r.trackingCode), vkey).index).toBe(r.index);
  // batching: far fewer checkpoints than entries
  expect(new Set(results.map((r) => r.checkpoint)).size).toBeLessThan(N);

  const { ids, checkpoints } = await feed;
  expect(ids).toEqual(indices);
  expect(checkpoints.at(-1)).toBe(first + N);

  // resume with Last-Event-ID: exactly the entries after it
  const resumed = await readEvents(
    `${tb.url}/elections/${ID}/events?view=full`,
    { "Last-Event-ID": String(first + N - 11) },
    (x) => x.length >= 10,
  );
  expect(resumed.ids).toEqual(indices.slice(-10));

  const restarted = await tb.restart();
  tb = restarted;
  const st = await tb.client.status(ID);
  expect(st.size).toBe(first + N);
  expect(st.counts.ballots).toBe(N);
  const lines = await tb.client.leaves(ID, first, first + N);
  const byIndex = new Map(results.map((r) => [r.index, r.trackingCode]));
  lines.forEach((l, k) => expect(toHex(leafHash(utf8(l)))).toBe(byIndex.get(first + k)));
  // the tracking-code index is rebuilt: receipts are served after the restart
  const some = results[17];
  const receipt = await tb.client.receipt(ID, some.trackingCode);
  expect(receipt.index).toBe(some.index);
  expect(verifyTlogProof(receipt.proof, fromHex(some.trackingCode), vkey).index).toBe(some.index);
  // and the restarted board refuses a second vote by the same credential
  const again = await fetch(`${tb.url}/elections/${ID}/entries`, {
    method: "POST",
    body: ballots[5],
  });
  expect(again.status).toBe(409);
  expect(((await again.json()) as { error: { code: string } }).error.code).toBe("DUPLICATE_ENTRY");
});
