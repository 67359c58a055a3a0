export const VERSION = "0.1.0";
export * from "./crypto/index.js";
