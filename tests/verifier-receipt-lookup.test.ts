/**
 * The voter's receipt check against a real board over HTTP in "lookup" mode
 * (spec/verification.md §Receipt check, spec/api.md §Credential lookup): it reads a handful of
 * small proven answers, never the entries range; counted, superseded (`last`), challenged and
 * pending ballots get the right R5; tampered receipts fail the right step; a board whose lookup
 * lies is caught when its answer is not proven, and, where a Merkle log cannot prove absence
 * (a hidden later ballot), only the record mode catches it — the limit the spec states.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Receipt, TrustFile } from "@urna/schemas";
import {
  type BoardClient,
  castBallot,
  closeVoting,
  createElection,
  type VoterCredential,
} from "../board/src/actors/index.js";
import {
  manifestFor,
  newActors,
  openElection,
  removeDir,
  startBoard,
  type TestBoard,
} from "../board/test/server/helpers.js";
import { verifyReceipt, type ReceiptOutcome } from "../verifier/src/receipt/verify-receipt.js";
import type { CredentialLookup } from "../verifier/src/receipt/lookup.js";
import type { Fetch, FetchResponse } from "../verifier/src/record/http.js";
import { runVerifyCli } from "./fixtures/verify-cli.js";
import { humanTrackingCodeOf } from "../verifier/src/log/tracking-code.js";
import { fetchReceiptByCode } from "../verifier/src/receipt/by-code.js";

let tb: TestBoard;
const id = "mx-2024-lookup";
const openId = "mx-2024-still-open";
let trust: TrustFile;
let openTrust: TrustFile;
const r: Record<"challenged" | "counted" | "superseded" | "last" | "other" | "open", Receipt> =
  {} as never;

const trustFor = (e: string, authority: string): TrustFile => ({
  version: 1,
  election: e,
  board: { vkey: tb.board.electionVkey(e) },
  authority,
  witnesses: [],
  quorum: 0,
});

beforeAll(async () => {
  tb = await startBoard({ workers: 1 });
  const client = tb.client as BoardClient;
  const a = newActors(3);
  await createElection(
    client,
    manifestFor(id, a, { threshold: 2, revotePolicy: "last" }),
    a.authority.secretKey,
  );
  const { creds } = await openElection(tb.client, id, a, 3);
  const cast = (c: VoterCredential, choices: Record<string, string[]>, challengeFirst = false) =>
    castBallot(client, c, choices, { challengeFirst });
  const first = await cast(creds[0], { presidencia: ["mc"], "senaduria-09": ["a"] }, true);
  r.challenged = first.challenged!.receipt as Receipt;
  r.counted = first.cast.receipt as Receipt;
  r.superseded = (await cast(creds[1], { presidencia: ["mc"], "senaduria-14": ["x"] })).cast
    .receipt as Receipt;
  r.other = (await cast(creds[2], { presidencia: ["mc"], "senaduria-09": ["b"] })).cast
    .receipt as Receipt;
  r.last = (await cast(creds[1], { presidencia: ["pan-pri-prd"], "senaduria-14": ["y"] })).cast
    .receipt as Receipt;
  await closeVoting(client, id, a.authority.secretKey);
  trust = trustFor(id, a.authority.publicKey);

  const b = newActors(3);
  await createElection(client, manifestFor(openId, b, { threshold: 2 }), b.authority.secretKey);
  const o = await openElection(tb.client, openId, b, 1);
  r.open = (await cast(o.creds[0], { presidencia: ["mc"], "senaduria-09": ["a"] })).cast
    .receipt as Receipt;
  openTrust = trustFor(openId, b.authority.publicKey);
}, 180_000);

afterAll(async () => {
  await tb?.close();
  if (tb) removeDir(tb.dir);
});

const status = (o: ReceiptOutcome) => o.steps.map((s) => `${s.id}:${s.status}`).join(" ");

/** A fetch that records every request and the bytes answered. */
function recording(): { fetch: Fetch; urls: string[]; bytes: () => number } {
  const urls: string[] = [];
  let bytes = 0;
  return {
    urls,
    bytes: () => bytes,
    fetch: async (url, init) => {
      urls.push(url);
      const res = await globalThis.fetch(url, init);
      const body = new Uint8Array(await res.arrayBuffer());
      bytes += body.length;
      return new Response(body, { status: res.status }) as unknown as FetchResponse;
    },
  };
}

