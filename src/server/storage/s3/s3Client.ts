import { HeadBucketCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { Config } from '../../config.js';
import { AppError, unavailable } from '../../core/AppError.js';

/** Tries per request, the first included; 5xx, throttling and network failures are retried. */
export const S3_MAX_ATTEMPTS = 3;

/** Where the S3 driver keeps its objects, as `S3_*` configures it (API.md, "Running"). */
export interface S3Target {
  client: S3Client;
  bucket: string;
}

/**
 * A client for any S3-compatible store (AWS, R2, MinIO…) with the SDK's standard retry mode.
 * Checksums are sent and checked only where S3 requires them: several compatible stores reject
 * or ignore the newer checksum headers, and a presigned URL must not carry them.
 */
export function s3Target(settings: Config['s3'], maxAttempts = S3_MAX_ATTEMPTS): S3Target {
  // config.ts refuses BLOB_STORE=s3 without S3_BUCKET; this only keeps the type honest.
  if (settings.bucket === undefined) throw new Error('S3_BUCKET is not set');
  const client = new S3Client({
    region: settings.region,
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    forcePathStyle: settings.forcePathStyle,
    ...(settings.accessKeyId === undefined || settings.secretAccessKey === undefined
      ? {}
      : {
          credentials: {
            accessKeyId: settings.accessKeyId,
            secretAccessKey: settings.secretAccessKey,
          },
        }),
    maxAttempts,
    retryMode: 'standard',
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return { client, bucket: settings.bucket };
}

/** /readyz's S3 check: the bucket answers a HEAD with these credentials. */
export async function headBucket(target: S3Target, signal?: AbortSignal): Promise<void> {
  await target.client.send(
    new HeadBucketCommand({ Bucket: target.bucket }),
    signal ? { abortSignal: signal } : {},
  );
}

/** Whether S3 answered that the object (or bucket) does not exist. */
export function isNotFound(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.name === 'NoSuchKey' ||
      error.name === 'NotFound' ||
      error.$metadata.httpStatusCode === 404)
  );
}

/**
 * What a user is told when S3 fails after its retries: 503 `overloaded`, to try again later.
 * The SDK's error is kept as `cause`, and `report` hears of it so the operator does too.
 */
export function storeUnavailable(error: unknown, report?: (error: Error) => void): AppError {
  if (error instanceof AppError) return error;
  report?.(error instanceof Error ? error : new Error(String(error)));
  return unavailable('The file store is not answering; try again in a minute.', 30, error);
}
