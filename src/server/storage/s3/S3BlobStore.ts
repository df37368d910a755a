import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import type { BlobStore } from '../BlobStore.js';
import { isNotFound, storeUnavailable, type S3Target } from './s3Client.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Room ids are ours (base64url); nothing with a dot or a slash can ever be one. */
const ROOM_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Every blob object's key starts with this; staged direct uploads live beside, under `uploads/`. */
const BLOBS = 'blobs/';
/** DeleteObjects takes at most this many keys per request. */
const DELETE_BATCH = 1000;
/** Parts of one multipart upload sent at once. */
const PART_CONCURRENCY = 4;

export interface S3BlobStoreOptions {
  /** From this size on a blob goes up in parts (default 16 MiB). */
  multipartThresholdBytes?: number;
  /** Size of each part but the last (default 8 MiB; S3's minimum is 5 MiB). */
  partBytes?: number;
  /** Hears of every S3 failure that ran out of retries (the user gets 503 `overloaded`). */
  onError?: (error: Error) => void;
}

/**
 * Blobs in an S3 bucket (`BLOB_STORE=s3`), one object per room and content:
 * `blobs/<roomId>/<sha256>`. S3 has no link count and no transaction across objects, so a content
 * shared by two rooms is stored twice rather than reference-counted: deleting a room deletes its
 * own objects and can never race another room's put of the same bytes (docs/architecture.md,
 * "Storage"). Keys are checked (a room id and a hex SHA-256 the bytes must hash to) before any
 * request. Large blobs go up as a multipart upload, aborted if a part fails. Every request has the
 * SDK's standard retries; when they run out the failure is a 503 `overloaded` AppError.
 */
export class S3BlobStore implements BlobStore {
  private readonly threshold: number;
  private readonly partBytes: number;

  constructor(
    private readonly target: S3Target,
    private readonly options: S3BlobStoreOptions = {},
  ) {
    this.partBytes = options.partBytes ?? 8 * 1_048_576;
    this.threshold = options.multipartThresholdBytes ?? 16 * 1_048_576;
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    const objectKey = BLOBS + checkKey(key);
    if (createHash('sha256').update(bytes).digest('hex') !== key.slice(-64)) {
      throw new Error(`blob ${key}: the bytes do not hash to the key`);
    }
    await this.call(async () => {
      if (bytes.byteLength >= this.threshold) return this.putInParts(objectKey, bytes);
      await this.target.client.send(
        new PutObjectCommand({
          Bucket: this.target.bucket,
          Key: objectKey,
          Body: bytes,
          ContentLength: bytes.byteLength,
        }),
      );
    });
  }

  async get(key: string): Promise<Buffer | undefined> {
    const Key = BLOBS + checkKey(key);
    return this.call(async () => {
      try {
        const object = await this.target.client.send(
          new GetObjectCommand({ Bucket: this.target.bucket, Key }),
        );
        if (!object.Body) return Buffer.alloc(0);
        return Buffer.from(await object.Body.transformToByteArray());
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    });
  }

  async has(key: string): Promise<boolean> {
    const Key = BLOBS + checkKey(key);
    return this.call(async () => {
      try {
        await this.target.client.send(new HeadObjectCommand({ Bucket: this.target.bucket, Key }));
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
    });
  }

  heldInMemory(): boolean {
    return false;
  }

  /** `prefix` must be a room's `<roomId>/`: blobs are kept per room. */
  async deletePrefix(prefix: string): Promise<void> {
    const roomId = prefix.endsWith('/') ? prefix.slice(0, -1) : '';
    if (!ROOM_ID.test(roomId)) throw new Error(`blob prefix ${prefix}: not a room's prefix`);
    const { client, bucket } = this.target;
    await this.call(async () => {
      // Listing from the start again after each batch needs no paging token, and catches a put
      // that raced the delete. (The first listing API: every S3-compatible store has it.)
      for (;;) {
        const listed = await client.send(
          new ListObjectsCommand({ Bucket: bucket, Prefix: BLOBS + prefix, MaxKeys: DELETE_BATCH }),
        );
        const keys = (listed.Contents ?? []).flatMap((object) =>
          object.Key === undefined ? [] : [{ Key: object.Key }],
        );
        if (keys.length === 0) return;
        const deleted = await client.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }),
        );
        const failed = deleted.Errors?.[0];
        if (failed) throw new Error(`S3 could not delete ${failed.Key}: ${failed.Code}`);
      }
    });
  }

  async close(): Promise<void> {
    this.target.client.destroy();
  }

  private async putInParts(Key: string, bytes: Buffer): Promise<void> {
    const { client, bucket: Bucket } = this.target;
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    if (UploadId === undefined) throw new Error('S3 started a multipart upload without an id');
    const limit = pLimit(PART_CONCURRENCY);
    const count = Math.ceil(bytes.byteLength / this.partBytes);
    // A failed part cancels the others, so no part is still on its way when the abort is sent
    // (a part that lands after the abort would be stored, and billed, again).
    const cancel = new AbortController();
    const uploads = Array.from({ length: count }, (_, index) =>
      limit(async () => {
        cancel.signal.throwIfAborted();
        const body = bytes.subarray(index * this.partBytes, (index + 1) * this.partBytes);
        const PartNumber = index + 1;
        const { ETag } = await client.send(
          new UploadPartCommand({
            Bucket,
            Key,
            UploadId,
            PartNumber,
            Body: body,
            ContentLength: body.byteLength,
          }),
          { abortSignal: cancel.signal },
        );
        return { ETag, PartNumber };
      }),
    );
    try {
      const parts = await Promise.all(uploads);
      await client.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key,
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (error) {
      cancel.abort();
      await Promise.allSettled(uploads);
      // Parts already stored cost money until aborted; the abort itself is best effort (a
      // bucket lifecycle rule for incomplete multipart uploads catches what it misses).
      await client
        .send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }))
        .catch((abortError: unknown) => this.options.onError?.(asError(abortError)));
      throw error;
    }
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw storeUnavailable(error, this.options.onError);
    }
  }
}

/** `<roomId>/<sha256>` checked, or an Error naming the key. */
function checkKey(key: string): string {
  const [roomId = '', sha256 = '', ...rest] = key.split('/');
  if (rest.length > 0 || !ROOM_ID.test(roomId) || !SHA256_HEX.test(sha256)) {
    throw new Error(`blob key ${JSON.stringify(key)} is not <roomId>/<sha256>`);
  }
  return key;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
