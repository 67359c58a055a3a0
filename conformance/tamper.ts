/**
 * The conformance generator's tampering tools: a malicious board and authority that re-sign
 * what they change (entries with the right keys, the checkpoint with the board's key and the
 * witnesses' cosignatures), so that only the targeted check can catch the change, and a naive
 * tamperer that edits bytes and re-signs nothing.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type {
  BallotBody,
  DecryptionShareBody,
  Entry,
  EntryBodyMap,
  EntryType,
  Receipt,
  TallyBody,
} from "@urna/schemas";
import { canonicalBytes } from "@urna/schemas";
import { computeResult, decryptionShare } from "../board/src/crypto/index.js";
import { signEntry } from "../board/src/entry-sign.js";
import { baseHash as computeBaseHash } from "../verifier/src/crypto/base-hash.js";
import { decodeCiphertext } from "../verifier/src/crypto/elgamal.js";
import { decodeElement } from "../verifier/src/crypto/group.js";
import { TallyAccumulator } from "../verifier/src/crypto/tally.js";
import { fromBase64, toHex } from "../verifier/src/bytes.js";
import { leafHash } from "../verifier/src/log/merkle-hash.js";
import { MemoryTree } from "../verifier/src/log/merkle.js";
import {
  TILE_WIDTH,
  encodeEntryBundle,
  entryBundlePath,
  tileFromNodes,
  tilePath,
  tilesForSize,
} from "../verifier/src/log/tiles.js";
import { formatTlogProof } from "../verifier/src/log/tlog-proof.js";
import {
  ELECTION_ID,
  ORIGIN,
  readEntries,
  signCheckpoint,
  writeEntries,
  type GeneratedElection,
} from "../tests/fixtures/election.js";

/** A fixed checkpoint timestamp for every re-signed checkpoint (seconds). */
export const RESIGN_TIME = Math.floor(Date.UTC(2024, 5, 3, 12, 0, 0) / 1000);

/** The record being tampered: its entries in memory, written back by `save`. */
export class Tamper {
  entries: Entry[];
  constructor(
    readonly g: GeneratedElection,
    readonly dir: string,
  ) {
    this.entries = readEntries(dir);
  }

  /** Index of the k-th (0-based) entry of a type, or -1. */
  find(type: EntryType, k = 0): number {
    let seen = 0;
    for (let i = 0; i < this.entries.length; i++)
      if (this.entries[i].type === type && seen++ === k) return i;
    return -1;
  }
  /** Indices of every entry of a type. */
  all(type: EntryType): number[] {
    return this.entries.flatMap((e, i) => (e.type === type ? [i] : []));
  }
  /** The credential (index into keys.credentials) that signed entry i. */
  voterOf(i: number): number {
    return this.g.keys.credentials.findIndex((c) => c.publicKey === this.entries[i].signer);
  }

  /** Signs a new entry with a secret key (its signer is that key's public key). */
  sign<T extends EntryType>(type: T, body: EntryBodyMap[T], secretKey: Uint8Array): Entry {
    return signEntry(type, ELECTION_ID, body, secretKey) as Entry;
  }
  /** Entry i's body, to change in place before `commit(i)`. */
  open<B>(i: number): { i: number; body: B } {
    return { i, body: this.entries[i].body as B };
  }
  /** Re-signs entry i with the key of its role (keyOf) and saves the record, re-signed. */
  commit(i: number): void {
    this.resignEntry(i, this.keyOf(i));
    this.save();
  }
  /** Re-signs entry i (after its body was changed) with the key of its role. */
  resignEntry(i: number, secretKey: Uint8Array): void {
    const e = this.entries[i];
    this.entries[i] = signEntry(
      e.type as EntryType,
      e.election,
      e.body as EntryBodyMap[EntryType],
      secretKey,
    ) as Entry;
  }
  /** The secret key that legitimately signs entry i (authority, registrar, custodian, voter). */
  keyOf(i: number): Uint8Array {
    const e = this.entries[i];
    const k = this.g.keys;
    const cred = k.credentials.find((c) => c.publicKey === e.signer);
    if (cred) return cred.secretKey;
    const m = this.g.manifest;
    if (e.signer === m.authority) return k.authority;
    if (e.signer === m.registrar) return k.registrar;
    const c = m.custodians.find((x) => x.signingKey === e.signer);
    if (c) return k.custodians[c.index - 1].signing;
    throw new Error(`conformance: no key for entry ${i}`);
  }

