/**
 * Writes a small INE-style manifest for the step-by-step walkthrough (examples/README.md):
 * Presidencia, and the contests of Ciudad de México and Jalisco.
 *
 *   tsx examples/small-manifest.ts KEYDIR > manifest.json
 *
 * KEYDIR holds authority.json, registrar.json and custodian-1.json .. custodian-5.json as
 * written by `urna authority keygen`, `urna registrar keygen` and `urna custodian keygen`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ineManifest, loadIneData } from "./ine-manifest.js";

const dir = process.argv[2];
if (!dir) {
  process.stderr.write("usage: tsx examples/small-manifest.ts KEYDIR > manifest.json\n");
  process.exit(2);
}
const read = <T>(f: string): T => JSON.parse(readFileSync(join(dir, f), "utf8")) as T;
type KeyFile = { publicKey: string };
type CustodianFile = { name: string; signing: { publicKey: string }; dkg: { public: string } };
const manifest = ineManifest(
  loadIneData(),
  {
    authority: read<KeyFile>("authority.json").publicKey,
    registrar: read<KeyFile>("registrar.json").publicKey,
    custodians: [1, 2, 3, 4, 5].map((i) => {
      const c = read<CustodianFile>(`custodian-${i}.json`);
      return { name: c.name, signingKey: c.signing.publicKey, dkgKey: c.dkg.public };
    }),
  },
  { electionId: "mx-2024-ejemplo", threshold: 3, entidades: ["Ciudad de México", "Jalisco"] },
);
process.stdout.write(JSON.stringify(manifest, null, 2) + "\n");
