/**
 * Ballot checks, protocol.md §6.6, §6.7 and §9 (checks V10, V12, V13 of verification.md).
 *
 * `checkBallot` does the structural checks and decodes every ciphertext, and returns the range
 * proofs still to verify, so that a caller can batch them across many ballots
 * (`BatchVerifier`). `verifyBallot` is structure plus every proof; `verifyChallengedBallot` adds
 * the Benaloh check that the revealed nonces and choices reproduce every ciphertext.
 */
import type {
  BallotBody,
  ChallengedBallotBody,
  Contest,
  Manifest,
  RangeProofJson,
} from "@urna/schemas";
import { BatchVerifier } from "./batch.js";
import { BallotError } from "./errors.js";
import { decodeCiphertext, sumCiphertexts, type Ciphertext } from "./elgamal.js";
import { G, GroupError, base64Bytes, decodeScalar, type Element } from "./group.js";
import type { RangeStatement } from "./range-proof.js";

/** What every proof of a ballot binds besides its own ciphertext (§8.2). */
export interface BallotContext {
  baseHash: Uint8Array;
  /** The joint public key K, decoded once. */
  publicKey: Element;
  /** The 32-byte credential public key that signs the ballot entry. */
  signer: Uint8Array;
}

/** One range proof of a ballot: a selection proof (option = option id) or a contest proof (option = ""). */
export interface RangeCheck {
  contest: string;
  option: string;
  statement: RangeStatement;
  proof: RangeProofJson;
}

export interface DecodedContest {
  contest: string;
  /** One ciphertext per option, in the manifest's option order. */
  selections: Ciphertext[];
  /** Σ selections, the ciphertext the contest proof is about. */
  sum: Ciphertext;
}

export interface CheckedBallot {
  style: string;
  contests: DecodedContest[];
  /** Every range proof of the ballot: per contest, its selections' proofs then the contest proof. */
  proofs: RangeCheck[];
}

interface ManifestIndex {
  styles: Map<string, Contest[]>;
}
const indexes = new WeakMap<Manifest, ManifestIndex>();

function indexOf(manifest: Manifest): ManifestIndex {
  let ix = indexes.get(manifest);
  if (!ix) {
    const contests = new Map(manifest.contests.map((c) => [c.id, c] as const));
    const styles = new Map<string, Contest[]>();
    for (const s of manifest.ballotStyles) {
      const list: Contest[] = [];
      for (const id of s.contests) {
        const c = contests.get(id);
        if (c) list.push(c);
      }
      styles.set(s.id, list);
    }
    ix = { styles };
    indexes.set(manifest, ix);
  }
  return ix;
}

/** The contests of a ballot style, in order; undefined for an unknown style. */
export function styleContests(manifest: Manifest, style: string): Contest[] | undefined {
  return indexOf(manifest).styles.get(style);
}

/**
 * Structure of a ballot against an explicit list of contests (its style's, in order): exactly
 * those contests in that order, one selection per option, every ciphertext decodes with a
 * non-identity alpha. Throws BallotError (CONTEST_MISMATCH, SELECTION_COUNT, BAD_CIPHERTEXT).
 */
export function checkBallotContests(
  contests: readonly Contest[],
  body: BallotBody,
  ctx: BallotContext,
  style = body.style,
): CheckedBallot {
  const list: unknown = body?.contests;
  if (!Array.isArray(list) || list.length !== contests.length)
    throw new BallotError(
      "CONTEST_MISMATCH",
      `the ballot must list exactly the ${contests.length} contests of its style`,
    );
  const out: CheckedBallot = { style, contests: [], proofs: [] };
  for (let i = 0; i < contests.length; i++) {
    const spec = contests[i];
    const bc = body.contests[i];
    if (typeof bc !== "object" || bc === null || bc.contest !== spec.id)
      throw new BallotError("CONTEST_MISMATCH", `contest ${i} must be "${spec.id}"`, {
        contest: typeof bc?.contest === "string" ? bc.contest : spec.id,
      });
    if (!Array.isArray(bc.selections) || bc.selections.length !== spec.options.length)
      throw new BallotError(
        "SELECTION_COUNT",
        `contest "${spec.id}" needs exactly ${spec.options.length} selections`,
        { contest: spec.id },
      );
    const selections: Ciphertext[] = [];
    for (let j = 0; j < spec.options.length; j++) {
      const option = spec.options[j].id;
      const sel = bc.selections[j];
      let ct: Ciphertext;
      try {
        if (
          typeof sel !== "object" ||
          sel === null ||
          typeof sel.ciphertext !== "object" ||
          sel.ciphertext === null
        )
          throw new GroupError("BAD_ELEMENT_ENCODING", "missing ciphertext");
        ct = decodeCiphertext(sel.ciphertext, "ballot");
      } catch (e) {
        if (!(e instanceof GroupError)) throw e;
        throw new BallotError(
          "BAD_CIPHERTEXT",
          `contest "${spec.id}" option "${option}": ${e.message}`,
          { contest: spec.id, option },
          e.code,
        );
      }
      selections.push(ct);
      out.proofs.push({
        contest: spec.id,
        option,
        statement: { ...ctx, contest: spec.id, option, ciphertext: ct, lo: 0, hi: 1 },
        proof: sel.proof,
      });
    }
    const sum = sumCiphertexts(selections);
    out.proofs.push({
      contest: spec.id,
      option: "",
      statement: {
        ...ctx,
        contest: spec.id,
        option: "",
        ciphertext: sum,
        lo: spec.minSelections,
        hi: spec.maxSelections,
      },
      proof: bc.proof,
    });
    out.contests.push({ contest: spec.id, selections, sum });
  }
  return out;
}

