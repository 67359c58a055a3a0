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
 * Marks a work item whose `body` is the entry's own body (a ballot's, a share's...): the pool
 * posts the item without it, and the worker reads the body back from the task's signing message
 * (entryWork, withEntryBody). A ballot's body is 6 KB of nested objects; the structured clone of
 * postMessage cost the event loop ~100 µs per ballot, against ~25 µs for the worker to parse
 * the bytes it receives anyway.
 */
const ENTRY_BODY = "entryBody";

/** `work` as the pool posts it with the entry's SignedMessage: the entry's body left out. */
export function entryWork(work: readonly unknown[], entry: Entry): unknown[] {
  return work.map((w) =>
    typeof w === "object" && w !== null && (w as { body?: unknown }).body === entry.body
      ? { ...w, body: undefined, [ENTRY_BODY]: true }
      : w,
  );
}

/**
 * The work of a task as entryWork left it, with the entry's body put back: parsed from the
 * signing message (protocol.md §5: the prefix line, then the canonical JSON of the entry without
 * its signature), which holds the body byte for byte as the leaf does.
 */
export function withEntryBody(work: unknown[], signed: SignedMessage): unknown[] {
  if (!work.some((w) => (w as Record<string, unknown> | null)?.[ENTRY_BODY] === true)) return work;
  const m = signed.message;
  if (!bytesEqual(m.subarray(0, PREFIX.length), PREFIX))
    throw new Error("the signing message does not start with the entry prefix");
  const { body } = JSON.parse(fatalUtf8.decode(m.subarray(PREFIX.length))) as { body: unknown };
  return work.map((w) => {
    const item = w as Record<string, unknown> | null;
    if (item?.[ENTRY_BODY] !== true) return w;
    const { [ENTRY_BODY]: _, ...rest } = item;
    return { ...rest, body };
  });
}

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true });

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
