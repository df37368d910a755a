import { describe, expect, it } from 'vitest';
import { describeShared, sharedMessage } from './sharedItems.js';

describe('sharedMessage', () => {
  it('joins the title and the text of a share, without repeating the title', () => {
    expect(sharedMessage({ title: 'Look', text: 'https://example.com' })).toBe(
      'Look\nhttps://example.com',
    );
    expect(sharedMessage({ title: 'Look', text: 'Look at this' })).toBe('Look at this');
    expect(sharedMessage({ title: '  ', text: '' })).toBe('');
  });
});

describe('describeShared', () => {
  const of = (...types: string[]) => types.map((type) => ({ type }));

  it('calls pictures photos and anything else files, since any file can be shared', () => {
    expect(describeShared(of())).toBe('this text');
    expect(describeShared(of('image/jpeg'))).toBe('this photo');
    expect(describeShared(of('image/jpeg', 'image/heic'))).toBe('these 2 photos');
    expect(describeShared(of('application/pdf'))).toBe('this file');
    expect(describeShared(of('image/png', 'application/zip', ''))).toBe('these 3 files');
  });
});
