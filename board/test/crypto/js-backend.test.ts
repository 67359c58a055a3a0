/**
 * The board's crypto tests (prover against verifier, batch verification, decryption) again with
 * the verifier on its pure-JS backend, so that both backends are checked on the same proofs and
 * the same corruptions. The JS backend is forced before the test modules are loaded.
 */
import { it, expect } from "vitest";
import { cryptoBackend, setCryptoBackend } from "../../../verifier/src/crypto/wasm/backend.js";

setCryptoBackend("js");
it("runs on the JS backend", () => expect(cryptoBackend()).toBe("js"));
await import("./proofs.test.js");
await import("./ballot.test.js");
await import("./decryption.test.js");
