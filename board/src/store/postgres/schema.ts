/**
 * The PostgreSQL store's tables (schema version 1), created on first start of a writer.
 *
 *   urna_schema        one row: the schema version
 *   urna_elections     the election registry: id, created
 *   urna_logs          per log: committed size, root (NULL until the first commit) and the signed
 *                      checkpoint of that tree
 *   urna_entries       the leaves: (log, idx) -> entry bytes
 *   urna_tiles         hash tiles: (log, level, idx) -> longest content (width * 32 bytes)
 *   urna_log_meta      caller meta: (log, key) -> value; keys in byte order (COLLATE "C")
 *   urna_signer_state  the signer's last signed tree per checkpoint origin, written in the same
 *                      transaction as the tree it signed
 *   urna_lease         the sequencer lease: holder, fencing token, expiry (one row, "sequencer")
 *                      and the holder's advertised URL (where standbys forward writes; added
 *                      to version 1 databases in place, NULL when the holder advertises none),
 *                      and whether the holder's lease session held the advisory lock at its
 *                      last renewal (`locked`, added in place, false by default)
 *   urna_published     the last tree published per (election, publish target): size and root,
 *                      updated by a compare-and-swap fenced by the lease (added to version 1
 *                      databases in place)
 *
 * and one function, urna_group_commit_v1 (group-commit.ts): the group commit in one statement
 * (created or replaced in version 1 databases in place). Writers run the migration under a
 * transaction-scoped advisory lock, so that two boards starting at once do not race on the
 * catalog ("tuple concurrently updated").
 */
import { CREATE_GROUP_COMMIT } from "./group-commit.js";

export const SCHEMA_VERSION = 1;

export const CREATE_SCHEMA = `
CREATE TABLE IF NOT EXISTS urna_schema (
  version integer NOT NULL
);
CREATE TABLE IF NOT EXISTS urna_elections (
  id text PRIMARY KEY,
  created text NOT NULL
);
CREATE TABLE IF NOT EXISTS urna_logs (
  id text PRIMARY KEY,
  size bigint NOT NULL DEFAULT 0 CHECK (size >= 0),
  root bytea,
  checkpoint text
);
CREATE TABLE IF NOT EXISTS urna_entries (
  log text NOT NULL,
  idx bigint NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (log, idx)
);
CREATE TABLE IF NOT EXISTS urna_tiles (
  log text NOT NULL,
  level smallint NOT NULL,
  idx bigint NOT NULL,
  hashes bytea NOT NULL,
  PRIMARY KEY (log, level, idx)
);
CREATE TABLE IF NOT EXISTS urna_log_meta (
  log text NOT NULL,
  key text COLLATE "C" NOT NULL,
  value bytea NOT NULL,
  PRIMARY KEY (log, key)
);
CREATE TABLE IF NOT EXISTS urna_signer_state (
  origin text PRIMARY KEY,
  size bigint NOT NULL CHECK (size >= 0),
  root bytea NOT NULL,
  updated timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS urna_lease (
  name text PRIMARY KEY,
  holder text NOT NULL,
  token bigint NOT NULL,
  expires timestamptz NOT NULL
);
ALTER TABLE urna_lease ADD COLUMN IF NOT EXISTS url text;
ALTER TABLE urna_lease ADD COLUMN IF NOT EXISTS locked boolean NOT NULL DEFAULT false;
CREATE TABLE IF NOT EXISTS urna_published (
  election text NOT NULL,
  target text NOT NULL,
  size bigint NOT NULL CHECK (size >= 0),
  root bytea NOT NULL,
  updated timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (election, target)
);
${CREATE_GROUP_COMMIT}`;

/** The advisory lock key the schema migration runs under ("urna" in ASCII). */
export const MIGRATION_LOCK = 0x75726e61;
