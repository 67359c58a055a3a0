/**
 * The record export's archive writer (spec/record.md, `GET /elections/<id>/record`): a streamed
 * POSIX ustar archive written by the `tar-stream` package. This module only feeds it: one entry
 * per file, each file's chunks as they come (with the package's back-pressure, so a big
 * `entries.jsonl` is never held whole), and the declared sizes checked before a byte is written.
 *
 * Headers are `tar-stream`'s: ustar magic, owner and group "urna", mode 0644 by default. A file
 * of 8 GiB or more (past the 11 octal digits of the ustar size field) gets a pax extended header
 * ('x') carrying `path` and the exact `size`, which every POSIX tar reads. The bytes depend on
 * `mtime` as well as the files: the record gives every file the same fixed mtime (record.ts), so
 * two exports of the same checkpoint are equal byte for byte (spec/record.md).
 */
import { pack, type Pack } from "tar-stream";

/** Largest size the ustar header's 11 octal digits hold. */
const USTAR_MAX_SIZE = 0o77777777777;

export interface TarFile {
  /** Path inside the archive, '/'-separated, no leading '/'. */
  name: string;
  size: number;
  mode?: number;
  mtime?: number; // seconds since the epoch
}

export type TarSource = TarFile & { data: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array> };

type Sink = ReturnType<Pack["entry"]>;

const closedError = (): Error => new Error("tar: the archive was closed");

/** Resolves once the file's sink has room again ('drain'); rejects if it is destroyed first. */
const drained = (sink: Sink): Promise<void> =>
  new Promise((resolve, reject) => {
    if (sink.destroying) return reject(closedError());
    const done = (ok: boolean): void => {
      sink.off("drain", onDrain);
      sink.off("close", onClose);
      if (ok) resolve();
      else reject(closedError());
    };
    const onDrain = (): void => done(true);
    const onClose = (): void => done(false);
    sink.on("drain", onDrain);
    sink.on("close", onClose);
  });

/** Writes one file into the pack: its header, its chunks (exactly `size` bytes), its padding. */
async function writeFile(tar: Pack, f: TarSource): Promise<void> {
  if (!Number.isSafeInteger(f.size) || f.size < 0) throw new RangeError("tar: bad size");
  let settle!: (err?: Error | null) => void;
  const written = new Promise<void>((resolve, reject) => {
    settle = (err) => (err ? reject(err) : resolve());
  });
  written.catch(() => undefined); // awaited below unless the file fails first
  const sink = tar.entry(
    {
      name: f.name,
      size: f.size,
      mode: f.mode ?? 0o644,
      mtime: new Date(1000 * Math.max(0, Math.floor(f.mtime ?? Date.now() / 1000))),
      uname: "urna",
      gname: "urna",
      ...(f.size > USTAR_MAX_SIZE ? { pax: { size: String(f.size) } } : {}),
    },
    (err) => settle(err),
  );
  sink.on("error", () => undefined); // the pack's own error (or the callback above) reports it
  let n = 0;
  for await (const chunk of f.data()) {
    if (tar.destroying) throw closedError();
    n += chunk.length;
    if (n > f.size) throw new Error(`tar: ${f.name} is longer than its declared size ${f.size}`);
    if (chunk.length > 0 && !sink.write(chunk)) await drained(sink);
  }
  if (n !== f.size) throw new Error(`tar: ${f.name} has ${n} bytes, declared ${f.size}`);
  sink.end(undefined);
  await written;
}

/**
 * Streams an archive: for each file, its header, the chunks its `data` yields (which must add
 * up to exactly `size` bytes, or the stream throws), and the padding; then the end marker.
 * Stopping the iteration early ends the archive and the reading of the files.
 */
export async function* ustarStream(
  files: AsyncIterable<TarSource> | Iterable<TarSource>,
): AsyncGenerator<Uint8Array> {
  const tar = pack();
  let failure: { error: unknown } | undefined;
  const writing = (async () => {
    try {
      for await (const f of files) {
        if (tar.destroying) return;
        await writeFile(tar, f);
      }
      tar.finalize();
    } catch (e) {
      failure = { error: e };
      tar.destroy(e instanceof Error ? e : new Error(String(e)));
    }
  })();
  try {
    for await (const chunk of tar as AsyncIterable<Uint8Array>) yield chunk;
  } catch (e) {
    throw failure ? failure.error : e;
  } finally {
    // On an early stop the writer ends by itself at its file's next chunk (it never rejects).
    if (!tar.destroying) tar.destroy(closedError());
  }
  await writing;
  if (failure) throw failure.error;
}
