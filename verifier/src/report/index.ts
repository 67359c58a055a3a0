export * from "./text.js";
export * from "./json.js";
export * from "./html.js";
