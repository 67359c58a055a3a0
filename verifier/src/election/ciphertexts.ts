/**
 * Ciphertext reuse (protocol.md §6.11, check V13): no selection ciphertext's `alpha` may occur
 * twice among the `ballot` and `ballot.challenged` entries of an election, across every
 * credential, nor twice in one entry. A `ballot.challenged` publishes the nonce r of each of its
 * alphas, and an alpha fixes its nonce (alpha = r·G), so a cast ballot sharing one alpha with a
 * challenged ballot has a public vote, and a challenged ballot sharing one with a cast ballot
 * proves how it voted; two ballots sharing an alpha reveal whether their votes are equal.
 *
 * The schema forces canonical base64 and the group decoder canonical encodings, so an alpha's
 * base64 string and its 32-byte encoding determine each other: the set keys on the full string
 * (never a prefix or a short hash, which an adversary could collide on purpose).
 */
import type { BallotBody, Contest } from "@urna/schemas";
import { finding, type Finding, type Location } from "./findings.js";

/** Where each alpha first occurs: alpha (base64) -> index of the entry that holds it. */
export class SeenAlphas {
  readonly #at = new Map<string, number>();

  get size(): number {
    return this.#at.size;
  }
  /** The index of the entry where `alpha` first occurs, if any. */
  firstIndex(alpha: string): number | undefined {
    return this.#at.get(alpha);
  }
  /** Records every selection alpha of a ballot body applied at `index` (first occurrence wins). */
  addBallot(body: BallotBody, index: number): void {
    for (const c of body.contests)
      for (const s of c.selections)
        if (!this.#at.has(s.ciphertext.alpha)) this.#at.set(s.ciphertext.alpha, index);
  }
  /** [alpha, index] in insertion order (for snapshots). */
  entries(): [string, number][] {
    return [...this.#at];
  }
  /** Restores one pair from a snapshot; false if the alpha is already there. */
  restore(alpha: string, index: number): boolean {
    if (this.#at.has(alpha)) return false;
    this.#at.set(alpha, index);
    return true;
  }
}

/**
 * One V13 `CIPHERTEXT_REUSED` finding per selection of `body` whose alpha occurs in an earlier
 * entry or earlier in the same body. `prefix` is the JSON pointer of the body in the entry
 * (`/body` for a ballot, `/body/ballot` for a challenged ballot); `contests` are the style's,
 * whose structure the body already matches (V10).
 */
export function reusedCiphertexts(
  body: BallotBody,
  contests: readonly Contest[],
  seen: SeenAlphas,
  where: Location,
  prefix: string,
): Finding[] {
  const out: Finding[] = [];
  const here = new Map<string, string>();
  body.contests.forEach((c, i) =>
    c.selections.forEach((s, j) => {
      const alpha = s.ciphertext.alpha;
      const path = `${prefix}/contests/${i}/selections/${j}/ciphertext/alpha`;
      const option = contests[i]?.options[j]?.id;
      const earlier = seen.firstIndex(alpha);
      const twin = here.get(alpha);
      if (earlier !== undefined || twin !== undefined)
        out.push(
          finding(
            "V13",
            "CIPHERTEXT_REUSED",
            earlier !== undefined
              ? `the selection ciphertext's alpha already occurs in entry ${earlier}`
              : `the selection ciphertext's alpha already occurs in this entry at ${twin}`,
            { ...where, contest: c.contest, ...(option !== undefined ? { option } : {}), path },
          ),
        );
      if (twin === undefined) here.set(alpha, path);
    }),
  );
  return out;
}
