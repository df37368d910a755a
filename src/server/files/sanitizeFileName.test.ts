/**
 * sanitizeFileName: the name a shared file is shown and offered under (API.md, "Files and
 * images": Content-Disposition carries the sanitised name).
 */
import { describe, expect, it } from 'vitest';
import { FILE_NAME_MAX } from '../../protocol/constants.js';
import { sanitizeFileName } from './sanitizeFileName.js';

/** Nothing a name may carry: path separators, controls, bidi and zero-width characters, quotes. */
const forbidden = /[/\\"\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

describe('sanitizeFileName', () => {
  it.each([
    ['photo.jpg', 'jpg', 'photo.jpg'],
    ['Été à Zürich 照片.jpg', 'jpg', 'Été à Zürich 照片.jpg'],
    ['report.PDF', 'pdf', 'report.pdf'],
    ['archive.tar.gz', 'gz', 'archive.tar.gz'],
  ])('keeps an ordinary name: %j', (input, ext, expected) => {
    expect(sanitizeFileName(input, ext)).toBe(expected);
  });

  it.each([
    ['photo.gif', 'png', 'photo.png'],
    ['holiday.png', 'jpg', 'holiday.jpg'],
    ['IMG_0042.HEIC', 'jpg', 'IMG_0042.jpg'],
    ['invoice.pdf.exe', 'pdf', 'invoice.pdf.pdf'],
    ['photo', 'png', 'photo.png'],
    ['file.', 'jpg', 'file.jpg'],
  ])('gives %j the extension of the detected type', (input, ext, expected) => {
    expect(sanitizeFileName(input, ext)).toBe(expected);
  });

  it.each([
    ['notes.txt', 'notes.txt'],
    ['Makefile', 'Makefile'],
    ['a.b.c', 'a.b.c'],
  ])('keeps the extension of a file of unknown type: %j', (input, expected) => {
    expect(sanitizeFileName(input, undefined)).toBe(expected);
  });

  it.each([
    ['../../etc/passwd', undefined, 'passwd'],
    ['/var/www/index.php', undefined, 'index.php'],
    ['..\\..\\windows\\system32\\drivers\\etc\\hosts', undefined, 'hosts'],
    ['C:\\Users\\ada\\Pictures\\cat.jpg', 'jpg', 'cat.jpg'],
    ['photos/', undefined, 'file'],
    ['..', undefined, 'file'],
  ])('keeps no path: %j', (input, ext, expected) => {
    expect(sanitizeFileName(input, ext)).toBe(expected);
  });

  it.each([
    ['nul\u0000byte.jpg', 'nulbyte.jpg'],
    ['line\r\nbreak.jpg', 'linebreak.jpg'],
    ['tab\there.jpg', 'tabhere.jpg'],
    ['bell\u0007.jpg', 'bell.jpg'],
    ['del\u007f.jpg', 'del.jpg'],
    ['c1\u0085\u009b.jpg', 'c1.jpg'],
    ['invoice\u202Egpj.exe', 'invoicegpj.jpg'],
    ['\u202Abidi\u202B\u202C\u202D.jpg', 'bidi.jpg'],
    ['\u2066isolates\u2067\u2068\u2069.jpg', 'isolates.jpg'],
    ['zero\u200Bwidth\u200C\u200D\u2060\uFEFF.jpg', 'zerowidth.jpg'],
    ['marks\u200E\u200F.jpg', 'marks.jpg'],
    ['line\u2028para\u2029.jpg', 'linepara.jpg'],
    ['private\uE000use.jpg', 'privateuse.jpg'],
    ['lone\uD800surrogate.jpg', 'lonesurrogate.jpg'],
    ['unassigned\u0378.jpg', 'unassigned.jpg'],
  ])('drops control, bidi, zero-width and other invisible characters: %j', (input, expected) => {
    expect(sanitizeFileName(input, 'jpg')).toBe(expected);
  });

  it.each([
    ['say "cheese".jpg', "say 'cheese'.jpg"],
    ['a<b>c.jpg', 'a_b_c.jpg'],
    ['what?.jpg', 'what_.jpg'],
    ['star*.jpg', 'star_.jpg'],
    ['pipe|colon:.jpg', 'pipe_colon_.jpg'],
  ])('replaces characters that break headers, shells or file systems: %j', (input, expected) => {
    expect(sanitizeFileName(input, 'jpg')).toBe(expected);
  });

  it.each([
    ['a   b.jpg', 'a b.jpg'],
    ['a\u00a0\u2003b.jpg', 'a b.jpg'],
    ['  padded.jpg  ', 'padded.jpg'],
    ['.hidden.jpg', 'hidden.jpg'],
    ['...dots.jpg', 'dots.jpg'],
  ])('tidies white space and leading dots: %j', (input, expected) => {
    expect(sanitizeFileName(input, 'jpg')).toBe(expected);
  });

  it('drops trailing dots and spaces of a name without a known type', () => {
    expect(sanitizeFileName('notes.txt. . ', undefined)).toBe('notes.txt');
    expect(sanitizeFileName('.bashrc', undefined)).toBe('bashrc');
  });

  it('composes characters (NFC), so one name has one spelling', () => {
    expect(sanitizeFileName('Cafe\u0301.jpg', 'jpg')).toBe('Caf\u00e9.jpg');
  });

  it('names what is left of nothing "file"', () => {
    expect(sanitizeFileName('', undefined)).toBe('file');
    expect(sanitizeFileName('', 'png')).toBe('file.png');
    expect(sanitizeFileName('\u202E\u200B\u0000', 'png')).toBe('file.png');
    expect(sanitizeFileName('   ', undefined)).toBe('file');
  });

  it(`shortens long names to ${FILE_NAME_MAX} characters, keeping the extension`, () => {
    const ascii = sanitizeFileName(`${'x'.repeat(500)}.jpg`, 'jpg');
    expect(ascii).toHaveLength(FILE_NAME_MAX);
    expect(ascii.endsWith('x.jpg')).toBe(true);

    const unknown = sanitizeFileName(`${'y'.repeat(500)}.txt`, undefined);
    expect(unknown).toHaveLength(FILE_NAME_MAX);
    expect(unknown.endsWith('.txt')).toBe(true);

    // Characters, not UTF-16 units: an emoji is never cut in half.
    const emoji = sanitizeFileName(`${'😀'.repeat(300)}.png`, 'png');
    expect([...emoji]).toHaveLength(FILE_NAME_MAX);
    expect(emoji.endsWith('😀.png')).toBe(true);
    expect(emoji).not.toMatch(/\p{Cs}/u);
  });

  it('never returns anything a header, a shell or a bidi trick could use', () => {
    const nasty = [
      '../\u0000\r\n"\u202E\u2066\u200B\\/..',
      '\u202Egnp.exe',
      'a\r\nContent-Type: text/html\r\n\r\n<script>.jpg',
      `${'\u200B'.repeat(1000)}x`,
      '"'.repeat(300),
    ];
    for (const input of nasty) {
      for (const ext of [undefined, 'jpg']) {
        const name = sanitizeFileName(input, ext);
        expect(name, JSON.stringify(input)).not.toMatch(forbidden);
        expect([...name].length).toBeLessThanOrEqual(FILE_NAME_MAX);
        expect(name.length).toBeGreaterThan(0);
        if (ext) expect(name.endsWith('.jpg')).toBe(true);
      }
    }
  });
});
