import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { configDefaults, defineConfig } from "vitest/config";

const src = (p: string) => fileURLToPath(new URL(`./${p}/src/index.ts`, import.meta.url));

/**
 * The board test files that exercise the write and read paths run twice: on the level store
 * (project "default", with every other test) and on PostgreSQL (project "postgres": the same files
 * with URNA_TEST_STORE=postgres, see tests/fixtures/test-store.ts). The postgres project needs
 * Debian's PostgreSQL server binaries; without them it is left out with a loud warning, except
 * on CI (CI=true), where it stays in and fails.
 */
const ON_BOTH_STORES = [
  "board/test/server/reads.test.ts",
  "board/test/server/bulk.test.ts",
  "board/test/server/concurrency.test.ts",
  "board/test/server/fast-route.test.ts",
  "tests/board-lifecycle.test.ts",
  "tests/verifier-board.test.ts",
  "board/test/publish/publish.test.ts",
];
/*
 * tests/publish-s3.test.ts (project "serial") starts a Ceph RADOS Gateway once for the file
 * (tests/fixtures/ceph-rgw.ts); without Ceph it is skipped with a loud warning, except on CI.
 */
/** Tests that need PostgreSQL itself and run in the postgres project only. */
const POSTGRES_ONLY = [
  "board/test/store/failover.test.ts",
  "board/test/store/pg-restart.test.ts",
  "board/test/store/standby-limits.test.ts",
  "board/test/store/pg-group-commit.test.ts",
  "board/test/store/standby-lookups.test.ts",
  "board/test/store/standby-feed-record.test.ts",
  "board/test/store/standby-verify.test.ts",
  "tests/demo-postgres.test.ts",
];
/**
 * Tests whose bounds are wall-clock times (stalled readers cut off, connection floods, crash and
 * restart loops), and the Ceph gateway's, run one at a time after the rest (project "serial"), like the postgres project,
 * whose failover and restart tests time takeovers; everything else runs on two workers at once.
 */
const SERIAL = [
  // Ceph's one-node cluster failed to start three times running next to another test file.
  "tests/publish-s3.test.ts",
  "board/test/server/feed-limits.test.ts",
  "board/test/server/connection-flood.test.ts",
  "board/test/log/durability.test.ts",
];
/** PostgreSQL tests that time takeovers and restarts: one at a time, after the rest. */
const POSTGRES_SERIAL = [
  "board/test/store/failover.test.ts",
  "board/test/store/pg-restart.test.ts",
];
const PG_BIN = process.env.URNA_PG_BIN ?? "/usr/lib/postgresql/15/bin";
const ci = process.env.CI === "true" || process.env.CI === "1";
const withPostgres = existsSync(`${PG_BIN}/initdb`) || ci;
if (!withPostgres)
  console.warn(
    `\n${"*".repeat(84)}\n* WARNING: PostgreSQL is not installed (${PG_BIN}/initdb missing): the board tests\n` +
      `* on the postgres store are SKIPPED. apt-get install -y postgresql (CI=true fails instead).\n${"*".repeat(84)}\n`,
  );

export default defineConfig({
  resolve: {
    alias: {
      "@urna/verifier/node": fileURLToPath(new URL("./verifier/src/node.ts", import.meta.url)),
      "@urna/schemas": src("schemas"),
      "@urna/verifier": src("verifier"),
      "@urna/board": src("board"),
    },
  },
  test: {
    // Builds the WebAssembly group backend's generated module when it is missing.
    globalSetup: ["./verifier/scripts/build-wasm.mjs"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // vitest's default is one worker less than the cores: one on the 2-core CI machine. Many
    // files wait on boards, databases and browsers they started: two at once save some time.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "default",
          include: ["*/test/**/*.test.ts", "tests/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...POSTGRES_ONLY, ...SERIAL],
        },
      },
      {
        extends: true,
        test: {
          name: "serial",
          include: SERIAL,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
      ...(withPostgres
        ? [
            {
              extends: true,
              test: {
                name: "postgres",
                include: [...ON_BOTH_STORES, ...POSTGRES_ONLY],
                exclude: [...configDefaults.exclude, ...POSTGRES_SERIAL],
                env: { URNA_TEST_STORE: "postgres" },
                globalSetup: ["./tests/fixtures/pg-global-setup.ts"],
              },
            },
            {
              extends: true,
              test: {
                name: "postgres-serial",
                include: POSTGRES_SERIAL,
                env: { URNA_TEST_STORE: "postgres" },
                maxWorkers: 1,
                sequence: { groupOrder: 1 },
                globalSetup: ["./tests/fixtures/pg-global-setup.ts"],
              },
            },
          ]
        : []),
    ],
  },
});
