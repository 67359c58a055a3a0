/**
 * The one place urna reaches past level's public API.
 *
 * abstract-level's public `db.batch` clones, validates and re-encodes every operation on the main
 * thread (about 10 µs per operation, more than LevelDB's own work for a small entry). The group
 * commit's operations are already in the form abstract-level hands its implementation (string
 * keys with the sublevels' prefixes, Uint8Array values, the encodings' format names), so when
 * nothing could observe or alter them they go straight to the implementation's private
 * `_batch` (classic-level: to LevelDB). That needs three private or undocumented parts:
 * abstract-level's private-operation form and its `hooks.prewrite.noop` flag, and
 * classic-level's `_batch`. board/test/store/level-internals.test.ts fails by name when an
 * upgrade changes any of them. level is pinned to the exact version this was checked against
 * (`"level": "<exact>"` in board/package.json, abstract-level and classic-level through the
 * lock file): bump LEVEL_TESTED and the pin together, after the test passes.
 */
import type { BatchOperation, Level } from "level";

/** The releases whose private parts this module was checked against. */
export const LEVEL_TESTED = {
  level: "10.0.0",
  "abstract-level": "3.1.1",
  "classic-level": "3.0.0",
} as const;

export type LevelDb = Level<string, Uint8Array>;
export type LevelOp = BatchOperation<LevelDb, string, Uint8Array>;

/** A put in the form abstract-level hands to its implementation (see writeBatch). */
export const privatePut = (key: string, value: Uint8Array): LevelOp => ({
  type: "put",
  key,
  value,
  keyEncoding: "utf8",
  valueEncoding: "view",
});

/** The private write of abstract-level's implementations (classic-level: straight to LevelDB). */
interface PrivateBatch {
  _batch(ops: LevelOp[], options: { sync: boolean }): Promise<void>;
}

/**
 * Whether `db.batch(ops)` would hand `ops` to the implementation's `_batch` unchanged: open, no
 * prewrite hook, no "write" listener, and the encodings the logs use (utf8 keys are passed as
 * strings, "view" values as Uint8Arrays; every op of a commit carries both encoding names, as
 * abstract-level's own batch would set them).
 */
export function canWriteDirectly(db: LevelDb): db is LevelDb & PrivateBatch {
  return (
    db.status === "open" &&
    typeof (db as Partial<PrivateBatch>)._batch === "function" &&
    (db.hooks.prewrite as { noop?: boolean }).noop === true &&
    db.listenerCount("write") === 0 &&
    db.keyEncoding().name === "utf8" &&
    db.valueEncoding().name === "view"
  );
}

/** Whether `op` is already in the private form (as privatePut makes it), addressed to the root. */
export const isPrivatePut = (op: LevelOp): boolean =>
  op.type === "put" &&
  typeof op.key === "string" &&
  op.value instanceof Uint8Array &&
  op.keyEncoding === "utf8" &&
  op.valueEncoding === "view" &&
  !("sublevel" in op && op.sublevel != null);

/**
 * One synced, atomic write of `ops`: straight to `_batch` when nothing can observe or alter them
 * (canWriteDirectly) and every one is in the private form, else through the public `db.batch`.
 */
export function writeBatch(db: LevelDb, ops: LevelOp[]): Promise<void> {
  if (canWriteDirectly(db) && ops.every(isPrivatePut)) return db._batch(ops, { sync: true });
  return db.batch(ops, { sync: true });
}
