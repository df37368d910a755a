import { useCallback, useEffect, useReducer, useRef } from 'react';
import { randomId } from '../../lib/id.js';
import { uploadFile, type UploadResult } from './uploadFile.js';
import {
  describeUploadError,
  nextToStart,
  precheckFile,
  uploadPercent,
  uploadsReducer,
  type Upload,
} from './uploads.js';

export interface UploadTarget {
  roomId: string;
  token: string;
}

export interface Uploads {
  uploads: readonly Upload[];
  /** Queues files (those failing the pre-check show their error at once, unsent). */
  add: (files: Iterable<File>) => void;
  /** Stops an upload that is queued or under way; it leaves the list. */
  cancel: (id: string) => void;
  retry: (id: string) => void;
  dismiss: (id: string) => void;
}

/**
 * Uploads files into a room, a few at a time, with progress. `onUploaded` gets each stored file
 * and its chat message as the server returns them (the room's events bring them too, later).
 * Uploads still running when the component goes away are cancelled.
 */
export function useUploads(
  target: UploadTarget | null,
  onUploaded: (result: UploadResult) => void,
): Uploads {
  const [uploads, dispatch] = useReducer(uploadsReducer, []);
  const running = useRef(new Map<string, AbortController>());
  const uploaded = useRef(onUploaded);
  useEffect(() => {
    uploaded.current = onUploaded;
  }, [onUploaded]);

  const add = useCallback((files: Iterable<File>) => {
    const added: Upload[] = [];
    for (const file of files) {
      const problem = precheckFile(file);
      added.push({
        id: randomId(),
        file,
        status: problem ? 'failed' : 'queued',
        sent: 0,
        total: file.size,
        ...(problem ? { error: problem, retriable: false } : {}),
      });
    }
    if (added.length > 0) dispatch({ type: 'added', uploads: added });
  }, []);

  const roomId = target?.roomId;
  const token = target?.token;
  useEffect(() => {
    if (roomId === undefined || token === undefined) return;
    for (const upload of nextToStart(uploads)) {
      if (running.current.has(upload.id)) continue;
      const controller = new AbortController();
      running.current.set(upload.id, controller);
      dispatch({ type: 'started', id: upload.id });
      // Progress events come many times a second and each one re-renders the room; a step of
      // the bar (1 %) is all a person can see anyway.
      let shown = -1;
      uploadFile(roomId, token, upload.file, {
        signal: controller.signal,
        onProgress: (sent, total) => {
          const percent = uploadPercent({ sent, total });
          if (percent === shown) return;
          shown = percent;
          dispatch({ type: 'progress', id: upload.id, sent, total });
        },
      }).then(
        (result) => {
          running.current.delete(upload.id);
          dispatch({ type: 'removed', id: upload.id });
          uploaded.current(result);
        },
        (error: unknown) => {
          running.current.delete(upload.id);
          // A cancelled upload has already left the list.
          if (error instanceof DOMException && error.name === 'AbortError') return;
          const { message, retriable } = describeUploadError(upload.file, error);
          dispatch({ type: 'failed', id: upload.id, error: message, retriable });
        },
      );
    }
  }, [uploads, roomId, token]);

  useEffect(() => {
    const inFlight = running.current;
    return () => {
      for (const controller of inFlight.values()) controller.abort();
      inFlight.clear();
    };
  }, []);

  const cancel = useCallback((id: string) => {
    running.current.get(id)?.abort();
    running.current.delete(id);
    dispatch({ type: 'removed', id });
  }, []);
  const retry = useCallback((id: string) => dispatch({ type: 'retried', id }), []);
  const dismiss = useCallback((id: string) => dispatch({ type: 'removed', id }), []);

  return { uploads, add, cancel, retry, dismiss };
}
