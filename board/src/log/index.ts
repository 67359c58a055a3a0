/** The board's transparency log, operator side: storage, tiles, sequencer, checkpoint signer, static export. */
export * from "./errors.js";
export * from "./storage.js";
export * from "./level-storage.js";
export * from "./tiles.js";
export * from "./reader.js";
export * from "./signer.js";
export * from "./sequencer.js";
export * from "./export.js";
export * from "./memory-storage.js";
export * from "./node-signer.js";
export * from "./fast-hash.js";
