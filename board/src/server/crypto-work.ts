/**
 * The checks that run in the worker threads: the entry's strict Ed25519 signature (protocol.md
 * §5, the verifier's signing message; OpenSSL through ed25519-fast.ts, which decides exactly as
 * the verifier's verifyEntrySignature) and the verifier's own `verifyCryptoWork` on the jobs
 * the election state's precheck returns.
 */
import type { Entry } from "@urna/schemas";
import {
  type CryptoWork,
  ENTRY_SIGNING_PREFIX,
  bytesEqual,
  entrySigningMessage,
  fromBase64,
  utf8,
  verifyEntrySignature,
  verifyCryptoWork as verify,
} from "@urna/verifier";
import { verifyEd25519Fast } from "./ed25519-fast.js";
import type { PoolFinding, SignedMessage } from "./worker-pool.js";

/** The verifier's verifyEntrySignature with the OpenSSL check: false on any malformed field. */
export const verifyEntrySignatureFast = (entry: Entry): boolean =>
  verifyEntrySignature(entry, verifyEd25519Fast);

const PREFIX = utf8(ENTRY_SIGNING_PREFIX + "\n");

/**
 * The entry's signing message (the verifier's `entrySigningMessage`) cut out of its canonical
 * leaf instead of canonicalising the entry again. RFC 8785 sorts the members, so the leaf is
 * `{"body":…,"election":…,"signature":S,"signer":K,"type":T}` and the signing object is the same
 * bytes without `,"signature":S` (strings serialise as JSON.stringify does, RFC 8785 §3.2.2.2).
 * The tail is rebuilt from the entry and compared byte for byte; if it differs (never for a leaf
 * made by entryLeaf from this entry) the message is computed the verifier's way.
 */
export function signingMessageFromLeaf(entry: Entry, leaf: Uint8Array): Uint8Array {
  const rest = utf8(
    `,"signer":${JSON.stringify(entry.signer)},"type":${JSON.stringify(entry.type)}}`,
  );
  const sig = utf8(`,"signature":${JSON.stringify(entry.signature)}`);
  const head = leaf.length - sig.length - rest.length;
  if (
    head <= 0 ||
    !bytesEqual(leaf.subarray(head, head + sig.length), sig) ||
    !bytesEqual(leaf.subarray(head + sig.length), rest)
  )
    return entrySigningMessage(entry);
  const msg = new Uint8Array(PREFIX.length + head + rest.length);
  msg.set(PREFIX, 0);
  msg.set(leaf.subarray(0, head), PREFIX.length);
  msg.set(rest, PREFIX.length + head);
  return msg;
}

/** The compact form of an entry's signature check the worker pool carries (see SignedMessage). */
export function signedMessage(entry: Entry, leaf: Uint8Array): SignedMessage {
  return {
    signature: entry.signature,
    signer: entry.signer,
    message: signingMessageFromLeaf(entry, leaf),
  };
}

/**
 * Canonical base64 of exactly 64 and 32 bytes (the padding bits zero): for these strings
 * node's decoder gives the bytes the verifier's strict fromBase64 gives, natively; any other
 * string goes through fromBase64 itself, which decides.
 */
const B64_64 = /^[A-Za-z0-9+/]{85}[AQgw]==$/;
const B64_32 = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
const decode64 = (s: string): Uint8Array =>
  B64_64.test(s) ? Buffer.from(s, "base64") : fromBase64(s);
const decode32 = (s: string): Uint8Array =>
  B64_32.test(s) ? Buffer.from(s, "base64") : fromBase64(s);

/** BAD_SIGNATURE unless `s.signature` is a strict Ed25519 signature of `s.message` by `s.signer`. */
export function verifySignedMessage(s: SignedMessage): PoolFinding[] {
  let ok: boolean;
  try {
    ok = verifyEd25519Fast(decode64(s.signature), s.message, decode32(s.signer));
  } catch {
    ok = false;
  }
  return ok ? [] : [BAD_SIGNATURE];
}

const BAD_SIGNATURE: PoolFinding = {
  check: "V5",
  code: "BAD_SIGNATURE",
  message: "the entry's signature does not verify",
};

/** BAD_SIGNATURE if `entry` is given and its signature does not verify. */
export function verifyEntrySignatureOnly(entry: unknown): PoolFinding[] {
  if (entry !== undefined && !verifyEntrySignatureFast(entry as Entry))
    return [
      { check: "V5", code: "BAD_SIGNATURE", message: "the entry's signature does not verify" },
    ];
  return [];
}

/** The signature of `entry` (when given), then the crypto jobs. */
export function verifyCryptoWork(work: unknown[], entry?: unknown): PoolFinding[] {
  const bad = verifyEntrySignatureOnly(entry);
  if (bad.length > 0) return bad;
  return work.length === 0 ? [] : verify(work as CryptoWork[]);
}
