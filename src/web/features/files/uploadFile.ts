/**
 * `POST /api/rooms/:roomId/files` (API.md, "Files and images") through XMLHttpRequest, because
 * fetch() still reports no upload progress in most browsers. Failures are ApiErrors with the
 * contract's codes, like every other call of lib/api.ts.
 */
import type { ErrorEnvelope } from '../../../protocol/errors.js';
import type { FileInfo, Message } from '../../../protocol/schemas.js';
import { ApiError, tokenRefused } from '../../lib/api.js';

export interface UploadResult {
  file: FileInfo;
  message: Message;
}

export interface UploadOptions {
  /** Bytes of the request body sent so far, of the whole body. */
  onProgress?: (sent: number, total: number) => void;
  /** Aborting rejects with a DOMException named AbortError. */
  signal?: AbortSignal;
  /** Give up when no byte has gone out for this long while some are left to send. */
  stallMs?: number;
}

/**
 * A dead mobile connection, or a server that refused the upload early and stopped reading it
 * (browsers read no answer before the whole body is sent), leaves an upload waiting forever.
 */
export const UPLOAD_STALL_MS = 30_000;

function errorOf(xhr: XMLHttpRequest): ApiError {
  let payload: unknown;
  try {
    payload = JSON.parse(xhr.responseText);
  } catch {
    payload = undefined;
  }
  const error = (payload as Partial<ErrorEnvelope> | undefined)?.error;
  if (error && typeof error.code === 'string' && typeof error.message === 'string') {
    return new ApiError(error.code, error.message, xhr.status, error.details);
  }
  // A proxy in front of Roomkit may refuse the body with its own page, not the envelope.
  if (xhr.status === 413) return new ApiError('too_large', 'The file is too large.', 413);
  return new ApiError(
    'internal_error',
    `The server answered ${xhr.status} ${xhr.statusText}.`,
    xhr.status,
  );
}

export function uploadFile(
  roomId: string,
  token: string,
  file: File,
  { onProgress, signal, stallMs = UPLOAD_STALL_MS }: UploadOptions = {},
): Promise<UploadResult> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DOMException('The upload was cancelled.', 'AbortError'));
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/rooms/${encodeURIComponent(roomId)}/files`);
    xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('Accept', 'application/json');
    let stalled = false;
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const watch = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        stalled = true;
        xhr.abort();
      }, stallMs);
    };
    xhr.upload.addEventListener('loadstart', watch);
    xhr.upload.addEventListener('progress', (event) => {
      watch();
      if (event.lengthComputable) onProgress?.(event.loaded, event.total);
    });
    // Once the body is out, the server may take its time (images are decoded and cleaned).
    xhr.upload.addEventListener('loadend', () => clearTimeout(watchdog));
    const onAbort = () => xhr.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = () => {
      clearTimeout(watchdog);
      signal?.removeEventListener('abort', onAbort);
    };

    xhr.addEventListener('load', () => {
      settle();
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve(JSON.parse(xhr.responseText) as UploadResult);
        } catch {
          reject(
            new ApiError('internal_error', 'The server sent an unreadable answer.', xhr.status),
          );
        }
      } else {
        const error = errorOf(xhr);
        // An embedded room renews a refused token, as it does for every other request.
        if (error.code === 'unauthorized') tokenRefused(token);
        reject(error);
      }
    });
    xhr.addEventListener('error', () => {
      settle();
      reject(new ApiError('network_error', 'Could not reach the server.', 0));
    });
    xhr.addEventListener('abort', () => {
      settle();
      reject(
        stalled
          ? new ApiError('network_error', 'The upload stopped moving.', 0, { stalled: true })
          : new DOMException('The upload was cancelled.', 'AbortError'),
      );
    });

    const body = new FormData();
    body.append('file', file, file.name);
    xhr.send(body);
  });
}
