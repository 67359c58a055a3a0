import { ed25519 } from "@noble/curves/ed25519.js";
import { it } from "vitest";
import { verifyEd25519 } from "../src/entry.js";
it("perf", () => {
  const sk = ed25519.utils.randomSecretKey(); const pk = ed25519.getPublicKey(sk);
  const msgs = Array.from({ length: 300 }, (_, i) => new TextEncoder().encode("m" + i));
  const sigs = msgs.map((m) => ed25519.sign(m, sk));
  for (let r = 0; r < 2; r++) {
    let t = performance.now(); for (let i = 0; i < 300; i++) verifyEd25519(sigs[i], msgs[i], pk); const a = (performance.now() - t) / 300;
    t = performance.now(); for (let i = 0; i < 300; i++) ed25519.verify(sigs[i], msgs[i], pk); const b = (performance.now() - t) / 300;
    console.log(`verifyEd25519 ${(a * 1000).toFixed(0)} us, noble verify ${(b * 1000).toFixed(0)} us`);
  }
});
