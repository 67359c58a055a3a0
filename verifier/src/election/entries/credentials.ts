/**
 * `credentials` (protocol.md §6.2, check V9): a numbered batch of voter credentials, signed by
 * the registrar before voting opens. Each credential is admitted on its own.
 */
import { finding } from "../findings.js";
import type { EntryRule } from "./entry-rule.js";
import { byRegistrar } from "./signers.js";

export const credentials: EntryRule<"credentials"> = {
  type: "credentials",
  phases: ["setup"],
  signer: byRegistrar,
  check(entry, s, { where, out, pendingBatches }) {
    const b = entry.body;
    const bad = (msg: string, path: string) =>
      out.findings.push(finding("V9", "INVALID_CREDENTIALS", msg, { ...where, path }));
    const expected = s.credentialBatches + pendingBatches;
    if (b.batch !== expected)
      bad(`credential batch ${b.batch} out of order, expected ${expected}`, "/body/batch");
    const inBatch = new Set<string>();
    const roles = s.roleKeys();
    b.credentials.forEach((c, i) => {
      const p = `/body/credentials/${i}`;
      if (s.credentials.has(c.key) || inBatch.has(c.key))
        bad(`credential ${c.key} published twice`, `${p}/key`);
      if (roles.has(c.key)) bad(`credential ${c.key} is another role's key`, `${p}/key`);
      if (!s.styles.has(c.style)) bad(`unknown ballot style ${c.style}`, `${p}/style`);
      inBatch.add(c.key);
    });
  },
  apply(entry, s) {
    s.credentialBatches++;
    // Each credential is admitted on its own (spec/verification.md §Failing entries): one that
    // fails V9 (published before, another role's key, unknown style) is left out.
    const roles = s.roleKeys();
    for (const c of entry.body.credentials)
      if (!s.credentials.has(c.key) && !roles.has(c.key) && s.styles.has(c.style)) {
        s.credentials.set(c.key, c.style);
        s.styleTurnout(c.style).credentials++;
      }
  },
};
