/**
 * The ceremony steps of CryptoWork (check V8): one round-1 message, one certification
 * signature on the transcript of every round-1 message, and the joint key recomputed from the
 * whole transcript (spec/ceremony.md).
 */
import { fromBase64 } from "../bytes.js";
import { CeremonyError } from "../ceremony/errors.js";
import {
  certifyFromBody,
  electionKeyIssues,
  round1FromBody,
  setupFromManifest,
} from "../ceremony/entries.js";
import { checkCeremonyTranscript, checkRound1, verifyCertification } from "../ceremony/verify.js";
import { transcriptFor } from "../ceremony/transcript.js";
import { finding, type Finding } from "./findings.js";
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
        if (!c.ok || !c.result) return c.issues.map((i) => bad(i.message, i.custodian));
        return electionKeyIssues(c.result, item.body).map((i) => bad(i.message, i.custodian));
      }
    }
  } catch (e) {
    if (e instanceof CeremonyError) return [bad(e.message, e.custodian)];
    return [bad(e instanceof Error ? e.message : String(e))];
  }
}
