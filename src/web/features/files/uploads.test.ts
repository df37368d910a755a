import { describe, expect, it } from 'vitest';
import { ApiError } from '../../lib/api.js';
import {
  describeUploadError,
  MAX_UPLOAD_BYTES,
  nextToStart,
  pastedFileName,
  precheckFile,
  uploadPercent,
  uploadsReducer,
  type Upload,
  type UploadAction,
} from './uploads.js';

function upload(id: string, status: Upload['status'] = 'queued'): Upload {
  return { id, file: new File(['x'], `${id}.jpg`), status, sent: 0, total: 0 };
}

const run = (actions: UploadAction[], start: readonly Upload[] = []) =>
  actions.reduce(uploadsReducer, start);

describe('the upload queue', () => {
  it('runs at most two at once, in the order they were added', () => {
    const queue = [upload('a'), upload('b'), upload('c')];
    expect(nextToStart(queue).map((u) => u.id)).toEqual(['a', 'b']);
    const running = run([{ type: 'started', id: 'a' }], queue);
    expect(nextToStart(running).map((u) => u.id)).toEqual(['b']);
    const full = run([{ type: 'started', id: 'b' }], running);
    expect(nextToStart(full)).toEqual([]);
    expect(nextToStart(run([{ type: 'removed', id: 'a' }], full)).map((u) => u.id)).toEqual(['c']);
  });

  it('does not count failed uploads as running', () => {
    const queue = run(
      [{ type: 'failed', id: 'a', error: 'no', retriable: true }],
      [upload('a', 'uploading'), upload('b')],
    );
    expect(nextToStart(queue).map((u) => u.id)).toEqual(['b']);
  });

  it('tracks progress only while uploading', () => {
    const started = run([
      { type: 'added', uploads: [upload('a')] },
      { type: 'progress', id: 'a', sent: 5, total: 10 },
    ]);
    expect(started[0]?.sent).toBe(0);
    const moving = run(
      [
        { type: 'started', id: 'a' },
        { type: 'progress', id: 'a', sent: 5, total: 10 },
      ],
      started,
    );
    expect(uploadPercent(moving[0]!)).toBe(50);
  });

  it('puts a retried upload back in the queue without its error', () => {
    const failed = run(
      [{ type: 'failed', id: 'a', error: 'busy', retriable: true }],
      [upload('a', 'uploading')],
    );
    const retried = run([{ type: 'retried', id: 'a' }], failed);
    expect(retried[0]).toMatchObject({ status: 'queued', sent: 0 });
    expect(retried[0]?.error).toBeUndefined();
  });
});

describe('uploadPercent', () => {
  it('stays within 0–100', () => {
    expect(uploadPercent({ sent: 0, total: 0 })).toBe(0);
    expect(uploadPercent({ sent: 11, total: 10 })).toBe(100);
    expect(uploadPercent({ sent: 999, total: 1000 })).toBe(99);
  });
});

describe('precheckFile', () => {
  it('refuses files over the limit before sending them, with the limit', () => {
    expect(precheckFile({ name: 'video.mov', size: MAX_UPLOAD_BYTES + 1 })).toBe(
      'video.mov is too large (max 20 MB).',
    );
    expect(precheckFile({ name: 'ok.jpg', size: MAX_UPLOAD_BYTES })).toBeNull();
    expect(precheckFile({ name: 'empty.txt', size: 0 })).toBe('empty.txt is empty.');
  });
});

describe('describeUploadError', () => {
  const photo = { name: 'cat.jpg', size: 1000, type: 'image/jpeg' };
  const error = (code: string, message = 'server says', details?: unknown) =>
    new ApiError(code as never, message, 400, details);

  it('has a sentence for each refusal the person can act on', () => {
    expect(describeUploadError(photo, error('unsupported_type')).message).toBe(
      "cat.jpg can't be shared: this file type isn't allowed.",
    );
    expect(describeUploadError(photo, error('overloaded'))).toEqual({
      message: 'The server is busy right now; try again in a minute.',
      retriable: true,
    });
  });

  it('says which limit a too-large file broke', () => {
    const big = { name: 'big.zip', size: MAX_UPLOAD_BYTES + 1, type: 'application/zip' };
    expect(describeUploadError(big, error('too_large')).message).toBe(
      'big.zip is too large (max 20 MB).',
    );
    expect(describeUploadError(photo, error('too_large')).message).toBe(
      'cat.jpg is too large: a picture can have at most 100 megapixels.',
    );
    expect(
      describeUploadError(photo, error('too_large', 'x', { maxBytes: 5 * 1024 * 1024 })).message,
    ).toBe('cat.jpg is too large (max 5 MB).');
  });

  it('tells a stalled upload from a lost connection, and offers to retry both', () => {
    expect(describeUploadError(photo, new ApiError('network_error', 'x', 0))).toEqual({
      message: 'cat.jpg could not be sent: the connection to the server was lost.',
      retriable: true,
    });
    expect(
      describeUploadError(photo, new ApiError('network_error', 'x', 0, { stalled: true })).message,
    ).toBe('cat.jpg stopped uploading: nothing got through for a while.');
  });

  it("shows the server's own message for other codes, and Socket.IO ack errors too", () => {
    expect(describeUploadError(photo, error('invalid_request', 'The file is empty.'))).toEqual({
      message: 'The file is empty.',
      retriable: false,
    });
    expect(
      describeUploadError(photo, { code: 'rate_limited', message: 'Slow down.' }).retriable,
    ).toBe(true);
  });
});

describe('pastedFileName', () => {
  const when = new Date(2025, 2, 14, 9, 26, 53);

  it('names generic clipboard images after the moment they were pasted', () => {
    expect(pastedFileName({ name: 'image.png', type: 'image/png' }, when)).toBe(
      'Pasted image 2025-03-14 09.26.53.png',
    );
    expect(pastedFileName({ name: '', type: 'image/jpeg' }, when)).toBe(
      'Pasted image 2025-03-14 09.26.53.jpg',
    );
  });

  it('keeps real file names', () => {
    expect(pastedFileName({ name: 'holiday.jpg', type: 'image/jpeg' }, when)).toBe('holiday.jpg');
  });
});
