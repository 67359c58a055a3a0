/**
 * A minimal streaming POSIX ustar writer (IEEE Std 1003.1-2001, "pax" interchange format) for
 * the record export (spec/record.md, `GET /elections/<id>/record`).
 *
 * Why hand-written: the export only needs regular files whose sizes are known before their
 * bytes are streamed, and `tar-stream` is not among the installed packages; the format for that
 * case is a 512-byte header per file, the data padded to 512 bytes, and two zero blocks at the
 * end. Files of 8 GiB or more (a very large `entries.jsonl`) get a pax extended header ('x')
 * carrying the exact size, which every POSIX tar reads.
 */

const BLOCK = 512;
const USTAR_MAX_SIZE = 0o77777777777; // 11 octal digits
const enc = new TextEncoder();

export interface TarFile {
  /** Path inside the archive, '/'-separated, no leading '/'. */
  name: string;
  size: number;
  mode?: number;
  mtime?: number; // seconds since the epoch
}

function octal(buf: Uint8Array, off: number, len: number, value: number): void {
  const s = value.toString(8).padStart(len - 1, "0");
  if (s.length > len - 1)
    throw new RangeError(`tar: ${value} does not fit in ${len - 1} octal digits`);
  buf.set(enc.encode(s), off);
  buf[off + len - 1] = 0;
}

function splitName(name: string): { name: Uint8Array; prefix: Uint8Array } {
  const b = enc.encode(name);
  if (b.length <= 100) return { name: b, prefix: new Uint8Array(0) };
  // ustar: prefix (≤155 bytes) + "/" + name (≤100 bytes)
  for (let i = name.lastIndexOf("/"); i > 0; i = name.lastIndexOf("/", i - 1)) {
    const p = enc.encode(name.slice(0, i));
    const n = enc.encode(name.slice(i + 1));
    if (p.length <= 155 && n.length <= 100 && n.length > 0) return { name: n, prefix: p };
  }
  throw new RangeError(`tar: path too long: ${name}`);
}

function header(
  name: string,
  size: number,
  mode: number,
  mtime: number,
  type: "0" | "x",
): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const { name: n, prefix } = splitName(name);
  h.set(n, 0);
  octal(h, 100, 8, mode);
  octal(h, 108, 8, 0); // uid
  octal(h, 116, 8, 0); // gid
  octal(h, 124, 12, size);
  octal(h, 136, 12, Math.max(0, Math.floor(mtime)));
  h.fill(0x20, 148, 156); // checksum placeholder: eight spaces
  h[156] = type.charCodeAt(0);
  h.set(enc.encode("ustar\0"), 257);
  h.set(enc.encode("00"), 263);
  h.set(enc.encode("urna"), 265); // uname
  h.set(enc.encode("urna"), 297); // gname
  octal(h, 329, 8, 0); // devmajor
  octal(h, 337, 8, 0); // devminor
  h.set(prefix, 345);
  let sum = 0;
  for (const x of h) sum += x;
  const c = sum.toString(8).padStart(6, "0");
  h.set(enc.encode(c), 148);
  h[154] = 0;
  h[155] = 0x20;
  return h;
}

/** One pax record "<len> key=value\n", where <len> counts the whole record. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return `${len}${body}`;
}

/** The blocks that start a file: its header (preceded by a pax header when the size needs it). */
export function fileHeader(f: TarFile): Uint8Array {
  const mode = f.mode ?? 0o644;
  const mtime = f.mtime ?? Math.floor(Date.now() / 1000);
  if (!Number.isSafeInteger(f.size) || f.size < 0) throw new RangeError("tar: bad size");
  if (f.size <= USTAR_MAX_SIZE) return header(f.name, f.size, mode, mtime, "0");
  const pax = enc.encode(paxRecord("size", String(f.size)));
  const paxName = `PaxHeaders/${f.name.split("/").pop() ?? "file"}`;
  const out = new Uint8Array(BLOCK + padded(pax.length) + BLOCK);
  out.set(header(paxName, pax.length, 0o644, mtime, "x"), 0);
  out.set(pax, BLOCK);
  out.set(header(f.name, 0, mode, mtime, "0"), BLOCK + padded(pax.length));
  return out;
}

const padded = (n: number): number => Math.ceil(n / BLOCK) * BLOCK;

/** Zero bytes that pad a file of `size` bytes to a whole block. */
export function filePadding(size: number): Uint8Array {
  return new Uint8Array(padded(size) - size);
}

/** The end-of-archive marker: two zero blocks. */
export const endOfArchive = (): Uint8Array => new Uint8Array(2 * BLOCK);

export type TarSource = TarFile & { data: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array> };

/**
 * Streams an archive: for each file, its header, the chunks its `data` yields (which must add
 * up to exactly `size` bytes, or the writer throws), and the padding; then the end marker.
 */
export async function* ustarStream(
  files: AsyncIterable<TarSource> | Iterable<TarSource>,
): AsyncGenerator<Uint8Array> {
  for await (const f of files) {
    yield fileHeader(f);
    let n = 0;
    for await (const chunk of f.data()) {
      n += chunk.length;
      if (n > f.size) throw new Error(`tar: ${f.name} is longer than its declared size ${f.size}`);
      if (chunk.length > 0) yield chunk;
    }
    if (n !== f.size) throw new Error(`tar: ${f.name} has ${n} bytes, declared ${f.size}`);
    const pad = filePadding(f.size);
    if (pad.length > 0) yield pad;
  }
  yield endOfArchive();
}
