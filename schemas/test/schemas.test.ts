import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import {
  BODY_SCHEMA,
  ENTRY_TYPES,
  schemas,
  validateApiError,
  validateEntry,
  validateEntryBody,
  validateManifest,
  validateReceipt,
  validateReport,
  validateTrust,
} from "../src/index.js";
import type { EntryType, ValidationResult } from "../src/index.js";
import * as fx from "./fixtures.js";
import { b32, b64, entryEnvelope, sig } from "./fixtures.js";

type Json = unknown;
type Op = { set: string; to: Json } | { del: string };

/** Apply an RFC 6901 pointer edit to a deep copy. */
function edit(value: Json, op: Op): Json {
  const copy = structuredClone(value) as Record<string, unknown>;
  const pointer = "set" in op ? op.set : op.del;
  const tokens = pointer
    .split("/")
    .slice(1)
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
  let node: Record<string, unknown> = copy;
  for (const t of tokens.slice(0, -1)) node = node[t] as Record<string, unknown>;
  const last = tokens[tokens.length - 1];
  if ("set" in op) node[last] = op.to;
  else if (Array.isArray(node)) node.splice(Number(last), 1);
  else delete node[last];
  return copy;
}

/** A 32-byte value with non-canonical trailing bits (decodes, but does not re-encode to itself). */
const nonCanonical32 = (() => {
  const s = b32(1); // "AQEB...AQE="
  return `${s.slice(0, 42)}F=`; // 'F' sets one of the two unused bits
})();
const b31 = b64(31, 1);
const b33 = b64(33, 1);

interface Case {
  name: string;
  op: Op;
  path: string;
}

function suite<T>(
  name: string,
  validate: (x: unknown) => ValidationResult<T>,
  valid: Json[],
  cases: Case[],
): void {
  describe(name, () => {
    valid.forEach((v, i) => {
      it(`accepts valid example ${i}`, () => {
        const r = validate(v);
        if (!r.ok) expect(r.errors).toEqual([]);
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.value).toBe(v);
      });
    });
    for (const c of cases) {
      it(`refuses ${c.name} at ${c.path}`, () => {
        const bad = edit(valid[0], c.op);
        const r = validate(bad);
        expect(r.ok).toBe(false);
        if (!r.ok) {
          expect(r.errors.length).toBeGreaterThan(0);
          expect(r.errors.map((e) => e.path)).toContain(c.path);
          expect(r.errors[0].message.length).toBeGreaterThan(0);
        }
      });
    }
  });
}

const body = (type: EntryType) => (x: unknown) => validateEntryBody(type, x);

suite(
  "manifest",
  validateManifest,
  [fx.manifest, { ...fx.manifest, revotePolicy: "last" }],
  [
    { name: "missing member", op: { del: "/title" }, path: "/title" },
    {
      name: "missing nested member",
      op: { del: "/contests/0/options/1/label" },
      path: "/contests/0/options/1/label",
    },
    { name: "wrong type", op: { set: "/threshold", to: "2" }, path: "/threshold" },
    { name: "non-integer", op: { set: "/threshold", to: 1.5 }, path: "/threshold" },
    { name: "extra member", op: { set: "/extra", to: 1 }, path: "/extra" },
    {
      name: "extra nested member",
      op: { set: "/custodians/0/email", to: "x" },
      path: "/custodians/0/email",
    },
    { name: "oversized title", op: { set: "/title", to: "x".repeat(257) }, path: "/title" },
    {
      name: "empty label",
      op: { set: "/contests/0/options/0/label", to: "" },
      path: "/contests/0/options/0/label",
    },
    {
      name: "too many options",
      op: {
        set: "/contests/0/options",
        to: Array.from({ length: 65 }, (_, i) => ({ id: `o${i}`, label: "x" })),
      },
      path: "/contests/0/options",
    },
    { name: "no contests", op: { set: "/contests", to: [] }, path: "/contests" },
    { name: "31-byte key", op: { set: "/authority", to: b31 }, path: "/authority" },
    {
      name: "33-byte element",
      op: { set: "/custodians/1/dkgKey", to: b33 },
      path: "/custodians/1/dkgKey",
    },
    {
      name: "non-canonical base64",
      op: { set: "/registrar", to: nonCanonical32 },
      path: "/registrar",
    },
    {
      name: "base64url alphabet",
      op: { set: "/registrar", to: b32(0xfb).replace(/\+/g, "-") },
      path: "/registrar",
    },
    { name: "bad election id", op: { set: "/electionId", to: "MX-2024" }, path: "/electionId" },
    { name: "id too long", op: { set: "/electionId", to: "a".repeat(65) }, path: "/electionId" },
    { name: "wrong suite", op: { set: "/suite", to: "urna-v2" }, path: "/suite" },
    {
      name: "unknown revote policy",
      op: { set: "/revotePolicy", to: "many" },
      path: "/revotePolicy",
    },
    { name: "threshold 0", op: { set: "/threshold", to: 0 }, path: "/threshold" },
    {
      name: "custodian index 256",
      op: { set: "/custodians/0/index", to: 256 },
      path: "/custodians/0/index",
    },
    {
      name: "maxSelections 65",
      op: { set: "/contests/0/maxSelections", to: 65 },
      path: "/contests/0/maxSelections",
    },
    // A style listing a contest twice passes the schema: it is V6's rule (protocol.md §6.1).
  ],
);

