/**
 * The one replay (verifier/src/election/replay.ts): fed one stream of leaves, trusted or
 * verified, it gives the state and findings the separate replays gave (parse, then
 * `ElectionState.create`/`apply`, or `precheck` on the parsed value); it parses each leaf once
 * and serialises none of a canonical record again; a leaf that is not its own canonical form is
 * refused by the byte comparison (and the byte reader agrees with serialising, leaf by leaf).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { BallotBody, Entry, TallyBody } from "@urna/schemas";
import { canonicalBytes } from "@urna/schemas";
import { bytesEqual, fromUtf8, toHex, utf8 } from "../src/bytes.js";
import { isCanonicalJsonBytes } from "../src/canonical-form.js";
import { TallyAccumulator } from "../src/crypto/tally.js";
import { Replay, ReplayError } from "../src/election/replay.js";
import { ReplayTally } from "../src/election/replay-tally.js";
import { ElectionState } from "../src/election/state.js";
import { ballotCiphertexts } from "../src/election/tally.js";
import { leafHash } from "../src/log/merkle-hash.js";
import {
  cleanupRecords,
  generateElection,
  type GeneratedElection,
} from "../../tests/fixtures/election.js";

let g: GeneratedElection;
let leaves: Uint8Array[];

const readLeaves = (dir: string): Uint8Array[] =>
  readFileSync(join(dir, "entries.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => utf8(l));

beforeAll(async () => {
  g = await generateElection({
    voters: 6,
    revotePolicy: "last",
    revotes: 2,
    custodians: 3,
    threshold: 2,
    challenged: 1,
    seed: 5,
  });
  leaves = readLeaves(g.dir);
}, 120_000);
afterAll(cleanupRecords);

/** The replay every consumer wrote before: parse, create, apply with the leaf's hash. */
function oldReplay(ls: Uint8Array[]): ElectionState {
  const entries = ls.map((l) => JSON.parse(fromUtf8(l)) as Entry);
  const s = ElectionState.create(entries[0]).state as ElectionState;
  for (let i = 1; i < entries.length; i++) s.apply(entries[i], i, toHex(leafHash(ls[i])));
  return s;
}

