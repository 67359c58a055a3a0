/**
 * Publish target: an S3-compatible bucket (`s3://bucket/prefix`), through @aws-sdk/client-s3.
 *
 * Immutable objects: `PutObject` with `If-None-Match: *` (create only). When the object exists
 * (412 Precondition Failed, or 409 from a concurrent conditional write) it is read back: the same
 * bytes are accepted ("kept"), other bytes are PUBLISH_CONFLICT and nothing is overwritten. The
 * checkpoint is a plain `PutObject` (S3 replaces an object atomically). Cache-Control and
 * Content-Type are set on every object as Tessera's AWS driver sets them.
 *
 * Endpoint, region and credentials come from the standard AWS environment (AWS_ENDPOINT_URL_S3 or
 * AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or any provider of the
 * SDK's default chain). Path-style addressing (`https://host/bucket/key`, needed by most
 * S3-compatible servers on one host name, e.g. Ceph RGW, MinIO) is chosen by
 * `URNA_S3_PATH_STYLE=1` or by `?path-style=1` on the target URL.
 */
// The SDK is loaded on first use only (it is large): every other `urna` command starts without it.
import type { S3Client } from "@aws-sdk/client-s3";
import { bytesEqual } from "@urna/verifier";
import {
  CHECKPOINT_CACHE_CONTROL,
  CHECKPOINT_CONTENT_TYPE,
  IMMUTABLE_CACHE_CONTROL,
  type ImmutableOutcome,
  PublishError,
  type PublishTarget,
  TILE_CONTENT_TYPE,
} from "./types.js";

export interface S3TargetOptions {
  bucket: string;
  /** Key prefix without leading or trailing `/` ("" for the bucket's root). */
  prefix: string;
  /** Path-style addressing (default: URNA_S3_PATH_STYLE=1 in the environment). */
  pathStyle?: boolean;
  /** The client (tests); default one from the standard AWS environment. */
  client?: S3Client;
  /** The URL as given, for messages and the published-state key (default s3://bucket/prefix). */
  url?: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Parses `s3://bucket[/prefix][?path-style=1]`. */
export function parseS3Url(url: string): { bucket: string; prefix: string; pathStyle?: boolean } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new PublishError("PUBLISH_TARGET_INVALID", `not a URL: ${url}`);
  }
  if (u.protocol !== "s3:" || !BUCKET.test(u.hostname) || u.username || u.password || u.port)
    throw new PublishError(
      "PUBLISH_TARGET_INVALID",
      `${url}: expected s3://bucket[/prefix] with a valid bucket name`,
    );
  const prefix = decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, "");
  if (prefix.split("/").some((s) => s === "." || s === ".."))
    throw new PublishError("PUBLISH_TARGET_INVALID", `${url}: the prefix has . or .. segments`);
  const ps = u.searchParams.get("path-style");
  for (const k of u.searchParams.keys())
    if (k !== "path-style")
      throw new PublishError("PUBLISH_TARGET_INVALID", `${url}: unknown option ${k}`);
  if (ps !== null && !["1", "true", "0", "false"].includes(ps))
    throw new PublishError("PUBLISH_TARGET_INVALID", `${url}: path-style is 1 or 0`);
  return {
    bucket: u.hostname,
    prefix,
    ...(ps !== null ? { pathStyle: ps === "1" || ps === "true" } : {}),
  };
}

const envPathStyle = () => /^(1|true)$/i.test(process.env.URNA_S3_PATH_STYLE ?? "");

const statusOf = (e: unknown): number | undefined =>
  (e as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;

const sdk = () => import("@aws-sdk/client-s3");

export class S3PublishTarget implements PublishTarget {
  readonly url: string;
  readonly #bucket: string;
  readonly #prefix: string;
  #client: Promise<S3Client>;

  constructor(opts: S3TargetOptions) {
    this.#bucket = opts.bucket;
    this.#prefix = opts.prefix ? `${opts.prefix}/` : "";
    this.url = opts.url ?? `s3://${opts.bucket}${opts.prefix ? `/${opts.prefix}` : ""}`;
    const pathStyle = opts.pathStyle ?? envPathStyle();
    this.#client = opts.client
      ? Promise.resolve(opts.client)
      : sdk().then(
          ({ S3Client: Client }) =>
            new Client({
              region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
              forcePathStyle: pathStyle,
              // Checksums only where S3 requires them: S3-compatible servers differ in the newer ones.
              requestChecksumCalculation: "WHEN_REQUIRED",
              responseChecksumValidation: "WHEN_REQUIRED",
            }),
        );
    this.#client.catch(() => undefined); // surfaced by the first write
  }

  static fromUrl(url: string): S3PublishTarget {
    const p = parseS3Url(url);
    return new S3PublishTarget({ ...p, url });
  }

  #key(path: string): string {
    return this.#prefix + path;
  }

  #failed(what: string, key: string, e: unknown): PublishError {
    const status = statusOf(e);
    return new PublishError(
      "PUBLISH_FAILED",
      `${what} s3://${this.#bucket}/${key}: ${(e as Error).message}${status ? ` (HTTP ${status})` : ""}`,
      { cause: e },
    );
  }

  /** PutObject of `body` at `key`; create-only (If-None-Match: *) when `immutable`. */
  async #put(key: string, body: Uint8Array | string, immutable: boolean): Promise<unknown> {
    const [client, { PutObjectCommand }] = await Promise.all([this.#client, sdk()]);
    return client.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: key,
        Body: body,
        ...(immutable
          ? {
              IfNoneMatch: "*",
              ContentType: TILE_CONTENT_TYPE,
              CacheControl: IMMUTABLE_CACHE_CONTROL,
            }
          : { ContentType: CHECKPOINT_CONTENT_TYPE, CacheControl: CHECKPOINT_CACHE_CONTROL }),
      }),
    );
  }

  async putImmutable(path: string, bytes: Uint8Array): Promise<ImmutableOutcome> {
    const key = this.#key(path);
    try {
      await this.#put(key, bytes, true);
      return "written";
    } catch (e) {
      const status = statusOf(e);
      if (status !== 412 && status !== 409) throw this.#failed("writing", key, e);
    }
    const existing = await this.#get(key);
    if (existing !== undefined && bytesEqual(existing, bytes)) return "kept";
    throw new PublishError(
      "PUBLISH_CONFLICT",
      `s3://${this.#bucket}/${key} already exists with other bytes (${existing?.length ?? "no"} bytes, expected ${bytes.length}): not overwritten`,
    );
  }

  async #get(key: string): Promise<Uint8Array | undefined> {
    try {
      const [client, { GetObjectCommand }] = await Promise.all([this.#client, sdk()]);
      const r = await client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      return r.Body ? await r.Body.transformToByteArray() : new Uint8Array(0);
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw this.#failed("reading", key, e);
    }
  }

  async putCheckpoint(path: string, text: string): Promise<void> {
    const key = this.#key(path);
    await this.#put(key, text, false).catch((e: unknown) => {
      throw this.#failed("writing", key, e);
    });
  }

  async close(): Promise<void> {
    (await this.#client.catch(() => undefined))?.destroy();
  }
}