suite(
  "credentials",
  body("credentials"),
  [fx.credentials],
  [
    { name: "missing member", op: { del: "/batch" }, path: "/batch" },
    { name: "wrong type", op: { set: "/credentials", to: "x" }, path: "/credentials" },
    {
      name: "extra member",
      op: { set: "/credentials/0/name", to: "Ana" },
      path: "/credentials/0/name",
    },
    {
      name: "501 credentials",
      op: {
        set: "/credentials",
        to: Array.from({ length: 501 }, () => ({ key: b32(1), style: "ent-09" })),
      },
      path: "/credentials",
    },
    { name: "empty batch", op: { set: "/credentials", to: [] }, path: "/credentials" },
    { name: "negative batch", op: { set: "/batch", to: -1 }, path: "/batch" },
    { name: "31-byte key", op: { set: "/credentials/1/key", to: b31 }, path: "/credentials/1/key" },
    {
      name: "bad style id",
      op: { set: "/credentials/0/style", to: "Ent_09" },
      path: "/credentials/0/style",
    },
  ],
);

suite(
  "election.key",
  body("election.key"),
  [fx.electionKey],
  [
    { name: "missing member", op: { del: "/publicKey" }, path: "/publicKey" },
    {
      name: "wrong type",
      op: { set: "/verificationShares", to: b32(1) },
      path: "/verificationShares",
    },
    { name: "extra member", op: { set: "/threshold", to: 2 }, path: "/threshold" },
    {
      name: "256 shares",
      op: { set: "/verificationShares", to: Array.from({ length: 256 }, () => b32(1)) },
      path: "/verificationShares",
    },
    {
      name: "33-byte share",
      op: { set: "/verificationShares/2", to: b33 },
      path: "/verificationShares/2",
    },
  ],
);

suite(
  "voting.open / voting.close",
  body("voting.open"),
  [fx.votingTime, { at: "2024-06-02T12:00:00.123456789Z" }],
  [
    { name: "missing member", op: { del: "/at" }, path: "/at" },
    { name: "wrong type", op: { set: "/at", to: 1717329600 }, path: "/at" },
    { name: "extra member", op: { set: "/note", to: "x" }, path: "/note" },
    { name: "non-UTC offset", op: { set: "/at", to: "2024-06-02T12:00:00+02:00" }, path: "/at" },
    { name: "space separator", op: { set: "/at", to: "2024-06-02 12:00:00Z" }, path: "/at" },
    { name: "month 13", op: { set: "/at", to: "2024-13-02T12:00:00Z" }, path: "/at" },
    {
      name: "oversized fraction",
      op: { set: "/at", to: "2024-06-02T12:00:00.1234567890Z" },
      path: "/at",
    },
  ],
);

