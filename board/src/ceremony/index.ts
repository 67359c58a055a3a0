/** COCKTAIL-DKG, ciphersuite COCKTAIL(Ristretto255, SHA-512): the participant (prover) side. */
export * from "./aead.js";
export * from "./random.js";
export * from "./schnorr.js";
export * from "./keys.js";
export * from "./round1.js";
export * from "./round2.js";
export * from "./round3.js";
export * from "./blame.js";
export * from "./recovery.js";