  /**
   * A malicious authority and custodians: recomputes the tally from the ballots at `counted`
   * (entry indices), every decryption share and the result, and re-signs them, so that V14-V17
   * agree with whatever ballots the tamperer chose to count.
   */
  retally(counted: number[], tweak?: (t: TallyBody) => void): void {
    const g = this.g;
    const acc = new TallyAccumulator(g.manifest);
    for (const i of counted) {
      const body = this.entries[i].body as BallotBody;
      acc.add({
        contests: body.contests.map((c) => ({
          contest: c.contest,
          selections: c.selections.map((x) => decodeCiphertext(x.ciphertext)),
        })),
      });
    }
    const tally = acc.toBody();
    tweak?.(tally);
    const ti = this.find("tally");
    this.entries[ti] = this.sign("tally", tally, g.keys.authority);
    const key = this.entries[g.at.key].body as { publicKey: string };
    const K = decodeElement(fromBase64(key.publicKey));
    const bh = computeBaseHash(ELECTION_ID, g.manifest);
    const shares: DecryptionShareBody[] = [];
    for (const si of this.all("decryption.share")) {
      const c = (this.entries[si].body as DecryptionShareBody).custodian;
      const body = decryptionShare({
        baseHash: bh,
        publicKey: K,
        custodian: c,
        secretShare: g.keys.custodians[c - 1].secretShare,
        tally,
      });
      shares.push(body);
      this.entries[si] = this.sign("decryption.share", body, g.keys.custodians[c - 1].signing);
    }
    const ri = this.find("result");
    const res = computeResult(g.manifest, tally, shares, g.manifest.threshold);
    this.entries[ri] = this.sign("result", res, g.keys.authority);
  }
  /** The indices of the ballots an honest count takes (from the generator's plan). */
  countedBallots(): number[] {
    const codes = new Set(this.g.ballots.filter((b) => b.counted).map((b) => b.trackingCode));
    return this.entries.flatMap((e, i) =>
      e.type === "ballot" && codes.has(toHex(leafHash(canonicalBytes(e)))) ? [i] : [],
    );
  }

  /** Writes entries.jsonl (canonical JSON) without touching the checkpoint. */
  saveEntries(): void {
    writeEntries(this.dir, this.entries);
  }
  /** Writes the entries and signs a checkpoint over them as the board, cosigned by the witnesses. */
  save(): void {
    this.saveEntries();
    this.resign();
  }
  /** Writes the record's tile/ folder (record.md, log.md §5) for entries.jsonl as it is on disk. */
  writeTiles(): void {
    const leaves = readLeaves(this.dir);
    const tree = new MemoryTree(leaves.map((l) => leafHash(l)));
    const put = (path: string, bytes: Uint8Array) => {
      mkdirSync(dirname(join(this.dir, path)), { recursive: true });
      writeFileSync(join(this.dir, path), bytes);
    };
    for (const t of tilesForSize(leaves.length)) {
      put(tilePath(t.level, t.index, t.width), tileFromNodes(t.level, t.index, t.width, tree.node));
      if (t.level === 0)
        put(
          entryBundlePath(t.index, t.width),
          encodeEntryBundle(leaves.slice(t.index * TILE_WIDTH, t.index * TILE_WIDTH + t.width)),
        );
    }
  }
  /** Signs a checkpoint over entries.jsonl as it is on disk. */
  resign(opts: CheckpointOptions = {}): void {
    const leaves = readLeaves(this.dir);
    const tree = new MemoryTree();
    for (const l of leaves) tree.push(leafHash(l));
    const size = opts.size ?? leaves.length;
    const root = opts.root ?? tree.root(Math.min(size, leaves.length));
    const board = opts.board ?? this.g.keys.board;
    writeFileSync(
      join(this.dir, "checkpoint"),
      signCheckpoint(
        board,
        opts.witnesses ?? this.g.keys.witnesses,
        opts.origin ?? ORIGIN,
        size,
        root,
        RESIGN_TIME,
      ),
    );
  }
  /** A receipt for leaf i of entries.jsonl as it is on disk, against a checkpoint of size `size`. */
  receiptFor(
    i: number,
    size = i + 1,
    board: { name: string; seed: Uint8Array } = this.g.keys.board,
  ): Receipt {
    const leaves = readLeaves(this.dir);
    const tree = new MemoryTree();
    for (const l of leaves) tree.push(leafHash(l));
    const note = signCheckpoint(
      board,
      this.g.keys.witnesses,
      ORIGIN,
      size,
      tree.root(size),
      RESIGN_TIME,
    );
    return {
      version: 1,
      election: ELECTION_ID,
      origin: ORIGIN,
      index: i,
      trackingCode: toHex(leafHash(leaves[i])),
      entryType: this.entries[i].type as Receipt["entryType"],
      proof: formatTlogProof({ index: i, proof: tree.inclusionProof(i, size), checkpoint: note }),
    };
  }
}

export interface CheckpointOptions {
  size?: number;
  root?: Uint8Array;
  origin?: string;
  board?: { name: string; seed: Uint8Array };
  witnesses?: { name: string; seed: Uint8Array }[];
}

/** The leaves of entries.jsonl (each line without its newline). */
export function readLeaves(dir: string): Uint8Array[] {
  const bytes = readFileSync(join(dir, "entries.jsonl"));
  const out: Uint8Array[] = [];
  let start = 0;
  for (;;) {
    const nl = bytes.indexOf(0x0a, start);
    if (nl < 0) break;
    out.push(new Uint8Array(bytes.subarray(start, nl)));
    start = nl + 1;
  }
  return out;
}

/** Replaces the raw bytes of line i of entries.jsonl (naive tampering, no re-encoding). */
export function replaceLine(dir: string, i: number, line: string | null): void {
  const lines = readFileSync(join(dir, "entries.jsonl"), "utf8").split("\n");
  if (line === null) lines.splice(i, 1);
  else lines[i] = line;
  writeFileSync(join(dir, "entries.jsonl"), lines.join("\n"));
}