/**
 * Structure of a ballot (V10): its style is the credential's and exists in the manifest, and
 * `checkBallotContests` for that style. Returns the decoded ciphertexts and the range proofs to
 * verify. Throws BallotError (UNKNOWN_STYLE, STYLE_MISMATCH, CONTEST_MISMATCH, SELECTION_COUNT,
 * BAD_CIPHERTEXT).
 */
export function checkBallot(
  manifest: Manifest,
  credentialStyle: string,
  body: BallotBody,
  ctx: BallotContext,
): CheckedBallot {
  if (typeof body !== "object" || body === null)
    throw new BallotError("CONTEST_MISMATCH", "the ballot must be an object");
  const contests = styleContests(manifest, body.style);
  if (!contests)
    throw new BallotError("UNKNOWN_STYLE", `unknown ballot style "${String(body.style)}"`);
  if (body.style !== credentialStyle)
    throw new BallotError(
      "STYLE_MISMATCH",
      `ballot style "${body.style}" is not the credential's style "${credentialStyle}"`,
    );
  return checkBallotContests(contests, body, ctx);
}

/** Verify every range proof of a checked ballot in one batch; throws BallotError PROOF_FAILED naming the first bad one. */
export function verifyBallotProofs(checked: CheckedBallot): void {
  const batch = new BatchVerifier<RangeCheck>();
  for (const p of checked.proofs) batch.addRange(p, p.statement, p.proof);
  const r = batch.verify();
  if (!r.ok) {
    const f = r.failures[0];
    const what =
      f.label.option === ""
        ? `contest "${f.label.contest}"`
        : `contest "${f.label.contest}" option "${f.label.option}"`;
    throw new BallotError(
      "PROOF_FAILED",
      `range proof of ${what}: ${f.message}`,
      { contest: f.label.contest, option: f.label.option },
      f.code,
    );
  }
}

/** Structure and every proof (V10, V12). Throws BallotError. */
export function verifyBallot(
  manifest: Manifest,
  credentialStyle: string,
  body: BallotBody,
  ctx: BallotContext,
): CheckedBallot {
  const checked = checkBallot(manifest, credentialStyle, body, ctx);
  verifyBallotProofs(checked);
  return checked;
}

/**
 * The Benaloh check of a challenged ballot (V13, protocol.md §6.7, §9): `revealed` lists every
 * contest of the ballot in order with one choice and one nonce per selection; every choice is
 * 0 or 1, every nonce r a canonical nonzero scalar with alpha = r·G and beta = m·G + r·K, and
 * each contest's choices sum to a value in [minSelections, maxSelections].
 */
export function checkRevealed(
  contests: readonly Contest[],
  checked: CheckedBallot,
  revealed: ChallengedBallotBody["revealed"],
  publicKey: Element,
): void {
  if (!Array.isArray(revealed) || revealed.length !== contests.length)
    throw new BallotError(
      "REVEALED_MISMATCH",
      `revealed must list the ${contests.length} contests of the ballot`,
    );
  for (let i = 0; i < contests.length; i++) {
    const spec = contests[i];
    const rc = revealed[i];
    const n = spec.options.length;
    if (
      typeof rc !== "object" ||
      rc === null ||
      rc.contest !== spec.id ||
      !Array.isArray(rc.choices) ||
      !Array.isArray(rc.nonces) ||
      rc.choices.length !== n ||
      rc.nonces.length !== n
    )
      throw new BallotError(
        "REVEALED_MISMATCH",
        `revealed[${i}] must be contest "${spec.id}" with ${n} choices and ${n} nonces`,
        { contest: spec.id },
      );
    let total = 0;
    for (let j = 0; j < n; j++) {
      const option = spec.options[j].id;
      const m = rc.choices[j];
      if (m !== 0 && m !== 1)
        throw new BallotError("BAD_CHOICE", `choice must be 0 or 1`, { contest: spec.id, option });
      total += m;
      let r: bigint;
      try {
        r = decodeScalar(base64Bytes(rc.nonces[j]));
      } catch (e) {
        if (!(e instanceof GroupError)) throw e;
        throw new BallotError(
          "BAD_NONCE",
          `nonce: ${e.message}`,
          { contest: spec.id, option },
          e.code,
        );
      }
      const ct = checked.contests[i].selections[j];
      const betaMinusM = m === 1 ? ct.beta.subtract(G) : ct.beta;
      if (!ct.alpha.equals(G.multiplyUnsafe(r)) || !betaMinusM.equals(publicKey.multiplyUnsafe(r)))
        throw new BallotError(
          "CIPHERTEXT_MISMATCH",
          `the revealed nonce and choice do not reproduce the ciphertext`,
          { contest: spec.id, option },
        );
    }
    if (total < spec.minSelections || total > spec.maxSelections)
      throw new BallotError(
        "CONTEST_SUM_OUT_OF_RANGE",
        `${total} selections, outside [${spec.minSelections}, ${spec.maxSelections}]`,
        { contest: spec.id },
      );
  }
}

/** A challenged ballot (§6.7): everything `verifyBallot` checks, then `checkRevealed`. Throws BallotError. */
export function verifyChallengedBallot(
  manifest: Manifest,
  credentialStyle: string,
  body: ChallengedBallotBody,
  ctx: BallotContext,
): CheckedBallot {
  const checked = verifyBallot(manifest, credentialStyle, body.ballot, ctx);
  checkRevealed(
    styleContests(manifest, checked.style) ?? [],
    checked,
    body.revealed,
    ctx.publicKey,
  );
  return checked;
}
