/**
 * spec/verification.md §Failing entries: an entry that fails a check changes the election state
 * only as far as the admission rule allows, every entry is still checked by every check of its
 * type, and one malformed entry gives exactly its own failures — it neither cascades into
 * unrelated failures nor switches later checks off. Each record is tampered as a malicious
 * board (re-signed checkpoint, re-cosigned) together with the key holder the change needs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CredentialsBody, Entry, VerificationReport } from "@urna/schemas";
import { ed25519 } from "@noble/curves/ed25519.js";
import { reportToText } from "../../src/report/text.js";
import { toBase64 } from "../../src/bytes.js";
import {
  cleanupRecords,
  generateElection,
  newBallot,
  resignEntry,
  type GeneratedElection,
} from "../../../tests/fixtures/election.js";
import { check, failed, verifyEdited } from "../../../tests/fixtures/audit.js";

let g: GeneratedElection;

afterAll(cleanupRecords);

beforeAll(async () => {
  g = await generateElection({
    voters: 10,
    revotePolicy: "single",
    custodians: 3,
    threshold: 2,
    seed: 23,
  });
}, 120_000);

const counted = () => g.ballots.filter((b) => b.type === "ballot" && b.counted);
const voterKey = (voter: number) => g.keys.credentials[voter].secretKey;

const tampered = (edit: (entries: Entry[]) => void): Promise<VerificationReport> =>
  verifyEdited(g, edit);

/** A ballot whose second selection's ciphertext is changed: its range proof no longer verifies. */
function breakProof(e: Entry, key: Uint8Array): Entry {
  const body = structuredClone(e.body) as {
    contests: { selections: { ciphertext: { alpha: string; beta: string } }[] }[];
  };
  const s = body.contests[0].selections;
  s[1].ciphertext = { ...s[1].ciphertext, beta: s[0].ciphertext.beta };
  return resignEntry({ ...e, body } as Entry, key);
}

