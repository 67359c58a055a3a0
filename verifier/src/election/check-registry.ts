/**
 * The registry of the numbered checks of spec/verification.md: one row per check with its title,
 * what its items are (§Failing entries, 6), whether it is an admission check (§Failing entries:
 * an entry with such a finding does not change the election state), whether it can run without a
 * manifest at entry 0, where the spec defines it, and the closed list of failure codes it may
 * report (§Failure codes). Everything else (the report's order and titles, the typed finding
 * constructor, the board's API error codes for admission findings) is derived from this table;
 * verifier/test/check-registry.test.ts holds it equal to the spec's text.
 */

interface CheckRow {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  /** spec/verification.md section (its GitHub-style anchor) that defines the check. */
  readonly anchor: string;
  /** A finding of this check keeps its entry out of the election state (§Failing entries). */
  readonly admission: boolean;
  /** The check runs without a manifest at entry 0 (the log checks and V4, V6 itself). */
  readonly withoutManifest: boolean;
  readonly codes: readonly string[];
}

export const CHECKS = [
  {
    id: "V1",
    title: "Log root",
    unit: "leaves",
    anchor: "log-integrity",
    admission: false,
    withoutManifest: true,
    codes: [
      "NO_CHECKPOINT",
      "SIZE_MISMATCH",
      "ROOT_MISMATCH",
      "LEAF_CHANGED",
      "TILE_MISMATCH",
      "TILE_MISSING",
    ],
  },
  {
    id: "V2",
    title: "Board signature",
    unit: "checkpoints",
    anchor: "log-integrity",
    admission: false,
    withoutManifest: true,
    codes: [
      "MALFORMED_NOTE",
      "MALFORMED_CHECKPOINT",
      "NO_VALID_SIGNATURE",
      "INVALID_SIGNATURE",
      "WRONG_ORIGIN",
      "BOARD_KEY_ELECTION_MISMATCH",
    ],
  },
  {
    id: "V3",
    title: "Witness quorum",
    unit: "valid cosignatures",
    anchor: "log-integrity",
    admission: false,
    withoutManifest: true,
    codes: [
      "WITNESS_QUORUM_NOT_MET",
      "TRUST_WITNESS_NOT_COSIGNER",
      "TRUST_WITNESS_IS_BOARD",
      "MALFORMED_NOTE",
    ],
  },
  {
    id: "V4",
    title: "Entry format",
    unit: "leaves",
    anchor: "entries",
    admission: true,
    withoutManifest: true,
    codes: [
      "ENTRY_TOO_LARGE",
      "BAD_JSON",
      "NON_CANONICAL",
      "SCHEMA_INVALID",
      "ELECTION_MISMATCH",
      "DUPLICATE_ENTRY",
    ],
  },
  {
    id: "V5",
    title: "Entry signatures and signers",
    unit: "leaves",
    anchor: "entries",
    admission: true,
    withoutManifest: false,
    codes: ["BAD_SIGNATURE", "UNAUTHORIZED_SIGNER"],
  },
  {
    id: "V6",
    title: "Manifest",
    unit: "manifests",
    anchor: "entries",
    admission: true,
    withoutManifest: true,
    codes: [
      "INVALID_MANIFEST",
      "WRONG_PHASE",
      "DUPLICATE_MANIFEST",
      "MANIFEST_NOT_PINNED",
      "REGISTRAR_NOT_PINNED",
      "CUSTODIANS_NOT_PINNED",
    ],
  },
  {
    id: "V7",
    title: "Phases",
    unit: "leaves",
    anchor: "entries",
    admission: true,
    withoutManifest: false,
    codes: ["WRONG_PHASE"],
  },
  {
    id: "V8",
    title: "Ceremony and joint key",
    unit: "ceremony and key entries",
    anchor: "key-ceremony",
    admission: false,
    withoutManifest: false,
    codes: [
      "INVALID_CEREMONY",
      "INVALID_KEY",
      "CEREMONY_BLAME_UPHELD",
      "CEREMONY_BAD_BLAME",
      "CEREMONY_FALSE_BLAME",
    ],
  },
  {
    id: "V9",
    title: "Credential list",
    unit: "credentials",
    anchor: "credentials-and-ballots",
    admission: false,
    withoutManifest: false,
    codes: ["INVALID_CREDENTIALS", "CREDENTIALS_EXCEED_REGISTERED"],
  },
  {
    id: "V10",
    title: "Eligibility and ballot structure",
    unit: "ballot and challenged-ballot entries",
    anchor: "credentials-and-ballots",
    admission: true,
    withoutManifest: false,
    codes: ["NOT_ELIGIBLE", "INVALID_BALLOT"],
  },
  {
    id: "V11",
    title: "One counted ballot per credential",
    unit: "ballot entries",
    anchor: "credentials-and-ballots",
    admission: false,
    withoutManifest: false,
    codes: ["ALREADY_VOTED"],
  },
  {
    id: "V12",
    title: "Ballot proofs",
    unit: "range proofs",
    anchor: "credentials-and-ballots",
    admission: false,
    withoutManifest: false,
    codes: ["INVALID_PROOF"],
  },
  {
    id: "V13",
    title: "Challenged ballots and ciphertext reuse",
    unit: "challenged ballots",
    anchor: "credentials-and-ballots",
    admission: false,
    withoutManifest: false,
    codes: ["INVALID_CHALLENGE", "CIPHERTEXT_REUSED"],
  },
  {
    id: "V14",
    title: "Encrypted tally",
    unit: "tally options",
    anchor: "tally-and-result",
    admission: false,
    withoutManifest: false,
    codes: ["TALLY_MISMATCH", "NOT_ADMITTED"],
  },
  {
    id: "V15",
    title: "Decryption shares",
    unit: "share options",
    anchor: "tally-and-result",
    admission: false,
    withoutManifest: false,
    codes: ["INVALID_PROOF", "SHARE_ALREADY_POSTED", "NOT_ADMITTED"],
  },
  {
    id: "V16",
    title: "Combination",
    unit: "result options",
    anchor: "tally-and-result",
    admission: false,
    withoutManifest: false,
    codes: ["RESULT_MISMATCH", "RESULT_EXCEEDS_BALLOTS", "NOT_ADMITTED"],
  },
  {
    id: "V17",
    title: "Result and labels",
    unit: "result options",
    anchor: "tally-and-result",
    admission: false,
    withoutManifest: false,
    codes: ["RESULT_MISMATCH", "NOT_ADMITTED"],
  },
  {
    id: "V18",
    title: "Auditors' attestations",
    unit: "attestations",
    anchor: "auditors-attestations",
    admission: false,
    withoutManifest: false,
    codes: ["ATTESTATION_CHECKPOINT", "ATTESTATION_MISMATCH", "UNKNOWN_FIRM", "ATTESTATION_REPORT"],
  },
] as const satisfies readonly CheckRow[];

