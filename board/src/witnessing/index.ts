/** The board's side of witnessing (c2sp.org/tlog-witness client), spec/witness.md §2. */
export * from "./client.js";
export * from "./collect.js";
export * from "./cosign-queue.js";
export * from "./log-witness.js";
export * from "./retry-timer.js";
export * from "./state.js";
