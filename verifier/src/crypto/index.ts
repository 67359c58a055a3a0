/** urna-v1 election cryptography, verifier side (isomorphic: no Node-only APIs). */
export * from "./group.js";
export * from "./errors.js";
export * from "./base-hash.js";
export * from "./elgamal.js";
export * from "./msm.js";
export * from "./range-proof.js";
export * from "./decryption-proof.js";
export * from "./batch.js";
export * from "./ballot.js";
export * from "./tally.js";
export * from "./dlog.js";
export * from "./wasm/index.js";
