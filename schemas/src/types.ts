/**
 * TypeScript types of every urna-v1 JSON object, as spec/protocol.md §5-§6 define them.
 * Bytes are base64 strings (RFC 4648 §4); `Elt` is a ristretto255 element, `Scalar` a 32-byte
 * little-endian scalar, `Key` an Ed25519 public key.
 */
export type B64 = string;
export type Elt = B64;
export type Scalar = B64;
export type Key = B64;

export type EntryType =
  | "manifest"
  | "credentials"
  | "ceremony.round1"
  | "ceremony.certify"
  | "ceremony.blame"
  | "election.key"
  | "voting.open"
  | "voting.close"
  | "ballot"
  | "ballot.challenged"
  | "tally"
  | "decryption.share"
  | "result"
  | "audit.attestation";

export interface Entry<T extends EntryType = EntryType, B = unknown> {
  type: T;
  election: string;
  body: B;
  signer: Key;
  signature: B64;
}

export interface Option {
  id: string;
  label: string;
}
export interface Contest {
  id: string;
  title: string;
  minSelections: number;
  maxSelections: number;
  options: Option[];
}
export interface BallotStyle {
  id: string;
  contests: string[];
}
export interface CustodianInfo {
  index: number;
  name: string;
  signingKey: Key;
  dkgKey: Elt;
}
export type RevotePolicy = "single" | "last";
export interface Manifest {
  electionId: string;
  title: string;
  suite: "urna-v1";
  authority: Key;
  registrar: Key;
  custodians: CustodianInfo[];
  threshold: number;
  revotePolicy: RevotePolicy;
  contests: Contest[];
  ballotStyles: BallotStyle[];
  /** The auditing firms whose attestations the board accepts (protocol.md §6.12). */
  auditors?: AuditorInfo[];
}
export interface AuditorInfo {
  name: string;
  key: Key;
}

/** Body of `audit.attestation` (protocol.md §6.12). */
export interface AttestationBody {
  firm: string;
  verifier: { name: string; version: string };
  checkpoint: { size: number; root: B64 };
  checks: { id: string; status: "pass" | "fail" | "skip" }[];
  /** SHA-256 (hex) of the attestation table. */
  tableSha256: string;
  opinion: string;
  /** Where the firm publishes its full JSON report, and the SHA-256 (hex) of its bytes. */
  report?: { url: string; sha256: string };
}

export interface Credential {
  key: Key;
  style: string;
}
export interface CredentialsBody {
  batch: number;
  credentials: Credential[];
}

export interface ElectionKeyBody {
  publicKey: Elt;
  verificationShares: Elt[];
}

export interface TimeBody {
  at: string;
}

export interface CiphertextJson {
  alpha: Elt;
  beta: Elt;
}
/** Disjunctive Chaum-Pedersen range proof, protocol.md §8.2: d commitments, challenges, responses. */
export interface RangeProofJson {
  a: Elt[];
  b: Elt[];
  c: Scalar[];
  v: Scalar[];
}
export interface SelectionJson {
  ciphertext: CiphertextJson;
  proof: RangeProofJson;
}
export interface BallotContestJson {
  contest: string;
  selections: SelectionJson[];
  proof: RangeProofJson;
}
export interface BallotBody {
  style: string;
  contests: BallotContestJson[];
}
export interface RevealedContest {
  contest: string;
  choices: number[];
  nonces: Scalar[];
}
export interface ChallengedBallotBody {
  ballot: BallotBody;
  revealed: RevealedContest[];
}

export interface TallyOption {
  option: string;
  ciphertext: CiphertextJson;
}
export interface TallyContest {
  contest: string;
  options: TallyOption[];
}
export interface TallyBody {
  ballots: number;
  contests: TallyContest[];
}

/** Chaum-Pedersen proof of a decryption share, protocol.md §10.2. */
export interface DecryptionProofJson {
  a: Elt;
  b: Elt;
  v: Scalar;
}
export interface ShareOption {
  option: string;
  share: Elt;
  proof: DecryptionProofJson;
}
export interface ShareContest {
  contest: string;
  options: ShareOption[];
}
export interface DecryptionShareBody {
  custodian: number;
  contests: ShareContest[];
}

export interface ResultOption {
  option: string;
  label: string;
  votes: number;
}
export interface ResultContest {
  contest: string;
  title: string;
  options: ResultOption[];
}
export interface ResultBody {
  custodians: number[];
  contests: ResultContest[];
}

