/**
 * The Node-only half of @urna/verifier (`@urna/verifier/node`): reading record folders, the
 * worker-thread pool, the witness server and the monitor's file state. The main entry point
 * stays isomorphic so that it can be bundled for a browser.
 */
export * from "./record/folder-node.js";
export * from "./audit/pool-node.js";
export * from "./worker-script-node.js";
export * from "./thread-pool-node.js";
export * from "./witness/server-node.js";
export * from "./witness/store-node.js";
export * from "./witness/cli-node.js";
export * from "./witness/index.js";
export * from "./monitor/watch-node.js";
export * from "./monitor/store-node.js";
export * from "./monitor/cli-node.js";
export * from "./conformance/corpus.js";
export * from "./conformance/run-node.js";
export * from "./audit/environment-node.js";
export * from "./attest/attest-node.js";
