/**
 * Every refusal of spec/api.md over real HTTP: status, stable error code, and the log's size
 * unchanged. One election is driven through every phase so that each refusal is tried where it
 * applies.
 */
import { join } from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type {
  BallotBody,
  ChallengedBallotBody,
  CredentialsBody,
  DecryptionShareBody,
  Entry,
  Manifest,
  ResultBody,
  TallyBody,
} from "@urna/schemas";
import {
  DiscreteLog,
  decodeElement,
  fromBase64,
  leafHash,
  scalarToBase64,
  toBase64,
  toHex,
  utf8,
} from "@urna/verifier";
import {
  closeVoting,
  createElection,
  generateCredentials,
  loadElection,
  loadVotingView,
  openVoting,
  postCertify,
  postDecryptionShare,
  postElectionKey,
  postRound1,
  postTally,
  publishCredentials,
  type CustodianStateFile,
} from "../../src/actors/index.js";
import { challengeBallot, computeResult, encryptBallot } from "../../src/crypto/index.js";
import { signEntry } from "../../src/entry-sign.js";
import { encryptWithNonces } from "../crypto/with-nonces.js";
import { SharedSignerState, checkpointOrigin } from "../../src/log/index.js";
import {
  type Actors,
  manifestFor,
  newActors,
  newKey,
  removeDir,
  startBoard,
  type TestBoard,
} from "./helpers.js";

let tb: TestBoard;
const ID = "rechazos";
let a: Actors;
let manifest: Manifest;

beforeAll(async () => {
  tb = await startBoard({ workers: 1 });
  a = newActors(3);
  manifest = manifestFor(ID, a, { threshold: 2, revotePolicy: "single" });
});
afterAll(async () => {
  await tb?.close();
  removeDir(tb.dir);
});

const size = async (id = ID): Promise<number> => (await tb.client.status(id)).size;

/** POSTs `body` (object or raw text/bytes) and expects the refusal; the log size must not change. */
async function refuse(
  body: unknown,
  status: number,
  code: string,
  opts: { path?: string; route?: string; errorPath?: string; message?: RegExp } = {},
): Promise<void> {
  const route = opts.route ?? `/elections/${ID}/entries`;
  const known = tb.board.elections.has(ID);
  const before = known ? await size() : 0;
  const elections = tb.board.elections.size;
  const payload =
    typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body);
  const res = await fetch(tb.url + route, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: payload,
  });
  const j = (await res.json()) as { error: { code: string; message: string; path?: string } };
  expect({ status: res.status, code: j.error?.code }).toEqual({ status, code });
  expect(typeof j.error.message).toBe("string");
  if (opts.errorPath !== undefined) expect(j.error.path).toBe(opts.errorPath);
  if (opts.message !== undefined) expect(j.error.message).toMatch(opts.message);
  if (known) expect(await size()).toBe(before);
  expect(tb.board.elections.size).toBe(elections);
}

async function refuseGet(path: string, status: number, code: string): Promise<void> {
  const res = await fetch(tb.url + path);
  expect(res.status).toBe(status);
  const j = (await res.json()) as { error: { code: string } };
  expect(j.error.code).toBe(code);
}

const sign = <T extends Entry["type"]>(
  type: T,
  body: unknown,
  key: Uint8Array,
  election = ID,
): Entry => signEntry(type, election, body as never, key) as Entry;

