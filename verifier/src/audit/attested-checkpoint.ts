/**
 * The root an attestation names against this log's (spec/protocol.md §6.12, V18
 * `ATTESTATION_CHECKPOINT`), shared by the audit and the monitor: both keep the log's root at
 * each size from the result on as the leaves stream past, and judge the claim with one function.
 */
import { finding, type Finding } from "../election/findings.js";

/** Sizes whose root is kept after the result (bounded; attestations are few). */
export const MAX_ATTESTED_ROOTS = 1_000_000;

/** The log's root (base64) at each size from the result on. */
export class AttestedRoots {
  readonly #roots = new Map<number, string>();

  /** Before leaf `size` is pushed: keeps the root of the first `size` leaves once done. */
  record(size: number, done: boolean, root: () => string): void {
    if (done && this.#roots.size < MAX_ATTESTED_ROOTS) this.#roots.set(size, root());
  }

  get(size: number): string | undefined {
    return this.#roots.get(size);
  }
}

/**
 * V18's finding when the attested root is not the log's root at its size. `root` undefined:
 * the log's root there is not known (`unknown` says why), a failure too.
 */
export function attestedRootFindings(
  claim: { size: number; root: string },
  index: number,
  root: string | undefined,
  unknown = `the log's root at size ${claim.size} was not kept (more than ${MAX_ATTESTED_ROOTS} entries after the result)`,
): Finding[] {
  if (root === claim.root) return [];
  return [
    finding(
      "V18",
      "ATTESTATION_CHECKPOINT",
      root === undefined
        ? unknown
        : `the attested root at size ${claim.size} is ${claim.root}, the log's is ${root}`,
      { index, path: "/body/checkpoint/root" },
    ),
  ];
}
