/**
 * The ceremony steps of CryptoWork (check V8): one round-1 message, one certification
 * signature on the transcript of every round-1 message, and the joint key recomputed from the
 * whole transcript (spec/ceremony.md).
 */
import { fromBase64 } from "../bytes.js";
import { CeremonyError } from "../ceremony/errors.js";
import {
  blameFromBody,
  certifyFromBody,
  electionKeyIssues,
  round1FromBody,
  setupFromManifest,
} from "../ceremony/entries.js";
import {
  checkCeremonyTranscript,
  checkRound1,
  verifyCertification,
  type CeremonyResult,
} from "../ceremony/verify.js";
import { transcriptFor } from "../ceremony/transcript.js";
import { groupPublicKey, verificationShares } from "../ceremony/vss.js";
import { verifyBlame } from "../ceremony/blame.js";
import { xchacha20poly1305Open } from "../ceremony/aead.js";
import type { Manifest } from "@urna/schemas";
import { finding, type CodeOf, type Finding, type Location } from "./findings.js";
import type { CeremonyWork } from "./work.js";

const round1Of = (bodies: Record<number, unknown>, n: number) =>
  Array.from({ length: n }, (_, k) => round1FromBody(bodies[k + 1]).message);

export function verifyCeremonyWork(item: CeremonyWork): Finding[] {
  const code = item.step === "key" ? "INVALID_KEY" : "INVALID_CEREMONY";
  const bad = (message: string, custodian?: number | null) =>
    finding("V8", code, message, { ...item.where, ...(custodian ? { custodian } : {}) });
  try {
    const setup = setupFromManifest(item.manifest, fromBase64(item.baseHash));
    const n = setup.n;
    switch (item.step) {
      case "round1": {
        const { custodian, message } = round1FromBody(item.body);
        return checkRound1(setup, custodian, message).issues.map((i) =>
          bad(i.message, i.custodian ?? custodian),
        );
      }
      case "certify": {
        const { custodian, signature } = certifyFromBody(item.body);
        const transcript = transcriptFor(setup, round1Of(item.round1, n));
        return verifyCertification(setup, transcript, custodian, signature)
          ? []
          : [bad("the certification signature does not verify on the transcript", custodian)];
      }
      case "key": {
        const signatures = Array.from(
          { length: n },
          (_, k) => certifyFromBody(item.certify[k + 1]).signature,
        );
        const c = checkCeremonyTranscript(
          setup,
          { round1: round1Of(item.round1, n), signatures },
          {
            sessionId: fromBase64(item.baseHash),
          },
        );
        const out = c.issues.map((i) => bad(i.message, i.custodian));
        // Every failing item (ceremony.md §5, check K): the key is compared with the one the
        // commitments give even when a round-1 message or a certification fails.
        let result: Pick<CeremonyResult, "groupPublicKey" | "verificationShares"> | null = c.result;
        if (!result) {
          const decoded = round1Of(item.round1, n).map(
            (m, k) => checkRound1(setup, k + 1, m).decoded?.commitments,
          );
          if (decoded.every((d) => d !== undefined))
            result = {
              groupPublicKey: groupPublicKey(decoded).toBytes(),
              verificationShares: verificationShares(decoded, n).map((p) => p.toBytes()),
            };
        }
        if (result)
          out.push(...electionKeyIssues(result, item.body).map((i) => bad(i.message, i.custodian)));
        return out;
      }
    }
  } catch (e) {
    if (e instanceof CeremonyError) return [bad(e.message, e.custodian)];
    return [bad(e instanceof Error ? e.message : String(e))];
  }
}

/** The code of an upheld blame's V8 failure (spec/ceremony.md §5, check B). */
export const BLAME_UPHELD = "CEREMONY_BLAME_UPHELD";

/**
 * Check B of spec/ceremony.md (§3.4, §5) on one admitted `ceremony.blame`, against the accused's
 * round-1 body on the log before it. Every verdict is a V8 failure at the blame's index, since
 * any blame aborts the session (§6): upheld (`CEREMONY_BLAME_UPHELD`), naming the accused j as
 * culprit; refused as malformed or unproven (`CEREMONY_BAD_BLAME`) or as false
 * (`CEREMONY_FALSE_BLAME`), naming the accuser i. A blame of a round-1 entry that itself fails
 * check R is not judged: that entry's own V8 failure names its custodian. The auditor's alone:
 * a board accepts a well-formed blame whatever its verdict.
 */
export function adjudicateBlame(
  manifest: Manifest,
  baseHash: Uint8Array,
  accusedRound1: unknown,
  blameBody: unknown,
  where: Location,
): Finding[] {
  const i = (blameBody as { custodian?: number }).custodian;
  const refused = (code: CodeOf<"V8">, message: string) => [
    finding("V8", code, `blame refused: ${message}`, { ...where, custodian: i }),
  ];
  try {
    const setup = setupFromManifest(manifest, baseHash);
    const blame = blameFromBody(blameBody);
    let accused;
    try {
      accused = round1FromBody(accusedRound1).message;
    } catch {
      return []; // the accused's round 1 fails its own check (V8, culprit j)
    }
    if (checkRound1(setup, blame.accused, accused).issues.length) return [];
    const v = verifyBlame(setup, accused, blame, xchacha20poly1305Open);
    if (v.upheld)
      return [
        finding(
          "V8",
          BLAME_UPHELD,
          `blame upheld: custodian ${v.culprit}'s share to custodian ${blame.accuser} fails (${v.fault}); the ceremony is aborted`,
          { ...where, custodian: v.culprit },
        ),
      ];
    return refused(v.code, v.message);
  } catch (e) {
    return refused("CEREMONY_BAD_BLAME", e instanceof Error ? e.message : String(e));
  }
}
