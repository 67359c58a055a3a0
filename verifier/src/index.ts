export const VERSION = "0.1.0";
export * from "./bytes.js";
export * from "./log/merkle-hash.js";
export * from "./crypto/index.js";
export * as ceremony from "./ceremony/index.js";
export * from "./log/index.js";
export * from "./election/index.js";
export * from "./entry.js";