type Row = (typeof CHECKS)[number];
export type CheckId = Row["id"];

/** Any check MAY fail with this: the verifier could not run it on an item (§Failure codes). */
export const VERIFIER_ERROR = "VERIFIER_ERROR";

/** The failure codes check `C` may report. */
export type CodeOf<C extends CheckId> = Extract<Row, { id: C }>["codes"][number] | "VERIFIER_ERROR";
/** Every failure code of every check: the closed set a report's `failures[].code` draws from. */
export type FindingCode = CodeOf<CheckId>;
/**
 * The finding codes a board refuses an entry with (spec/api.md §Errors): the board runs the same
 * state rules and answers a refused entry with its finding's code, so these are board API error
 * codes too (board/src/server/errors.ts adds its transport codes to them).
 */
export const BOARD_REFUSALS = [
  "BAD_JSON",
  "ENTRY_TOO_LARGE",
  "SCHEMA_INVALID",
  "NON_CANONICAL",
  "ELECTION_MISMATCH",
  "WRONG_PHASE",
  "UNAUTHORIZED_SIGNER",
  "NOT_ELIGIBLE",
  "BAD_SIGNATURE",
  "INVALID_MANIFEST",
  "INVALID_CREDENTIALS",
  "INVALID_CEREMONY",
  "INVALID_KEY",
  "INVALID_BALLOT",
  "INVALID_PROOF",
  "INVALID_CHALLENGE",
  "ALREADY_VOTED",
  "DUPLICATE_ENTRY",
  "SHARE_ALREADY_POSTED",
  "CIPHERTEXT_REUSED",
  "TALLY_MISMATCH",
  "RESULT_MISMATCH",
  "RESULT_EXCEEDS_BALLOTS",
  "ATTESTATION_CHECKPOINT",
  "UNKNOWN_FIRM",
  "ATTESTATION_REPORT",
] as const satisfies readonly FindingCode[];
export type BoardRefusalCode = (typeof BOARD_REFUSALS)[number];

export const CHECK_IDS: readonly CheckId[] = CHECKS.map((c) => c.id);

const BY_ID = new Map<CheckId, Row>(CHECKS.map((c) => [c.id, c]));
/** The registry row of check `id`. */
export const checkOf = (id: CheckId): Row => BY_ID.get(id) as Row;

/** Whether `code` is one check `id` may report (the closed lists above, or VERIFIER_ERROR). */
export const isCodeOf = (id: CheckId, code: string): boolean =>
  code === VERIFIER_ERROR || (checkOf(id).codes as readonly string[]).includes(code);

/** The admission checks (§Failing entries): an entry with such a finding changes no state. */
export const ADMISSION_CHECKS: ReadonlySet<CheckId> = new Set(
  CHECKS.filter((c) => c.admission).map((c) => c.id),
);
