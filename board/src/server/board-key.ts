/**
 * The board's checkpoint-signing key: an Ed25519 signed-note key named after the board,
 * generated on first start and kept in `<dataDir>/board.key` in the C2SP private-key form
 * (`PRIVATE+KEY+<name>+<id>+<base64>`), readable only by its owner (mode 0600).
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type Ed25519NoteSigner,
  encodePrivateKey,
  generateSeed,
  parsePrivateKey,
} from "@urna/verifier";

export const BOARD_KEY_FILE = "board.key";

export class BoardKeyError extends Error {
  readonly code = "BOARD_KEY" as const;
}

/**
 * Loads the board key from `dataDir` (or from `privateKey` when given, which is then written
 * to `dataDir` if none is stored there), generating one on first start. The key's name must
 * equal the board name: checkpoints' origins are `<name>/elections/<id>`.
 */
export function loadOrCreateBoardKey(
  dataDir: string,
  name: string,
  privateKey?: string,
): Ed25519NoteSigner {
  const file = join(dataDir, BOARD_KEY_FILE);
  let signer: Ed25519NoteSigner;
  if (existsSync(file)) {
    signer = parsePrivateKey(readFileSync(file, "utf8").trim());
    if (privateKey !== undefined && parsePrivateKey(privateKey.trim()).vkey !== signer.vkey)
      throw new BoardKeyError(`${file} holds a different key than the one given`);
  } else {
    const text = privateKey?.trim() ?? encodePrivateKey(name, generateSeed());
    signer = parsePrivateKey(text);
    writeFileSync(file, text + "\n", { mode: 0o600, flag: "wx" });
    chmodSync(file, 0o600);
  }
  if (signer.name !== name)
    throw new BoardKeyError(
      `the board key is named ${JSON.stringify(signer.name)} but the board is ${JSON.stringify(name)}`,
    );
  return signer;
}
