/**
 * The conformance cases: each starts from one of the two honest records (revote policy
 * `single` or `last`), changes it as a malicious board and authority would (re-signed and
 * re-cosigned, so that only the targeted check can catch it) or naively (bytes edited, nothing
 * re-signed), and states the exact checks (V1-V17) or receipt steps (R1-R5) that must fail and
 * the items each must name. Every other check must not fail.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import type {
  BallotBody,
  ChallengedBallotBody,
  CredentialsBody,
  DecryptionShareBody,
  ElectionKeyBody,
  Entry,
  Manifest,
  Receipt,
  ResultBody,
  TallyBody,
  TrustFile,
} from "@urna/schemas";
import { canonicalBytes } from "@urna/schemas";
import { challengeBallot, encryptBallot } from "../board/src/crypto/index.js";
import { makeBlameRandom } from "../board/src/ceremony/index.js";
import * as dkg from "../verifier/src/ceremony/index.js";
import { fromBase64, toBase64 } from "../verifier/src/bytes.js";
import { baseHash as computeBaseHash } from "../verifier/src/crypto/base-hash.js";
import { decodeElement } from "../verifier/src/crypto/group.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { signEntry } from "../board/src/entry-sign.js";
import { ed25519Signer } from "../verifier/src/log/note.js";
import { ELECTION_ID, ORIGIN, type GeneratedElection } from "../tests/fixtures/election.js";
import type { ExpectedItem } from "../verifier/src/conformance/corpus.js";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { entryBundlePath } from "../verifier/src/log/tiles.js";
import { Tamper, readLeaves, replaceLine } from "./tamper.js";
import { attestationTableSha256 } from "../verifier/src/audit/attestation.js";
import type { AttestationBody } from "@urna/schemas";

/** `attested`: a `single` election whose manifest lists two firms, each of which attested it. */
export type Base = "single" | "last" | "attested";

export interface CaseContext {
  t: Tamper;
  g: GeneratedElection;
  trust: TrustFile;
  /** Set to write receipt.json (a receipt case). */
  receipt?: Receipt;
  /** Items to expect, filled in by the tamper step where indices are only known then. */
  items: ExpectedItem[];
}

export interface CaseDef {
  id: string;
  base: Base;
  kind: "election" | "receipt";
  how: "malicious" | "naive" | "honest";
  /** What changed, in one sentence. */
  changed: string;
  /** The spec rule it breaks. */
  rule: string;
  /** The checks (or receipt steps) that must fail; every other one must not. */
  fail: string[];
  tamper: (c: CaseContext) => void;
}

/** A fixed secret key named by a label (the tamperer's own keys). */
const seed = (label: string): Uint8Array =>
  sha256(new TextEncoder().encode(`urna-conformance/key\0${label}`));
const pub = (sk: Uint8Array) => toBase64(ed25519.getPublicKey(sk));

/** Flips the last base64 character of a scalar/point/signature string to another valid one. */
function flipB64(s: string): string {
  const body = s.replace(/=+$/, "");
  const pad = s.slice(body.length);
  // Change the first character: keeps the padding bits canonical.
  const c = body[0] === "A" ? "B" : "A";
  return c + body.slice(1) + pad;
}

/** A fresh encrypted ballot (and its nonces) for credential `voter`, with fixed choices. */
function encryptFor(g: GeneratedElection, c: CaseContext, voter: number, pick = 0) {
  const cred = g.keys.credentials[voter];
  const style = g.manifest.ballotStyles.find((s) => s.id === cred.style)!;
  const choices: Record<string, number[]> = {};
  for (const cid of style.contests) {
    const contest = g.manifest.contests.find((x) => x.id === cid)!;
    choices[cid] = contest.options.map((_, j) =>
      j === pick % contest.options.length && contest.maxSelections > 0 ? 1 : 0,
    );
    const sum = choices[cid].reduce((a, b) => a + b, 0);
    if (sum < contest.minSelections) choices[cid][(pick + 1) % contest.options.length] = 1;
  }
  const key = c.t.entries[g.at.key].body as ElectionKeyBody;
  const enc = encryptBallot({
    manifest: g.manifest,
    baseHash: computeBaseHash(ELECTION_ID, g.manifest),
    publicKey: decodeElement(fromBase64(key.publicKey)),
    signer: fromBase64(cred.publicKey),
    style: cred.style,
    choices,
  });
  return { ...enc, choices, cred };
}

const firstChallenged = (c: CaseContext) => c.t.find("ballot.challenged");
const lastVoterIndex = (g: GeneratedElection) => g.keys.credentials.length - 1; // abstains

