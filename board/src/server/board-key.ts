/**
 * The board's checkpoint-signing key: an Ed25519 signed-note key named after the board,
 * generated on first start and kept in `<dataDir>/board.key` in the C2SP private-key form
 * (`PRIVATE+KEY+<name>+<id>+<base64>`), readable only by its owner (mode 0600).
 */
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type Ed25519NoteSigner,
  encodePrivateKey,
  fromBase64,
  generateSeed,
  parsePrivateKey,
} from "@urna/verifier";

export const BOARD_KEY_FILE = "board.key";

/**
 * Why the board refuses its key (spec/api.md §Board key):
 * BOARD_KEY_MISSING  no key file, but the board already signed checkpoints (its signer state or
 *                    its store holds elections): a new key would silently re-sign them;
 * BOARD_KEY_MISMATCH the key does not verify the checkpoints the board already signed, or is not
 *                    the one given;
 * BOARD_KEY_MODE     the key file is readable or writable by other users than its owner;
 * BOARD_KEY          a malformed key, or one named for another board.
 */
export type BoardKeyErrorCode =
  "BOARD_KEY" | "BOARD_KEY_MISSING" | "BOARD_KEY_MISMATCH" | "BOARD_KEY_MODE";

export class BoardKeyError extends Error {
  constructor(
    readonly code: BoardKeyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "BoardKeyError";
  }
}

/** Whether this data folder's checkpoint signer has signed anything (its state files exist). */
export function hasSigned(dataDir: string): boolean {
  try {
    return readdirSync(join(dataDir, "signer")).length > 0;
  } catch {
    return false;
  }
}

/** The key file: `keyFile` when given, else `<dataDir>/board.key`. */
export const boardKeyPath = (dataDir: string, keyFile?: string): string =>
  keyFile ?? join(dataDir, BOARD_KEY_FILE);

/**
 * Loads the board key from `<dataDir>/board.key` or `keyFile` (or from `privateKey` when given,
 * which is then written there if no key is stored), generating one only when `mayCreate` (the
 * board has signed nothing yet). The key's name must equal the board name: checkpoints' origins
 * are `<name>/elections/<id>`. A key file readable or writable by group or others is refused.
 */
export function loadOrCreateBoardKey(
  dataDir: string,
  name: string,
  privateKey?: string,
  opts: { keyFile?: string; mayCreate?: boolean } = {},
): Ed25519NoteSigner {
  const file = boardKeyPath(dataDir, opts.keyFile);
  let signer: Ed25519NoteSigner;
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o777;
    if (process.platform !== "win32" && (mode & 0o077) !== 0)
      throw new BoardKeyError(
        "BOARD_KEY_MODE",
        `${file} has mode ${mode.toString(8).padStart(3, "0")}: a board key must be readable by its owner only (chmod 600)`,
      );
    try {
      signer = parsePrivateKey(readFileSync(file, "utf8").trim());
    } catch (e) {
      throw new BoardKeyError("BOARD_KEY", `${file}: ${(e as Error).message}`);
    }
    if (privateKey !== undefined && parsePrivateKey(privateKey.trim()).vkey !== signer.vkey)
      throw new BoardKeyError(
        "BOARD_KEY_MISMATCH",
        `${file} holds a different key than the one given`,
      );
  } else {
    if (opts.mayCreate === false && privateKey === undefined)
      throw new BoardKeyError(
        "BOARD_KEY_MISSING",
        `${file} is missing, but this board has already signed checkpoints: restore its key (a new key would re-sign every election under another identity)`,
      );
    const text = privateKey?.trim() ?? encodePrivateKey(name, generateSeed());
    signer = parsePrivateKey(text);
    writeFileSync(file, text + "\n", { mode: 0o600, flag: "wx" });
    chmodSync(file, 0o600);
  }
  if (signer.name !== name)
    throw new BoardKeyError(
      "BOARD_KEY",
      `the board key is named ${JSON.stringify(signer.name)} but the board is ${JSON.stringify(name)}`,
    );
  return signer;
}

/** The 32-byte Ed25519 seed inside a C2SP private key string (the board key file's text). */
export function seedOf(privateKey: string): Uint8Array {
  // PRIVATE+KEY+<name>+<id>+<base64(0x01 || seed)>; the base64 may itself contain "+".
  const raw = fromBase64(privateKey.trim().split("+").slice(4).join("+"));
  return raw.slice(1, 33);
}
