/**
 * The entry types of spec/protocol.md §6, one module each, in one table: `ElectionState`
 * (../state.ts) finds every rule of an entry here and nowhere else.
 *
 * A new entry type is: one schema (schemas/src/json/, named in schemas/src/index.ts and
 * types.ts), one module in this folder giving its `EntryRule` (phases, signer, body checks,
 * state change, crypto work), and one line in this table (README, §Layout: the contributor note).
 */
import type { EntryType } from "@urna/schemas";
import { auditAttestation } from "./audit-attestation.js";
import { ballotChallenged } from "./ballot-challenged.js";
import { ballot } from "./ballot.js";
import { ceremonyBlame } from "./ceremony-blame.js";
import { ceremonyCertify } from "./ceremony-certify.js";
import { ceremonyRound1 } from "./ceremony-round1.js";
import { credentials } from "./credentials.js";
import { decryptionShare } from "./decryption-share.js";
import { electionKey } from "./election-key.js";
import type { EntryRule } from "./entry-rule.js";
import { manifest } from "./manifest.js";
import { result } from "./result.js";
import { tally } from "./tally.js";
import { votingClose } from "./voting-close.js";
import { votingOpen } from "./voting-open.js";

export const ENTRY_RULES: { readonly [T in EntryType]: EntryRule<T> } = {
  manifest,
  credentials,
  "ceremony.round1": ceremonyRound1,
  "ceremony.certify": ceremonyCertify,
  "ceremony.blame": ceremonyBlame,
  "election.key": electionKey,
  "voting.open": votingOpen,
  "voting.close": votingClose,
  ballot,
  "ballot.challenged": ballotChallenged,
  tally,
  "decryption.share": decryptionShare,
  result,
  "audit.attestation": auditAttestation,
};

/** The rule of an entry's type (typed loosely: the caller holds an `Entry` of any type). */
export const ruleOf = (type: string): EntryRule<EntryType> | undefined =>
  Object.hasOwn(ENTRY_RULES, type)
    ? (ENTRY_RULES as Readonly<Record<string, EntryRule<EntryType>>>)[type]
    : undefined;
