/** Durable file replacement (Node): write a temporary file, fsync it, rename it over the target, fsync the folder. */
import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const f = await open(tmp, "w", 0o600);
  try {
    await f.writeFile(data);
    await f.sync();
  } catch (e) {
    await f.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  } finally {
    await f.close().catch(() => {});
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  const d = await open(dir, "r");
  try {
    await d.sync();
  } catch {
    // some platforms cannot fsync a directory
  } finally {
    await d.close();
  }
}
