/**
 * The PostgreSQL store's group commit in ONE round trip: a server-side function,
 * `urna_group_commit_v1`, created by the schema migration (schema.ts), that does in one statement
 * what was a transaction of eight (begin, the lease's fencing check, the logs' compare-and-swap,
 * entries, tiles, meta, signer rows, commit). The board calls it outside any transaction block,
 * so the statement is its own transaction: PostgreSQL commits it when the statement ends (with
 * `synchronous_commit = on`, once its WAL is flushed), before it answers ReadyForQuery, which is
 * when node-postgres resolves the query. Any failure inside (a lost lease, a failed
 * compare-and-swap, a constraint) aborts the statement and with it the whole transaction:
 * nothing of the group is written. spec/log.md §4.1.
 *
 * The function also announces each log's new size on the NOTIFY channel `urna_commit`
 * (notify.ts): inside the transaction, so PostgreSQL delivers the notifications only once it
 * committed, never for a group that failed; the standbys' event streams wake on them.
 *
 * The function raises two SQLSTATEs of its own (class "UR", not used by PostgreSQL):
 *   UR001  the fencing check failed: the lease's token is not ours (another board took over)
 *   UR002  a log's compare-and-swap failed: its stored size is not the commit's previous size
 */
import type pg from "pg";
import { BoardLogError } from "../../log/errors.js";
import type { CommitBatch, TreeState } from "../../log/storage.js";
import { COMMIT_CHANNEL } from "./notify.js";

/** SQLSTATE of a failed fencing check inside the function. */
export const LEASE_LOST_STATE = "UR001";
/** SQLSTATE of a failed compare-and-swap on a log's size inside the function. */
export const CAS_FAILED_STATE = "UR002";

/** The function's name: a new signature gets a new version suffix (old boards keep theirs). */
export const GROUP_COMMIT_FUNCTION = "urna_group_commit_v1";

/**
 * The function's definition (part of the schema migration; CREATE OR REPLACE: created on
 * databases made by earlier versions of the board too). Arrays are parallel columns, as the
 * eight-statement transaction sent them.
 */
export const CREATE_GROUP_COMMIT = `
CREATE OR REPLACE FUNCTION ${GROUP_COMMIT_FUNCTION}(
  p_token bigint, p_ttl_ms double precision, p_lease text,
  p_ids text[], p_prev int8[], p_sizes int8[], p_roots bytea[], p_cps text[],
  p_e_log text[], p_e_idx int8[], p_e_data bytea[],
  p_t_log text[], p_t_level int2[], p_t_idx int8[], p_t_hashes bytea[],
  p_m_log text[], p_m_key text[], p_m_value bytea[],
  p_s_origin text[], p_s_size int8[], p_s_root bytea[]
) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  swapped text[];
BEGIN
  UPDATE urna_lease SET expires = clock_timestamp() + p_ttl_ms * interval '1 millisecond'
   WHERE name = p_lease AND token = p_token;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'the sequencer lease (token %) was taken over by another board', p_token
      USING ERRCODE = '${LEASE_LOST_STATE}';
  END IF;
  WITH u AS (
    UPDATE urna_logs AS l SET size = v.size, root = v.root, checkpoint = v.checkpoint
      FROM unnest(p_ids, p_prev, p_sizes, p_roots, p_cps) AS v(id, prev, size, root, checkpoint)
     WHERE l.id = v.id AND l.size = v.prev
    RETURNING l.id)
  SELECT coalesce(array_agg(u.id), '{}') INTO swapped FROM u;
  IF cardinality(swapped) <> cardinality(p_ids) THEN
    RAISE EXCEPTION 'the stored size of log % is not the size this commit started from (another writer?)',
      (SELECT string_agg(x, ', ') FROM unnest(p_ids) AS x WHERE x <> ALL (swapped))
      USING ERRCODE = '${CAS_FAILED_STATE}';
  END IF;
  PERFORM pg_notify('${COMMIT_CHANNEL}', json_build_object('log', v.id, 'size', v.size)::text)
     FROM unnest(p_ids, p_sizes) AS v(id, size);
  INSERT INTO urna_entries (log, idx, data)
    SELECT * FROM unnest(p_e_log, p_e_idx, p_e_data);
  INSERT INTO urna_tiles (log, level, idx, hashes)
    SELECT * FROM unnest(p_t_log, p_t_level, p_t_idx, p_t_hashes)
  ON CONFLICT (log, level, idx) DO UPDATE SET hashes = excluded.hashes;
  INSERT INTO urna_log_meta (log, key, value)
    SELECT * FROM unnest(p_m_log, p_m_key, p_m_value)
  ON CONFLICT (log, key) DO UPDATE SET value = excluded.value;
  INSERT INTO urna_signer_state AS s (origin, size, root)
    SELECT * FROM unnest(p_s_origin, p_s_size, p_s_root)
  ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, updated = now()
    WHERE s.size <= excluded.size;
END
$fn$;
`;

