/**
 * A standby's view of one log: the log as committed in PostgreSQL, at its signed checkpoint
 * (spec/api.md, "Several boards on one database"). The tree state and the checkpoint are two
 * reads; the reader is taken only when both come from one commit.
 */
import { parseCheckpoint } from "@urna/verifier";
import { LogReader } from "../log/reader.js";
import type { PostgresBoardStore } from "../store/index.js";

/** The log of `id` as committed in the database, at its signed checkpoint (undefined: none). */
export async function readerAt(
  store: PostgresBoardStore,
  id: string,
): Promise<LogReader | undefined> {
  for (let i = 0; i < 3; i++) {
    let r: LogReader;
    try {
      r = await LogReader.open(await store.openLog(id));
    } catch {
      return undefined;
    }
    // Tree state and checkpoint are two reads: take them only from one commit.
    if (
      parseCheckpoint(r.checkpoint().slice(0, r.checkpoint().indexOf("\n\n") + 1)).size === r.size
    )
      return r;
  }
  return undefined;
}
