export * from "./findings.js";
export * from "./manifest.js";
export * from "./work.js";
export * from "./state.js";
export * from "./verify-work.js";
export * from "./verify-ceremony.js";
export * from "./tally.js";
export * from "./check-registry.js";
