export * from "./text.js";
export * from "./json.js";
export * from "./html.js";
export * from "./escape.js";
export * from "./verdict.js";
export * from "./lang.js";
export * from "./audit-lines.js";
