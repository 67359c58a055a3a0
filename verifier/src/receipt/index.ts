/** The voter's receipt check (isomorphic). */
export * from "./verify-receipt.js";