describe("one replay, trusted and verified, the same state as the separate replays", () => {
  it("a trusted replay (board start-up, prewarm, actors' views) ends in the same state", () => {
    const r = new Replay({ verify: false });
    for (const leaf of leaves) r.push(leaf);
    expect(r.size).toBe(leaves.length);
    expect(r.state?.phase).toBe("done");
    expect(r.state?.toSnapshot()).toEqual(oldReplay(leaves).toSnapshot());
  });

  it("a verified replay finds nothing on the honest record and ends in the same state", async () => {
    const r = new Replay({ verify: true });
    const findings = [];
    const work = [];
    let tally: ReplayTally | undefined;
    for (const leaf of leaves) {
      const step = r.check(leaf);
      expect(step.form).toEqual({ tooLarge: false });
      findings.push(...step.findings, ...r.commit(step));
      work.push(...(step.pre?.work ?? []));
      const state = r.state as ElectionState;
      if (step.entry?.type === "voting.open") {
        tally = new ReplayTally(new TallyAccumulator(state.manifest));
        r.addSink(tally);
      }
      if (step.entry?.type === "voting.close" && tally) {
        findings.push(
          ...(await tally.subtractSuperseded(state, (i) => Promise.resolve(leaves[i]))),
        );
        state.setComputedTally(tally.acc.toBody().contests);
      }
    }
    expect(findings).toEqual([]);
    // ballots, challenged ballots, shares, results, ceremony: the crypto is handed out
    expect(new Set(work.map((w) => w.kind))).toEqual(
      new Set(["ceremony", "ballot", "ballot.challenged", "decryption.share", "result"]),
    );
    // the same state, and the sum of the counted ballots the verified one was given
    const { computed, ...rest } = (r.state as ElectionState).toSnapshot();
    expect(rest).toEqual(oldReplay(leaves).toSnapshot());
    expect(computed).toEqual(
      (JSON.parse(fromUtf8(leaves[g.at.tally as number])) as Entry<"tally", TallyBody>).body
        .contests,
    );
  });

  it("a replay goes on from a state replayed before (a prewarm taken over)", () => {
    const half = Math.floor(leaves.length / 2);
    const first = new Replay({ verify: false });
    for (const leaf of leaves.slice(0, half)) first.push(leaf);
    const rest = new Replay({ verify: false, state: first.state });
    expect(rest.size).toBe(half);
    for (const leaf of leaves.slice(half)) rest.push(leaf);
    expect(rest.state?.toSnapshot()).toEqual(oldReplay(leaves).toSnapshot());
  });

  it("a trusted replay refuses a bad manifest with the state's findings", () => {
    const bad = utf8(fromUtf8(leaves[1])); // a credentials entry where the manifest must be
    const r = new Replay({ verify: false });
    let err: unknown;
    try {
      r.push(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ReplayError);
    expect((err as ReplayError).findings.map((f) => [f.check, f.code])).toEqual([
      ["V6", "WRONG_PHASE"],
    ]);
    expect(r.state).toBeUndefined();
  });

  it("the findings on a corrupted record are precheck's on the parsed leaf", () => {
    for (const name of ["v11-single-second-ballot", "v5-bad-signature", "v9-unknown-style"]) {
      const ls = readLeaves(new URL(`../../conformance/corpus/${name}/`, import.meta.url).pathname);
      const r = new Replay({ verify: true });
      const old = ElectionState.create(JSON.parse(fromUtf8(ls[0]))).state as ElectionState;
      const got: string[] = [];
      const want: string[] = [];
      for (const [i, leaf] of ls.entries()) {
        const step = r.check(leaf);
        r.commit(step);
        got.push(...step.findings.map((f) => `${f.index} ${f.check} ${f.code}`));
        if (i === 0) continue;
        const pre = old.precheck(JSON.parse(fromUtf8(leaf)), i);
        want.push(...pre.findings.map((f) => `${f.index} ${f.check} ${f.code}`));
        if (pre.admit && pre.entry) old.apply(pre.entry, i);
        else old.skip(i, pre.entry, pre.leafHash && toHex(pre.leafHash));
      }
      expect(got.length, name).toBeGreaterThan(0);
      expect(got, name).toEqual(want);
      expect(r.state?.toSnapshot(), name).toEqual(old.toSnapshot());
    }
  });
});

describe("nothing parsed twice, nothing serialised again", () => {
  it("one JSON.parse per leaf, and no canonicalisation of a canonical leaf", () => {
    const probe = { parsed: 0, canonicalised: 0 };
    const spy = vi.spyOn(JSON, "parse");
    try {
      const trusted = new Replay({
        verify: false,
        probe: { parsed: () => probe.parsed++, canonicalised: () => probe.canonicalised++ },
      });
      for (const leaf of leaves) trusted.push(leaf);
      expect(spy).toHaveBeenCalledTimes(leaves.length);
      spy.mockClear();
      const verified = new Replay({
        verify: true,
        probe: { parsed: () => probe.parsed++, canonicalised: () => probe.canonicalised++ },
      });
      for (const leaf of leaves) verified.commit(verified.check(leaf));
      expect(spy).toHaveBeenCalledTimes(leaves.length);
    } finally {
      spy.mockRestore();
    }
    expect(probe).toEqual({ parsed: 2 * leaves.length, canonicalised: 0 });
  });
});

describe("the canonical form, decided on the bytes", () => {
  const ballotLeaf = (): Uint8Array => {
    const i = g.ballots.find((b) => b.type === "ballot")?.index as number;
    return leaves[i];
  };

  /** Byte-level variants of a canonical leaf, each parsing to JSON. */
  const variants = (leaf: Uint8Array): [string, string][] => {
    const t = fromUtf8(leaf);
    const v = JSON.parse(t) as Record<string, unknown>;
    return [
      ["whitespace after a colon", t.replace('":', '": ')],
      ["a trailing newline", `${t}\n`],
      [
        "members out of order",
        `{"type":${JSON.stringify(v.type)},${t.slice(1).replace(`,"type":${JSON.stringify(v.type)}`, "")}`,
      ],
      ["an escaped slash", t.replace(/"body":\{/, '"body":{"x":"a\\/b",')],
      ["a needless \\u escape", t.replace(/"body":\{/, '"body":{"x":"\\u0041",')],
      ["an upper-case \\u escape", t.replace(/"body":\{/, '"body":{"x":"\\u001F",')],
      ["a short escape written long", t.replace(/"body":\{/, '"body":{"x":"\\u000a",')],
      ["a number with an exponent", t.replace(/"body":\{/, '"body":{"x":1e2,')],
      ["a number with a trailing zero", t.replace(/"body":\{/, '"body":{"x":1.50,')],
      ["minus zero", t.replace(/"body":\{/, '"body":{"x":-0,')],
      ["a duplicate member", t.replace(/"body":\{/, '"body":{"x":1,"x":1,')],
      ["a beyond-precision integer", t.replace(/"body":\{/, '"body":{"x":12345678901234567890,')],
      ["a non-ASCII name", t.replace(/"body":\{/, '"body":{"ñ":1,')],
      ["a lone surrogate", t.replace(/"body":\{/, '"body":{"x":"\\ud800",')],
      // canonical ones the reader must accept
      ["canonical control escape", t.replace(/"body":\{/, '"body":{"X":"\\u001f\\n",')],
      ["canonical numbers", t.replace(/"body":\{/, '"body":{"X":[1e+21,1.5,-2,0.001,1e-7],')],
      ["canonical non-ASCII value", t.replace(/"body":\{/, '"body":{"X":"ñ€😀\\"\\\\",')],
    ];
  };

  it("every leaf of the record is proven canonical on its bytes", () => {
    for (const leaf of leaves) expect(isCanonicalJsonBytes(leaf)).toBe(true);
  });

  it("the byte reader agrees with serialising: never canonical when the bytes are not", () => {
    let accepted = 0;
    for (const [name, text] of variants(ballotLeaf())) {
      const bytes = utf8(text);
      let canonical: boolean;
      try {
        canonical = bytesEqual(canonicalBytes(JSON.parse(text)), bytes);
      } catch {
        canonical = false;
      }
      const proven = isCanonicalJsonBytes(bytes);
      // `true` is a proof; `false` only sends the leaf to the serialising comparison
      if (proven) expect(canonical, name).toBe(true);
      if (name.startsWith("canonical")) {
        expect(canonical, name).toBe(true);
        expect(proven, name).toBe(true);
        accepted++;
      } else expect(canonical, name).toBe(false);
    }
    expect(accepted).toBe(3);
  });

  it("a non-canonical leaf is refused (V4 form) and keyed by its canonical form's hash", () => {
    const leaf = ballotLeaf();
    const i = leaves.indexOf(leaf);
    const bad = utf8(fromUtf8(leaf).replace('":', '": '));
    const probe = { canonicalised: 0 };
    const r = new Replay({ verify: true, probe: { canonicalised: () => probe.canonicalised++ } });
    for (const l of leaves.slice(0, i)) r.commit(r.check(l));
    const step = r.check(bad);
    expect(step.form.nonCanonical).toEqual({});
    expect(probe.canonicalised).toBe(1);
    expect(bytesEqual(step.leafHash, leafHash(bad))).toBe(true);
    expect(bytesEqual(step.entryHash as Uint8Array, leafHash(leaf))).toBe(true);
  });
});

describe("the tally sink", () => {
  it("sums the counted ballots, revotes under `last` taken out", async () => {
    const r = new Replay({ verify: false });
    r.push(leaves[0]);
    const state = r.state as ElectionState;
    const tally = new ReplayTally(new TallyAccumulator(state.manifest));
    r.addSink(tally);
    for (const leaf of leaves.slice(1, (g.at.close as number) + 1)) r.push(leaf);
    const superseded = state.supersededBallots();
    expect(superseded.length).toBe(2);
    const reads: number[] = [];
    const found = await tally.subtractSuperseded(state, (i) => {
      reads.push(i);
      return Promise.resolve(leaves[i]);
    });
    expect(found).toEqual([]);
    expect(reads).toEqual(superseded);
    // each once: settling again reads nothing
    expect(await tally.subtractSuperseded(state, () => Promise.reject(new Error("read")))).toEqual(
      [],
    );
    const want = new TallyAccumulator(state.manifest);
    for (const i of state.countedBallots())
      want.add(ballotCiphertexts((JSON.parse(fromUtf8(leaves[i])) as Entry).body as BallotBody));
    expect(tally.acc.ballots).toBe(state.countedBallots().length);
    expect(tally.acc.toBody()).toEqual(want.toBody());
    // and it is the tally posted on the record
    const posted = JSON.parse(fromUtf8(leaves[g.at.tally as number])) as Entry;
    expect(tally.acc.toBody().contests).toEqual(
      expect.arrayContaining((posted.body as { contests: unknown[] }).contests.slice(0, 1)),
    );
  });
});