suite(
  "ballot",
  body("ballot"),
  [fx.ballot],
  [
    { name: "missing member", op: { del: "/contests/0/proof" }, path: "/contests/0/proof" },
    {
      name: "wrong type",
      op: { set: "/contests/0/selections/0/ciphertext/alpha", to: 5 },
      path: "/contests/0/selections/0/ciphertext/alpha",
    },
    {
      name: "extra member",
      op: { set: "/contests/0/selections/1/ciphertext/gamma", to: b32(1) },
      path: "/contests/0/selections/1/ciphertext/gamma",
    },
    {
      name: "3-term selection proof",
      op: { set: "/contests/0/selections/0/proof/a", to: [b32(1), b32(2), b32(3)] },
      path: "/contests/0/selections/0/proof/a",
    },
    {
      name: "66-term contest proof",
      op: { set: "/contests/0/proof/c", to: Array.from({ length: 66 }, () => b32(1)) },
      path: "/contests/0/proof/c",
    },
    {
      name: "65 selections",
      op: {
        set: "/contests/0/selections",
        to: Array.from({ length: 65 }, () => fx.ballot.contests[0].selections[0]),
      },
      path: "/contests/0/selections",
    },
    {
      name: "31-byte beta",
      op: { set: "/contests/0/selections/1/ciphertext/beta", to: b31 },
      path: "/contests/0/selections/1/ciphertext/beta",
    },
    {
      name: "64-byte scalar",
      op: { set: "/contests/0/proof/v/1", to: sig(1) },
      path: "/contests/0/proof/v/1",
    },
  ],
);

suite(
  "ballot.challenged",
  body("ballot.challenged"),
  [fx.ballotChallenged],
  [
    { name: "missing member", op: { del: "/revealed" }, path: "/revealed" },
    {
      name: "wrong type",
      op: { set: "/revealed/0/choices/0", to: "0" },
      path: "/revealed/0/choices/0",
    },
    {
      name: "choice 2",
      op: { set: "/revealed/0/choices/1", to: 2 },
      path: "/revealed/0/choices/1",
    },
    { name: "extra member", op: { set: "/revealed/0/vote", to: 1 }, path: "/revealed/0/vote" },
    { name: "invalid nested ballot", op: { del: "/ballot/style" }, path: "/ballot/style" },
    {
      name: "65 nonces",
      op: { set: "/revealed/0/nonces", to: Array.from({ length: 65 }, () => b32(1)) },
      path: "/revealed/0/nonces",
    },
    {
      name: "31-byte nonce",
      op: { set: "/revealed/0/nonces/0", to: b31 },
      path: "/revealed/0/nonces/0",
    },
  ],
);

suite(
  "tally",
  body("tally"),
  [fx.tally],
  [
    { name: "missing member", op: { del: "/ballots" }, path: "/ballots" },
    { name: "wrong type", op: { set: "/contests/0/options", to: {} }, path: "/contests/0/options" },
    {
      name: "extra member",
      op: { set: "/contests/0/options/0/ciphertext/proof", to: b32(1) },
      path: "/contests/0/options/0/ciphertext/proof",
    },
    { name: "ballots beyond u32", op: { set: "/ballots", to: 4294967296 }, path: "/ballots" },
    {
      name: "129 contests",
      op: { set: "/contests", to: Array.from({ length: 129 }, () => fx.tally.contests[0]) },
      path: "/contests",
    },
    {
      name: "33-byte alpha",
      op: { set: "/contests/0/options/1/ciphertext/alpha", to: b33 },
      path: "/contests/0/options/1/ciphertext/alpha",
    },
  ],
);

suite(
  "decryption.share",
  body("decryption.share"),
  [fx.decryptionShare],
  [
    {
      name: "missing member",
      op: { del: "/contests/0/options/0/proof/v" },
      path: "/contests/0/options/0/proof/v",
    },
    { name: "wrong type", op: { set: "/custodian", to: "2" }, path: "/custodian" },
    { name: "custodian 0", op: { set: "/custodian", to: 0 }, path: "/custodian" },
    {
      name: "extra member",
      op: { set: "/contests/0/options/1/proof/c", to: b32(1) },
      path: "/contests/0/options/1/proof/c",
    },
    {
      name: "65 options",
      op: {
        set: "/contests/0/options",
        to: Array.from({ length: 65 }, () => fx.decryptionShare.contests[0].options[0]),
      },
      path: "/contests/0/options",
    },
    {
      name: "64-byte share",
      op: { set: "/contests/0/options/1/share", to: sig(1) },
      path: "/contests/0/options/1/share",
    },
  ],
);

