/** Auditors' attestations judged by a reader (isomorphic): the results page and the demo. */
export * from "./certification.js";
export * from "./certify-board.js";
