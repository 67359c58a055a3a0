export const VERSION = "0.1.0";
export * from "./bytes.js";
export * from "./log/merkle-hash.js";
export * from "./crypto/group.js";
