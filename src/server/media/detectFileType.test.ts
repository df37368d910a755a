/**
 * detectFileType: an upload's type comes from its bytes (magic numbers), never from its name or
 * declared type; HTML, SVG and XML are refused whatever they are called (API.md, "Files and
 * images").
 */
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  apng,
  encodeAs,
  gradient,
  noise,
  tiffWithGps,
  zipWith,
} from '../../../test/fileHelpers.js';
import { detectFileType } from './detectFileType.js';

const text = (value: string) => Buffer.from(value, 'utf8');

async function image(format: 'jpeg' | 'png' | 'webp' | 'gif' | 'avif'): Promise<Buffer> {
  const base = gradient(32, 24);
  return format === 'gif' ? base.gif().toBuffer() : encodeAs(base, format).toBuffer();
}

describe('detectFileType', () => {
  it.each([
    ['jpeg', 'image/jpeg', 'jpg'],
    ['png', 'image/png', 'png'],
    ['webp', 'image/webp', 'webp'],
    ['gif', 'image/gif', 'gif'],
    ['avif', 'image/avif', 'avif'],
  ] as const)('knows a %s by its bytes, whatever it is called', async (format, mime, ext) => {
    const bytes = await image(format);
    for (const name of [`photo.${ext}`, 'photo.gif', 'page.html', 'noextension', '']) {
      expect(await detectFileType(bytes, name)).toEqual({ kind: 'image', format, mime, ext });
    }
  });

  it('knows an iPhone HEIC', async () => {
    const heic = await readFile(new URL('../../../test/fixtures/photo.heic', import.meta.url));
    expect(await detectFileType(heic, 'IMG_0001.jpg')).toEqual({
      kind: 'image',
      format: 'heif',
      mime: 'image/heic',
      ext: 'heic',
    });
  });

  it('knows an animated PNG and a TIFF, images the pipeline converts', async () => {
    expect(await detectFileType(apng(4, 4, [{ rgba: [1, 2, 3, 255] }]), 'a.png')).toEqual({
      kind: 'image',
      format: 'apng',
      mime: 'image/apng',
      ext: 'apng',
    });
    expect(await detectFileType(tiffWithGps(4, 4), 'scan')).toEqual({
      kind: 'image',
      format: 'tiff',
      mime: 'image/tiff',
      ext: 'tif',
    });
  });

  it.each([
    ['a Canon RAW', tiffWithGps(4, 4, { variant: 'cr2' }), 'cr2'],
    ['an Adobe DNG', tiffWithGps(4, 4, { variant: 'dng' }), 'dng'],
    ['a BMP', Buffer.concat([text('BM'), noise(64)]), 'bmp'],
    ['a Photoshop file', Buffer.concat([text('8BPS'), noise(64)]), 'psd'],
    ['a JPEG XL', Buffer.concat([Buffer.from([0xff, 0x0a]), noise(64)]), 'jxl'],
  ])(
    'takes %s, an image type the pipeline cannot read, as a download of no image type',
    async (_label, bytes, ext) => {
      expect(await detectFileType(bytes, 'photo.jpg')).toEqual({
        kind: 'file',
        mime: 'application/octet-stream',
        ext,
      });
    },
  );

  it.each([
    ['a PDF', text('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n'), 'application/pdf', 'pdf'],
    ['a ZIP', zipWith('readme.txt', text('hello')), 'application/zip', 'zip'],
    [
      'a Windows program',
      Buffer.concat([text('MZ'), noise(512)]),
      'application/x-msdownload',
      'exe',
    ],
    [
      'a Linux program',
      Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), noise(512)]),
      'application/x-elf',
      'elf',
    ],
    ['gzip', gzipSync(text('plain words')), 'application/gzip', 'gz'],
  ])('takes %s as a download of its detected type', async (_label, bytes, mime, ext) => {
    expect(await detectFileType(bytes, 'whatever.html')).toEqual({ kind: 'file', mime, ext });
  });

  it.each([
    ['plain text', text('Meeting notes\n- one\n- two\n'), 'notes.txt'],
    ['JSON', text('{"a": [1, 2, 3]}'), 'data.json'],
    ['CSS', text('body { color: red }'), 'style.css'],
    ['JavaScript', text('console.log("hi")'), 'app.js'],
    ['Markdown with inline tags', text('some **bold** and <b>tags</b>'), 'README.md'],
    ['random bytes', noise(4096), 'blob'],
  ])('takes %s without a magic number as application/octet-stream', async (_label, bytes, name) => {
    expect(await detectFileType(bytes, name)).toEqual({
      kind: 'file',
      mime: 'application/octet-stream',
      ext: undefined,
    });
  });

  const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';
  it.each([
    ['SVG', text(svg)],
    ['SVG in capitals', text(svg.toUpperCase())],
    ['SVG with an XML prolog', text(`<?xml version="1.0" encoding="UTF-8"?>\n${svg}`)],
    ['SVG after a byte-order mark', text(`\uFEFF${svg}`)],
    ['SVG after white space', text(`\n\n\t   ${svg}`)],
    ['HTML', text('<!DOCTYPE html><html><head><title>x</title></head></html>')],
    ['an HTML body', text('<body onload="alert(1)">')],
    ['a script tag', text('<script src="https://evil.example/x.js"></script>')],
    ['an iframe', text('hello <iframe src="https://evil.example"></iframe>')],
    ['object and embed', text('<object data="x.swf"></object><embed src="x.swf">')],
    ['XHTML', text('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"/>')],
    ['XML', text('<?xml version="1.0"?><root/>')],
    ['XSLT', text('<xsl:stylesheet version="1.0"><xsl:template match="/"/></xsl:stylesheet>')],
    ['UTF-16LE HTML', Buffer.from('<html><script>alert(1)</script></html>', 'utf16le')],
    [
      'UTF-16BE HTML with its byte-order mark',
      Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('<html></html>', 'utf16le').swap16()]),
    ],
    [
      // FF FE also reads as an MPEG audio frame header, so the magic numbers alone say "audio".
      'UTF-16LE HTML with its byte-order mark',
      Buffer.concat([
        Buffer.from([0xff, 0xfe]),
        Buffer.from('<html><script>1</script>', 'utf16le'),
      ]),
    ],
    ['markup after binary junk', Buffer.concat([noise(2000), text('<script>alert(1)</script>')])],
  ])('refuses %s, whatever it is called', async (_label, bytes) => {
    for (const name of ['drawing.svg', 'photo.png', 'notes.txt', 'noextension']) {
      expect(await detectFileType(bytes, name), name).toEqual({
        kind: 'refused',
        reason: 'markup',
      });
    }
  });

  it.each([
    'page.html',
    'page.HTM',
    'page.xhtml',
    'page.xht',
    'icon.svg',
    'icon.svgz',
    'feed.xml',
    'style.xsl',
    'page.shtml',
    'archive.mht',
    'archive.mhtml',
  ])('refuses text called %s: a browser could take it for markup', async (name) => {
    expect(await detectFileType(text('just words'), name)).toEqual({
      kind: 'refused',
      reason: 'markup',
    });
  });

  it('lets the bytes win over a markup name when they have a magic number', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    expect((await detectFileType(png, 'trick.svg')).kind).toBe('image');
    expect((await detectFileType(text('%PDF-1.4\n'), 'trick.html')).kind).toBe('file');
  });
});
