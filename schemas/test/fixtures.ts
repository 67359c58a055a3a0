/**
 * Valid example of every urna-v1 object, typed with the TypeScript types of src/types.ts (so
 * `tsc -p tests` checks that the types and the schemas describe the same shapes).
 * Byte strings are well-formed base64 of the right length; they are not real keys or proofs.
 */
import type {
  ApiError,
  BallotBody,
  CeremonyBlameBody,
  CeremonyCertifyBody,
  CeremonyRound1Body,
  ChallengedBallotBody,
  CredentialsBody,
  DecryptionShareBody,
  ElectionKeyBody,
  Manifest,
  RangeProofJson,
  Receipt,
  ResultBody,
  TallyBody,
  TimeBody,
  TrustFile,
  VerificationReport,
} from "../src/types.js";

export const b64 = (n: number, fill: number): string =>
  Buffer.from(new Uint8Array(n).fill(fill)).toString("base64");
export const b32 = (fill: number): string => b64(32, fill);
export const sig = (fill: number): string => b64(64, fill);

const proof = (d: number): RangeProofJson => ({
  a: Array.from({ length: d }, (_, i) => b32(10 + i)),
  b: Array.from({ length: d }, (_, i) => b32(20 + i)),
  c: Array.from({ length: d }, (_, i) => b32(30 + i)),
  v: Array.from({ length: d }, (_, i) => b32(40 + i)),
});

export const manifest: Manifest = {
  electionId: "mx-2024-abroad",
  title: "Proceso Electoral Federal 2023-2024: voto desde el extranjero",
  suite: "urna-v1",
  authority: b32(1),
  registrar: b32(2),
  custodians: [1, 2, 3].map((i) => ({
    index: i,
    name: `Custodio ${i}`,
    signingKey: b32(100 + i),
    dkgKey: b32(110 + i),
  })),
  threshold: 2,
  revotePolicy: "single",
  contests: [
    {
      id: "presidencia",
      title: "Presidencia de la República",
      minSelections: 0,
      maxSelections: 1,
      options: [
        { id: "pan-pri-prd", label: "PAN-PRI-PRD" },
        { id: "morena", label: "MORENA-PT-PVEM" },
      ],
    },
  ],
  ballotStyles: [{ id: "ent-09", contests: ["presidencia"] }],
};

export const credentials: CredentialsBody = {
  batch: 0,
  credentials: [
    { key: b32(50), style: "ent-09" },
    { key: b32(51), style: "ent-09" },
  ],
};

export const electionKey: ElectionKeyBody = {
  publicKey: b32(60),
  verificationShares: [b32(61), b32(62), b32(63)],
};

export const votingTime: TimeBody = { at: "2024-06-02T12:00:00Z" };

export const ballot: BallotBody = {
  style: "ent-09",
  contests: [
    {
      contest: "presidencia",
      selections: [
        { ciphertext: { alpha: b32(70), beta: b32(71) }, proof: proof(2) },
        { ciphertext: { alpha: b32(72), beta: b32(73) }, proof: proof(2) },
      ],
      proof: proof(2),
    },
  ],
};

export const ballotChallenged: ChallengedBallotBody = {
  ballot,
  revealed: [{ contest: "presidencia", choices: [0, 1], nonces: [b32(80), b32(81)] }],
};

export const tally: TallyBody = {
  ballots: 1000,
  contests: [
    {
      contest: "presidencia",
      options: [
        { option: "pan-pri-prd", ciphertext: { alpha: b32(0), beta: b32(0) } },
        { option: "morena", ciphertext: { alpha: b32(90), beta: b32(91) } },
      ],
    },
  ],
};

export const decryptionShare: DecryptionShareBody = {
  custodian: 2,
  contests: [
    {
      contest: "presidencia",
      options: [
        { option: "pan-pri-prd", share: b32(0), proof: { a: b32(92), b: b32(0), v: b32(93) } },
        { option: "morena", share: b32(94), proof: { a: b32(95), b: b32(96), v: b32(97) } },
      ],
    },
  ],
};

