/**
 * The standby's proof that it checked a write (spec/api.md, "Several boards on one database",
 * Checked by the standby): the header `Urna-Verified: v1 <tag>`, where tag is the base64url
 * (no padding) HMAC-SHA-256, under a key derived from the board key that every process of one
 * database shares, of a domain-separated message binding the route, the election and the
 * SHA-256 of the exact body bytes. The sequencer skips the stateless crypto of a body whose tag
 * is valid; a missing, malformed or wrong tag only means it checks everything itself.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";

/** The request header carrying the tag (node lower-cases header names). */
export const VERIFIED_HEADER = "urna-verified";

/** The HKDF info, and the first line of every tagged message. */
const DOMAIN = "urna standby-verified v1";

/** The write routes a standby tags (creation is forwarded untagged). */
export type TaggedRoute = "entries" | "bulk";

/** The HMAC key of the tags: HKDF-SHA-256 of the board key's 32-byte Ed25519 seed. */
export function verifiedTagKey(seed: Uint8Array): Uint8Array {
  if (seed.length !== 32) throw new Error("the board key's seed is 32 bytes");
  return hkdf(sha256, seed, undefined, new TextEncoder().encode(DOMAIN), 32);
}

/**
 * The tagged message: `urna standby-verified v1\n<route>\n<election>\n` then the 32 bytes of
 * SHA-256(body). Route and election id hold no newline (the routes' paths allow none), so the
 * message names one (route, election, body) only.
 */
function mac(key: Uint8Array, route: TaggedRoute, election: string, body: Uint8Array): Buffer {
  const digest = createHash("sha256").update(body).digest();
  return createHmac("sha256", key)
    .update(`${DOMAIN}\n${route}\n${election}\n`)
    .update(digest)
    .digest();
}

/** The header value that vouches for `body` posted to `route` of `election`. */
export function verifiedTag(
  key: Uint8Array,
  route: TaggedRoute,
  election: string,
  body: Uint8Array,
): string {
  return `v1 ${mac(key, route, election, body).toString("base64url")}`;
}

const TAG = /^v1 ([A-Za-z0-9_-]{43})$/;

/**
 * Whether `header` is the tag of `body` posted to `route` of `election` (compared in constant
 * time). Anything else, including a header repeated or of another version, is false.
 */
export function isVerifiedTag(
  key: Uint8Array,
  header: unknown,
  route: TaggedRoute,
  election: string,
  body: Uint8Array,
): boolean {
  if (typeof header !== "string") return false;
  const m = TAG.exec(header);
  if (!m) return false;
  const given = Buffer.from(m[1], "base64url");
  return given.length === 32 && timingSafeEqual(given, mac(key, route, election, body));
}
