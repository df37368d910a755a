import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { PresignedRequest, StagedUpload, UploadStaging } from '../UploadStaging.js';
import { isNotFound, storeUnavailable, type S3Target } from './s3Client.js';

/** Staged objects' keys start with this; blobs live beside, under `blobs/`. */
const UPLOADS = 'uploads/';
const UPLOAD_ID = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * Direct uploads staged in the blob bucket under `uploads/<uploadId>`. The client gets a
 * presigned PUT whose signature covers `Content-Length` and `Content-Type`, so S3 refuses a body
 * of any other size or a different declared type (a presigned POST policy would bound the size
 * too, but Cloudflare R2 has no POST uploads, and a PUT works on every S3-compatible store). The
 * server still checks what arrives, as it must for bytes it did not receive itself.
 */
export class S3UploadStaging implements UploadStaging {
  constructor(
    private readonly target: S3Target,
    private readonly onError?: (error: Error) => void,
  ) {}

  async presign(
    uploadId: string,
    size: number,
    mime: string,
    expiresInSeconds: number,
  ): Promise<PresignedRequest> {
    const command = new PutObjectCommand({
      Bucket: this.target.bucket,
      Key: stagedKey(uploadId),
      ContentLength: size,
      ContentType: mime,
    });
    const url = await getSignedUrl(this.target.client, command, {
      expiresIn: expiresInSeconds,
      signableHeaders: new Set(['content-length', 'content-type']),
    });
    return { url, method: 'PUT', headers: { 'Content-Type': mime } };
  }

  async read(uploadId: string, maxBytes: number): Promise<StagedUpload> {
    try {
      const object = await this.target.client.send(
        new GetObjectCommand({ Bucket: this.target.bucket, Key: stagedKey(uploadId) }),
      );
      const body = object.Body as Readable | undefined;
      if (!body) return { status: 'stored', bytes: Buffer.alloc(0) };
      if ((object.ContentLength ?? 0) > maxBytes) {
        body.destroy();
        return { status: 'too_large' };
      }
      // Content-Length is the store's word; the count while reading is what holds.
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of body as AsyncIterable<Buffer>) {
        total += chunk.byteLength;
        if (total > maxBytes) {
          body.destroy();
          return { status: 'too_large' };
        }
        chunks.push(chunk);
      }
      return { status: 'stored', bytes: Buffer.concat(chunks, total) };
    } catch (error) {
      if (isNotFound(error)) return { status: 'missing' };
      throw storeUnavailable(error, this.onError);
    }
  }

  async delete(uploadId: string): Promise<void> {
    try {
      await this.target.client.send(
        new DeleteObjectCommand({ Bucket: this.target.bucket, Key: stagedKey(uploadId) }),
      );
    } catch (error) {
      throw storeUnavailable(error, this.onError);
    }
  }
}

function stagedKey(uploadId: string): string {
  if (!UPLOAD_ID.test(uploadId))
    throw new Error(`upload id ${JSON.stringify(uploadId)} is not valid`);
  return UPLOADS + uploadId;
}
