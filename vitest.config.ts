import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (p: string) => fileURLToPath(new URL(`./${p}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      "@urna/verifier/node": fileURLToPath(new URL("./verifier/src/node.ts", import.meta.url)),
      "@urna/schemas": src("schemas"),
      "@urna/verifier": src("verifier"),
      "@urna/board": src("board"),
    },
  },
  test: {
    include: ["*/test/**/*.test.ts", "tests/**/*.test.ts"],
    // Builds the WebAssembly group backend's generated module when it is missing.
    globalSetup: ["./verifier/scripts/build-wasm.mjs"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
