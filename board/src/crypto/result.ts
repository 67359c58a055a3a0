/**
 * Authority side of the tally (protocol.md §6.8, §10.1) and the result (§6.10, §10.3).
 */
import type {
  BallotBody,
  DecryptionShareBody,
  Manifest,
  ResultBody,
  TallyBody,
  TallyContest,
} from "@urna/schemas";
import {
  BatchVerifier,
  DiscreteLog,
  TallyAccumulator,
  TallyError,
  decodeShare,
  decodeTallyCiphertext,
  decryptWithShares,
  styleContests,
  encodedBallotOf,
  type Ciphertext,
  type Element,
  type ShareInput,
} from "@urna/verifier";
import { ProverError } from "./errors.js";

/**
 * The encrypted tally of the counted ballots (already verified, and chosen per the revote
 * policy by the caller): the per-option sum of selection ciphertexts, as one tally body covering
 * `contests` (default: every contest of the manifest). Memory O(options).
 */
export function computeTally(
  manifest: Manifest,
  ballots: Iterable<BallotBody>,
  contests?: readonly string[],
): TallyBody {
  const acc = new TallyAccumulator(manifest);
  for (const b of ballots) {
    const spec = styleContests(manifest, b.style);
    if (!spec) throw new ProverError("BAD_INPUT", `unknown ballot style "${b.style}"`);
    acc.addEncoded(encodedBallotOf(b));
  }
  return acc.toBody(contests);
}

export interface ResultOptions {
  /** When given, every share's proof is checked and custodians with a bad share are skipped. */
  verify?: { baseHash: Uint8Array; publicKey: Element; verificationShares: readonly Element[] };
  dlog?: DiscreteLog;
}

/**
 * The result body for the contests of `tally` (one or several tally bodies): picks the
 * `threshold` lowest custodian indices whose shares cover every one of those contests (and
 * verify, if asked), combines their shares by Lagrange interpolation and solves the small
 * discrete logs. Throws TallyError THRESHOLD_NOT_MET when too few custodians qualify.
 */
export function computeResult(
  manifest: Manifest,
  tally: TallyBody | readonly TallyBody[],
  shares: readonly DecryptionShareBody[],
  threshold: number,
  opts: ResultOptions = {},
): ResultBody {
  const tallies = Array.isArray(tally) ? (tally as readonly TallyBody[]) : [tally as TallyBody];
  const tallyContests = new Map<string, TallyContest>();
  for (const t of tallies) for (const c of t.contests) tallyContests.set(c.contest, c);
  const order = manifest.contests.filter((c) => tallyContests.has(c.id));
  const cts = new Map<string, Ciphertext[]>();
  for (const c of order)
    cts.set(
      c.id,
      tallyContests.get(c.id)!.options.map((o) => decodeTallyCiphertext(o.ciphertext)),
    );

  // custodian -> contest -> option shares (decoded)
  const byCustodian = new Map<number, Map<string, Element[]>>();
  for (const body of shares) {
    const mine = byCustodian.get(body.custodian) ?? new Map<string, Element[]>();
    for (const sc of body.contests) {
      const ct = cts.get(sc.contest);
      const tc = tallyContests.get(sc.contest);
      if (!ct || !tc || sc.options.length !== ct.length) continue;
      if (sc.options.some((o, j) => o.option !== tc.options[j].option)) continue;
      try {
        mine.set(
          sc.contest,
          sc.options.map((o, j) => decodeShare(o.share, ct[j])),
        );
      } catch {
        continue;
      }
    }
    byCustodian.set(body.custodian, mine);
  }

  let bad = new Set<number>();
  if (opts.verify) bad = badCustodians(opts.verify, shares, cts);
  const eligible = [...byCustodian.keys()]
    .filter((i) => !bad.has(i) && order.every((c) => byCustodian.get(i)!.has(c.id)))
    .sort((x, y) => x - y);
  if (eligible.length < threshold)
    throw new TallyError(
      "THRESHOLD_NOT_MET",
      `${eligible.length} custodians have valid shares for every contest, the threshold is ${threshold}`,
    );
  const chosen = eligible.slice(0, threshold);
  const dlog = opts.dlog ?? DiscreteLog.shared();
  return {
    custodians: chosen,
    contests: order.map((c) => ({
      contest: c.id,
      title: c.title,
      options: c.options.map((o, j) => {
        const s: ShareInput[] = chosen.map((i) => ({
          custodian: i,
          share: byCustodian.get(i)!.get(c.id)![j],
        }));
        return {
          option: o.id,
          label: o.label,
          votes: decryptWithShares(cts.get(c.id)![j], s, threshold, dlog),
        };
      }),
    })),
  };
}

/** Custodians with at least one share whose proof fails, checked in one batch. */
function badCustodians(
  v: NonNullable<ResultOptions["verify"]>,
  shares: readonly DecryptionShareBody[],
  cts: Map<string, Ciphertext[]>,
): Set<number> {
  const batch = new BatchVerifier<number>();
  const bad = new Set<number>();
  for (const body of shares) {
    const X = v.verificationShares[body.custodian - 1];
    if (!X) {
      bad.add(body.custodian);
      continue;
    }
    for (const sc of body.contests) {
      const ct = cts.get(sc.contest);
      if (!ct) continue;
      sc.options.forEach((o, j) => {
        if (j >= ct.length) return bad.add(body.custodian);
        let share: Element;
        try {
          share = decodeShare(o.share, ct[j]);
        } catch {
          return bad.add(body.custodian);
        }
        batch.addDecryption(
          body.custodian,
          {
            baseHash: v.baseHash,
            publicKey: v.publicKey,
            custodian: body.custodian,
            verificationShare: X,
            ciphertext: ct[j],
            share,
          },
          o.proof,
        );
      });
    }
  }
  for (const f of batch.verify().failures) bad.add(f.label);
  return bad;
}