/** `ceremony.round1` (custodian i), spec/ceremony.md §3.1: COCKTAIL-DKG round-1 message. */
export interface CeremonyRound1Body {
  custodian: number;
  /** C_{i,0}..C_{i,t-1}. */
  commitments: Elt[];
  /** PoP_i, 64-byte Schnorr signature. */
  pop: B64;
  /** E_i. */
  ephemeralKey: Elt;
  /** c_{i,1}..c_{i,n}: raw AEAD ciphertexts (no length prefix), in recipient order. */
  ciphertexts: B64[];
}
/** `ceremony.certify` (custodian i), spec/ceremony.md §3.3: sig_i on the transcript T. */
export interface CeremonyCertifyBody {
  custodian: number;
  /** 64-byte Schnorr signature. */
  signature: B64;
}
export type CeremonyBlameReason = "decryption-failed" | "bad-plaintext" | "share-mismatch";
/** `ceremony.blame` (custodian i, the accuser), spec/ceremony.md §3.4. */
export interface CeremonyBlameBody {
  custodian: number;
  accused: number;
  reason: CeremonyBlameReason;
  /** S^e = d_i·E_j. */
  ecdhEphemeral: Elt;
  /** S^d = d_i·P_j. */
  ecdhStatic: Elt;
  /** c || z, 64 bytes. */
  proof: B64;
}

/**
 * @deprecated Kept so that existing casts (`b as CeremonyBody`) still type-check against every
 * ceremony entry type; it is the intersection of the three bodies, not a real shape. Use
 * CeremonyRound1Body, CeremonyCertifyBody or CeremonyBlameBody (the verifier's Round1Body,
 * CertifyBody and BlameBody are structurally identical to them).
 */
export type CeremonyBody = CeremonyRound1Body & CeremonyCertifyBody & CeremonyBlameBody;

/** The body type of each entry type. */
export interface EntryBodyMap {
  manifest: Manifest;
  credentials: CredentialsBody;
  "ceremony.round1": CeremonyRound1Body;
  "ceremony.certify": CeremonyCertifyBody;
  "ceremony.blame": CeremonyBlameBody;
  "election.key": ElectionKeyBody;
  "voting.open": TimeBody;
  "voting.close": TimeBody;
  ballot: BallotBody;
  "ballot.challenged": ChallengedBallotBody;
  tally: TallyBody;
  "decryption.share": DecryptionShareBody;
  result: ResultBody;
  "audit.attestation": AttestationBody;
}

/** An entry whose body type follows its `type` (discriminated union over every entry type). */
export type AnyEntry = { [T in EntryType]: Entry<T, EntryBodyMap[T]> }[EntryType];

export type ManifestEntry = Entry<"manifest", Manifest>;
export type CredentialsEntry = Entry<"credentials", CredentialsBody>;
export type ElectionKeyEntry = Entry<"election.key", ElectionKeyBody>;
export type VotingOpenEntry = Entry<"voting.open", TimeBody>;
export type VotingCloseEntry = Entry<"voting.close", TimeBody>;
export type BallotEntry = Entry<"ballot", BallotBody>;
export type ChallengedBallotEntry = Entry<"ballot.challenged", ChallengedBallotBody>;
export type CeremonyRound1Entry = Entry<"ceremony.round1", CeremonyRound1Body>;
export type CeremonyCertifyEntry = Entry<"ceremony.certify", CeremonyCertifyBody>;
export type CeremonyBlameEntry = Entry<"ceremony.blame", CeremonyBlameBody>;
export type TallyEntry = Entry<"tally", TallyBody>;
export type DecryptionShareEntry = Entry<"decryption.share", DecryptionShareBody>;
export type ResultEntry = Entry<"result", ResultBody>;
export type AttestationEntry = Entry<"audit.attestation", AttestationBody>;

/** API error body, spec/api.md. `path` is the JSON pointer of the offending value. */
export interface ApiError {
  error: { code: string; message: string; path?: string };
}

/** Voter receipt, spec/record.md §Receipt. */
export interface Receipt {
  version: 1;
  election: string;
  /** Checkpoint origin, `<board name>/elections/<election>`. */
  origin: string;
  index: number;
  /** RFC 6962 leaf hash of the entry, 64 lowercase hex digits. */
  trackingCode: string;
  /** The human tracking code derived from `trackingCode` (spec/log.md §8), shown to voters. */
  humanCode?: string;
  entryType: "ballot" | "ballot.challenged";
  /** C2SP tlog-proof text (starts with "c2sp.org/tlog-proof@v1\n"). */
  proof: string;
  entry?: AnyEntry;
}

