/** Record sources (isomorphic; the folder reader is folder-node.ts). */
export * from "./source.js";
export * from "./http.js";
export * from "./tiles.js";
export * from "./bound.js";
export * from "./tile-check.js";
export * from "./published.js";