/** One log's commit in a group. */
export interface GroupMember {
  log: string;
  /** Its checkpoint origin (the signer state's key). */
  origin: string;
  batch: CommitBatch;
}

/** The function's parameters for `members` (the lease's name, token and time to live first). */
export function groupCommitParams(
  lease: { name: string; token: number; ttlMs: number },
  members: readonly GroupMember[],
): unknown[] {
  const ids: string[] = [];
  const prev: number[] = [];
  const sizes: number[] = [];
  const roots: Uint8Array[] = [];
  const cps: string[] = [];
  const eLog: string[] = [];
  const eIdx: number[] = [];
  const eData: Uint8Array[] = [];
  const tiles = new Map<string, [string, number, number, Uint8Array]>();
  const meta = new Map<string, [string, string, Uint8Array]>();
  const signed = new Map<string, TreeState>();
  for (const { log, origin, batch } of members) {
    ids.push(log);
    prev.push(batch.previousSize);
    sizes.push(batch.state.size);
    roots.push(batch.state.root);
    cps.push(batch.checkpoint);
    batch.leaves.forEach((leaf, i) => {
      eLog.push(log);
      eIdx.push(batch.previousSize + i);
      eData.push(leaf);
    });
    // The last write of a tile or key wins, as in one LevelDB batch.
    for (const t of batch.tiles)
      tiles.set(`${log}\u0000${t.level}/${t.index}`, [log, t.level, t.index, t.hashes]);
    for (const [k, v] of batch.meta) meta.set(`${log}\u0000${k}`, [log, k, v]);
    const s = signed.get(origin);
    if (!s || batch.state.size >= s.size) signed.set(origin, batch.state);
  }
  const t = [...tiles.values()];
  const m = [...meta.values()];
  const s = [...signed.entries()];
  return [
    lease.token,
    lease.ttlMs,
    lease.name,
    ids,
    prev,
    sizes,
    roots,
    cps,
    eLog,
    eIdx,
    eData,
    t.map((x) => x[0]),
    t.map((x) => x[1]),
    t.map((x) => x[2]),
    t.map((x) => x[3]),
    m.map((x) => x[0]),
    m.map((x) => x[1]),
    m.map((x) => x[2]),
    s.map((x) => x[0]),
    s.map((x) => x[1].size),
    s.map((x) => x[1].root),
  ];
}

/** The parameters' types, in the function's order. */
const TYPES =
  "int8 float8 text text[] int8[] int8[] bytea[] text[] text[] int8[] bytea[] text[] int2[] int8[] bytea[] text[] text[] bytea[] text[] int8[] bytea[]";
const CALL = `SELECT ${GROUP_COMMIT_FUNCTION}(${TYPES.split(" ")
  .map((t, i) => `$${i + 1}::${t}`)
  .join(", ")})`;

/**
 * Commits `members` in one statement, one round trip, on `c` (a session outside any transaction
 * block). Resolves once PostgreSQL committed; rejects with STORAGE_CONFLICT when a log's
 * compare-and-swap failed, with `leaseLost()`'s error when the fencing check failed (nothing
 * written in either case), and with the driver's error otherwise (a lost connection: whether it
 * committed is unknown, the caller checks).
 */
export async function groupCommit(
  c: pg.Client,
  lease: { name: string; token: number; ttlMs: number },
  members: readonly GroupMember[],
  leaseLost: () => never,
): Promise<void> {
  try {
    // A named statement: parsed and planned once per session.
    await c.query({
      name: GROUP_COMMIT_FUNCTION,
      text: CALL,
      values: groupCommitParams(lease, members),
    });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === LEASE_LOST_STATE) leaseLost();
    if (code === CAS_FAILED_STATE)
      throw new BoardLogError("STORAGE_CONFLICT", (e as Error).message, { cause: e });
    throw e;
  }
}