/** Verifier trust file, spec/record.md §Trust file. */
export interface TrustFile {
  /** 2: the pins below are all present; 1: none of them (spec/record.md §Trust file). */
  version: 1 | 2;
  election: string;
  /** The board's signed-note verifier key `<name>+<hex id>+<base64>`. */
  board: { vkey: string };
  authority: Key;
  /** Witness tlog-cosignature verifier keys. */
  witnesses: { vkey: string }[];
  /** Distinct witness cosignatures required on every checkpoint relied on (0: none). */
  quorum: number;
  /** Version 2: the official manifest's baseHash (base64, 64 bytes). */
  manifest?: { baseHash: string };
  /** Version 2: the registrar's key. */
  registrar?: Key;
  /** Version 2: the custodians' signing keys, custodian 1 first. */
  custodians?: Key[];
  /** Version 2: registered voters (the nominal list) per ballot style id. */
  registered?: Record<string, number>;
}

export type CheckStatus = "pass" | "fail" | "skip";
/** One located failure of a check. */
export interface CheckFailure {
  index?: number;
  trackingCode?: string;
  contest?: string;
  option?: string;
  custodian?: number;
  /** The stable failure code (spec/verification.md §Failure codes), `^[A-Z][A-Z0-9_]*$`. */
  code: string;
  /** For people: starts with `code` and ": ". */
  message: string;
}
export interface CheckReport {
  /** "V1", "V2", ... as numbered in spec/verification.md. */
  id: string;
  title: string;
  status: CheckStatus;
  reason?: string;
  /** How many items the check examined. */
  items: number;
  failures: CheckFailure[];
  /** Failures not listed in `failures` (list truncated). */
  failuresOmitted?: number;
}
/** Verification report, spec/record.md §Verification report. */
export interface VerificationReport {
  version: 1;
  /** Verifier name and version. */
  verifier: string;
  election: string;
  checkpoint: { origin: string; size: number; root: B64 };
  /** RFC 3339 UTC time. */
  startedAt: string;
  durationMs: number;
  ok: boolean;
  /** No check was skipped: the record runs from the manifest to the result. */
  complete: boolean;
  checks: CheckReport[];
  /** Present iff every check passed (`ok` and `complete`). */
  result?: ResultBody;
  /** Every `audit.attestation` on the verified log and this verifier's outcome for it. */
  attestations?: ReportAttestation[];
  /** What was checked against and by what (spec/record.md §Verification report, Audit section). */
  audit?: ReportAudit;
}

/** One attestation in a report: what the firm stated, and whether this verifier agrees. */
export interface ReportAttestation {
  index: number;
  firm: string;
  verifier?: { name: string; version: string };
  checkpoint: { size: number; root: string };
  /** The checks the firm states failed. */
  failed?: string[];
  opinion: string;
  report?: { url: string; sha256: string };
  /** `fail` when any failure of this report names the attestation's index. */
  status: "pass" | "fail";
  codes: string[];
}

/** The audit section of a report: trust, record hashes, build, machine, fingerprints. */
export interface ReportAudit {
  /** The trust file: SHA-256 of its bytes ("file") or of its JCS form ("canonical-json"). */
  trust: { sha256: string; hashed: "file" | "canonical-json"; file: TrustFile };
  /** SHA-256 of the checkpoint as read and of the first `entries` leaves, each followed by LF. */
  record: { checkpointSha256: string; entriesSha256: string; entries: number };
  verifier?: {
    name: string;
    version: string;
    commit: string;
    runtime: string;
    cryptoBackend: "wasm" | "js";
    workers?: number;
  };
  machine?: { os: string; cpu: string; cores: number };
  /** e.g. NO_WITNESS_CHECKED when the trust file's quorum is 0. */
  warnings: { code: string; message: string }[];
  /** SHA-256 of the result table, of the four hashes together, and the latter's short form. */
  fingerprints: { table: string; combined: string; short: string; attestation?: string };
}

/** A schema violation: `path` is the JSON pointer (RFC 6901) of the offending value. */
export interface ValidationIssue {
  path: string;
  message: string;
}
export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: ValidationIssue[] };
