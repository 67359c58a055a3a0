/**
 * What a version 2 trust file pins of the official election (spec/record.md §Trust file), checked
 * against the record: the manifest's baseHash, registrar and custodian keys (V6), and at most the
 * registered number of credentials per ballot style (V9).
 */
import type { CredentialsBody, Entry, Manifest, TrustFile } from "@urna/schemas";
import { toBase64 } from "../bytes.js";
import { baseHash } from "../crypto/base-hash.js";
import { finding, type Finding } from "../election/findings.js";
import type { Trust, TrustPins } from "./trust.js";

/** The report's warning when the trust file pins nothing beyond the authority (version 1). */
export const UNPINNED_WARNING =
  "WARNING: the trust file (version 1) pins no manifest, registrar, custodians or registered voters: an election fabricated under the same authority key would pass";

/** The base64 baseHash of a manifest for the trust file's election (protocol.md §4). */
export const manifestBaseHash = (election: string, manifest: Manifest): string =>
  toBase64(baseHash(election, manifest));

/**
 * A version 2 trust file: `base`'s board, witnesses and quorum, pinning `manifest` (its
 * authority, registrar, custodians and baseHash) and the registered voters per style.
 */
export function pinnedTrustFile(
  base: Pick<TrustFile, "board" | "witnesses" | "quorum">,
  manifest: Manifest,
  registered: Record<string, number>,
): TrustFile {
  return {
    version: 2,
    election: manifest.electionId,
    board: base.board,
    authority: manifest.authority,
    witnesses: base.witnesses,
    quorum: base.quorum,
    manifest: { baseHash: manifestBaseHash(manifest.electionId, manifest) },
    registrar: manifest.registrar,
    custodians: manifest.custodians.map((c) => c.signingKey),
    registered: { ...registered },
  };
}

/** Whether a manifest entry is the one a trust file pins by baseHash (the receipt check, R5). */
export function manifestIsPinned(entry: Entry, pinned: string): boolean {
  try {
    return (
      entry.type === "manifest" &&
      manifestBaseHash(entry.election, entry.body as Manifest) === pinned
    );
  } catch {
    return false;
  }
}

/** V6 findings: entry 0's manifest against the pins (none when the trust file has no pins). */
export function manifestPinFindings(
  manifest: Manifest,
  trust: Pick<Trust, "election" | "pins">,
): Finding[] {
  const pins = trust.pins;
  if (!pins) return [];
  const out: Finding[] = [];
  const at = (path: string) => ({ index: 0, path });
  let hash: string | undefined;
  try {
    hash = manifestBaseHash(trust.election, manifest);
  } catch {
    hash = undefined;
  }
  if (hash !== pins.baseHash)
    out.push(
      finding(
        "V6",
        "MANIFEST_NOT_PINNED",
        `the manifest's baseHash ${hash ?? "(none)"} is not the trust file's ${pins.baseHash}`,
        at("/body"),
      ),
    );
  if (manifest.registrar !== pins.registrar)
    out.push(
      finding(
        "V6",
        "REGISTRAR_NOT_PINNED",
        "the manifest's registrar is not the trust file's registrar key",
        at("/body/registrar"),
      ),
    );
  const keys = Array.isArray(manifest.custodians)
    ? manifest.custodians.map((c) => c.signingKey)
    : [];
  if (keys.length !== pins.custodians.length)
    out.push(
      finding(
        "V6",
        "CUSTODIANS_NOT_PINNED",
        `the manifest has ${keys.length} custodians, the trust file ${pins.custodians.length}`,
        at("/body/custodians"),
      ),
    );
  keys.forEach((k, i) => {
    if (i < pins.custodians.length && k !== pins.custodians[i])
      out.push(
        finding(
          "V6",
          "CUSTODIANS_NOT_PINNED",
          `custodian ${i + 1}'s signing key is not the trust file's`,
          { ...at(`/body/custodians/${i}/signingKey`), custodian: i + 1 },
        ),
      );
  });
  return out;
}

/**
 * Counts the admitted credentials per style against the registered numbers (V9): every
 * credential beyond its style's number is a finding, located by entry and position.
 */
export class RegisteredQuota {
  readonly #registered: ReadonlyMap<string, number>;
  readonly #count = new Map<string, number>();
  constructor(pins: TrustPins) {
    this.#registered = pins.registered;
  }

  readonly #counted = new Set<string>();

  /**
   * After `entry` was applied: counts each of its credentials that the state admitted
   * (`styleOf(key)` is its style) and that was not counted before, so a credential left out by
   * V9 (a repeat, another role's key, an unknown style) never counts against the quota.
   */
  add(entry: Entry, index: number, styleOf: (key: string) => string | undefined): Finding[] {
    if (entry.type !== "credentials") return [];
    const out: Finding[] = [];
    (entry.body as CredentialsBody).credentials.forEach((c, k) => {
      if (this.#counted.has(c.key) || styleOf(c.key) !== c.style) return;
      this.#counted.add(c.key);
      const n = (this.#count.get(c.style) ?? 0) + 1;
      this.#count.set(c.style, n);
      const max = this.#registered.get(c.style) ?? 0;
      if (n > max)
        out.push(
          finding(
            "V9",
            "CREDENTIALS_EXCEED_REGISTERED",
            `credential ${c.key} is number ${n} of style ${c.style}, which has ${max} registered voter(s) in the trust file`,
            { index, path: `/body/credentials/${k}` },
          ),
        );
    });
    return out;
  }

  /** "style: published/registered" for the report. */
  summary(): string {
    const styles = new Set([...this.#registered.keys(), ...this.#count.keys()]);
    return [...styles]
      .map((s) => `${s} ${this.#count.get(s) ?? 0}/${this.#registered.get(s) ?? 0}`)
      .join(", ");
  }
}

/**
 * Entry 0 against the trust file, as every reader of a whole election checks it (the audit and
 * the monitor share this one function, so they report the same check and code): its `election`
 * is the trust file's (V4 `ELECTION_MISMATCH`); a manifest's `authority` is the trust file's
 * authority key (V6 `INVALID_MANIFEST`, verification.md V6) and matches the pins.
 */
export function entryZeroTrustFindings(
  entry: Entry,
  index: number,
  trust: Pick<Trust, "election" | "authority" | "pins">,
): Finding[] {
  const out: Finding[] = [];
  if (entry.election !== trust.election)
    out.push(
      finding(
        "V4",
        "ELECTION_MISMATCH",
        `the record is election ${entry.election}, the trust file's is ${trust.election}`,
        { index },
      ),
    );
  if (entry.type === "manifest") {
    const m = entry.body as { authority?: string };
    if (m.authority !== trust.authority)
      out.push(
        finding(
          "V6",
          "INVALID_MANIFEST",
          "the manifest's authority is not the trust file's authority key",
          { index, path: "/body/authority" },
        ),
      );
    out.push(...manifestPinFindings(entry.body as Manifest, trust));
  }
  return out;
}