export const result: ResultBody = {
  custodians: [1, 3],
  contests: [
    {
      contest: "presidencia",
      title: "Presidencia de la República",
      options: [
        { option: "pan-pri-prd", label: "PAN-PRI-PRD", votes: 412 },
        { option: "morena", label: "MORENA-PT-PVEM", votes: 588 },
      ],
    },
  ],
};

export const ceremonyRound1: CeremonyRound1Body = {
  custodian: 1,
  commitments: [b32(120), b32(121)],
  pop: sig(122),
  ephemeralKey: b32(123),
  ciphertexts: [b64(48, 124), b64(48, 125), b64(48, 126)],
};
export const ceremonyCertify: CeremonyCertifyBody = { custodian: 2, signature: sig(127) };
export const ceremonyBlame: CeremonyBlameBody = {
  custodian: 3,
  accused: 1,
  reason: "share-mismatch",
  ecdhEphemeral: b32(128),
  ecdhStatic: b32(129),
  proof: sig(130),
};

export const entryEnvelope = <B>(type: string, body: B) => ({
  type,
  election: "mx-2024-abroad",
  body,
  signer: b32(7),
  signature: sig(8),
});

export const receipt: Receipt = {
  version: 1,
  election: "mx-2024-abroad",
  origin: "urna.ine.mx/elections/mx-2024-abroad",
  index: 1234,
  trackingCode: "0f".repeat(32),
  entryType: "ballot",
  proof: `c2sp.org/tlog-proof@v1\nindex 1234\n${b32(1)}\n\nurna.ine.mx/elections/mx-2024-abroad\n1300\n${b32(2)}\n\n— urna.ine.mx ${b64(68, 3)}\n`,
};

export const trust: TrustFile = {
  version: 1,
  election: "mx-2024-abroad",
  board: { vkey: `urna.ine.mx+1a2b3c4d+${b64(33, 1)}` },
  authority: b32(1),
  witnesses: [
    { vkey: `witness1.example+5e6f7a8b+${b64(33, 4)}` },
    { vkey: `witness2.example+00ff00ff+${b64(33, 5)}` },
  ],
  quorum: 1,
};

export const report: VerificationReport = {
  version: 1,
  verifier: "urna-verify 0.1.0",
  election: "mx-2024-abroad",
  checkpoint: { origin: "urna.ine.mx/elections/mx-2024-abroad", size: 1300, root: b32(9) },
  startedAt: "2024-06-03T08:15:30.125Z",
  durationMs: 5321,
  ok: false,
  complete: false,
  checks: [
    { id: "V1", title: "Log root", status: "pass", items: 1300, failures: [] },
    {
      id: "V3",
      title: "Witness quorum",
      status: "skip",
      reason: "quorum 0",
      items: 0,
      failures: [],
    },
    {
      id: "V12",
      title: "Ballot proofs",
      status: "fail",
      items: 1000,
      failures: [
        {
          index: 77,
          trackingCode: "ab".repeat(32),
          contest: "presidencia",
          option: "morena",
          code: "INVALID_PROOF",
          message: "INVALID_PROOF: range proof fails",
        },
        { custodian: 2, code: "INVALID_PROOF", message: "INVALID_PROOF: bad share" },
      ],
      failuresOmitted: 3,
    },
  ],
};

/** A report with a verified result: every check passed. */
export const passingReport: VerificationReport = {
  ...report,
  ok: true,
  complete: true,
  checks: [
    { id: "V1", title: "Log root", status: "pass", items: 1300, failures: [] },
    { id: "V17", title: "Result and labels", status: "pass", items: 6, failures: [] },
  ],
  result,
};

export const apiError: ApiError = {
  error: {
    code: "WRONG_PHASE",
    message: "ballot is not accepted in phase setup",
    path: "/body/contests/0",
  },
};
