import { describe, expect, it } from 'vitest';
import { wrapProse } from './report.js';

describe('wrapProse', () => {
  it('breaks a long prose line at spaces, no line over the width', () => {
    const long = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const wrapped = wrapProse(long, 30);
    expect(wrapped.split('\n').length).toBeGreaterThan(1);
    for (const line of wrapped.split('\n')) expect(line.length).toBeLessThanOrEqual(30);
    expect(wrapped.replace(/\n/g, ' ')).toBe(long);
  });

  it('leaves tables, headings, comments, images and fenced code as they are', () => {
    const wide = 'x '.repeat(30).trim();
    const markdown = [
      `| ${wide} | 1 |`,
      `### ${wide}`,
      `<!-- ${wide} -->`,
      `![${wide}](chart.svg)`,
      '```',
      wide,
      '```',
    ].join('\n');
    expect(wrapProse(markdown, 20)).toBe(markdown);
  });

  it('never breaks a code span, and hangs a list item’s lines under its text', () => {
    const wrapped = wrapProse('- run it with `npm run bench -- --quick` before a release', 24);
    expect(wrapped).toContain('`npm run bench -- --quick`');
    expect(
      wrapped
        .split('\n')
        .slice(1)
        .every((line) => line.startsWith('  ')),
    ).toBe(true);
  });

  it('changes nothing the second time', () => {
    const once = wrapProse(`_Run ${'on a machine, '.repeat(20)}._`, 50);
    expect(wrapProse(once, 50)).toBe(once);
  });
});
