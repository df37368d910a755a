import { describe, expect, it } from 'vitest';
import type { FileInfo, Member, Message } from '../../../protocol/schemas.js';
import { fileBadge, galleryOrder, mergeFiles, uploaderName } from './files.js';

function file(id: string, second: number, extra: Partial<FileInfo> = {}): FileInfo {
  return {
    id,
    name: `${id}.jpg`,
    mime: 'image/jpeg',
    size: 1000,
    createdAt: new Date(second * 1000).toISOString(),
    uploaderId: 'ada',
    sha256: '0'.repeat(64),
    ...extra,
  };
}

const ids = (files: readonly FileInfo[]) => files.map((f) => f.id);

describe('mergeFiles', () => {
  it('keeps one copy of a file that arrives twice', () => {
    const once = mergeFiles([file('a', 1)], [file('b', 2)]);
    expect(ids(mergeFiles(once, [file('b', 2)]))).toEqual(['a', 'b']);
    expect(mergeFiles(once, [file('b', 2)])).toBe(once);
  });

  it('keeps the list oldest first whatever the order of arrival', () => {
    expect(ids(mergeFiles([file('c', 3)], [file('a', 1), file('b', 2)]))).toEqual(['a', 'b', 'c']);
  });
});

describe('galleryOrder', () => {
  it('puts the newest first without touching the list it was given', () => {
    const files = [file('a', 1), file('b', 2)];
    expect(ids(galleryOrder(files))).toEqual(['b', 'a']);
    expect(ids(files)).toEqual(['a', 'b']);
  });
});

describe('uploaderName', () => {
  const ada: Member = { id: 'ada', displayName: 'Ada', role: 'owner' };
  const message: Message = {
    id: 'm1',
    roomId: 'r',
    seq: 1,
    type: 'file',
    body: 'a.jpg',
    sender: { ...ada, displayName: 'Ada L.' },
    createdAt: '',
    fileId: 'a',
  };

  it('prefers the name on the file message, which survives the uploader leaving', () => {
    expect(uploaderName(file('a', 1), [message], [])).toBe('Ada L.');
  });

  it('falls back to the members, then to nothing', () => {
    expect(uploaderName(file('a', 1), [], [ada])).toBe('Ada');
    expect(uploaderName(file('a', 1, { uploaderId: 'gone' }), [], [ada])).toBeNull();
  });
});

describe('fileBadge', () => {
  it('shows the extension, or FILE', () => {
    expect(fileBadge('report.final.pdf')).toBe('PDF');
    expect(fileBadge('Makefile')).toBe('FILE');
  });
});
