/**
 * The election base hash, protocol.md §4:
 *
 *     baseHash = H("base-hash", utf8(electionId), jcs(manifest body))     (64 bytes)
 */
import { canonicalBytes, type Manifest } from "@urna/schemas";
import { utf8 } from "../bytes.js";
import { hashParts } from "./group.js";

export const BASE_HASH_BYTES = 64;

export function baseHash(electionId: string, manifest: Manifest): Uint8Array {
  return hashParts("base-hash", [utf8(electionId), canonicalBytes(manifest)]);
}
