/**
 * Run a list of CryptoWork items: every range and decryption proof of the list goes into ONE
 * batch (one multi-scalar multiplication), with per-proof fallback so that each failure is
 * named; the Benaloh openings, result combinations and ceremony steps are checked one by one.
 * Pure and isomorphic: the board calls it in worker threads, the auditor in its pool.
 */
import { fromBase64 } from "../bytes.js";
import { checkBallotContests, checkRevealed, type CheckedBallot } from "../crypto/ballot.js";
import { BatchVerifier } from "../crypto/batch.js";
import { decodeShare } from "../crypto/decryption-proof.js";
import { BallotError } from "../crypto/errors.js";
import { elementFromBase64Cached, type Element } from "../crypto/group.js";
import { checkVotes, decodeTallyCiphertext } from "../crypto/tally.js";
import { verifyCeremonyWork } from "./verify-ceremony.js";
import { verifyEntrySignature } from "../entry.js";
import {
  finding,
  type CheckId,
  type Finding,
  type FindingCode,
  type Location,
} from "./findings.js";
import type { CryptoWork } from "./work.js";

interface Label {
  check: CheckId;
  code: FindingCode;
  where: Location;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Joint keys and verification shares recur in every item: decode each once. */
const publicKeyOf = (b64: string): Element => elementFromBase64Cached(b64);

export interface VerifyWorkOptions {
  /**
   * Called with the decoded ciphertexts of every `ballot` item whose structure checked out, by
   * entry index: a caller that also sums the ballots (the auditor) decodes each element once.
   */
  onBallot?: (index: number, ballot: CheckedBallot) => void;
}

export function verifyCryptoWork(
  work: readonly CryptoWork[],
  opts: VerifyWorkOptions = {},
): Finding[] {
  const out: Finding[] = [];
  const batch = new BatchVerifier<Label>();
  const openings: {
    checked: CheckedBallot;
    item: Extract<CryptoWork, { kind: "ballot.challenged" }>;
    key: Element;
  }[] = [];

  for (const item of work) {
    switch (item.kind) {
      case "ballot":
      case "ballot.challenged": {
        const body = item.kind === "ballot" ? item.body : item.body.ballot;
        let checked: CheckedBallot;
        let key: Element;
        try {
          key = publicKeyOf(item.ctx.publicKey);
          checked = checkBallotContests(item.contests, body, {
            baseHash: fromBase64(item.ctx.baseHash),
            publicKey: key,
            signer: fromBase64(item.signer),
          });
        } catch (e) {
          const w = e instanceof BallotError ? (e.where ?? {}) : {};
          out.push(finding("V10", "INVALID_BALLOT", message(e), { ...item.where, ...w }));
          break;
        }
        for (const p of checked.proofs)
          batch.addRange(
            {
              check: "V12",
              code: "INVALID_PROOF",
              where: { ...item.where, contest: p.contest, option: p.option },
            },
            p.statement,
            p.proof,
          );
        if (item.kind === "ballot.challenged") openings.push({ checked, item, key });
        else if (opts.onBallot && item.where.index !== undefined)
          opts.onBallot(item.where.index, checked);
        break;
      }
      case "decryption.share": {
        let X: Element;
        let K: Element;
        try {
          X = elementFromBase64Cached(item.verificationShare);
          K = publicKeyOf(item.ctx.publicKey);
        } catch (e) {
          out.push(
            finding("V15", "INVALID_PROOF", `verification share or key: ${message(e)}`, item.where),
          );
          break;
        }
        const baseHash = fromBase64(item.ctx.baseHash);
        item.body.contests.forEach((sc, ci) => {
          const tc = item.tally[ci];
          sc.options.forEach((so, oi) => {
            const where = { ...item.where, contest: sc.contest, option: so.option };
            try {
              const ciphertext = decodeTallyCiphertext(tc.options[oi].ciphertext);
              const share = decodeShare(so.share, ciphertext);
              batch.addDecryption(
                { check: "V15", code: "INVALID_PROOF", where },
                {
                  baseHash,
                  publicKey: K,
                  custodian: item.body.custodian,
                  verificationShare: X,
                  ciphertext,
                  share,
                },
                so.proof,
              );
            } catch (e) {
              out.push(finding("V15", "INVALID_PROOF", message(e), where));
            }
          });
        });
        break;
      }
      case "result": {
        item.result.options.forEach((ro, oi) => {
          const where = { ...item.where, option: ro.option };
          try {
            const ciphertext = decodeTallyCiphertext(item.tally.options[oi].ciphertext);
            const shares = item.shares.map((s) => ({
              custodian: s.custodian,
              share: decodeShare(s.shares[oi], ciphertext),
            }));
            if (!checkVotes(ciphertext, shares, item.threshold, ro.votes))
              out.push(
                finding(
                  "V16",
                  "RESULT_MISMATCH",
                  `${ro.votes} votes is not the decryption of the tally`,
                  where,
                ),
              );
          } catch (e) {
            out.push(finding("V16", "RESULT_MISMATCH", message(e), where));
          }
        });
        break;
      }
      case "ceremony":
        out.push(...verifyCeremonyWork(item));
        break;
      case "signature":
        if (!verifyEntrySignature(item.entry, undefined, item.message))
          out.push(
            finding("V5", "BAD_SIGNATURE", "the entry's signature does not verify", item.where),
          );
        break;
    }
  }

  const r = batch.verify();
  for (const f of r.failures)
    out.push(finding(f.label.check, f.label.code, f.message, f.label.where));

  for (const { checked, item, key } of openings) {
    try {
      checkRevealed(item.contests, checked, item.body.revealed, key);
    } catch (e) {
      const w = e instanceof BallotError ? (e.where ?? {}) : {};
      out.push(finding("V13", "INVALID_CHALLENGE", message(e), { ...item.where, ...w }));
    }
  }
  return out;
}
