/**
 * The seam into level's private parts (board/src/store/level/level-internals.ts). An upgrade of
 * level, abstract-level or classic-level that changes the version without this seam being
 * re-checked, moves `_batch`, changes the form abstract-level hands it, or drops the prewrite
 * hook's `noop` flag fails here by name rather than as lost or garbled commits.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  LEVEL_TESTED,
  type LevelDb,
  type LevelOp,
  canWriteDirectly,
  privatePut,
  writeBatch,
} from "../../src/store/level/level-internals.js";
import { openLevelDb } from "../../src/store/level/log-storage.js";
import { tempDir } from "../log/helpers.js";

/** The entry file `spec` resolves to from `from`, and the version in its package's package.json. */
function installed(from: string, spec: string): { file: string; version: string } {
  const file = createRequire(from).resolve(spec);
  for (let dir = dirname(file); dirname(dir) !== dir; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        name?: string;
        version: string;
      };
      if (pkg.name === spec) return { file, version: pkg.version };
    } catch {
      // no package.json here: one folder up
    }
  }
  throw new Error(`${spec}'s package.json not found`);
}

// What level loads: classic-level, and the abstract-level that classic-level extends.
const level = installed(import.meta.url, "level");
const classic = installed(level.file, "classic-level");
const abstract = installed(classic.file, "abstract-level");
const { AbstractLevel } = createRequire(classic.file)("abstract-level") as {
  AbstractLevel: { prototype: object };
};

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function freshDb(): Promise<LevelDb> {
  const d = await tempDir("urna-level-internals-");
  const db = await openLevelDb(join(d.path, "db"));
  cleanups.push(async () => {
    await db.close();
    await d.cleanup();
  });
  return db;
}

/** Records what the implementation's `_batch` receives, still writing it. */
function spyPrivateBatch(db: LevelDb): Array<{ ops: LevelOp[]; options: unknown }> {
  const calls: Array<{ ops: LevelOp[]; options: unknown }> = [];
  const impl = db as unknown as { _batch: (ops: LevelOp[], o: unknown) => Promise<void> };
  const orig = impl._batch.bind(db);
  impl._batch = (ops, options) => {
    calls.push({ ops: ops.map((o) => ({ ...o })), options });
    return orig(ops, options);
  };
  return calls;
}

describe("level-internals: the one seam into level's private parts", () => {
  it("runs on the exact releases it was checked against, level pinned in board/package.json", () => {
    const found = {
      level: level.version,
      "abstract-level": abstract.version,
      "classic-level": classic.version,
    };
    expect(
      found,
      "level-internals.ts was checked against other releases: re-check `_batch`, the private " +
        "operation form and hooks.prewrite.noop, then bump LEVEL_TESTED and the pin",
    ).toEqual(LEVEL_TESTED);
    const board = JSON.parse(
      readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
    ) as { dependencies: Record<string, string> };
    expect(board.dependencies.level).toBe(LEVEL_TESTED.level);
  });

  it("the implementation has its own `_batch`, not abstract-level's empty default", async () => {
    const db = await freshDb();
    let proto: object | null = Object.getPrototypeOf(db) as object;
    while (proto && !Object.hasOwn(proto, "_batch")) proto = Object.getPrototypeOf(proto) as object;
    expect(proto, "no `_batch` on the database's prototype chain").not.toBeNull();
    expect(proto).not.toBe(AbstractLevel.prototype);
    expect(canWriteDirectly(db)).toBe(true);
  });

  it("privatePut is exactly what the public batch hands `_batch` for the same put", async () => {
    const db = await freshDb();
    const sub = db.sublevel<string, Uint8Array>(["log", "b"], {
      keyEncoding: "utf8",
      valueEncoding: "view",
    });
    const calls = spyPrivateBatch(db);
    const value = Uint8Array.from([1, 2, 3, 250]);
    await db.batch([{ type: "put", key: "k", value, sublevel: sub }], { sync: true });
    await db.batch([privatePut(sub.prefix + "j", value)], { sync: true });
    expect(calls).toHaveLength(2);
    expect(calls[0].options).toEqual(expect.objectContaining({ sync: true }));
    const [viaSublevel] = calls[0].ops;
    expect(viaSublevel).toEqual(expect.objectContaining(privatePut(sub.prefix + "k", value)));
    // abstract-level copies the batch's options into every operation; nothing else is added.
    const keys = Object.keys(viaSublevel).filter((k) => k !== "sync");
    expect(keys.sort()).toEqual(Object.keys({ ...privatePut("", value), sublevel: null }).sort());
    expect((viaSublevel as { sublevel?: unknown }).sublevel ?? null).toBeNull();
    expect(calls[1].ops[0]).toEqual(expect.objectContaining(privatePut(sub.prefix + "j", value)));
    // The direct write stores what the public one would, readable through the sublevel.
    await writeBatch(db, [privatePut(sub.prefix + "direct", value)]);
    expect(calls).toHaveLength(3);
    expect(calls[2].options).toEqual({ sync: true });
    const bytes = async (k: string) => Uint8Array.from((await sub.get(k)) ?? []);
    expect(await bytes("direct")).toEqual(value);
    expect(await bytes("k")).toEqual(value);
  });

  it("a prewrite hook or a write listener sends writes through the public batch", async () => {
    const db = await freshDb();
    expect((db.hooks.prewrite as { noop?: unknown }).noop).toBe(true);
    const hook = () => {};
    db.hooks.prewrite.add(hook);
    expect((db.hooks.prewrite as { noop?: unknown }).noop).toBe(false);
    expect(canWriteDirectly(db)).toBe(false);
    db.hooks.prewrite.delete(hook);
    expect(canWriteDirectly(db)).toBe(true);
    const seen: unknown[] = [];
    const listener = (ops: unknown[]) => void seen.push(...ops);
    db.on("write", listener);
    expect(canWriteDirectly(db)).toBe(false);
    await writeBatch(db, [privatePut("x", Uint8Array.of(7))]);
    expect(seen).toHaveLength(1); // the public batch ran, and told the listener
    db.off("write", listener);
    expect(canWriteDirectly(db)).toBe(true);
  });
});
