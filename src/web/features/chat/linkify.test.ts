import { describe, expect, it } from 'vitest';
import { linkSegments } from './linkify.js';

describe('linkSegments', () => {
  it('turns http and https addresses into links and keeps the text around them', () => {
    expect(linkSegments('see https://example.com/a?b=1, then http://x.org.')).toEqual([
      { text: 'see ' },
      { text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { text: ', then ' },
      { text: 'http://x.org', href: 'http://x.org/' },
      { text: '.' },
    ]);
  });

  it('leaves everything else text: other schemes, bare names, markup', () => {
    for (const body of [
      'javascript:alert(1)',
      'mailto:ada@example.com',
      'ftp://example.com/file',
      '//example.com/path',
      'open main.py and notes.md',
      'www.example.com',
      '<a href="https://evil.example">x</a>'.replace('https://', ''),
      'data:text/html,<script>alert(1)</script>',
    ]) {
      expect(linkSegments(body)).toEqual([{ text: body }]);
    }
  });

  it('never makes a link whose href is not http(s), whatever the text', () => {
    const segments = linkSegments('a https://ok.example b JAVASCRIPT://x c');
    const hrefs = segments.flatMap((s) => ('href' in s ? [s.href] : []));
    expect(hrefs).toEqual(['https://ok.example/']);
    expect(segments.map((s) => s.text).join('')).toBe('a https://ok.example b JAVASCRIPT://x c');
  });

  it('gives an empty body no segments', () => {
    expect(linkSegments('')).toEqual([]);
  });
});
