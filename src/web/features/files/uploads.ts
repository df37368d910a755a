/**
 * The upload queue, pure so it is tested without a browser: which uploads run (at most
 * MAX_CONCURRENT_UPLOADS at once, the rest wait in order), their progress, and the sentence a
 * person sees when one is refused (by the client's pre-check or by the server's error code).
 */
import { MAX_IMAGE_PIXELS } from '../../../protocol/constants.js';
import { ApiError } from '../../lib/api.js';
import { isErrorBody } from '../../lib/errorMessages.js';
import { formatBytes } from './formatBytes.js';

/**
 * The server's default MAX_UPLOAD_BYTES (API.md). The client refuses bigger files before sending
 * a byte; a server configured lower still answers 413, which is reported the same way.
 */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
/** Images above this many pixels are refused as decompression bombs (API.md). */
const MAX_IMAGE_MEGAPIXELS = MAX_IMAGE_PIXELS / 1_000_000;
/** Two at a time keeps each one's progress moving on a phone's uplink instead of all crawling. */
export const MAX_CONCURRENT_UPLOADS = 2;

export type UploadStatus = 'queued' | 'uploading' | 'failed';

export interface Upload {
  id: string;
  file: File;
  status: UploadStatus;
  /** Bytes of the request body sent so far, of `total` (the multipart body, a little over the file). */
  sent: number;
  total: number;
  /** Why it failed, as a sentence for the person. */
  error?: string;
  /** Whether trying again could work (busy server, network), as opposed to a refused file. */
  retriable?: boolean;
}

export type UploadAction =
  | { type: 'added'; uploads: Upload[] }
  | { type: 'started'; id: string }
  | { type: 'progress'; id: string; sent: number; total: number }
  | { type: 'failed'; id: string; error: string; retriable: boolean }
  | { type: 'retried'; id: string }
  /** Finished, cancelled or dismissed: the upload leaves the list. */
  | { type: 'removed'; id: string };

function update(
  uploads: readonly Upload[],
  id: string,
  change: (upload: Upload) => Upload,
): readonly Upload[] {
  return uploads.map((upload) => (upload.id === id ? change(upload) : upload));
}

export function uploadsReducer(
  uploads: readonly Upload[],
  action: UploadAction,
): readonly Upload[] {
  switch (action.type) {
    case 'added':
      return [...uploads, ...action.uploads];
    case 'started':
      return update(uploads, action.id, (upload) => ({ ...upload, status: 'uploading', sent: 0 }));
    case 'progress':
      return update(uploads, action.id, (upload) =>
        upload.status === 'uploading'
          ? { ...upload, sent: action.sent, total: action.total }
          : upload,
      );
    case 'failed':
      return update(uploads, action.id, (upload) => ({
        ...upload,
        status: 'failed',
        error: action.error,
        retriable: action.retriable,
      }));
    case 'retried':
      return update(uploads, action.id, ({ error: _error, retriable: _retriable, ...upload }) => ({
        ...upload,
        status: 'queued',
        sent: 0,
      }));
    case 'removed':
      return uploads.filter((upload) => upload.id !== action.id);
  }
}

/** The queued uploads to start now so that at most `limit` run at once, oldest first. */
export function nextToStart(uploads: readonly Upload[], limit = MAX_CONCURRENT_UPLOADS): Upload[] {
  const running = uploads.filter((upload) => upload.status === 'uploading').length;
  return uploads
    .filter((upload) => upload.status === 'queued')
    .slice(0, Math.max(0, limit - running));
}

/** 0–100, for the progress bar. */
export function uploadPercent(upload: Pick<Upload, 'sent' | 'total'>): number {
  if (upload.total <= 0) return 0;
  return Math.min(100, Math.floor((upload.sent / upload.total) * 100));
}

const tooLarge = (name: string, maxBytes = MAX_UPLOAD_BYTES) =>
  `${name} is too large (max ${formatBytes(maxBytes)}).`;

/** The client's own check before uploading: a sentence when the file cannot be sent at all. */
export function precheckFile(file: Pick<File, 'name' | 'size'>): string | null {
  if (file.size > MAX_UPLOAD_BYTES) return tooLarge(file.name);
  if (file.size === 0) return `${file.name} is empty.`;
  return null;
}

function isStalled(details: unknown): boolean {
  return typeof details === 'object' && details !== null && 'stalled' in details;
}

function maxBytesOf(details: unknown): number | undefined {
  if (typeof details !== 'object' || details === null || !('maxBytes' in details)) return undefined;
  return typeof details.maxBytes === 'number' ? details.maxBytes : undefined;
}

/**
 * What to tell a person whose upload the server refused, by the error's stable code (never its
 * message text, which is only shown as is for codes without a sentence of their own).
 */
export function describeUploadError(
  file: Pick<File, 'name' | 'size' | 'type'>,
  error: unknown,
): { message: string; retriable: boolean } {
  if (!(error instanceof ApiError) && !isErrorBody(error)) {
    return { message: `${file.name} could not be uploaded. Try again.`, retriable: true };
  }
  switch (error.code) {
    case 'too_large': {
      const maxBytes = maxBytesOf(error.details);
      // Within the byte limit, an image is refused for its pixel count (a decompression bomb).
      const pixels = maxBytes === undefined && file.size <= MAX_UPLOAD_BYTES;
      return {
        message:
          pixels && file.type.startsWith('image/')
            ? `${file.name} is too large: a picture can have at most ${MAX_IMAGE_MEGAPIXELS} megapixels.`
            : tooLarge(file.name, maxBytes),
        retriable: false,
      };
    }
    case 'unsupported_type':
      return {
        message: `${file.name} can't be shared: this file type isn't allowed.`,
        retriable: false,
      };
    case 'overloaded':
      return { message: 'The server is busy right now; try again in a minute.', retriable: true };
    case 'network_error':
      return {
        message: isStalled(error.details)
          ? `${file.name} stopped uploading: nothing got through for a while.`
          : `${file.name} could not be sent: the connection to the server was lost.`,
        retriable: true,
      };
    case 'unauthorized':
      return { message: 'Your session has ended. Join the room again.', retriable: false };
    case 'rate_limited':
    case 'internal_error':
      return { message: error.message, retriable: true };
    default:
      return { message: error.message, retriable: false };
  }
}

const extensions: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'avif',
};

/**
 * Browsers name every pasted screenshot "image.png"; a gallery of identical names helps nobody,
 * so those get the time they were pasted: "Pasted image 2025-03-14 09.26.53.png".
 */
export function pastedFileName(file: Pick<File, 'name' | 'type'>, now: Date): string {
  if (file.name && !/^image\.[a-z]+$/i.test(file.name)) return file.name;
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}.${pad(now.getMinutes())}.${pad(now.getSeconds())}`;
  const extension = extensions[file.type] ?? /\.([a-z0-9]+)$/i.exec(file.name)?.[1] ?? 'png';
  return `Pasted image ${date} ${time}.${extension}`;
}