describe("failing entries (verification.md §Failing entries)", () => {
  it("a credentials batch with one duplicate key fails that credential only; voting opens", async () => {
    const r = await tampered((e) => {
      const k = e.findIndex((x) => x.type === "credentials");
      const body = structuredClone(e[k].body) as CredentialsBody;
      body.credentials.push(body.credentials[0]);
      e[k] = resignEntry({ ...e[k], body } as Entry, g.keys.registrar);
    });
    expect(failed(r), reportToText(r)).toEqual(["V9"]);
    expect(check(r, "V9").failures).toHaveLength(1);
    expect(check(r, "V9").failures[0].message).toContain("published twice");
    expect(check(r, "V9").items).toBe(g.keys.credentials.length + 1);
    for (const id of ["V7", "V10", "V11", "V14", "V15", "V16", "V17"])
      expect(check(r, id).status).toBe("pass");
    // V14-V17 pass, but a result is verified only when every check passes (record.md)
    expect(r.result).toBeUndefined();
  });

  it("a voting.open whose informative `at` is not RFC 3339 fails V4 only; V14-V17 still run", async () => {
    const r = await tampered((e) => {
      const open = e[g.at.open];
      e[g.at.open] = resignEntry({ ...open, body: { at: "yesterday" } } as Entry, g.keys.authority);
    });
    expect(failed(r), reportToText(r)).toEqual(["V4"]);
    expect(check(r, "V4").failures).toHaveLength(1);
    expect(check(r, "V4").failures[0]).toMatchObject({ index: g.at.open });
    for (const id of ["V7", "V14", "V15", "V16", "V17"]) expect(check(r, id).status).toBe("pass");
    // V14-V17 pass, but a result is verified only when every check passes (record.md)
    expect(r.result).toBeUndefined();
  });

  it("an ineligible ballot's bad proof is still reported by V12, and it is not counted", async () => {
    const sk = ed25519.utils.randomSecretKey();
    const stranger = {
      secretKey: sk,
      publicKey: toBase64(ed25519.getPublicKey(sk)),
      style: g.keys.credentials[0].style,
    };
    const at = g.at.open + 2;
    const r = await tampered((e) => void e.splice(at, 0, breakProof(newBallot(g, stranger), sk)));
    expect(failed(r), reportToText(r)).toEqual(["V10", "V12"]);
    expect(check(r, "V10").failures).toEqual([
      expect.objectContaining({ index: at, message: expect.stringContaining("NOT_ELIGIBLE") }),
    ]);
    expect(check(r, "V12").failures.length).toBeGreaterThan(0);
    expect(check(r, "V12").failures.every((f) => f.index === at)).toBe(true);
  });

  it("an out-of-phase ballot's bad proof is still reported by V12", async () => {
    const b = counted()[0];
    const late = breakProof(
      newBallot(g, g.keys.credentials[b.voter], "ballot", 5),
      voterKey(b.voter),
    );
    const at = (g.at.close as number) + 1;
    const r = await tampered((e) => void e.splice(at, 0, late));
    expect(failed(r), reportToText(r)).toEqual(["V7", "V12"]);
    expect(check(r, "V7").failures).toEqual([expect.objectContaining({ index: at })]);
    expect(check(r, "V12").failures.every((f) => f.index === at)).toBe(true);
  });

  it("a ballot whose signature does not verify is not in the tally sum (V14)", async () => {
    const b = counted()[1];
    const other = counted()[2];
    const r = await tampered((e) => {
      // The board swaps in another entry's signature: the content (and so the sum) is unchanged.
      e[b.index] = { ...e[b.index], signature: e[other.index].signature };
    });
    expect(failed(r), reportToText(r)).toEqual(["V5", "V14"]);
    expect(check(r, "V5").failures).toEqual([
      expect.objectContaining({
        index: b.index,
        message: expect.stringContaining("BAD_SIGNATURE"),
      }),
    ]);
    const n = counted().length;
    expect(check(r, "V14").failures).toContainEqual(
      expect.objectContaining({
        message: expect.stringContaining(`counts ${n} ballots, the log has ${n - 1}`),
      }),
    );
    expect(check(r, "V14").failures.some((f) => f.option !== undefined)).toBe(true);
  });

  it("under `single`, a credential's first valid ballot counts: a forged first one does not take its place", async () => {
    const b = counted()[3];
    const r = await tampered((e) => {
      // The board inserts, before the voter's real ballot, a copy with a different ciphertext
      // and the real ballot's signature (it has no key): a forgery that fails V5.
      const forged = breakProof(e[b.index], ed25519.utils.randomSecretKey());
      e.splice(g.at.open + 1, 0, {
        ...forged,
        signer: e[b.index].signer,
        signature: e[b.index].signature,
      });
    });
    // The forgery copies the real ballot's alphas: the real ballot, later, reuses them (V13
    // judges every schema-valid ballot entry, admitted or not: protocol.md §6.11).
    const at = counted()[3].index + 1;
    expect(failed(r), reportToText(r)).toEqual(["V5", "V12", "V13"]);
    expect(check(r, "V13").failures.length).toBeGreaterThan(0);
    for (const f of check(r, "V13").failures) {
      expect(f.index).toBe(at);
      expect(f.message).toContain(`already occurs in entry ${g.at.open + 1}`);
    }
    expect(check(r, "V11").status).toBe("pass");
    expect(check(r, "V14").status).toBe("pass");
    // V14-V17 pass, but a result is verified only when every check passes (record.md)
    expect(r.result).toBeUndefined();
  });

  it("V14-V17 are not skipped when their entries are on the log but were not admitted", async () => {
    const close = g.at.close as number;
    const r = await tampered((e) => {
      e[close] = resignEntry(e[close], g.keys.registrar); // V5: not the authority's
    });
    for (const id of ["V14", "V15", "V16", "V17"]) {
      expect(check(r, id).status, id).toBe("fail");
      expect(check(r, id).failures[0].message).toContain("NOT_ADMITTED");
    }
    expect(check(r, "V14").failures[0]).toMatchObject({ index: g.at.tally });
    expect(check(r, "V16").failures[0]).toMatchObject({ index: g.at.result });
  });
});