suite(
  "result",
  body("result"),
  [fx.result],
  [
    { name: "missing member", op: { del: "/contests/0/title" }, path: "/contests/0/title" },
    {
      name: "wrong type",
      op: { set: "/contests/0/options/0/votes", to: "412" },
      path: "/contests/0/options/0/votes",
    },
    {
      name: "extra member",
      op: { set: "/contests/0/options/0/percent", to: 41.2 },
      path: "/contests/0/options/0/percent",
    },
    {
      name: "votes beyond 10^8",
      op: { set: "/contests/0/options/0/votes", to: 100000001 },
      path: "/contests/0/options/0/votes",
    },
    {
      name: "negative votes",
      op: { set: "/contests/0/options/1/votes", to: -1 },
      path: "/contests/0/options/1/votes",
    },
    // A repeated custodian passes the schema: it is V16's rule (verification.md V16).
    {
      name: "oversized label",
      op: { set: "/contests/0/options/1/label", to: "é".repeat(257) },
      path: "/contests/0/options/1/label",
    },
  ],
);

suite(
  "ceremony.round1",
  body("ceremony.round1"),
  [fx.ceremonyRound1],
  [
    { name: "missing member", op: { del: "/pop" }, path: "/pop" },
    { name: "wrong type", op: { set: "/commitments", to: b32(1) }, path: "/commitments" },
    { name: "extra member", op: { set: "/payload", to: b32(1) }, path: "/payload" },
    { name: "custodian 0", op: { set: "/custodian", to: 0 }, path: "/custodian" },
    {
      name: "256 commitments",
      op: { set: "/commitments", to: Array.from({ length: 256 }, () => b32(1)) },
      path: "/commitments",
    },
    {
      name: "256 ciphertexts",
      op: { set: "/ciphertexts", to: Array.from({ length: 256 }, () => b64(48, 1)) },
      path: "/ciphertexts",
    },
    {
      name: "oversized ciphertext",
      op: { set: "/ciphertexts/1", to: b64(65536, 1) },
      path: "/ciphertexts/1",
    },
    {
      name: "non-base64 ciphertext",
      op: { set: "/ciphertexts/2", to: "not base64!" },
      path: "/ciphertexts/2",
    },
    {
      name: "non-canonical ciphertext",
      op: { set: "/ciphertexts/0", to: `${b64(49, 1).slice(0, 65)}B==` },
      path: "/ciphertexts/0",
    },
    { name: "32-byte pop", op: { set: "/pop", to: b32(1) }, path: "/pop" },
    { name: "33-byte commitment", op: { set: "/commitments/1", to: b33 }, path: "/commitments/1" },
    { name: "31-byte ephemeral key", op: { set: "/ephemeralKey", to: b31 }, path: "/ephemeralKey" },
  ],
);

suite(
  "ceremony.certify",
  body("ceremony.certify"),
  [fx.ceremonyCertify],
  [
    { name: "missing member", op: { del: "/signature" }, path: "/signature" },
    { name: "wrong type", op: { set: "/custodian", to: "2" }, path: "/custodian" },
    { name: "extra member", op: { set: "/transcript", to: b32(1) }, path: "/transcript" },
    { name: "custodian 256", op: { set: "/custodian", to: 256 }, path: "/custodian" },
    { name: "65-byte signature", op: { set: "/signature", to: b64(65, 1) }, path: "/signature" },
  ],
);

