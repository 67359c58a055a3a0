export const VERSION = "0.1.0";
export * from "./crypto/index.js";
export * as log from "./log/index.js";
export * as ceremony from "./ceremony/index.js";
export * as store from "./store/index.js";
export * from "./entry-sign.js";
export * from "./server/index.js";
export * from "./actors/index.js";
export * from "./witnessing/index.js";
