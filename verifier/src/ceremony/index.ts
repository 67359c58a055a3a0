/** COCKTAIL-DKG, ciphersuite COCKTAIL(Ristretto255, SHA-512): the public (verifier) side. */
export * from "./errors.js";
export * from "./suite.js";
export * from "./schnorr.js";
export * from "./setup.js";
export * from "./messages.js";
export * from "./transcript.js";
export * from "./vss.js";
export * from "./share.js";
export * from "./verify.js";
export * from "./blame.js";
export * from "./entries.js";
