/** The WebAssembly ristretto255 backend: public API (see ./backend.ts). */
export {
  cryptoBackend,
  cryptoBackendChoice,
  setCryptoBackend,
  type CryptoBackend,
} from "./backend.js";
export { verifyEd25519Wasm } from "./ed25519.js";
export { mulSecretWasm, precomputeSecretBase } from "./secret.js";
