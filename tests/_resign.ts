// one-off: re-sign a bench record's checkpoint with a board key named after the origin (spec/log.md §3)
import { readFileSync, writeFileSync } from "node:fs";
import { ed25519 } from "@noble/curves/ed25519.js";
import { ORIGIN, resign } from "./fixtures/election.js";
import { ed25519Signer } from "../verifier/src/log/note.js";
import { ed25519Cosigner } from "../verifier/src/log/cosignature.js";
const dir = process.argv[2];
const trustPath = process.argv[3];
const board = { name: ORIGIN, seed: ed25519.utils.randomSecretKey() };
const witnesses = [1, 2].map((k) => ({ name: `witness${k}.urna.test`, seed: ed25519.utils.randomSecretKey() }));
resign(dir, board, witnesses);
const trust = JSON.parse(readFileSync(trustPath, "utf8"));
trust.board = { vkey: ed25519Signer(ORIGIN, board.seed).vkey };
trust.witnesses = witnesses.map((w) => ({ vkey: ed25519Cosigner(w.name, w.seed).vkey }));
writeFileSync(trustPath, JSON.stringify(trust, null, 2));
