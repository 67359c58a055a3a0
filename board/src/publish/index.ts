/**
 * The published record (spec/log.md §10): publish targets (a folder, an S3-compatible bucket),
 * the publisher and its live loop. openPublishTarget picks a target from `--publish`.
 */
import { FsPublishTarget } from "./fs.js";
import { S3PublishTarget } from "./s3.js";
import { PublishError, type PublishTarget } from "./types.js";

export * from "./types.js";
export { FsPublishTarget } from "./fs.js";
export { S3PublishTarget, parseS3Url, type S3TargetOptions } from "./s3.js";
export {
  Publisher,
  electionPrefix,
  newTiles,
  type PublishHead,
  type PublishReader,
  type PublishResult,
} from "./publisher.js";
export { LivePublisher, type PublishStatus } from "./live.js";

/** `s3://bucket[/prefix][?path-style=1]` or a folder path; any other URL scheme is refused. */
export function openPublishTarget(spec: string): PublishTarget {
  if (spec === "") throw new PublishError("PUBLISH_TARGET_INVALID", "--publish needs a target");
  if (/^s3:\/\//i.test(spec)) return S3PublishTarget.fromUrl(spec);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec))
    throw new PublishError(
      "PUBLISH_TARGET_INVALID",
      `unknown publish target ${spec}: use s3://bucket/prefix or a folder path`,
    );
  return new FsPublishTarget(spec);
}