/** A fetch that rewrites the board's credential lookup answer: a lying board. */
function lyingLookup(edit: (l: CredentialLookup) => CredentialLookup): Fetch {
  return async (url, init) => {
    const res = await globalThis.fetch(url, init);
    if (!url.includes("/credentials/")) return res as unknown as FetchResponse;
    const body = edit((await res.json()) as CredentialLookup);
    return new Response(JSON.stringify(body), { status: 200 }) as unknown as FetchResponse;
  };
}

describe("the board's credential lookup route", () => {
  it("answers with proven entries, an empty list for an unknown key, and errors per spec/api.md", async () => {
    const base = `${tb.url}/elections/${id}/credentials/`;
    const entry = await tb.client.entry(id, r.last.index);
    const hex = Buffer.from(entry.signer, "base64").toString("hex");
    const ok = await fetch(base + hex);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe("*");
    const l = (await ok.json()) as CredentialLookup;
    expect(l.credential).toBe(entry.signer);
    expect(l.ballots.map((b) => b.index)).toEqual([r.superseded.index, r.last.index]);
    expect(l.open && l.close && l.close.index > l.open.index).toBe(true);
    expect(JSON.parse(l.manifest.leaf).type).toBe("manifest");
    const unknown = (await (await fetch(base + "ab".repeat(32))).json()) as CredentialLookup;
    expect(unknown.ballots).toEqual([]);
    const bad = await fetch(base + "xyz");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
    const none = await fetch(`${tb.url}/elections/nope/credentials/${hex}`);
    expect(none.status).toBe(404);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe(
      "UNKNOWN_ELECTION",
    );
  });
});

