/** The manifest's rules, spec/protocol.md §6.1 (check V6). */
import type { Manifest } from "@urna/schemas";
import { finding, type Finding } from "./findings.js";
import { fromBase64 } from "../bytes.js";
import { decodeElement } from "../crypto/group.js";

const bad = (message: string, path: string): Finding =>
  finding("V6", "INVALID_MANIFEST", message, { index: 0, path });

function duplicates(values: string[]): string[] {
  const seen = new Set<string>();
  const dup: string[] = [];
  for (const v of values) seen.has(v) ? dup.push(v) : seen.add(v);
  return dup;
}

/** Every §6.1 rule the schema cannot express. `election` is the envelope's election id. */
export function checkManifestRules(m: Manifest, election: string, signer: string): Finding[] {
  const out: Finding[] = [];
  if (m.electionId !== election)
    out.push(
      bad(
        `electionId ${m.electionId} differs from the entry's election ${election}`,
        "/body/electionId",
      ),
    );
  if (signer !== m.authority)
    out.push(bad("the manifest must be signed by its authority", "/signer"));
  const n = m.custodians.length;
  m.custodians.forEach((c, i) => {
    if (c.index !== i + 1)
      out.push(
        bad(
          `custodian ${i} has index ${c.index}, expected ${i + 1}`,
          `/body/custodians/${i}/index`,
        ),
      );
    try {
      decodeElement(fromBase64(c.dkgKey));
    } catch (e) {
      out.push(
        bad(
          `custodian ${c.index} DKG key: ${(e as Error).message}`,
          `/body/custodians/${i}/dkgKey`,
        ),
      );
    }
  });
  if (m.threshold < 1 || m.threshold > n)
    out.push(bad(`threshold ${m.threshold} must be between 1 and ${n}`, "/body/threshold"));
  const keys = [
    m.authority,
    m.registrar,
    ...m.custodians.map((c) => c.signingKey),
    ...(m.auditors ?? []).map((a) => a.key),
  ];
  for (const name of duplicates((m.auditors ?? []).map((a) => a.name)))
    out.push(bad(`auditing firm ${name} listed twice`, "/body/auditors"));
  for (const k of duplicates(keys)) out.push(bad(`key ${k} is used by two roles`, "/body"));
  for (const k of duplicates(m.custodians.map((c) => c.dkgKey)))
    out.push(bad(`DKG key ${k} repeated`, "/body/custodians"));
  for (const id of duplicates(m.contests.map((c) => c.id)))
    out.push(bad(`contest id ${id} repeated`, "/body/contests"));
  m.contests.forEach((c, i) => {
    const p = `/body/contests/${i}`;
    for (const id of duplicates(c.options.map((o) => o.id)))
      out.push(bad(`option id ${id} repeated in ${c.id}`, `${p}/options`));
    if (c.options.length < 1 || c.options.length > 64)
      out.push(bad(`contest ${c.id} must have 1 to 64 options`, `${p}/options`));
    if (!(
      0 <= c.minSelections &&
      c.minSelections <= c.maxSelections &&
      c.maxSelections <= c.options.length
    ))
      out.push(bad(`contest ${c.id} needs 0 <= minSelections <= maxSelections <= options`, p));
  });
  const order = new Map(m.contests.map((c, i) => [c.id, i]));
  if (m.ballotStyles.length < 1)
    out.push(bad("at least one ballot style is required", "/body/ballotStyles"));
  for (const id of duplicates(m.ballotStyles.map((s) => s.id)))
    out.push(bad(`ballot style ${id} repeated`, "/body/ballotStyles"));
  m.ballotStyles.forEach((s, i) => {
    let last = -1;
    s.contests.forEach((cid, j) => {
      const at = order.get(cid);
      if (at === undefined)
        out.push(
          bad(
            `style ${s.id} names unknown contest ${cid}`,
            `/body/ballotStyles/${i}/contests/${j}`,
          ),
        );
      else if (at <= last)
        out.push(
          bad(
            `style ${s.id} must list contests once each, in manifest order`,
            `/body/ballotStyles/${i}/contests/${j}`,
          ),
        );
      else last = at;
    });
  });
  return out;
}
