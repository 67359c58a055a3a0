/** Static DKG keys (d_i, P_i = d_i·B), the custodian's long-term ristretto255 key pair. */
import { G, ORDER, decodeScalar, encodeScalar, ceremony as dkg } from "@urna/verifier";
import { randomNonzeroScalar } from "./random.js";

export interface StaticKeyPair {
  secret: bigint;
  publicKey: Uint8Array;
}

export function staticPublicKey(secret: bigint): Uint8Array {
  if (secret <= 0n || secret >= ORDER)
    throw new dkg.CeremonyError("CEREMONY_BAD_SETUP", "static secret must be a non-zero scalar");
  return G.multiply(secret).toBytes();
}

export function generateStaticKey(): StaticKeyPair {
  const secret = randomNonzeroScalar();
  return { secret, publicKey: staticPublicKey(secret) };
}

export const encodeStaticSecret = (secret: bigint): Uint8Array => encodeScalar(secret);
export const decodeStaticSecret = (bytes: Uint8Array): bigint => decodeScalar(bytes);

/** Throw CEREMONY_BAD_SETUP unless d_index·B = P_index. */
export function checkOwnKey(setup: dkg.CeremonySetup, index: number, secret: bigint): void {
  if (!Number.isSafeInteger(index) || index < 1 || index > setup.n)
    throw new dkg.CeremonyError("CEREMONY_BAD_SETUP", `index ${index} is not in 1..${setup.n}`);
  const pk = staticPublicKey(secret);
  const want = setup.staticKeys[index - 1];
  if (pk.length !== want.length || pk.some((b, k) => b !== want[k]))
    throw new dkg.CeremonyError("CEREMONY_BAD_SETUP", "static secret does not match P_i", index);
}
