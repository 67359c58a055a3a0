/**
 * The voter's receipt check (R1-R5, spec/verification.md §Receipt check) on generated records,
 * read from the folder and from a board over real HTTP: valid receipts pass, each kind of
 * tampering fails the right step, a superseded ballot under `last` fails R5, and before
 * `voting.close` R5 is pending.
 */
import { humanTrackingCodeOf } from "../../src/log/tracking-code.js";
import { createServer, type Server } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Entry, Receipt } from "@urna/schemas";
import {
  verifyReceipt,
  ReceiptError,
  type ReceiptOutcome,
} from "../../src/receipt/verify-receipt.js";
import { folderSource } from "../../src/record/folder-node.js";
import { boardSource } from "../../src/record/http.js";
import { toBase64 } from "../../src/bytes.js";
import { leafHash } from "../../src/log/merkle-hash.js";
import { MemoryTree, consistencyProof, inclusionProof } from "../../src/log/merkle.js";
import {
  ORIGIN,
  cleanupRecords,
  copyRecord,
  generateElection,
  readEntries,
  resign,
  unpinned,
  writeEntries,
  type GeneratedElection,
} from "../../../tests/fixtures/election.js";

let single: GeneratedElection;
let last: GeneratedElection;
let open: GeneratedElection;
let server: Server;
let url: string;

/**
 * A minimal board read API (spec/api.md) over a record folder: checkpoint, entries, inclusion and
 * consistency proofs, and the credential lookup. It serves whatever the folder holds, so a
 * tampered, re-signed folder makes it a malicious board that is consistent with itself.
 */
function serve(dir: () => string): Promise<string> {
  server = createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://x");
    const m = u.pathname.match(
      /^\/elections\/(mx-2024-test)\/(checkpoint|entries|proof\/consistency|proof\/inclusion|credentials)(?:\/([0-9a-f]+))?$/,
    );
    if (!m) {
      res.writeHead(404).end('{"error":{"code":"NOT_FOUND","message":"no"}}');
      return;
    }
    const lines = readFileSync(join(dir(), "entries.jsonl"), "utf8").split("\n").slice(0, -1);
    const tree = () => new MemoryTree(lines.map((l) => leafHash(new TextEncoder().encode(l))));
    const json = (v: unknown) =>
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(v));
    if (m[2] === "proof/consistency") {
      const from = Number(u.searchParams.get("from"));
      const to = Number(u.searchParams.get("to"));
      json({ from, to, proof: consistencyProof(from, to, tree().node).map(toBase64) });
    } else if (m[2] === "proof/inclusion") {
      const index = Number(u.searchParams.get("index"));
      const size = Number(u.searchParams.get("size"));
      json({ index, size, proof: inclusionProof(index, size, tree().node).map(toBase64) });
    } else if (m[2] === "credentials") {
      const t = tree();
      const n = lines.length;
      const key = Buffer.from(m[3] ?? "", "hex").toString("base64");
      const proven = (index: number) => ({
        index,
        leaf: lines[index],
        proof: inclusionProof(index, n, t.node).map(toBase64),
      });
      const types = lines.map((l) => JSON.parse(l) as { type: string; signer: string });
      const at = (type: string) => types.findIndex((e) => e.type === type);
      json({
        size: n,
        checkpoint: readFileSync(join(dir(), "checkpoint"), "utf8"),
        credential: key,
        manifest: proven(0),
        open: at("voting.open") >= 0 ? proven(at("voting.open")) : null,
        close: at("voting.close") >= 0 ? proven(at("voting.close")) : null,
        ballots: types.flatMap((e, i) =>
          e.type === "ballot" && e.signer === key ? [proven(i)] : [],
        ),
      });
    } else if (m[2] === "checkpoint") {
      res
        .writeHead(200, { "content-type": "text/plain" })
        .end(readFileSync(join(dir(), "checkpoint")));
    } else if (m[3] !== undefined) {
      const i = Number(m[3]);
      if (i >= lines.length) res.writeHead(404).end();
      else res.writeHead(200).end(lines[i]);
    } else {
      const start = Number(u.searchParams.get("start"));
      const end = Math.min(Number(u.searchParams.get("end")), lines.length);
      res.writeHead(200, { "content-type": "application/x-ndjson" }).end(
        lines
          .slice(start, end)
          .map((l) => l + "\n")
          .join(""),
      );
    }
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}

