/**
 * What one entry type's module gives the election state machine (spec/protocol.md §6, checks of
 * spec/verification.md): the phases that accept it (V7), who may sign it (V5, or V10 for a
 * credential), the rules its body must keep, the cryptographic work it queues, and how it
 * changes the state once admitted. `ElectionState` (../state.ts) runs them in that order.
 */
import type { Entry, EntryBodyMap, EntryType } from "@urna/schemas";
import type { Finding, Location } from "../findings.js";
import type { Phase, StateData } from "../state-data.js";
import type { CryptoWork } from "../work.js";

/** The result of checking one entry (`ElectionState.precheck`, `checkRules`, `recheck`). */
export interface Precheck {
  findings: Finding[];
  work: CryptoWork[];
  /**
   * Whether the entry may change the election state (spec/verification.md §Failing entries):
   * false iff a finding is one of the admission checks of its type. A board refuses any entry
   * with a finding; an auditor applies exactly the admitted ones and reports every finding.
   */
  admit: boolean;
  /** The entry, typed, when it passed the schema. */
  entry?: Entry;
  leafHash?: Uint8Array;
  /**
   * For an `audit.attestation` whose checkpoint size is in range: the (size, root) it names,
   * which the caller holds against its own log (the board its tree, the auditor the leaves it
   * read): a root that is not the log's at that size is `ATTESTATION_CHECKPOINT` (V18).
   */
  checkpointClaim?: { size: number; root: string };
}

/** What a body check is given besides the entry and the state. */
export interface BodyCheck {
  /** The entry's index, and its tracking code for a credential's entry. */
  readonly where: Location;
  /** Findings and work are pushed onto it. */
  readonly out: Precheck;
  /**
   * Credential batches that passed their own checks and will be sequenced before this entry
   * but are not applied yet (`RulesOptions.pendingCredentialBatches`).
   */
  readonly pendingBatches: number;
  /** The auditor's mode: the `single` revote rule (V11) is applied when voting closes. */
  readonly deferRevote: boolean;
}

/** The typed entry of type `T`. */
export type EntryOf<T extends EntryType> = Entry<T, EntryBodyMap[T]>;

export interface EntryRule<T extends EntryType> {
  readonly type: T;
  /** The phases that accept the entry (V7, protocol.md §7). */
  readonly phases: readonly Phase[];
  /**
   * Signed by a voter's credential (`ballot`, `ballot.challenged`): located by its tracking
   * code, checked for duplicates among its credential's leaves, and checked by every body rule
   * even when out of phase or ineligible (spec/verification.md §Failing entries).
   */
  readonly byCredential?: true;
  /**
   * The body is informative only (protocol.md §6): a body that fails its schema is a V4
   * finding that does not block admission. This is a body its schema accepts, put in place of
   * the entry's to check the envelope alone.
   */
  readonly informativeBody?: EntryBodyMap[T];
  /** A finding that refuses the entry before any other rule (the manifest after entry 0). */
  refuse?(entry: EntryOf<T>, s: StateData, where: Location): Finding | undefined;
  /** Who may sign it: undefined if `entry.signer` may, else the finding (V5 or V10). */
  signer(entry: EntryOf<T>, s: StateData, where: Location): Finding | undefined;
  /** The body's rules against the state: findings and cryptographic work onto `c.out`. */
  check(entry: EntryOf<T>, s: StateData, c: BodyCheck): void;
  /** Record the admitted entry at `index` (the state's next index; `s.next` already moved). */
  apply(entry: EntryOf<T>, s: StateData, index: number): void;
  /** An entry on the log that is not admitted (the auditor's `skip`) still leaves this behind. */
  skip?(entry: EntryOf<T>, s: StateData, index: number): void;
}