describe("refusals, phase by phase", () => {
  let states: CustodianStateFile[] = [];
  let creds: ReturnType<typeof generateCredentials> = [];
  let firstBallot: Entry;

  test("creation: body, JSON, schema, canonical form, size, manifest rules, signature", async () => {
    const route = "/elections";
    const good = sign("manifest", manifest, a.authority.secretKey);
    await refuse("{not json", 400, "BAD_JSON", { route });
    // the parser's message quotes the body: its control and bidi characters come back escaped
    await refuse("\u001b[31m{\u202e", 400, "BAD_JSON", {
      route,
      message: /^(?![\s\S]*[\u0000-\u001f\u007f-\u009f\u202e])[\s\S]*\\u\{001B\}/u,
    });
    await refuse("", 400, "BAD_JSON", { route });
    await refuse(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 400, "BAD_JSON", { route });
    await refuse(" ".repeat(80 * 1024) + "{}", 413, "ENTRY_TOO_LARGE", { route });
    const { signature: _s, ...unsigned } = good;
    void _s;
    await refuse(unsigned, 400, "SCHEMA_INVALID", { route, errorPath: "/signature" });
    await refuse({ ...good, body: { ...manifest, threshold: "3" } }, 400, "SCHEMA_INVALID", {
      route,
      errorPath: "/body/threshold",
    });
    await refuse({ ...good, extra: 1 }, 400, "SCHEMA_INVALID", { route, errorPath: "/extra" });
    await refuse([good], 400, "SCHEMA_INVALID", { route });
    // display strings (protocol.md §2): no control or bidi character in a title, label or name
    const display = (edit: (m: Manifest) => void): Entry => {
      const m = structuredClone(manifest);
      edit(m);
      return sign("manifest", m, a.authority.secretKey);
    };
    await refuse(
      display((m) => (m.contests[0].options[0].label += "\u001b[2K\r")),
      400,
      "SCHEMA_INVALID",
      { route, errorPath: "/body/contests/0/options/0/label" },
    );
    await refuse(
      display((m) => (m.contests[0].options[1].label = "\u202e0001\u202c")),
      400,
      "SCHEMA_INVALID",
      { route, errorPath: "/body/contests/0/options/1/label" },
    );
    await refuse(
      display((m) => (m.title += "\u2066")),
      400,
      "SCHEMA_INVALID",
      {
        route,
        errorPath: "/body/title",
      },
    );
    await refuse(
      display((m) => (m.custodians[0].name += "\u009b")),
      400,
      "SCHEMA_INVALID",
      {
        route,
        errorPath: "/body/custodians/0/name",
        message: /control characters or bidi controls/,
      },
    );
    // a lone surrogate passes the schema (any text) but has no RFC 8785 form
    await refuse(
      `{"type":"manifest","election":"${ID}","body":${JSON.stringify(manifest).replace('"title":"', '"title":"\\ud800')},"signer":"${good.signer}","signature":"${good.signature}"}`,
      400,
      "NON_CANONICAL",
      { route },
    );
    // canonical form above 65,535 bytes while the body is below the 70 KiB HTTP limit
    const label = "x".repeat(250);
    const big: Manifest = {
      ...manifest,
      contests: [
        ...manifest.contests,
        ...[0, 1, 2, 3].map((k) => ({
          id: `big-${k}`,
          title: label,
          minSelections: 0,
          maxSelections: 1,
          options: Array.from({ length: 60 }, (_, j) => ({ id: `o${j}`, label })),
        })),
      ],
    };
    const bigEntry = sign("manifest", big, a.authority.secretKey);
    const bigText = JSON.stringify(bigEntry);
    expect(bigText.length).toBeGreaterThan(65_535);
    expect(bigText.length).toBeLessThan(70 * 1024);
    await refuse(bigText, 413, "ENTRY_TOO_LARGE", { route });
    await refuse(
      sign("manifest", { ...manifest, threshold: 4 }, a.authority.secretKey),
      422,
      "INVALID_MANIFEST",
      { route },
    );
    await refuse(
      sign(
        "manifest",
        { ...manifest, revotePolicy: "single", ballotStyles: [{ id: "s", contests: ["nope"] }] },
        a.authority.secretKey,
      ),
      422,
      "INVALID_MANIFEST",
      { route },
    );
    // protocol.md §6.1: a contest listed twice in a style is the manifest rule's (V6), not the
    // schema's
    await refuse(
      sign(
        "manifest",
        { ...manifest, ballotStyles: [{ id: "s", contests: ["presidencia", "presidencia"] }] },
        a.authority.secretKey,
      ),
      422,
      "INVALID_MANIFEST",
      { route, errorPath: "/body/ballotStyles/0/contests/1" },
    );
    await refuse(sign("manifest", manifest, a.registrar.secretKey), 422, "INVALID_MANIFEST", {
      route,
    });
    await refuse({ ...good, body: { ...manifest, title: "otra" } }, 400, "BAD_SIGNATURE", {
      route,
    });
    await refuse(
      sign("credentials", { batch: 0, credentials: [] }, a.registrar.secretKey),
      400,
      "SCHEMA_INVALID",
      { route },
    );
    await refuse(
      sign("voting.open", { at: "2024-06-02T08:00:00Z" }, a.authority.secretKey),
      409,
      "WRONG_PHASE",
      { route },
    );
    expect(tb.board.elections.size).toBe(0);

    const created = await tb.client.createElection(good);
    expect(created.index).toBe(0);
    await refuse(good, 409, "ELECTION_EXISTS", { route });
    await refuse(
      sign("manifest", { ...manifest, title: "otra" }, a.authority.secretKey),
      409,
      "ELECTION_EXISTS",
      { route },
    );
    await refuse(good, 409, "ELECTION_EXISTS");
  });

  test("setup: election, replay, phase, signer, signature, credentials, duplicates, ceremony, key", async () => {
    creds = generateCredentials(ID, 4, ["ent-09", "ent-14"]);
    const batch0: CredentialsBody = {
      batch: 0,
      credentials: creds.slice(0, 2).map((c) => c.public),
    };
    const good = sign("credentials", batch0, a.registrar.secretKey);
    await refuse(good, 404, "UNKNOWN_ELECTION", { route: "/elections/no-such-election/entries" });
    await refuse(good, 404, "UNKNOWN_ELECTION", { route: "/elections/NOT%20AN%20ID/entries" });
    await refuse(
      sign("credentials", batch0, a.registrar.secretKey, "otra-eleccion"),
      400,
      "ELECTION_MISMATCH",
    );
    await refuse(
      sign("voting.close", { at: "2024-06-02T20:00:00Z" }, a.authority.secretKey),
      409,
      "WRONG_PHASE",
    );
    await refuse(
      sign("tally", { ballots: 0, contests: [] }, a.authority.secretKey),
      400,
      "SCHEMA_INVALID",
    );
    await refuse(sign("credentials", batch0, a.authority.secretKey), 403, "UNAUTHORIZED_SIGNER");
    await refuse(
      sign("voting.open", { at: "2024-06-02T08:00:00Z" }, a.registrar.secretKey),
      403,
      "UNAUTHORIZED_SIGNER",
    );
    await refuse(
      { ...good, body: { ...batch0, credentials: [creds[2].public] } },
      400,
      "BAD_SIGNATURE",
    );
    await refuse({ ...good, signature: toBase64(new Uint8Array(64)) }, 400, "BAD_SIGNATURE");
    await refuse(
      sign("credentials", { batch: 1, credentials: [creds[0].public] }, a.registrar.secretKey),
      422,
      "INVALID_CREDENTIALS",
    );
    await refuse(
      sign(
        "credentials",
        { batch: 0, credentials: [creds[0].public, creds[0].public] },
        a.registrar.secretKey,
      ),
      422,
      "INVALID_CREDENTIALS",
    );
    await refuse(
      sign(
        "credentials",
        { batch: 0, credentials: [{ key: creds[0].public.key, style: "ent-99" }] },
        a.registrar.secretKey,
      ),
      422,
      "INVALID_CREDENTIALS",
    );
    await refuse(
      sign(
        "credentials",
        { batch: 0, credentials: [{ key: a.authority.publicKey, style: "ent-09" }] },
        a.registrar.secretKey,
      ),
      422,
      "INVALID_CREDENTIALS",
    );
    await tb.client.post(good);
    await refuse(good, 409, "DUPLICATE_ENTRY");
    await refuse(
      sign("credentials", { batch: 1, credentials: [creds[1].public] }, a.registrar.secretKey),
      422,
      "INVALID_CREDENTIALS",
    );
    await publishCredentials(
      tb.client,
      ID,
      a.registrar.secretKey,
      creds.slice(2).map((c) => c.public),
    );

    await refuse(
      sign("voting.open", { at: "2024-06-02T08:00:00Z" }, a.authority.secretKey),
      409,
      "WRONG_PHASE",
    );
    const r1 = await postRound1(tb.client, ID, a.custodians[0]);
    const round1 = (await tb.client.entry(ID, r1.index)) as Entry;
    await refuse(round1, 409, "DUPLICATE_ENTRY");
    await refuse(
      sign(
        "ceremony.round1",
        { ...(round1.body as object), pop: toBase64(new Uint8Array(64).fill(7)) },
        a.custodians[0].signingSecret,
      ),
      422,
      "INVALID_CEREMONY",
    );
    await refuse(
      sign("ceremony.round1", round1.body, a.custodians[1].signingSecret),
      403,
      "UNAUTHORIZED_SIGNER",
    );
    await refuse(
      sign(
        "ceremony.certify",
        { custodian: 1, signature: toBase64(new Uint8Array(64)) },
        a.custodians[0].signingSecret,
      ),
      422,
      "INVALID_CEREMONY",
    );
    for (const c of a.custodians.slice(1)) await postRound1(tb.client, ID, c);
    for (const c of a.custodians)
      states.push((await postCertify(tb.client, ID, c, { pollMs: 50 })).state);
    const view = await loadElection(tb.client, ID);
    const shares = view.manifest.custodians.map((c) => states[c.index - 1].verificationShare);
    const swapped = {
      publicKey: states[0].groupPublicKey,
      verificationShares: [shares[1], shares[0], shares[2]],
    };
    await refuse(sign("election.key", swapped, a.authority.secretKey), 422, "INVALID_KEY");
    await refuse(
      sign(
        "election.key",
        { publicKey: shares[0], verificationShares: shares },
        a.authority.secretKey,
      ),
      422,
      "INVALID_KEY",
    );
    await postElectionKey(tb.client, ID, a.authority.secretKey);
    await refuse(
      sign(
        "election.key",
        { publicKey: shares[1], verificationShares: shares },
        a.authority.secretKey,
      ),
      422,
      "INVALID_KEY",
    );
    await openVoting(tb.client, ID, a.authority.secretKey);
  });

  test("voting: eligibility, structure, proofs, challenge, zero nonce, ciphertext reuse, revote, duplicates", async () => {
    const view = await loadVotingView(tb.client, ID);
    const K = decodeElement(fromBase64(view.state.electionKey!.publicKey));
    const enc = (
      secretKey: Uint8Array,
      publicKey: string,
      style: string,
      choices: Record<string, number[]>,
    ) =>
      encryptBallot({
        manifest,
        baseHash: view.state.baseHash,
        publicKey: K,
        signer: fromBase64(publicKey),
        style,
        choices,
      });
    const c0 = creds[0]; // ent-09
    const sk0 = fromBase64(c0.file.secretKey);
    const choices09 = { presidencia: [0, 0, 1, 0], "senaduria-09": [1, 0, 0] };
    const e0 = enc(sk0, c0.public.key, "ent-09", choices09);

    const stranger = newKey();
    const eS = enc(stranger.secretKey, stranger.publicKey, "ent-09", choices09);
    await refuse(sign("ballot", eS.body, stranger.secretKey), 403, "NOT_ELIGIBLE");
    const e14 = enc(sk0, c0.public.key, "ent-14", {
      presidencia: [0, 0, 1, 0],
      "senaduria-14": [1, 0],
    });
    await refuse(sign("ballot", e14.body, sk0), 403, "NOT_ELIGIBLE");
    await refuse(sign("ballot", e0.body, a.authority.secretKey), 403, "NOT_ELIGIBLE");

    const missing: BallotBody = structuredClone(e0.body);
    missing.contests[0].selections.pop();
    await refuse(sign("ballot", missing, sk0), 422, "INVALID_BALLOT");
    const reordered: BallotBody = {
      ...e0.body,
      contests: [e0.body.contests[1], e0.body.contests[0]],
    };
    await refuse(sign("ballot", reordered, sk0), 422, "INVALID_BALLOT");
    const badProof: BallotBody = structuredClone(e0.body);
    badProof.contests[0].selections[1].proof.v[0] = scalarToBase64(12345n);
    await refuse(sign("ballot", badProof, sk0), 422, "INVALID_PROOF");
    const badContestProof: BallotBody = structuredClone(e0.body);
    badContestProof.contests[1].proof.c[0] = scalarToBase64(777n);
    await refuse(sign("ballot", badContestProof, sk0), 422, "INVALID_PROOF");
    // a ciphertext copied from another voter's ballot: its proofs are bound to that voter's key
    const e2 = enc(fromBase64(creds[2].file.secretKey), creds[2].public.key, "ent-09", choices09);
    const copied: BallotBody = structuredClone(e0.body);
    copied.contests[0].selections[0] = e2.body.contests[0].selections[0];
    await refuse(sign("ballot", copied, sk0), 422, "INVALID_PROOF");

    const challenge: ChallengedBallotBody = challengeBallot(e0.body, e0.nonces, choices09);
    const lie: ChallengedBallotBody = structuredClone(challenge);
    lie.revealed[0].choices = [0, 1, 0, 0];
    await refuse(sign("ballot.challenged", lie, sk0), 422, "INVALID_CHALLENGE");
    const wrongNonce: ChallengedBallotBody = structuredClone(challenge);
    wrongNonce.revealed[1].nonces[0] = scalarToBase64(99n);
    await refuse(sign("ballot.challenged", wrongNonce, sk0), 422, "INVALID_CHALLENGE");
    // a nonce of 0 (alpha would be the identity) is refused as such (protocol.md §6.7)
    const zeroNonce: ChallengedBallotBody = structuredClone(challenge);
    zeroNonce.revealed[0].nonces[1] = scalarToBase64(0n);
    await refuse(sign("ballot.challenged", zeroNonce, sk0), 422, "INVALID_CHALLENGE", {
      message: /zero/,
    });
    await tb.client.post(sign("ballot.challenged", challenge, sk0));

    // Ciphertext reuse (protocol.md §6.11). The challenged ballot cannot be cast: not by its
    // credential, not by another one that re-proves its now public nonces.
    await refuse(sign("ballot", challenge.ballot, sk0), 409, "CIPHERTEXT_REUSED", {
      errorPath: "/body/contests/0/selections/0/ciphertext/alpha",
    });
    const c2 = creds[2];
    const sk2 = fromBase64(c2.file.secretKey);
    const withNonces = (
      publicKey: string,
      nonces: Record<string, bigint[]>,
      choices: Record<string, number[]> = choices09,
    ) =>
      encryptWithNonces({
        manifest,
        baseHash: view.state.baseHash,
        publicKey: K,
        signer: fromBase64(publicKey),
        style: "ent-09",
        choices,
        nonces,
      });
    const copiedOpen = withNonces(c2.public.key, e0.nonces);
    expect(copiedOpen.contests[0].selections[0].ciphertext).toEqual(
      challenge.ballot.contests[0].selections[0].ciphertext,
    );
    await refuse(sign("ballot", copiedOpen, sk2), 409, "CIPHERTEXT_REUSED");
    // one shared alpha is enough, in any contest
    const fresh = enc(sk2, c2.public.key, "ent-09", choices09);
    const oneShared = withNonces(c2.public.key, {
      presidencia: fresh.nonces.presidencia,
      "senaduria-09": [fresh.nonces["senaduria-09"][0], e0.nonces["senaduria-09"][1], 5n],
    });
    await refuse(sign("ballot", oneShared, sk2), 409, "CIPHERTEXT_REUSED", {
      errorPath: "/body/contests/1/selections/1/ciphertext/alpha",
    });
    // two selections of one ballot sharing a nonce (beta1 - beta2 gives m1 - m2)
    const twins = withNonces(c2.public.key, {
      presidencia: [11n, 11n, 12n, 13n],
      "senaduria-09": [14n, 15n, 16n],
    });
    await refuse(sign("ballot", twins, sk2), 409, "CIPHERTEXT_REUSED", {
      errorPath: "/body/contests/0/selections/1/ciphertext/alpha",
    });
    await refuse(
      sign(
        "ballot.challenged",
        challengeBallot(
          twins,
          { presidencia: [11n, 11n, 12n, 13n], "senaduria-09": [14n, 15n, 16n] },
          choices09,
        ),
        sk2,
      ),
      409,
      "CIPHERTEXT_REUSED",
    );

    const cast = enc(sk0, c0.public.key, "ent-09", choices09);
    firstBallot = sign("ballot", cast.body, sk0);
    const r = await tb.client.post(firstBallot);
    // The cast ballot cannot be opened afterwards (a receipt of the vote), by anyone.
    await refuse(
      sign("ballot.challenged", challengeBallot(cast.body, cast.nonces, choices09), sk0),
      409,
      "CIPHERTEXT_REUSED",
    );
    const reproved = withNonces(c2.public.key, cast.nonces);
    await refuse(
      sign("ballot.challenged", challengeBallot(reproved, cast.nonces, choices09), sk2),
      409,
      "CIPHERTEXT_REUSED",
    );
    expect(r.receipt?.trackingCode).toBe(
      toHex(leafHash(utf8(JSON.stringify(await tb.client.entry(ID, r.index))))),
    );
    await refuse(firstBallot, 409, "DUPLICATE_ENTRY");
    await refuse(
      sign("ballot", enc(sk0, c0.public.key, "ent-09", choices09).body, sk0),
      409,
      "ALREADY_VOTED",
    );
    const early = {
      ballots: 1,
      contests: [
        {
          contest: "presidencia",
          options: [
            { option: "pan-pri-prd", ciphertext: e0.body.contests[0].selections[0].ciphertext },
          ],
        },
      ],
    };
    await refuse(sign("tally", early, a.authority.secretKey), 409, "WRONG_PHASE");
    const c1 = creds[1]; // ent-14
    const sk1 = fromBase64(c1.file.secretKey);
    await tb.client.post(
      sign(
        "ballot",
        enc(sk1, c1.public.key, "ent-14", { presidencia: [1, 0, 0, 0], "senaduria-14": [0, 1] })
          .body,
        sk1,
      ),
    );
    await closeVoting(tb.client, ID, a.authority.secretKey);
    await refuse(sign("ballot", e2.body, sk2), 409, "WRONG_PHASE");
  });

  test("tally and result: mismatches", async () => {
    const view = await loadElection(tb.client, ID);
    const counted = view.state.countedBallots().map((i) => view.entries[i].body as BallotBody);
    expect(counted).toHaveLength(2);
    const { computeTally } = await import("../../src/crypto/index.js");
    const tally: TallyBody = computeTally(manifest, counted);
    const swapped: TallyBody = structuredClone(tally);
    const opts = swapped.contests[0].options;
    [opts[0].ciphertext, opts[1].ciphertext] = [opts[1].ciphertext, opts[0].ciphertext];
    await refuse(sign("tally", swapped, a.authority.secretKey), 422, "TALLY_MISMATCH");
    // protocol.md §6.8: every manifest option once, in manifest order
    const reordered: TallyBody = structuredClone(tally);
    reordered.contests[0].options.reverse();
    await refuse(sign("tally", reordered, a.authority.secretKey), 422, "TALLY_MISMATCH");
    const missing: TallyBody = structuredClone(tally);
    missing.contests[0].options.pop();
    await refuse(sign("tally", missing, a.authority.secretKey), 422, "TALLY_MISMATCH");
    const twice: TallyBody = structuredClone(tally);
    twice.contests[0].options[1] = structuredClone(twice.contests[0].options[0]);
    await refuse(sign("tally", twice, a.authority.secretKey), 422, "TALLY_MISMATCH");
    await refuse(
      sign("tally", { ...tally, ballots: 3 }, a.authority.secretKey),
      422,
      "TALLY_MISMATCH",
    );
    await refuse(sign("tally", tally, a.registrar.secretKey), 403, "UNAUTHORIZED_SIGNER");
    await postTally(tb.client, ID, a.authority.secretKey);
    expect((await tb.client.status(ID)).phase).toBe("tallying");

    // a decryption share with a wrong share value
    const v2 = await loadElection(tb.client, ID);
    const tallyEntry = v2.entries.find((e) => e.type === "tally")!;
    const { decryptionShare } = await import("../../src/crypto/index.js");
    const K = decodeElement(fromBase64(v2.state.electionKey!.publicKey));
    const good = decryptionShare({
      baseHash: v2.state.baseHash,
      publicKey: K,
      custodian: 1,
      secretShare: fromB64Scalar(states[0].secretShare),
      tally: tallyEntry.body as TallyBody,
    });
    const bad: DecryptionShareBody = structuredClone(good);
    bad.contests[0].options[0].share = bad.contests[0].options[1].share;
    await refuse(
      sign("decryption.share", bad, a.custodians[0].signingSecret),
      422,
      "INVALID_PROOF",
    );
    await refuse(
      sign("decryption.share", good, a.custodians[1].signingSecret),
      403,
      "UNAUTHORIZED_SIGNER",
    );
    // protocol.md §6.9: the tally's options, each once, in order
    const shareReordered: DecryptionShareBody = structuredClone(good);
    shareReordered.contests[0].options.reverse();
    await refuse(
      sign("decryption.share", shareReordered, a.custodians[0].signingSecret),
      422,
      "INVALID_PROOF",
    );
    const shareMissing: DecryptionShareBody = structuredClone(good);
    shareMissing.contests[0].options.pop();
    await refuse(
      sign("decryption.share", shareMissing, a.custodians[0].signingSecret),
      422,
      "INVALID_PROOF",
    );
    await postDecryptionShare(tb.client, ID, a.custodians[0], states[0], { insecureNoTrust: true });
    // custodian 3's share, computed but not yet on the log
    const third = decryptionShare({
      baseHash: v2.state.baseHash,
      publicKey: K,
      custodian: 3,
      secretShare: fromB64Scalar(states[2].secretShare),
      tally: tallyEntry.body as TallyBody,
    });
    const result: ResultBody = computeResult(
      manifest,
      [tallyEntry.body as TallyBody],
      [good, third],
      2,
      { dlog: new DiscreteLog({ max: 100, babySteps: 16 }) },
    );
    expect(result.custodians).toEqual([1, 3]);
    // protocol.md §7: the shares a result uses precede it on the log
    await refuse(sign("result", result, a.authority.secretKey), 422, "RESULT_MISMATCH");
    await tb.client.post(sign("decryption.share", third, a.custodians[2].signingSecret));
    const wrongVotes: ResultBody = structuredClone(result);
    // one vote fewer (one more could break the bound on the totals, RESULT_EXCEEDS_BALLOTS)
    const voted = wrongVotes.contests.flatMap((c) => c.options).find((o) => o.votes > 0)!;
    voted.votes -= 1;
    await refuse(sign("result", wrongVotes, a.authority.secretKey), 422, "RESULT_MISMATCH");
    const wrongLabel: ResultBody = structuredClone(result);
    wrongLabel.contests[0].options[1].label = "Otro";
    await refuse(sign("result", wrongLabel, a.authority.secretKey), 422, "RESULT_MISMATCH");
    await refuse(
      sign("result", { ...result, custodians: [1, 2] }, a.authority.secretKey),
      422,
      "RESULT_MISMATCH",
    );
    // verification.md V16: a custodian named twice is V16's (not the schema's) failure
    await refuse(
      sign("result", { ...result, custodians: [1, 1] }, a.authority.secretKey),
      422,
      "RESULT_MISMATCH",
    );
    // verification.md V16: no option has more votes than the counted ballots holding its contest
    const tooMany: ResultBody = structuredClone(result);
    tooMany.contests[0].options[0].votes = 3;
    await refuse(sign("result", tooMany, a.authority.secretKey), 422, "RESULT_EXCEEDS_BALLOTS");
    const r = await tb.client.post(sign("result", result, a.authority.secretKey));
    expect(r.index).toBe((await size()) - 1);
    expect((await tb.client.status(ID)).phase).toBe("done");
    await refuse(
      sign("voting.close", { at: "2024-06-03T00:00:00Z" }, a.authority.secretKey),
      409,
      "WRONG_PHASE",
    );
  });

  test("reads: bad requests and missing things", async () => {
    const n = await size();
    await refuseGet("/elections/nope/status", 404, "UNKNOWN_ELECTION");
    await refuseGet("/elections/nope/checkpoint", 404, "UNKNOWN_ELECTION");
    await refuseGet(`/elections/${ID}/entries/${n}`, 404, "NOT_FOUND");
    await refuseGet(`/elections/${ID}/entries/01`, 400, "BAD_REQUEST");
    await refuseGet(`/elections/${ID}/entries/abc`, 400, "BAD_REQUEST");
    await refuseGet(`/elections/${ID}/entries?start=x`, 400, "BAD_REQUEST");
    await refuseGet(`/elections/${ID}/entries?start=${n + 1}`, 404, "NOT_FOUND");
    await refuseGet(`/elections/${ID}/proof/inclusion?index=-1`, 400, "BAD_REQUEST");
    await refuseGet(`/elections/${ID}/proof/inclusion?index=${n}`, 404, "NOT_FOUND");
    await refuseGet(`/elections/${ID}/proof/inclusion?index=0&size=${n + 1}`, 404, "NOT_FOUND");
    await refuseGet(`/elections/${ID}/proof/consistency?from=5&to=3`, 400, "BAD_REQUEST");
    await refuseGet(`/elections/${ID}/proof/consistency?from=1&to=${n + 1}`, 404, "NOT_FOUND");
    await refuseGet(`/elections/${ID}/tile/0/001`, 404, "NOT_FOUND");
    await refuseGet(`/elections/${ID}/tile/0/x000/000`, 400, "BAD_REQUEST");
    await refuseGet(`/elections/${ID}/tile/0/000.p/${n + 1}`, 404, "NOT_FOUND");
    await refuseGet(`/elections/${ID}/tile/entries/000.p/0`, 400, "BAD_REQUEST");
    await refuseGet(`/elections/${ID}/receipts/not-a-code`, 400, "BAD_REQUEST");
    await refuseGet(`/elections/${ID}/receipts/${"0".repeat(64)}`, 404, "NOT_FOUND");
    await refuseGet(`/no/such/route`, 404, "NOT_FOUND");
    // a receipt exists for the ballot, not for other entries
    const first = await tb.client.entry(ID, 0);
    await refuseGet(
      `/elections/${ID}/receipts/${toHex(leafHash(utf8(JSON.stringify(first))))}`,
      404,
      "NOT_FOUND",
    );
  });

  test("ranges are capped", async () => {
    const res = await fetch(`${tb.url}/elections/${ID}/entries?start=0&end=10001`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
  });
});

function fromB64Scalar(s: string): bigint {
  const b = fromBase64(s);
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]);
  return n;
}