export const CASES: CaseDef[] = [
  // ---- honest records
  {
    id: "honest-single",
    base: "single",
    kind: "election",
    how: "honest",
    changed: "nothing: the honest record under revote policy single",
    rule: "every check passes",
    fail: [],
    tamper: () => {},
  },
  {
    id: "honest-last",
    base: "last",
    kind: "election",
    how: "honest",
    changed: "nothing: the honest record under revote policy last",
    rule: "every check passes",
    fail: [],
    tamper: () => {},
  },

  // ---- V1 log root
  {
    id: "v1-root-substituted",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "the checkpoint carries another root hash, signed by the board and cosigned",
    rule: "verification.md V1",
    fail: ["V1"],
    tamper: ({ t }) => t.resign({ root: new Uint8Array(32).fill(7) }),
  },
  {
    id: "v1-size-larger",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "the checkpoint's size is one more than the leaves, signed and cosigned",
    rule: "verification.md V1",
    fail: ["V1"],
    tamper: ({ t }) => t.resign({ size: t.entries.length + 1, root: new Uint8Array(32) }),
  },
  {
    id: "v1-leaf-dropped-naive",
    base: "single",
    kind: "election",
    how: "naive",
    changed: "the first ballot.challenged line is deleted; the checkpoint is left as it was",
    rule: "verification.md V1",
    fail: ["V1"],
    tamper: ({ t }) => replaceLine(t.dir, firstChallenged({ t } as CaseContext), null),
  },
  {
    id: "v1-leaf-edited-naive",
    base: "single",
    kind: "election",
    how: "naive",
    changed:
      "the first ballot.challenged line gets another entry's signature, edited in place; nothing is re-signed",
    rule: "verification.md V1, V5",
    fail: ["V1", "V5"],
    tamper: (c) => {
      const i = firstChallenged(c);
      c.t.entries[i] = { ...c.t.entries[i], signature: c.t.entries[0].signature };
      c.t.saveEntries();
      c.items.push({ check: "V5", index: i });
    },
  },

  {
    id: "v1-tile-bundle-edited",
    base: "single",
    kind: "election",
    how: "naive",
    changed:
      "the record gets its tile/ folder (the static tree at the checkpoint's size), then one byte of an entry bundle is changed",
    rule: "record.md §Record folder (tile/), verification.md V1 (TILE_MISMATCH)",
    fail: ["V1"],
    tamper: (c) => {
      c.t.writeTiles();
      const n = readLeaves(c.t.dir).length;
      const path = join(c.t.dir, entryBundlePath(0, Math.min(n, 256)));
      const b = readFileSync(path);
      b[10] ^= 0x01; // inside the first entry
      writeFileSync(path, b);
    },
  },

  // ---- V2 board signature
  {
    id: "v2-other-board-key",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "the checkpoint is signed by another key under the board's name; witnesses cosign",
    rule: "verification.md V2",
    fail: ["V2"],
    tamper: ({ t }) => t.resign({ board: { name: ORIGIN, seed: seed("other board") } }),
  },
  {
    id: "v2-other-origin",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "the checkpoint's origin names another election (board key under that name)",
    rule: "verification.md V2, log.md §3",
    fail: ["V2"],
    tamper: ({ t, g }) => {
      const origin = ORIGIN.replace(ELECTION_ID, "mx-2024-otra");
      t.resign({ origin, board: { name: origin, seed: g.keys.board.seed } });
    },
  },

  // ---- V3 witness quorum
  {
    id: "v3-cosignatures-stripped",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "the checkpoint carries the board's signature only",
    rule: "verification.md V3",
    fail: ["V3"],
    tamper: ({ t }) => t.resign({ witnesses: [] }),
  },
  {
    id: "v3-untrusted-witness",
    base: "single",
    kind: "election",
    how: "malicious",
    changed:
      "cosigned by keys under the trusted witnesses' names that the trust file does not hold",
    rule: "verification.md V3",
    fail: ["V3"],
    tamper: ({ t, g }) =>
      t.resign({
        witnesses: g.keys.witnesses.map((w) => ({ name: w.name, seed: seed(`fake ${w.name}`) })),
      }),
  },
  {
    id: "v3-board-key-as-witness",
    base: "single",
    kind: "election",
    how: "malicious",
    changed:
      "the trust file's only witness is the board's own note key (type 0x01), quorum 1; the checkpoint carries only the board's signature",
    rule: "record.md §Trust file: witness keys are cosignature/v1 keys, never the board's; the verifier refuses the trust file (exit 2)",
    fail: ["TRUST"],
    tamper: (c) => {
      c.t.resign({ witnesses: [] });
      const board = c.g.keys.board;
      c.trust.witnesses = [{ vkey: ed25519Signer(board.name, board.seed).vkey }];
      c.trust.quorum = 1;
    },
  },

  // ---- V4 entry format
  {
    id: "v4-noncanonical-json",
    base: "single",
    kind: "election",
    how: "malicious",
    changed:
      "a ballot.challenged leaf is written with a space after its first colon (not RFC 8785)",
    rule: "verification.md V4 (canonical form)",
    fail: ["V4"],
    tamper: (c) => {
      const i = firstChallenged(c);
      c.t.saveEntries();
      const line = new TextDecoder().decode(canonicalBytes(c.t.entries[i])).replace(":", ": ");
      replaceLine(c.t.dir, i, line);
      c.t.resign();
      c.items.push({ check: "V4", index: i });
    },
  },
  {
    id: "v4-not-json",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "a ballot.challenged leaf is replaced by bytes that are not JSON",
    rule: "verification.md V4",
    fail: ["V4"],
    tamper: (c) => {
      const i = firstChallenged(c);
      c.t.saveEntries();
      replaceLine(c.t.dir, i, "not json");
      c.t.resign();
      c.items.push({ check: "V4", index: i });
    },
  },
  {
    id: "v4-wrong-election",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "a ballot.challenged entry names another election, re-signed by its voter",
    rule: "verification.md V4 (election)",
    fail: ["V4"],
    tamper: (c) => {
      const i = firstChallenged(c);
      const e = c.t.entries[i];
      c.t.entries[i] = signEntry(
        "ballot.challenged",
        "mx-2024-otra",
        e.body as ChallengedBallotBody,
        c.t.keyOf(i),
      ) as Entry;
      c.t.save();
      c.items.push({ check: "V4", index: i });
    },
  },
  {
    id: "v4-schema-extra-member",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "a ballot.challenged body carries an extra member, re-signed by its voter",
    rule: "verification.md V4 (schema: no additional members)",
    fail: ["V4"],
    tamper: (c) => {
      const i = firstChallenged(c);
      (c.t.entries[i].body as unknown as Record<string, unknown>).note = "hola";
      c.t.commit(i);
      c.items.push({ check: "V4", index: i });
    },
  },

  // ---- V5 signatures and signers
  {
    id: "v5-bad-signature",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "a ballot.challenged entry carries its voter's signature over other bytes",
    rule: "verification.md V5, protocol.md §5",
    fail: ["V5"],
    tamper: (c) => {
      const i = firstChallenged(c);
      const other = c.t.sign("voting.open", { at: "2024-06-02T08:00:00Z" }, c.t.keyOf(i));
      c.t.entries[i] = { ...c.t.entries[i], signature: other.signature };
      c.t.save();
      c.items.push({ check: "V5", index: i });
    },
  },
  {
    id: "v5-share-signed-by-another-custodian",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "the last decryption.share (not used by the result) is signed by another custodian",
    rule: "verification.md V5 (signer authorised for the type)",
    fail: ["V5"],
    tamper: (c) => {
      const shares = c.t.all("decryption.share");
      const i = shares[shares.length - 1];
      c.t.resignEntry(i, c.g.keys.custodians[0].signing);
      c.t.save();
      c.items.push({ check: "V5", index: i });
    },
  },

  // ---- V6 manifest
  {
    id: "v6-authority-not-trusted",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "the trust file names another authority than the manifest's",
    rule: "verification.md V6",
    fail: ["V6"],
    tamper: (c) => {
      c.trust.authority = pub(seed("another authority"));
    },
  },
  {
    id: "v6-second-manifest",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "a second manifest entry, signed by the authority, is appended after the result",
    rule: "verification.md V6 (entry 0 is the only manifest)",
    fail: ["V6"],
    tamper: (c) => {
      c.t.entries.push(c.t.sign("manifest", c.g.manifest, c.g.keys.authority));
      c.t.save();
    },
  },

  // ---- V7 phases
  {
    id: "v7-challenged-after-close",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "a ballot.challenged of the abstaining voter is inserted after voting.close",
    rule: "verification.md V7",
    fail: ["V7"],
    tamper: (c) => {
      const v = lastVoterIndex(c.g);
      const enc = encryptFor(c.g, c, v);
      const e = c.t.sign(
        "ballot.challenged",
        challengeBallot(enc.body, enc.nonces, enc.choices),
        enc.cred.secretKey,
      );
      const at = c.t.find("voting.close") + 1;
      c.t.entries.splice(at, 0, e);
      c.t.save();
      c.items.push({ check: "V7", index: at });
    },
  },
  {
    id: "v7-challenged-before-open",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "a ballot.challenged of the abstaining voter is inserted just before voting.open",
    rule: "verification.md V7",
    fail: ["V7"],
    tamper: (c) => {
      const v = lastVoterIndex(c.g);
      const enc = encryptFor(c.g, c, v);
      const e = c.t.sign(
        "ballot.challenged",
        challengeBallot(enc.body, enc.nonces, enc.choices),
        enc.cred.secretKey,
      );
      const at = c.t.find("voting.open");
      c.t.entries.splice(at, 0, e);
      c.t.save();
      c.items.push({ check: "V7", index: at });
    },
  },
  {
    id: "v7-second-voting-close",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "a second voting.close, signed by the authority, is appended after the result",
    rule: "verification.md V7 (exactly one voting.close)",
    fail: ["V7"],
    tamper: (c) => {
      c.t.entries.push(
        c.t.sign("voting.close", { at: "2024-06-03T08:00:00Z" }, c.g.keys.authority),
      );
      c.t.save();
      c.items.push({ check: "V7", index: c.t.entries.length - 1 });
    },
  },

  // ---- V8 ceremony
  {
    id: "v8-certification-swapped",
    base: "single",
    kind: "election",
    how: "malicious",
    changed:
      "custodian 1's ceremony.certify carries custodian 2's transcript signature, re-signed by custodian 1",
    rule: "verification.md V8, ceremony.md §3.3",
    fail: ["V8"],
    tamper: (c) => {
      const [a, b] = c.t.all("ceremony.certify");
      const body = c.t.entries[a].body as { custodian: number; signature: string };
      body.signature = (c.t.entries[b].body as { signature: string }).signature;
      c.t.resignEntry(a, c.t.keyOf(a));
      c.t.save();
      c.items.push({ check: "V8", custodian: 1 });
    },
  },
  {
    id: "v8-verification-shares-swapped",
    base: "single",
    kind: "election",
    how: "malicious",
    changed:
      "election.key lists custodians 1 and 2's verification shares swapped, re-signed by the authority",
    rule: "verification.md V8 (verification shares recomputed from the commitments)",
    fail: ["V8", "V15", "V16"],
    tamper: (c) => {
      const i = c.g.at.key;
      const body = c.t.entries[i].body as ElectionKeyBody;
      const vs = body.verificationShares;
      [vs[0], vs[1]] = [vs[1], vs[0]];
      c.t.commit(i);
      c.items.push({ check: "V8", custodian: 1 }, { check: "V8", custodian: 2 });
    },
  },

  // ---- V9 credentials
  {
    id: "v9-duplicate-credential",
    base: "single",
    kind: "election",
    how: "malicious",
    changed:
      "a second credentials batch (batch 1), signed by the registrar, repeats an existing key",
    rule: "verification.md V9 (no credential key twice)",
    fail: ["V9"],
    tamper: (c) => {
      const cred = c.g.keys.credentials[0];
      const body: CredentialsBody = {
        batch: 1,
        credentials: [{ key: cred.publicKey, style: cred.style }],
      };
      const at = c.t.find("credentials") + 1;
      c.t.entries.splice(at, 0, c.t.sign("credentials", body, c.g.keys.registrar));
      c.t.save();
      c.items.push({ check: "V9", index: at });
    },
  },
  {
    id: "v9-batch-number-gap",
    base: "single",
    kind: "election",
    how: "malicious",
    changed:
      "a credentials batch numbered 5 (expected 1) with one new key, signed by the registrar",
    rule: "verification.md V9 (batches numbered 0, 1, 2, ...)",
    fail: ["V9"],
    tamper: (c) => {
      const body: CredentialsBody = {
        batch: 5,
        credentials: [{ key: pub(seed("gap voter")), style: c.g.manifest.ballotStyles[0].id }],
      };
      const at = c.t.find("credentials") + 1;
      c.t.entries.splice(at, 0, c.t.sign("credentials", body, c.g.keys.registrar));
      c.t.save();
      c.items.push({ check: "V9", index: at });
    },
  },
  {
    id: "v9-unknown-style",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "a credentials batch 1 gives a new key a style the manifest does not define",
    rule: "verification.md V9 (every style exists)",
    fail: ["V9"],
    tamper: (c) => {
      const body: CredentialsBody = {
        batch: 1,
        credentials: [{ key: pub(seed("styleless voter")), style: "ent-99" }],
      };
      const at = c.t.find("credentials") + 1;
      c.t.entries.splice(at, 0, c.t.sign("credentials", body, c.g.keys.registrar));
      c.t.save();
      c.items.push({ check: "V9", index: at });
    },
  },
  {
    id: "v9-credential-is-authority",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "a credentials batch 1 lists the authority's key as a credential",
    rule: "verification.md V9 (no credential equals the authority's key)",
    fail: ["V9"],
    tamper: (c) => {
      const body: CredentialsBody = {
        batch: 1,
        credentials: [{ key: c.g.manifest.authority, style: c.g.manifest.ballotStyles[0].id }],
      };
      const at = c.t.find("credentials") + 1;
      c.t.entries.splice(at, 0, c.t.sign("credentials", body, c.g.keys.registrar));
      c.t.save();
      c.items.push({ check: "V9", index: at });
    },
  },

  // ---- V10 eligibility and structure
  {
    id: "v10-challenged-by-non-credential",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "a ballot.challenged signed (validly) by a key that is not a credential",
    rule: "verification.md V10 (signed by a credential published before it)",
    fail: ["V10"],
    tamper: (c) => {
      const sk = seed("stranger");
      const v = lastVoterIndex(c.g);
      const enc = encryptFor(c.g, c, v);
      // Re-encrypt for the stranger's key (the proofs bind the signer).
      const key = c.t.entries[c.g.at.key].body as ElectionKeyBody;
      const cred = c.g.keys.credentials[v];
      const enc2 = encryptBallot({
        manifest: c.g.manifest,
        baseHash: computeBaseHash(ELECTION_ID, c.g.manifest),
        publicKey: decodeElement(fromBase64(key.publicKey)),
        signer: ed25519.getPublicKey(sk),
        style: cred.style,
        choices: enc.choices,
      });
      const e = c.t.sign(
        "ballot.challenged",
        challengeBallot(enc2.body, enc2.nonces, enc.choices),
        sk,
      );
      const at = c.t.find("voting.close");
      c.t.entries.splice(at, 0, e);
      c.t.save();
      c.items.push({ check: "V10", index: at });
    },
  },
  {
    id: "v10-wrong-style",
    base: "single",
    kind: "election",
    how: "malicious",
    changed:
      "a ballot.challenged whose style is not its credential's (structure of the other style)",
    rule: "verification.md V10 (style is the credential's)",
    fail: ["V10"],
    tamper: (c) => {
      const v = lastVoterIndex(c.g);
      const cred = c.g.keys.credentials[v];
      const other = c.g.manifest.ballotStyles.find((s) => s.id !== cred.style)!;
      const choices: Record<string, number[]> = {};
      for (const cid of other.contests) {
        const ct = c.g.manifest.contests.find((x) => x.id === cid)!;
        choices[cid] = ct.options.map((_, j) => (j === 0 ? 1 : 0));
      }
      const key = c.t.entries[c.g.at.key].body as ElectionKeyBody;
      const enc = encryptBallot({
        manifest: c.g.manifest,
        baseHash: computeBaseHash(ELECTION_ID, c.g.manifest),
        publicKey: decodeElement(fromBase64(key.publicKey)),
        signer: fromBase64(cred.publicKey),
        style: other.id,
        choices,
      });
      const e = c.t.sign(
        "ballot.challenged",
        challengeBallot(enc.body, enc.nonces, choices),
        cred.secretKey,
      );
      const at = c.t.find("voting.close");
      c.t.entries.splice(at, 0, e);
      c.t.save();
      c.items.push({ check: "V10", index: at });
    },
  },

  // ---- V11 one counted ballot per credential
  {
    id: "v11-single-second-ballot",
    base: "single",
    kind: "election",
    how: "malicious",
    changed:
      "under single, a voter who cast a ballot casts a second one; the tally counts the first (as the rule says)",
    rule: "verification.md V11",
    fail: ["V11"],
    tamper: (c) => {
      const first = c.t.countedBallots()[0];
      const v = c.t.voterOf(first);
      const enc = encryptFor(c.g, c, v, 1);
      const at = c.t.find("voting.close");
      c.t.entries.splice(at, 0, c.t.sign("ballot", enc.body, enc.cred.secretKey));
      c.t.save();
      c.items.push({ check: "V11", index: at });
    },
  },

  // ---- V12 ballot proofs
  {
    id: "v12-challenged-selection-proof",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "a ballot.challenged's first selection range proof has a response changed, re-signed",
    rule: "verification.md V12",
    fail: ["V12"],
    tamper: (c) => {
      const { i, body } = c.t.open<ChallengedBallotBody>(firstChallenged(c));
      const sel = body.ballot.contests[0].selections[0];
      sel.proof.v[0] = flipB64(sel.proof.v[0]);
      c.t.commit(i);
      c.items.push({ check: "V12", index: i, contest: body.ballot.contests[0].contest });
    },
  },
  {
    id: "v12-counted-contest-proof",
    base: "single",
    kind: "election",
    how: "malicious",
    changed:
      "a counted ballot's first contest proof has a response changed, re-signed by its voter; the published tally still counts it",
    rule: "verification.md V12; a ballot failing V12 is not counted (V14)",
    fail: ["V12", "V14"],
    tamper: (c) => {
      const { i, body } = c.t.open<BallotBody>(c.t.countedBallots()[0]);
      body.contests[0].proof.v[0] = flipB64(body.contests[0].proof.v[0]);
      c.t.commit(i);
      c.items.push({ check: "V12", index: i, contest: body.contests[0].contest });
    },
  },

  // ---- V13 challenged ballots
  {
    id: "v13-wrong-nonce",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "a ballot.challenged reveals a wrong nonce for its first selection, re-signed",
    rule: "verification.md V13",
    fail: ["V13"],
    tamper: (c) => {
      const { i, body } = c.t.open<ChallengedBallotBody>(firstChallenged(c));
      body.revealed[0].nonces[0] =
        body.revealed[0].nonces[1] ?? flipB64(body.revealed[0].nonces[0]);
      c.t.commit(i);
      c.items.push({ check: "V13", index: i, contest: body.revealed[0].contest });
    },
  },
  {
    id: "v4-challenged-choice-2",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "a ballot.challenged reveals the choice 2, re-signed (the schema allows only 0 and 1)",
    rule: "verification.md V4, V13 (every choice is 0 or 1)",
    fail: ["V4"],
    tamper: (c) => {
      const { i, body } = c.t.open<ChallengedBallotBody>(firstChallenged(c));
      body.revealed[0].choices[0] = 2;
      c.t.commit(i);
      c.items.push({ check: "V4", index: i });
    },
  },
  {
    id: "v13-challenged-ballot-cast",
    base: "last",
    kind: "election",
    how: "malicious",
    changed:
      "under last, a voter re-casts as a ballot the ciphertexts of their own earlier ballot.challenged (whose nonces are public); tally, shares and result count it",
    rule: "protocol.md: no ciphertext of a challenged ballot may be cast (V13)",
    fail: ["V13"],
    tamper: (c) => {
      const ci = firstChallenged(c);
      const v = c.t.voterOf(ci);
      const ballot = (c.t.entries[ci].body as ChallengedBallotBody).ballot;
      const at = c.t.find("voting.close");
      c.t.entries.splice(at, 0, c.t.sign("ballot", ballot, c.g.keys.credentials[v].secretKey));
      // The new ballot supersedes the voter's cast one.
      const counted = c.t
        .countedBallots()
        .filter((i) => c.t.voterOf(i) !== v)
        .concat([at]);
      c.t.retally(counted);
      c.t.save();
      c.items.push({ check: "V13", index: at });
    },
  },
  {
    id: "v13-cast-ballot-opened",
    base: "single",
    kind: "election",
    how: "malicious",
    changed:
      "the abstaining voter casts a ballot (counted), and then a ballot.challenged opening those same ciphertexts is appended",
    rule: "protocol.md: a cast ballot's ciphertexts may never be opened (V13)",
    fail: ["V13"],
    tamper: (c) => {
      const v = lastVoterIndex(c.g);
      const enc = encryptFor(c.g, c, v);
      const at = c.t.find("voting.close");
      c.t.entries.splice(
        at,
        0,
        c.t.sign("ballot", enc.body, enc.cred.secretKey),
        c.t.sign(
          "ballot.challenged",
          challengeBallot(enc.body, enc.nonces, enc.choices),
          enc.cred.secretKey,
        ),
      );
      c.t.retally([...c.t.countedBallots(), at]);
      c.t.save();
      c.items.push({ check: "V13", index: at + 1 });
    },
  },

  // ---- V14 encrypted tally
  {
    id: "v14-tally-ballot-count",
    base: "single",
    kind: "election",
    how: "malicious",
    changed:
      "the tally's `ballots` is one more than the counted ballots, re-signed by the authority",
    rule: "verification.md V14",
    fail: ["V14"],
    tamper: (c) => {
      const i = c.t.find("tally");
      (c.t.entries[i].body as TallyBody).ballots += 1;
      c.t.commit(i);
    },
  },
  {
    id: "v14-counted-ballot-dropped",
    base: "single",
    kind: "election",
    how: "malicious",
    changed:
      "the board drops a counted ballot from the log and re-signs; tally, shares and result are left as they were",
    rule: "verification.md V14 (the tally is the sum of the counted ballots)",
    fail: ["V14"],
    tamper: (c) => {
      const i = c.t.countedBallots()[0];
      c.t.entries.splice(i, 1);
      c.t.save();
    },
  },
  {
    id: "v14-ballot-dropped-retallied",
    base: "single",
    kind: "election",
    how: "malicious",
    changed:
      "the tally leaves out one counted ballot; the custodians decrypt that tally and the result matches it",
    rule: "verification.md V14",
    fail: ["V14"],
    tamper: (c) => {
      c.t.retally(c.t.countedBallots().slice(1));
      c.t.save();
    },
  },
  {
    id: "v14-superseded-counted",
    base: "last",
    kind: "election",
    how: "malicious",
    changed:
      "under last, the tally counts a revoter's superseded first ballot instead of the last; shares and result follow",
    rule: "verification.md V11, V14 (under last the last ballot counts)",
    fail: ["V14"],
    tamper: (c) => {
      const counted = c.t.countedBallots();
      const superseded = c.t
        .all("ballot")
        .find(
          (i) => !counted.includes(i) && counted.some((j) => c.t.voterOf(j) === c.t.voterOf(i)),
        )!;
      const last = counted.find((j) => c.t.voterOf(j) === c.t.voterOf(superseded))!;
      c.t.retally(counted.filter((j) => j !== last).concat([superseded]));
      c.t.save();
    },
  },

  // ---- V15 decryption shares
  {
    id: "v15-share-proof",
    base: "single",
    kind: "election",
    how: "malicious",
    changed:
      "the last custodian's share proof (not used by the result) has its response changed, re-signed",
    rule: "verification.md V15",
    fail: ["V15"],
    tamper: (c) => {
      const shares = c.t.all("decryption.share");
      const i = shares[shares.length - 1];
      const body = c.t.entries[i].body as DecryptionShareBody;
      body.contests[0].options[0].proof.v = flipB64(body.contests[0].options[0].proof.v);
      c.t.commit(i);
      c.items.push({
        check: "V15",
        index: i,
        custodian: body.custodian,
        contest: body.contests[0].contest,
        option: body.contests[0].options[0].option,
      });
    },
  },

  // ---- V16 combination
  {
    id: "v16-votes-changed",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "the result gives the first option one more vote, re-signed by the authority",
    rule: "verification.md V16",
    fail: ["V16"],
    tamper: (c) => {
      const { i, body } = c.t.open<ResultBody>(c.t.find("result"));
      body.contests[0].options[0].votes += 1;
      c.t.commit(i);
      c.items.push({
        check: "V16",
        contest: body.contests[0].contest,
        option: body.contests[0].options[0].option,
      });
    },
  },
  {
    id: "v16-too-few-custodians",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "the result names fewer custodians than the threshold, re-signed by the authority",
    rule: "verification.md V16 (threshold distinct custodians)",
    fail: ["V16"],
    tamper: (c) => {
      const { i, body } = c.t.open<ResultBody>(c.t.find("result"));
      body.custodians = body.custodians.slice(0, c.g.manifest.threshold - 1);
      c.t.commit(i);
    },
  },

  // ---- V17 result and labels
  {
    id: "v17-label-changed",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "the result's first option label differs from the manifest's, re-signed",
    rule: "verification.md V17",
    fail: ["V17"],
    tamper: (c) => {
      const { i, body } = c.t.open<ResultBody>(c.t.find("result"));
      body.contests[0].options[0].label = "Otro partido";
      c.t.commit(i);
      c.items.push({
        check: "V17",
        contest: body.contests[0].contest,
        option: body.contests[0].options[0].option,
      });
    },
  },
  {
    id: "v17-contest-missing",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "the result leaves out the last contest, re-signed",
    rule: "verification.md V17 (every contest exactly once)",
    fail: ["V17"],
    tamper: (c) => {
      const { i, body } = c.t.open<ResultBody>(c.t.find("result"));
      const gone = body.contests.pop()!;
      c.t.commit(i);
      c.items.push({ check: "V17", contest: gone.contest });
    },
  },
  {
    id: "v17-options-reordered",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "the result lists the first contest's options in reverse order, re-signed",
    rule: "verification.md V17 (manifest order)",
    fail: ["V17"],
    tamper: (c) => {
      const { i, body } = c.t.open<ResultBody>(c.t.find("result"));
      body.contests[0].options.reverse();
      c.t.commit(i);
      c.items.push({ check: "V17", contest: body.contests[0].contest });
    },
  },

  // ---- receipts
  {
    id: "receipt-honest",
    base: "single",
    kind: "receipt",
    how: "honest",
    changed: "nothing: a counted ballot's receipt against the honest record",
    rule: "every receipt step passes",
    fail: [],
    tamper: (c) => {
      c.receipt = c.t.receiptFor(c.t.countedBallots()[0]);
    },
  },
  {
    id: "receipt-r1-other-key",
    base: "single",
    kind: "receipt",
    how: "malicious",
    changed: "the receipt's checkpoint is signed by a key that is not the trusted board key",
    rule: "verification.md R1; R2 and R3 rest on the receipt's checkpoint, so they fail too",
    fail: ["R1", "R2", "R3"],
    tamper: (c) => {
      const i = c.t.countedBallots()[0];
      c.receipt = c.t.receiptFor(i, i + 1, { name: ORIGIN, seed: seed("other board") });
    },
  },
  {
    id: "receipt-r2-wrong-leaf",
    base: "single",
    kind: "receipt",
    how: "naive",
    changed: "the receipt's tracking code is another ballot's leaf hash",
    rule: "verification.md R2; that tracking code is not leaf `index` (R4) nor a counted ballot there (R5)",
    fail: ["R2", "R4", "R5"],
    tamper: (c) => {
      const [a, b] = c.t.countedBallots();
      const r = c.t.receiptFor(a);
      c.receipt = { ...r, trackingCode: c.t.receiptFor(b).trackingCode };
    },
  },
  {
    id: "receipt-r3-fork",
    base: "single",
    kind: "receipt",
    how: "malicious",
    changed:
      "the receipt is genuine; the board then replaces the voter's ballot with another ballot of the same voter and re-signs the log (a fork), tally and result follow",
    rule: "verification.md R3, R4; the receipt's ballot is no longer on the log (R5)",
    fail: ["R3", "R4", "R5"],
    tamper: (c) => {
      const i = c.t.countedBallots()[0];
      c.receipt = c.t.receiptFor(i);
      const v = c.t.voterOf(i);
      const enc = encryptFor(c.g, c, v, 2);
      c.t.entries[i] = c.t.sign("ballot", enc.body, enc.cred.secretKey);
      c.t.retally(
        c.t
          .countedBallots()
          .concat([i])
          .filter((x, k, a) => a.indexOf(x) === k),
      );
      c.t.save();
    },
  },
  {
    id: "receipt-r5-challenged",
    base: "single",
    kind: "receipt",
    how: "honest",
    changed: "the receipt of a ballot.challenged (audited, never counted)",
    rule: "verification.md R5 (a ballot.challenged is not counted)",
    fail: ["R5"],
    tamper: (c) => {
      c.receipt = c.t.receiptFor(firstChallenged(c));
    },
  },
  {
    id: "receipt-r5-superseded",
    base: "last",
    kind: "receipt",
    how: "honest",
    changed: "under last, the receipt of a ballot its voter later superseded",
    rule: "verification.md R5 (under last, no later ballot of the credential)",
    fail: ["R5"],
    tamper: (c) => {
      const counted = c.t.countedBallots();
      const superseded = c.t
        .all("ballot")
        .find(
          (i) => !counted.includes(i) && counted.some((j) => c.t.voterOf(j) === c.t.voterOf(i)),
        )!;
      c.receipt = c.t.receiptFor(superseded);
    },
  },

  // ---- display strings (protocol.md §2): control and bidi characters are refused by V4
  {
    id: "v4-label-bidi-override",
    base: "single",
    kind: "election",
    how: "malicious",
    changed:
      "a manifest option label carries U+202E (right-to-left override), re-signed by the authority, and the trust file pins that manifest",
    rule: "protocol.md §2 (display strings), verification.md V4 (schema)",
    fail: ["V4"],
    tamper: (c) => {
      const m = c.t.entries[0].body as Manifest;
      const o = m.contests[0].options[0];
      o.label = `${o.label} \u202e0001\u202c`;
      c.t.commit(0);
      if (c.trust.manifest) c.trust.manifest.baseHash = toBase64(computeBaseHash(ELECTION_ID, m));
      c.items.push({ check: "V4", index: 0 });
    },
  },
  {
    id: "v4-result-label-ansi",
    base: "single",
    kind: "election",
    how: "malicious",
    changed:
      "a result option label carries an ANSI escape sequence (ESC [2K, carriage return), re-signed by the authority",
    rule: "protocol.md §2 (display strings), verification.md V4 (schema), §Failing entries 4",
    fail: ["V4", "V16", "V17"],
    tamper: (c) => {
      const i = c.t.find("result");
      const b = c.t.entries[i].body as ResultBody;
      b.contests[0].options[0].label += "\u001b[2K\r";
      c.t.commit(i);
      c.items.push({ check: "V4", index: i });
      c.items.push({ check: "V16", index: i });
      c.items.push({ check: "V17", index: i });
    },
  },
  // ---- added last, so that the earlier cases' bytes stay as they were (the generator draws
  // every key, nonce and timestamp from one stream)
  {
    id: "v16-custodian-twice",
    base: "single",
    kind: "election",
    how: "malicious",
    changed: "the result names its first custodian twice, re-signed by the authority",
    rule: "verification.md V16 (threshold distinct custodians; not a schema error)",
    fail: ["V16"],
    tamper: (c) => {
      const { i, body } = c.t.open<ResultBody>(c.t.find("result"));
      body.custodians = [body.custodians[0], body.custodians[0]];
      c.t.commit(i);
      for (const rc of body.contests)
        c.items.push({
          check: "V16",
          index: i,
          contest: rc.contest,
          custodian: body.custodians[0],
        });
    },
  },
  {
    id: "v16-total-exceeds-ballots",
    base: "single",
    kind: "election",
    how: "malicious",
    changed:
      "the result gives an option of senaduria-09 one vote more than the counted ballots holding that contest, re-signed by the authority",
    rule: "verification.md V16 (RESULT_EXCEEDS_BALLOTS)",
    fail: ["V16"],
    tamper: (c) => {
      const contest = "senaduria-09";
      const holding = c.g.ballots.filter(
        (b) => b.type === "ballot" && b.counted && b.choices[contest],
      ).length;
      const { i, body } = c.t.open<ResultBody>(c.t.find("result"));
      const rc = body.contests.find((x) => x.contest === contest)!;
      rc.options[0].votes = holding + 1;
      c.t.commit(i);
      c.items.push({ check: "V16", index: i, contest, option: rc.options[0].option });
    },
  },
  {
    id: "v8-false-blame",
    base: "single",
    kind: "election",
    how: "malicious",
    changed:
      "custodian 3 posts a ceremony.blame of custodian 1's valid share after the round-1 entries (a real proof, signed by custodian 3); the rest of the ceremony follows it",
    rule: "ceremony.md §3.4-§3.5, §5 check B, §6; verification.md V8",
    fail: ["V8"],
    tamper: (c) => {
      const rounds = c.t.all("ceremony.round1");
      const at = rounds[rounds.length - 1] + 1;
      const setup = dkg.setupFromManifest(c.g.manifest, computeBaseHash(ELECTION_ID, c.g.manifest));
      const accused = dkg.round1FromBody(c.t.entries[rounds[0]].body).message;
      const blame = makeBlameRandom(
        setup,
        3,
        c.g.keys.custodians[2].dkgSecret,
        1,
        accused,
        "share-mismatch",
      );
      c.t.entries.splice(
        at,
        0,
        c.t.sign("ceremony.blame", dkg.blameToBody(blame) as never, c.g.keys.custodians[2].signing),
      );
      c.t.save();
      const firstCertify = c.t.find("ceremony.certify");
      c.items.push(
        { check: "V8", index: at, custodian: 3 },
        { check: "V8", index: firstCertify, custodian: 1 },
        { check: "V8", index: c.t.find("election.key") },
      );
    },
  },
  {
    id: "v8-blame-upheld",
    base: "single",
    kind: "election",
    how: "malicious",
    changed:
      "custodian 2's round-1 share to custodian 1 is replaced by bytes that do not authenticate (re-signed by custodian 2), custodian 1 posts a real blame of it, and the record ends there",
    rule: "ceremony.md §3.4, §5 check B, §6; verification.md V8",
    fail: ["V8"],
    tamper: (c) => {
      const rounds = c.t.all("ceremony.round1");
      c.t.entries.splice(rounds[rounds.length - 1] + 1);
      const k = rounds[1];
      const m = dkg.round1FromBody(c.t.entries[k].body).message;
      const bad = new Uint8Array(m.ciphertexts[0].length).fill(7);
      c.t.entries[k] = c.t.sign(
        "ceremony.round1",
        dkg.round1ToBody(2, { ...m, ciphertexts: [bad, ...m.ciphertexts.slice(1)] }) as never,
        c.g.keys.custodians[1].signing,
      );
      const setup = dkg.setupFromManifest(c.g.manifest, computeBaseHash(ELECTION_ID, c.g.manifest));
      const accused = dkg.round1FromBody(c.t.entries[k].body).message;
      const blame = makeBlameRandom(
        setup,
        1,
        c.g.keys.custodians[0].dkgSecret,
        2,
        accused,
        "decryption-failed",
      );
      c.t.entries.push(
        c.t.sign("ceremony.blame", dkg.blameToBody(blame) as never, c.g.keys.custodians[0].signing),
      );
      c.t.save();
      c.items.push({ check: "V8", index: c.t.entries.length - 1, custodian: 2 });
    },
  },
  ...attestationCases(),
];

