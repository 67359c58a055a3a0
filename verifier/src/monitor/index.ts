/** The monitor, isomorphic parts (Node: store-node.ts, watch-node.ts, cli-node.ts). */
export * from "./board-client.js";
export * from "./checker.js";
export * from "./snapshot.js";
export * from "./monitor.js";
