/** The witness (c2sp.org/tlog-witness with tlog-cosignature v1), isomorphic parts. Node: server-node.ts, store-node.ts, cli-node.ts. */
export * from "./protocol.js";
export * from "./key.js";
export * from "./witness.js";
