/** What reading a staged upload found. */
export type StagedUpload =
  | { status: 'stored'; bytes: Buffer }
  | { status: 'missing' }
  /** More bytes than the caller allowed; none of them are returned. */
  | { status: 'too_large' };

/** Where a client sends a staged upload's bytes itself, and how. */
export interface PresignedRequest {
  url: string;
  method: 'PUT';
  /** Headers the request must carry as they are (they are part of the signature). */
  headers: Record<string, string>;
}

/**
 * A place outside the server where clients put a file's bytes directly (a presigned request to
 * object storage), for the server to check and store afterwards. Only the S3 driver has one.
 */
export interface UploadStaging {
  /**
   * A request, valid for `expiresInSeconds`, that stores exactly `size` bytes declared as `mime`
   * under `uploadId` (an id the caller made, base64url).
   */
  presign(
    uploadId: string,
    size: number,
    mime: string,
    expiresInSeconds: number,
  ): Promise<PresignedRequest>;
  /** The staged bytes, read only while they stay within `maxBytes`. */
  read(uploadId: string, maxBytes: number): Promise<StagedUpload>;
  /** Removes the staged bytes; nothing there is fine. */
  delete(uploadId: string): Promise<void>;
}