describe("a board that cannot write", () => {
  test("LOG_UNAVAILABLE after the signer state shows a rollback; reads keep working", async () => {
    const t = await startBoard({ workers: 0 });
    const b = newActors(1);
    const m = manifestFor("rollback", b, { threshold: 1 });
    await createElection(t.client, m, b.authority.secretKey);
    await t.close();
    // The board's signer state (shared by all its logs) claims a bigger signed tree.
    const signers = await SharedSignerState.open(join(t.dir, "signer", "state"));
    const origin = checkpointOrigin("board.test", "rollback");
    const signed = signers.get(origin);
    expect(signed).toBeDefined();
    await signers.record(origin, { size: signed!.size + 5, root: signed!.root });
    await signers.close();
    const t2 = await startBoard({ workers: 0 }, t.dir);
    try {
      const creds = generateCredentials("rollback", 1, ["ent-09"]);
      const res = await fetch(`${t2.url}/elections/rollback/entries`, {
        method: "POST",
        body: JSON.stringify(
          signEntry(
            "credentials",
            "rollback",
            { batch: 0, credentials: [creds[0].public] },
            b.registrar.secretKey,
          ),
        ),
      });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        "LOG_UNAVAILABLE",
      );
      const st = await t2.client.status("rollback");
      expect(st.size).toBe(1);
      expect((await t2.client.entry("rollback", 0)).type).toBe("manifest");
    } finally {
      await t2.close();
      removeDir(t.dir);
    }
  });

  test("SHUTTING_DOWN once close() has begun", async () => {
    const t = await startBoard({ workers: 0 });
    const b = newActors(1);
    const closing = t.board.close();
    const res = await request(t.board.app)
      .post("/elections")
      .set("content-type", "application/json")
      .send(
        JSON.stringify(
          signEntry(
            "manifest",
            "late",
            manifestFor("late", b, { threshold: 1 }),
            b.authority.secretKey,
          ),
        ),
      );
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("SHUTTING_DOWN");
    await closing;
    removeDir(t.dir);
  });
});