describe("receipt check against a board, from proofs only", () => {
  it("a counted ballot passes R1-R5 without reading the entries range", async () => {
    const rec = recording();
    const o = await verifyReceipt({
      receipt: r.counted,
      board: { url: tb.url, fetch: rec.fetch },
      trust,
    });
    expect(status(o), JSON.stringify(o.steps)).toBe("R1:pass R2:pass R3:pass R4:pass R5:pass");
    expect(o.mode).toBe("lookup");
    expect(o.steps[4].message).toContain("counts");
    const paths = rec.urls.map((u) => new URL(u).pathname + new URL(u).search);
    // Never the entries range, an entry bundle or the record; only the receipt's own leaf.
    expect(paths.filter((p) => /\/entries\?|\/tile\/|\/record/.test(p))).toEqual([]);
    expect(paths).toContain(`/elections/${id}/entries/${r.counted.index}`);
    expect(paths.some((p) => p.startsWith(`/elections/${id}/credentials/`))).toBe(true);
    expect(paths.some((p) => p.startsWith(`/elections/${id}/proof/consistency?from=`))).toBe(true);
    expect(paths.length).toBeLessThanOrEqual(4);
    // A few KB whatever the log's size: no ballot but the voter's own.
    expect(rec.bytes()).toBeLessThan(64 * 1024);
  });

  it("with the entry attached to the receipt, the leaf is not fetched either", async () => {
    const entry = await tb.client.entry(id, r.counted.index);
    const rec = recording();
    const o = await verifyReceipt({
      receipt: { ...r.counted, entry },
      board: { url: tb.url, fetch: rec.fetch },
      trust,
    });
    expect(o.ok).toBe(true);
    expect(rec.urls.filter((u) => u.includes("/entries"))).toEqual([]);
  });

  it("a ballot superseded under `last` is reported as not counted; the later one counts", async () => {
    const o = await verifyReceipt({ receipt: r.superseded, board: { url: tb.url }, trust });
    expect(status(o)).toBe("R1:pass R2:pass R3:pass R4:pass R5:fail");
    expect(o.steps[4].message).toContain(
      `superseded under "last" by the credential's later ballot at entry ${r.last.index}`,
    );
    const l = await verifyReceipt({ receipt: r.last, board: { url: tb.url }, trust });
    expect(status(l)).toBe("R1:pass R2:pass R3:pass R4:pass R5:pass");
  });

  it("a challenged ballot is reported as not counted", async () => {
    const o = await verifyReceipt({ receipt: r.challenged, board: { url: tb.url }, trust });
    expect(status(o)).toBe("R1:pass R2:pass R3:pass R4:pass R5:fail");
    expect(o.steps[4].message).toContain("challenged");
  });

  it("before voting.close, R5 is pending", async () => {
    const o = await verifyReceipt({ receipt: r.open, board: { url: tb.url }, trust: openTrust });
    expect(status(o)).toBe("R1:pass R2:pass R3:pass R4:pass R5:pending");
    expect(o.ok).toBe(true);
  });

  it("a tampered receipt fails the right step", async () => {
    const board = { url: tb.url };
    // Another voter's tracking code at this index: not in the receipt's tree, not this leaf.
    const t1 = await verifyReceipt({
      receipt: { ...r.counted, trackingCode: r.other.trackingCode },
      board,
      trust,
    });
    expect(t1.steps[0].status).toBe("pass");
    expect(t1.steps[1].status).toBe("fail");
    expect(t1.steps[3].status).toBe("fail");
    expect(t1.steps[4].message).toContain("the board serves another entry at index");
    expect(t1.ok).toBe(false);
    // The index moved.
    const t2 = await verifyReceipt({
      receipt: { ...r.counted, index: r.other.index },
      board,
      trust,
    });
    expect(t2.steps[1].message).toContain("the proof is for index");
    expect(t2.steps[3].status).toBe("fail");
    // The receipt's checkpoint signature altered.
    const lines = r.counted.proof.split("\n");
    const k = lines.findIndex((l) => l.startsWith("\u2014 "));
    const parts = lines[k].split(" ");
    const sig = Buffer.from(parts[2], "base64");
    sig[12] ^= 1;
    lines[k] = `${parts[0]} ${parts[1]} ${sig.toString("base64")}`;
    const t3 = await verifyReceipt({
      receipt: { ...r.counted, proof: lines.join("\n") },
      board,
      trust,
    });
    expect(t3.steps[0].status).toBe("fail");
    expect(t3.steps[2].status).toBe("fail"); // no trusted tree to be consistent with
    expect(t3.steps[0].message).toContain("INVALID_SIGNATURE");
    // A receipt for another election's board key.
    const t4 = await verifyReceipt({ receipt: r.counted, board, trust: openTrust });
    expect(t4.steps[0].status).toBe("fail");
  });

  it("a lookup answer that is not proven, or leaves out the ballot itself, fails R5", async () => {
    const check = async (edit: (l: CredentialLookup) => CredentialLookup) =>
      verifyReceipt({
        receipt: r.counted,
        board: { url: tb.url, fetch: lyingLookup(edit) },
        trust,
      });
    const omit = await check((l) => ({ ...l, ballots: [] }));
    expect(omit.steps[4]).toMatchObject({ status: "fail" });
    expect(omit.steps[4].message).toContain("leaves out this very ballot");
    const badProof = await check((l) => ({
      ...l,
      ballots: l.ballots.map((b) => ({ ...b, proof: [...b.proof].reverse() })),
    }));
    expect(badProof.steps[4].message).toContain("is not proven");
    const noOpen = await check((l) => ({ ...l, open: null }));
    expect(noOpen.steps[4].message).toContain("not after voting.open");
    const fakeClose = await check((l) => ({ ...l, close: { ...l.manifest, index: 1 } }));
    expect(fakeClose.steps[4].message).toContain("voting.close (entry 1) is not proven");
    const otherCredential = await check((l) => ({
      ...l,
      ballots: [...l.ballots, { ...l.manifest }],
    }));
    expect(otherCredential.steps[4].message).toContain("not a ballot of this credential");
    // The honest answer, through the same path, passes.
    expect((await check((l) => l)).ok).toBe(true);
  });

  it("a later ballot hidden from the lookup is not caught from proofs alone, only by the record", async () => {
    const hide = lyingLookup((l) => ({
      ...l,
      ballots: l.ballots.filter((b) => b.index !== r.last.index),
    }));
    const fooled = await verifyReceipt({
      receipt: r.superseded,
      board: { url: tb.url, fetch: hide },
      trust,
    });
    // The limit spec/verification.md states: absence cannot be proven in a Merkle log.
    expect(fooled.steps[4].status).toBe("pass");
    const scan = await verifyReceipt({
      receipt: r.superseded,
      board: { url: tb.url, fetch: hide, mode: "scan" },
      trust,
    });
    expect(scan.mode).toBe("record");
    expect(scan.steps[4].status).toBe("fail");
    expect(scan.steps[4].message).toContain("superseded");
  });
});