suite(
  "ceremony.blame",
  body("ceremony.blame"),
  [fx.ceremonyBlame, { ...fx.ceremonyBlame, reason: "decryption-failed" }],
  [
    { name: "missing member", op: { del: "/ecdhStatic" }, path: "/ecdhStatic" },
    { name: "wrong type", op: { set: "/accused", to: [1] }, path: "/accused" },
    { name: "extra member", op: { set: "/share", to: b32(1) }, path: "/share" },
    { name: "unknown reason", op: { set: "/reason", to: "bad-pop" }, path: "/reason" },
    { name: "accused 256", op: { set: "/accused", to: 256 }, path: "/accused" },
    { name: "33-byte ECDH value", op: { set: "/ecdhEphemeral", to: b33 }, path: "/ecdhEphemeral" },
    { name: "32-byte proof", op: { set: "/proof", to: b32(1) }, path: "/proof" },
  ],
);

suite(
  "receipt",
  validateReceipt,
  [
    fx.receipt,
    { ...fx.receipt, entryType: "ballot.challenged", entry: entryEnvelope("ballot", fx.ballot) },
  ],
  [
    { name: "missing member", op: { del: "/proof" }, path: "/proof" },
    { name: "wrong type", op: { set: "/index", to: "1234" }, path: "/index" },
    { name: "extra member", op: { set: "/checkpoint", to: "x" }, path: "/checkpoint" },
    {
      name: "uppercase tracking code",
      op: { set: "/trackingCode", to: "0F".repeat(32) },
      path: "/trackingCode",
    },
    {
      name: "short tracking code",
      op: { set: "/trackingCode", to: "0f".repeat(31) },
      path: "/trackingCode",
    },
    {
      name: "non-ballot entry type",
      op: { set: "/entryType", to: "manifest" },
      path: "/entryType",
    },
    {
      name: "proof without header",
      op: { set: "/proof", to: "index 1234\n\nx\n1\nroot\n" },
      path: "/proof",
    },
    {
      name: "oversized proof",
      op: { set: "/proof", to: `c2sp.org/tlog-proof@v1\n${"A".repeat(65536)}` },
      path: "/proof",
    },
    { name: "version 2", op: { set: "/version", to: 2 }, path: "/version" },
    {
      name: "origin with a space",
      op: { set: "/origin", to: "urna ine/elections/x" },
      path: "/origin",
    },
    {
      name: "invalid embedded entry",
      op: { set: "/entry", to: { ...entryEnvelope("ballot", fx.ballot), signature: b32(1) } },
      path: "/entry/signature",
    },
  ],
);

suite(
  "trust",
  validateTrust,
  [fx.trust, { ...fx.trust, witnesses: [], quorum: 0 }],
  [
    { name: "missing member", op: { del: "/authority" }, path: "/authority" },
    { name: "wrong type", op: { set: "/quorum", to: "1" }, path: "/quorum" },
    { name: "extra member", op: { set: "/witnesses/0/name", to: "w" }, path: "/witnesses/0/name" },
    {
      name: "65 witnesses",
      op: { set: "/witnesses", to: Array.from({ length: 65 }, () => fx.trust.witnesses[0]) },
      path: "/witnesses",
    },
    { name: "negative quorum", op: { set: "/quorum", to: -1 }, path: "/quorum" },
    {
      name: "vkey without key id",
      op: { set: "/board/vkey", to: `urna.ine.mx+${b64(33, 1)}` },
      path: "/board/vkey",
    },
    {
      name: "vkey with uppercase key id",
      op: { set: "/witnesses/1/vkey", to: `w2+00FF00FF+${b64(33, 5)}` },
      path: "/witnesses/1/vkey",
    },
    { name: "33-byte authority key", op: { set: "/authority", to: b33 }, path: "/authority" },
  ],
);

