/** The auditor's end-to-end election check (isomorphic; Node worker threads in pool-node.ts). */
export * from "./checks.js";
export * from "./trust.js";
export * from "./trust-pins.js";
export * from "./runner.js";
export * from "./tally-sum.js";
export * from "./version.js";
export * from "./verify-election.js";
export * from "./audit-section.js";
export * from "./fingerprints.js";
export * from "./attestation.js";
