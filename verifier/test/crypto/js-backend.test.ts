/**
 * The verifier's crypto tests again, on the pure-JS backend (the fallback used where WebAssembly
 * is not available, e.g. a browser's main thread), in the same run as on the WASM backend: the
 * JS backend is forced before the test modules are loaded, and their suites are collected here.
 */
import { it, expect } from "vitest";
import { cryptoBackend, setCryptoBackend } from "../../src/crypto/wasm/backend.js";

setCryptoBackend("js");
it("runs on the JS backend", () => expect(cryptoBackend()).toBe("js"));
await import("./group.test.js");
await import("./msm.test.js");
await import("./ristretto-codec.test.js");
await import("./tally.test.js");
await import("./vectors.test.js");
