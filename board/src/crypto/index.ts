/** urna-v1 election cryptography, prover side (voter device, custodians, authority). */
export * from "./errors.js";
export * from "./random.js";
export * from "./fixed-base.js";
export * from "./range-prover.js";
export * from "./encrypt.js";
export * from "./decrypt.js";
export * from "./result.js";