suite(
  "report",
  validateReport,
  [fx.report, { ...fx.report, ok: true, checks: [] }, fx.passingReport],
  [
    {
      name: "missing member",
      op: { del: "/checks/2/failures/1/message" },
      path: "/checks/2/failures/1/message",
    },
    { name: "wrong type", op: { set: "/ok", to: "true" }, path: "/ok" },
    { name: "extra member", op: { set: "/checks/0/weight", to: 1 }, path: "/checks/0/weight" },
    {
      name: "extra failure member",
      op: { set: "/checks/2/failures/0/ballot", to: 1 },
      path: "/checks/2/failures/0/ballot",
    },
    { name: "bad check id", op: { set: "/checks/1/id", to: "X1" }, path: "/checks/1/id" },
    { name: "unknown status", op: { set: "/checks/0/status", to: "ok" }, path: "/checks/0/status" },
    {
      name: "257 checks",
      op: { set: "/checks", to: Array.from({ length: 257 }, () => fx.report.checks[0]) },
      path: "/checks",
    },
    {
      name: "oversized message",
      op: { set: "/checks/2/failures/0/message", to: "x".repeat(4097) },
      path: "/checks/2/failures/0/message",
    },
    { name: "31-byte root", op: { set: "/checkpoint/root", to: b31 }, path: "/checkpoint/root" },
    { name: "bad startedAt", op: { set: "/startedAt", to: "yesterday" }, path: "/startedAt" },
    {
      name: "a failure without its code",
      op: { del: "/checks/2/failures/0/code" },
      path: "/checks/2/failures/0/code",
    },
    {
      name: "a lowercase failure code",
      op: { set: "/checks/2/failures/0/code", to: "invalid_proof" },
      path: "/checks/2/failures/0/code",
    },
    { name: "missing complete", op: { del: "/complete" }, path: "/complete" },
    { name: "a result while checks fail", op: { set: "/result", to: fx.result }, path: "/ok" },
  ],
);

suite(
  "report with a verified result",
  validateReport,
  [fx.passingReport],
  [
    {
      name: "invalid result",
      op: { set: "/result/contests/0/options/0/votes", to: -5 },
      path: "/result/contests/0/options/0/votes",
    },
    { name: "a result while not complete", op: { set: "/complete", to: false }, path: "/complete" },
    { name: "a result while not ok", op: { set: "/ok", to: false }, path: "/ok" },
  ],
);

suite(
  "api error",
  validateApiError,
  [fx.apiError, { error: { code: "BAD_JSON", message: "" } }],
  [
    { name: "missing member", op: { del: "/error/message" }, path: "/error/message" },
    { name: "wrong type", op: { set: "/error/code", to: 400 }, path: "/error/code" },
    { name: "extra member", op: { set: "/status", to: 400 }, path: "/status" },
    { name: "lowercase code", op: { set: "/error/code", to: "wrong_phase" }, path: "/error/code" },
    {
      name: "oversized message",
      op: { set: "/error/message", to: "x".repeat(4097) },
      path: "/error/message",
    },
    {
      name: "path that is not a pointer",
      op: { set: "/error/path", to: "body.contests" },
      path: "/error/path",
    },
  ],
);

// ---------------------------------------------------------------------------------------------
// The envelope, with every body type selected by `type`.

const bodies: Record<EntryType, unknown> = {
  manifest: fx.manifest,
  credentials: fx.credentials,
  "ceremony.round1": fx.ceremonyRound1,
  "ceremony.certify": fx.ceremonyCertify,
  "ceremony.blame": fx.ceremonyBlame,
  "election.key": fx.electionKey,
  "voting.open": fx.votingTime,
  "voting.close": fx.votingTime,
  ballot: fx.ballot,
  "ballot.challenged": fx.ballotChallenged,
  tally: fx.tally,
  "decryption.share": fx.decryptionShare,
  result: fx.result,
  "audit.attestation": {
    firm: "Firma A",
    verifier: { name: "urna-verify", version: "0.1.0" },
    checkpoint: { size: 12, root: "A".repeat(43) + "=" },
    checks: Array.from({ length: 17 }, (_, k) => ({ id: `V${k + 1}`, status: "pass" })),
    tableSha256: "0".repeat(64),
    opinion: "Sin observaciones.",
  },
};

