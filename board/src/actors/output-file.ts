/**
 * The actors' output files (key files, custodian state, credentials, receipts): checked before
 * anything is posted, then written durably (a temporary file, fsync, then an atomic link or
 * rename, then the folder fsynced), never overwriting an existing file unless asked to.
 */
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  linkSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { dirname, resolve } from "node:path";

export type OutputFileCode = "FILE_EXISTS" | "OUTPUT_NOT_WRITABLE";

export class OutputFileError extends Error {
  readonly code: OutputFileCode;
  readonly path: string;
  constructor(code: OutputFileCode, path: string, message: string) {
    super(message);
    this.name = "OutputFileError";
    this.code = code;
    this.path = path;
  }
}

export interface OutputOptions {
  /** Replace an existing file (otherwise FILE_EXISTS). */
  force?: boolean;
}

const why = (e: unknown): string =>
  (e as { code?: string }).code ?? (e instanceof Error ? e.message : String(e));

/**
 * Throws unless `path` can be written: its folder exists and is writable, and the file does not
 * exist (FILE_EXISTS) or, with `force`, is a writable regular file. Nothing is created.
 */
export function checkOutputFile(path: string, opts: OutputOptions = {}): void {
  const dir = dirname(resolve(path));
  try {
    if (!statSync(dir).isDirectory()) throw new Error("ENOTDIR");
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new OutputFileError(
      "OUTPUT_NOT_WRITABLE",
      path,
      `cannot write ${path}: its folder ${dir} is not a writable folder (${why(e)})`,
    );
  }
  if (!existsSync(path)) return;
  if (!opts.force)
    throw new OutputFileError(
      "FILE_EXISTS",
      path,
      `${path} already exists; it was left untouched (give --force to replace it)`,
    );
  try {
    if (!statSync(path).isFile()) throw new Error("not a regular file");
    accessSync(path, constants.W_OK);
  } catch (e) {
    throw new OutputFileError("OUTPUT_NOT_WRITABLE", path, `cannot replace ${path} (${why(e)})`);
  }
}

/**
 * Writes `data` to `path` durably: on return the bytes and the folder entry are on disk. Without
 * `force` an existing file is never replaced (FILE_EXISTS, checked atomically).
 */
export function writeFileDurably(
  path: string,
  data: string,
  opts: OutputOptions & { mode?: number } = {},
): void {
  checkOutputFile(path, opts);
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, "wx", opts.mode ?? 0o644);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (opts.force) renameSync(tmp, path);
    else {
      try {
        linkSync(tmp, path);
      } catch (e) {
        if ((e as { code?: string }).code === "EEXIST")
          throw new OutputFileError(
            "FILE_EXISTS",
            path,
            `${path} already exists; it was left untouched (give --force to replace it)`,
          );
        throw e;
      }
    }
  } finally {
    if (existsSync(tmp)) unlinkSync(tmp);
  }
  const dfd = openSync(dirname(resolve(path)), "r");
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}