let servedDir = "";

afterAll(cleanupRecords);

beforeAll(async () => {
  [single, last, open] = await Promise.all([
    generateElection({
      voters: 6,
      revotePolicy: "single",
      custodians: 3,
      threshold: 2,
      challenged: 1,
      seed: 3,
    }),
    generateElection({
      voters: 6,
      revotePolicy: "last",
      revotes: 2,
      custodians: 3,
      threshold: 2,
      challenged: 1,
      seed: 4,
    }),
    generateElection({
      voters: 4,
      stopWhileVoting: true,
      custodians: 3,
      threshold: 2,
      challenged: 0,
      seed: 5,
    }),
  ]);
  servedDir = single.dir;
  url = await serve(() => servedDir);
}, 120_000);

afterAll(() => new Promise<void>((r) => server.close(() => r())));

const status = (o: ReceiptOutcome) => o.steps.map((s) => `${s.id}:${s.status}`).join(" ");
const receiptOf = (
  g: GeneratedElection,
  pick: (b: GeneratedElection["ballots"][number]) => boolean,
): Receipt => {
  const k = g.ballots.findIndex(pick);
  expect(k).toBeGreaterThanOrEqual(0);
  return structuredClone(g.receipts[k]);
};

describe("urna-verify receipt", () => {
  it("a counted ballot's receipt passes R1-R5, from the folder and from the board", async () => {
    const receipt = receiptOf(single, (b) => b.type === "ballot" && b.counted);
    const a = await verifyReceipt({
      receipt,
      source: folderSource(single.dir),
      trust: single.trust,
    });
    expect(status(a), JSON.stringify(a.steps)).toBe("R1:pass R2:pass R3:pass R4:pass R5:pass");
    expect(a.ok).toBe(true);
    expect(a.currentSize).toBe(single.at.size);
    servedDir = single.dir;
    const b = await verifyReceipt({ receipt, board: { url }, trust: single.trust });
    expect(status(b), JSON.stringify(b.steps)).toBe("R1:pass R2:pass R3:pass R4:pass R5:pass");
    // With the entry attached, as a voter's device keeps it.
    const entry = readEntries(single.dir)[receipt.index];
    const c = await verifyReceipt({
      receipt: { ...receipt, entry },
      source: folderSource(single.dir),
      trust: single.trust,
    });
    expect(c.ok).toBe(true);
  });

  it("a challenged ballot is present but never counted (R5 fails, by design)", async () => {
    const receipt = receiptOf(single, (b) => b.type === "ballot.challenged");
    const o = await verifyReceipt({
      receipt,
      source: folderSource(single.dir),
      trust: single.trust,
    });
    expect(status(o)).toBe("R1:pass R2:pass R3:pass R4:pass R5:fail");
    expect(o.steps[4].message).toContain("challenged");
  });

  it("a tampered receipt fails the right step", async () => {
    const good = receiptOf(single, (b) => b.type === "ballot" && b.counted);
    const src = () => folderSource(single.dir);
    // R2: another tracking code (a ballot the voter did not cast)
    const other = receiptOf(single, (b) => b.type === "ballot" && b.index !== good.index);
    const r2 = await verifyReceipt({
      receipt: { ...good, trackingCode: other.trackingCode },
      source: src(),
      trust: single.trust,
    });
    expect(r2.steps[0].status).toBe("pass");
    expect(r2.steps[1].status).toBe("fail");
    expect(r2.steps[3].status).toBe("fail"); // and that leaf is not at this index
    expect(r2.ok).toBe(false);
    // R2: the index changed
    const r2b = await verifyReceipt({
      receipt: { ...good, index: good.index + 1 },
      source: src(),
      trust: single.trust,
    });
    expect(r2b.steps[1]).toMatchObject({ status: "fail" });
    expect(r2b.steps[1].message).toContain("the proof is for index");
    // R2: an attached entry that is not the ballot
    const wrongEntry = readEntries(single.dir)[other.index];
    const r2c = await verifyReceipt({
      receipt: { ...good, entry: wrongEntry },
      source: src(),
      trust: single.trust,
    });
    expect(r2c.steps[1].message).toContain("does not hash to its tracking code");
    // R2: a human code (what the voter reads) that is not the tracking code's
    const human = humanTrackingCodeOf(good.trackingCode);
    const withCode = await verifyReceipt({
      receipt: { ...good, humanCode: human },
      source: src(),
      trust: single.trust,
    });
    expect(withCode.ok).toBe(true);
    const wrongCode = humanTrackingCodeOf(other.trackingCode);
    const r2d = await verifyReceipt({
      receipt: { ...good, humanCode: wrongCode },
      source: src(),
      trust: single.trust,
    });
    expect(r2d.steps[1]).toMatchObject({ status: "fail" });
    expect(r2d.steps[1].message).toBe(
      `the receipt's human code ${wrongCode} is not its tracking code's ${human}`,
    );
    // R1: the checkpoint's signature altered
    const lines = good.proof.split("\n");
    const sigLine = lines.findIndex((l) => l.startsWith(`\u2014 ${ORIGIN} `));
    const sig = Buffer.from(lines[sigLine].split(" ")[2], "base64");
    sig[10] ^= 1;
    lines[sigLine] = `\u2014 ${ORIGIN} ${sig.toString("base64")}`;
    const r1 = await verifyReceipt({
      receipt: { ...good, proof: lines.join("\n") },
      source: src(),
      trust: single.trust,
    });
    expect(r1.steps[0].status).toBe("fail");
    expect(r1.steps[0].message).toContain("INVALID_SIGNATURE");
    // R1: cosignatures stripped
    const noWitness = good.proof
      .split("\n")
      .filter((l) => !l.startsWith("\u2014 witness"))
      .join("\n");
    const r1b = await verifyReceipt({
      receipt: { ...good, proof: noWitness },
      source: src(),
      trust: single.trust,
    });
    expect(r1b.steps[0]).toMatchObject({ status: "fail" });
    expect(r1b.steps[0].message).toContain("witness");
    // R1-R3: a proof that does not parse
    const garbled = await verifyReceipt({
      receipt: { ...good, proof: "c2sp.org/tlog-proof@v1\nindex 01\n\nnot a checkpoint\n" },
      source: src(),
      trust: single.trust,
    });
    expect(garbled.steps.slice(0, 3).map((s) => s.status)).toEqual(["fail", "fail", "fail"]);
    expect(garbled.steps[3].status).toBe("pass"); // the ballot itself is still there
    // Not a receipt at all: bad input, not a failed step
    await expect(
      verifyReceipt({
        receipt: { ...good, trackingCode: "XYZ" },
        source: src(),
        trust: single.trust,
      }),
    ).rejects.toBeInstanceOf(ReceiptError);
  });

  it("a board that dropped the ballot after the receipt fails R3 and R4", async () => {
    const receipt = receiptOf(single, (b) => b.type === "ballot" && b.counted);
    const dir = copyRecord(single.dir);
    const entries = readEntries(dir);
    entries.splice(receipt.index, 1);
    writeEntries(dir, entries);
    resign(dir, single.keys.board, single.keys.witnesses);
    const o = await verifyReceipt({ receipt, source: folderSource(dir), trust: single.trust });
    expect(o.steps[0].status).toBe("pass");
    expect(o.steps[1].status).toBe("pass");
    expect(o.steps[2]).toMatchObject({ status: "fail" });
    expect(o.steps[2].message).toContain("the log was changed");
    expect(o.steps[3].status).toBe("fail");
    // Served over HTTP too.
    servedDir = dir;
    const h = await verifyReceipt({ receipt, board: { url }, trust: single.trust });
    expect(h.mode).toBe("lookup");
    expect(h.steps[2].status).toBe("fail");
    expect(h.steps[2].message).toContain("no valid consistency proof");
    expect(h.steps[3].status).toBe("fail");
    const hs = await verifyReceipt({ receipt, board: { url, mode: "scan" }, trust: single.trust });
    expect(hs.mode).toBe("record");
    expect(hs.steps[2]).toMatchObject({ status: "fail" });
    expect(hs.steps[2].message).toContain("consistency proof from");
    expect(hs.steps[3].status).toBe("fail");
    servedDir = single.dir;
  });

  it("under `last`, a superseded ballot fails R5 and the credential's last ballot passes", async () => {
    const voters = new Map<number, number>();
    for (const b of last.ballots)
      if (b.type === "ballot") voters.set(b.voter, (voters.get(b.voter) ?? 0) + 1);
    const revoter = [...voters].find(([, n]) => n === 2)![0];
    const first = receiptOf(last, (b) => b.type === "ballot" && b.voter === revoter && !b.counted);
    const second = receiptOf(last, (b) => b.type === "ballot" && b.voter === revoter && b.counted);
    const o1 = await verifyReceipt({
      receipt: first,
      source: folderSource(last.dir),
      trust: last.trust,
    });
    expect(status(o1)).toBe("R1:pass R2:pass R3:pass R4:pass R5:fail");
    expect(o1.steps[4].message).toContain(
      `superseded under "last" by the credential's later ballot at entry ${second.index}`,
    );
    const o2 = await verifyReceipt({
      receipt: second,
      source: folderSource(last.dir),
      trust: last.trust,
    });
    expect(status(o2)).toBe("R1:pass R2:pass R3:pass R4:pass R5:pass");
  });

  it("a receipt from a fabricated election (same authority, board, witnesses) fails R5 with the pinned trust file", async () => {
    const fab = await generateElection({
      voters: 4,
      custodians: 3,
      threshold: 2,
      challenged: 0,
      seed: 12,
      reuse: single.keys,
    });
    const receipt = receiptOf(fab, (b) => b.type === "ballot" && b.counted);
    // With only the authority pinned (version 1) it passes: the fabrication is undetectable.
    const weak = await verifyReceipt({
      receipt,
      source: folderSource(fab.dir),
      trust: unpinned(single.trust),
    });
    expect(status(weak)).toBe("R1:pass R2:pass R3:pass R4:pass R5:pass");
    const a = await verifyReceipt({ receipt, source: folderSource(fab.dir), trust: single.trust });
    expect(status(a)).toBe("R1:pass R2:pass R3:pass R4:pass R5:fail");
    expect(a.steps[4].message).toContain("the trust file pins");
    servedDir = fab.dir;
    try {
      const b = await verifyReceipt({ receipt, board: { url }, trust: single.trust });
      expect(status(b), JSON.stringify(b.steps)).toBe("R1:pass R2:pass R3:pass R4:pass R5:fail");
      expect(b.steps[4].message).toContain("the trust file pins");
    } finally {
      servedDir = single.dir;
    }
  });

  it("before voting.close, R5 is pending and the receipt is ok", async () => {
    const receipt = receiptOf(open, (b) => b.type === "ballot");
    const o = await verifyReceipt({ receipt, source: folderSource(open.dir), trust: open.trust });
    expect(status(o)).toBe("R1:pass R2:pass R3:pass R4:pass R5:pending");
    expect(o.ok).toBe(true);
  });

  it("reads a board in pages", async () => {
    servedDir = single.dir;
    const src = boardSource({ url, election: single.trust.election, pageSize: 7 });
    const got: string[] = [];
    for await (const l of src.leaves()) got.push(new TextDecoder().decode(l));
    expect(got).toEqual(
      readFileSync(join(single.dir, "entries.jsonl"), "utf8").split("\n").slice(0, -1),
    );
    const some: string[] = [];
    for await (const l of src.leaves(5, 16)) some.push(new TextDecoder().decode(l));
    expect(some).toEqual(got.slice(5, 16));
    expect(JSON.parse(new TextDecoder().decode(await src.leaf!(3))) as Entry).toEqual(
      JSON.parse(got[3]),
    );
    await expect(boardSource({ url, election: "nope" }).checkpoint()).rejects.toMatchObject({
      code: "HTTP_ERROR",
    });
  });
});
