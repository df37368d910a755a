import { describe, expect, it } from 'vitest';
import { sharedMessage } from './sharedItems.js';

describe('sharedMessage', () => {
  it('joins the title and the text of a share, without repeating the title', () => {
    expect(sharedMessage({ title: 'Look', text: 'https://example.com' })).toBe(
      'Look\nhttps://example.com',
    );
    expect(sharedMessage({ title: 'Look', text: 'Look at this' })).toBe('Look at this');
    expect(sharedMessage({ title: '  ', text: '' })).toBe('');
  });
});
