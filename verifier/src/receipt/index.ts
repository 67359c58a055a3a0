/** The voter's receipt check (isomorphic). */
export * from "./verify-receipt.js";
export * from "./lookup.js";
export * from "./by-code.js";