suite(
  "entry envelope",
  validateEntry,
  ENTRY_TYPES.map((t) => entryEnvelope(t, bodies[t])),
  [
    { name: "missing signature", op: { del: "/signature" }, path: "/signature" },
    { name: "missing body", op: { del: "/body" }, path: "/body" },
    { name: "unknown type", op: { set: "/type", to: "vote" }, path: "/type" },
    { name: "wrong type of body", op: { set: "/body", to: [] }, path: "/body" },
    { name: "extra member", op: { set: "/index", to: 0 }, path: "/index" },
    { name: "bad election id", op: { set: "/election", to: "Mx 2024" }, path: "/election" },
    { name: "31-byte signer", op: { set: "/signer", to: b31 }, path: "/signer" },
    { name: "32-byte signature", op: { set: "/signature", to: b32(1) }, path: "/signature" },
    {
      name: "non-canonical signature",
      op: { set: "/signature", to: `${sig(1).slice(0, 85)}B==` },
      path: "/signature",
    },
    {
      name: "manifest body with a bad member",
      op: { set: "/body/threshold", to: 0 },
      path: "/body/threshold",
    },
    { name: "manifest body with an extra member", op: { set: "/body/x", to: 0 }, path: "/body/x" },
  ],
);

describe("entry body selected by type", () => {
  for (const t of ENTRY_TYPES) {
    it(`${t}: body is checked against the ${BODY_SCHEMA[t]} schema`, () => {
      expect(validateEntry(entryEnvelope(t, bodies[t])).ok).toBe(true);
      const r = validateEntryBody(t, bodies[t]);
      expect(r.ok).toBe(true);
      // A body of another shape is refused under this type, with a path inside /body.
      const other: unknown = t === "tally" ? fx.result : fx.tally;
      const bad = validateEntry(entryEnvelope(t, other));
      expect(bad.ok).toBe(false);
      if (!bad.ok) expect(bad.errors[0].path.startsWith("/body/")).toBe(true);
    });
  }

  it("a ballot body under type voting.open is refused at /body/at", () => {
    const r = validateEntry(entryEnvelope("voting.open", fx.ballot));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.path)).toContain("/body/at");
  });

  it("validateEntryBody refuses an unknown type", () => {
    expect(validateEntryBody("vote" as EntryType, {}).ok).toBe(false);
  });

  it("refuses non-objects at the root", () => {
    for (const x of [null, 1, "x", [], undefined]) {
      const r = validateEntry(x);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors[0].path).toBe("");
    }
  });
});

describe("exported schema objects", () => {
  it("every schema is draft 2020-12 with an https://urna.example/schemas/v1/ $id", () => {
    for (const [name, s] of Object.entries(schemas)) {
      expect(s.$schema, name).toBe("https://json-schema.org/draft/2020-12/schema");
      expect(s.$id, name).toMatch(/^https:\/\/urna\.example\/schemas\/v1\/[a-z0-9-]+\.json$/);
      expect(typeof s.description, name).toBe("string");
    }
    expect(new Set(Object.values(schemas).map((s) => s.$id)).size).toBe(
      Object.keys(schemas).length,
    );
  });

  it("compile standalone in a fresh strict Ajv (as docs or a browser would use them)", () => {
    const ajv = new Ajv2020({ strict: true, schemas: Object.values(schemas) as object[] });
    const v = ajv.getSchema(schemas.entry.$id);
    expect(v).toBeTypeOf("function");
    expect(v?.(entryEnvelope("ballot", fx.ballot))).toBe(true);
    expect(v?.(entryEnvelope("ballot", fx.manifest))).toBe(false);
  });

  it("every object schema forbids additional properties", () => {
    const loose: string[] = [];
    const walk = (node: unknown, where: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${where}/${i}`));
      if (node === null || typeof node !== "object") return;
      const o = node as Record<string, unknown>;
      // A map (propertyNames plus a value schema) names its keys exactly; it is not loose.
      const isMap =
        typeof o.propertyNames === "object" && typeof o.additionalProperties === "object";
      if (o.type === "object" && o.additionalProperties !== false && !isMap) loose.push(where);
      for (const [k, v] of Object.entries(o)) walk(v, `${where}/${k}`);
    };
    for (const [name, s] of Object.entries(schemas)) walk(s, name);
    expect(loose).toEqual(["entry/properties/body"]); // the body is checked by its type's schema
  });

  it("every string and array is bounded", () => {
    const unbounded: string[] = [];
    const walk = (node: unknown, where: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${where}/${i}`));
      if (node === null || typeof node !== "object") return;
      const o = node as Record<string, unknown>;
      if (o.type === "string" && o.maxLength === undefined) unbounded.push(where);
      if (o.type === "array" && o.maxItems === undefined) unbounded.push(where);
      for (const [k, v] of Object.entries(o)) walk(v, `${where}/${k}`);
    };
    for (const [name, s] of Object.entries(schemas)) walk(s, name);
    expect(unbounded).toEqual([]);
  });
});

