/** The election actors' library: an HTTP client of the board and each actor's steps. */
export * from "./client.js";
export * from "./keys.js";
export * from "./view.js";
export * from "./authority.js";
export * from "./registrar.js";
export * from "./custodian.js";
export * from "./voter.js";
export * from "./custodian-audit.js";
export * from "./output-file.js";