describe("urna-verify receipt --board", () => {
  const run = runVerifyCli;

  it("checks from proofs by default and reads the log with --scan; exit 0 counted, 1 superseded, 2 misuse", async () => {
    const dir = mkdtempSync(join(tmpdir(), "urna-cli-receipt-"));
    try {
      const trustPath = join(dir, "trust.json");
      writeFileSync(trustPath, JSON.stringify(trust));
      const file = (name: string, rc: Receipt) => {
        const p = join(dir, name);
        writeFileSync(p, JSON.stringify(rc));
        return p;
      };
      const counted = file("counted.json", r.counted);
      const superseded = file("superseded.json", r.superseded);
      const ok = await run(["receipt", counted, "--board", tb.url, "--trust", trustPath, "--json"]);
      expect(ok.code, ok.stderr).toBe(0);
      expect((JSON.parse(ok.stdout) as ReceiptOutcome).mode).toBe("lookup");
      const scan = await run([
        "receipt",
        counted,
        "--board",
        tb.url,
        "--scan",
        "--trust",
        trustPath,
        "--json",
      ]);
      expect(scan.code, scan.stderr).toBe(0);
      expect((JSON.parse(scan.stdout) as ReceiptOutcome).mode).toBe("record");
      const bad = await run(["receipt", superseded, "--board", tb.url, "--trust", trustPath]);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(/R5 .*FAIL/);
      const misuse = await run([
        "receipt",
        counted,
        "--record",
        dir,
        "--scan",
        "--trust",
        trustPath,
      ]);
      expect(misuse.code).toBe(2);
      expect(misuse.stderr).toContain("--scan goes with --board");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("accepts a tracking code, human or hex, instead of the receipt file (through the board's receipt route)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "urna-cli-code-"));
    try {
      const trustPath = join(dir, "trust.json");
      writeFileSync(trustPath, JSON.stringify(trust));
      const human = humanTrackingCodeOf(r.counted.trackingCode);
      const [short, withRecord] = await Promise.all([
        run([
          "receipt",
          human.toLowerCase().replace(/-/g, " "),
          "--board",
          tb.url,
          "--trust",
          trustPath,
        ]),
        run(["receipt", human, "--record", dir, "--trust", trustPath]),
      ]);
      expect(short.code, short.stderr).toBe(0);
      expect(short.stdout.split("\n")[0]).toBe(`tracking code ${human}`);
      expect(short.stdout).toMatch(/R5 Counted\s+pass/);
      expect(short.stdout).toContain("Receipt verified.");
      expect(withRecord.code).toBe(2);
      expect(withRecord.stderr).toContain("give --board URL");
      // the same lookup in-process: the hex form, a superseded ballot, and a code of no ballot
      const byCode = async (code: string) =>
        verifyReceipt({
          receipt: await fetchReceiptByCode({ url: tb.url, election: id, code }),
          trust,
          board: { url: tb.url, election: id },
        });
      expect((await byCode(r.counted.trackingCode.toUpperCase())).ok).toBe(true);
      const sup = await byCode(humanTrackingCodeOf(r.superseded.trackingCode));
      expect(sup.steps[4].status).toBe("fail");
      await expect(
        fetchReceiptByCode({ url: tb.url, election: id, code: "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF" }),
      ).rejects.toThrow(
        `the board has no ballot with tracking code AAAA-BBBB-CCCC-DDDD-EEEE-FFFF in election ${id}`,
      );
      await expect(
        fetchReceiptByCode({ url: tb.url, election: id, code: "0AAA-BBBB-CCCC-DDDD-EEEE-FFFF" }),
      ).rejects.toThrow("0, 1, 8 and 9 never appear");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