describe("display strings (protocol.md §2): no control or bidi characters", () => {
  // Every character class the rule forbids: C0 (ANSI ESC, NUL, newline, tab), DEL, C1 (CSI),
  // the Arabic letter mark, LRM/RLM, line and paragraph separators, embeddings and overrides,
  // isolates.
  const forbidden = [
    "\u0000",
    "\u0009",
    "\u000a",
    "\u000d",
    "\u001b",
    "\u001f",
    "\u007f",
    "\u0085",
    "\u009b",
    "\u061c",
    "\u200e",
    "\u200f",
    "\u2028",
    "\u2029",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
  ];
  const places: [string, (x: unknown) => ValidationResult<unknown>, Json, string][] = [
    ["manifest title", validateManifest, fx.manifest, "/title"],
    ["custodian name", validateManifest, fx.manifest, "/custodians/0/name"],
    ["contest title", validateManifest, fx.manifest, "/contests/0/title"],
    ["option label", validateManifest, fx.manifest, "/contests/0/options/0/label"],
    ["result title", body("result"), fx.result, "/contests/0/title"],
    ["result label", body("result"), fx.result, "/contests/0/options/0/label"],
    ["report verifier", validateReport, fx.report, "/verifier"],
    ["check title", validateReport, fx.report, "/checks/0/title"],
    ["check reason", validateReport, fx.report, "/checks/1/reason"],
    ["failure message", validateReport, fx.report, "/checks/2/failures/0/message"],
    ["api error message", validateApiError, fx.apiError, "/error/message"],
  ];
  it.each(places)("refuses every forbidden character in the %s", (_n, validate, value, path) => {
    for (const ch of forbidden) {
      const bad = edit(value, { set: path, to: `Morena ${ch}1000` });
      const r = validate(bad);
      expect(r.ok, `U+${ch.codePointAt(0)!.toString(16).padStart(4, "0")} at ${path}`).toBe(false);
      if (!r.ok) {
        expect(r.errors.map((e) => e.path)).toContain(path);
        expect(r.errors[0].message).toMatch(/control characters or bidi controls/);
      }
    }
  });
  it.each(places)("accepts ordinary text in the %s", (_n, validate, value, path) => {
    for (const ok of ["Candidatura no registrada", "Xóchitl Gálvez Ruiz", "عربي עברית", "✓ 👍"]) {
      const r = validate(edit(value, { set: path, to: ok }));
      if (!r.ok) expect(r.errors).toEqual([]);
    }
  });

  it("every unrestricted string of every schema is a display string", () => {
    // A string without a pattern, enum or const is free text: it must be the shared
    // displayText (directly or through text/message). The only exception is the receipt's
    // tlog-proof, a multi-line signed structure that is parsed, never displayed.
    const exceptions = new Set(["receipt#/properties/proof"]);
    const loose: string[] = [];
    const walk = (node: unknown, where: string): void => {
      if (Array.isArray(node)) return node.forEach((x, i) => walk(x, `${where}/${i}`));
      if (!node || typeof node !== "object") return;
      const o = node as Record<string, unknown>;
      const restricted =
        "pattern" in o ||
        "enum" in o ||
        "const" in o ||
        (typeof o.$ref === "string" && o.$ref !== "");
      if (o.type === "string" && !restricted && !exceptions.has(where)) loose.push(where);
      for (const [k, v] of Object.entries(o)) walk(v, `${where}/${k}`);
    };
    for (const [name, s] of Object.entries(schemas)) walk(s, `${name}#`);
    expect(loose).toEqual([]);
    expect(
      (schemas.defs as unknown as { $defs: Record<string, { $ref?: string }> }).$defs.text.$ref,
    ).toBe("#/$defs/displayText");
    expect(
      (schemas.defs as unknown as { $defs: Record<string, { $ref?: string }> }).$defs.message.$ref,
    ).toBe("#/$defs/displayText");
  });
});