/** The last attestation of the `attested` base (Firma B's), changed by `edit` and re-signed. */
function editLastAttestation(
  c: CaseContext,
  edit: (b: AttestationBody) => void,
  key: (c: CaseContext) => Uint8Array = (x) => firmKey(x, 1),
): number {
  const i = c.t.all("audit.attestation").at(-1) as number;
  edit(c.t.open<AttestationBody>(i).body);
  c.t.resignEntry(i, key(c));
  c.t.save();
  return i;
}

const firmKey = (c: CaseContext, k: number): Uint8Array =>
  (c.g.keys.auditors as { secretKey: Uint8Array }[])[k].secretKey;

function attestationCases(): CaseDef[] {
  const rule = "protocol.md §6.12; verification.md V18";
  const v18 = (id: string, changed: string, edit: (b: AttestationBody) => void): CaseDef => ({
    id,
    base: "attested",
    kind: "election",
    how: "malicious",
    changed,
    rule,
    fail: ["V18"],
    tamper: (c) => c.items.push({ check: "V18", index: editLastAttestation(c, edit) }),
  });
  return [
    {
      id: "v18-attested-honest",
      base: "attested",
      kind: "election",
      how: "honest",
      changed:
        "nothing: the manifest lists two auditing firms, and each verified the record and posted its attestation after the result",
      rule,
      fail: [],
      tamper: () => {},
    },
    v18(
      "v18-attestation-outcome-lies",
      "Firma B's attestation states that V9 failed, with its table hash recomputed to match, re-signed by Firma B",
      (b) => {
        b.checks[8].status = "fail";
        b.tableSha256 = attestationTableSha256(ELECTION_ID, b.checkpoint, b.checks, null);
      },
    ),
    v18(
      "v18-attestation-table-hash",
      "Firma B's attestation carries another table hash (its outcomes unchanged), re-signed by Firma B",
      (b) => {
        b.tableSha256 = b.tableSha256.replace(/^./, (x) => (x === "0" ? "1" : "0"));
      },
    ),
    v18(
      "v18-attestation-forged-checkpoint",
      "Firma B's attestation names a checkpoint whose root is not the log's root at its size, re-signed by Firma B",
      (b) => {
        b.checkpoint.root = flipB64(b.checkpoint.root);
      },
    ),
    v18(
      "v18-attestation-before-result-checkpoint",
      "Firma B's attestation names a checkpoint of a size before the result was complete, re-signed by Firma B",
      (b) => {
        b.checkpoint.size -= 2;
      },
    ),
    v18(
      "v18-attestation-wrong-firm",
      "Firma B's attestation names Firma A as its firm, re-signed by Firma B",
      (b) => {
        b.firm = "Firma A";
      },
    ),
    {
      id: "v18-attestation-unlisted-key",
      base: "attested",
      kind: "election",
      how: "malicious",
      changed: "Firma B's attestation is re-signed by a key the manifest does not list",
      rule: "protocol.md §6.12 (signer); verification.md V5",
      fail: ["V5"],
      tamper: (c) =>
        c.items.push({
          check: "V5",
          index: editLastAttestation(
            c,
            () => {},
            () => seed("unlisted-firm"),
          ),
        }),
    },
    v18(
      "v18-attestation-report-url-credentials",
      "Firma B's attestation names its report at an https URL carrying a user name and password, re-signed by Firma B",
      (b) => {
        b.report = {
          url: "https://firma:clave@firma-b.example/urna/report.json",
          sha256: "0".repeat(64),
        };
      },
    ),
  ];
}
