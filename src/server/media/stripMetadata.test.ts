/**
 * JPEG and PNG cleaned without re-encoding (API.md "Files", decision 014): what comes back from a
 * download has the uploaded compressed pixels byte for byte, its ICC profile and orientation, and
 * none of the location, camera data, XMP, comments or bytes after the end of the image; files
 * the walk cannot vouch for are re-encoded or refused, never stored as sent. Real server on
 * port 0, real uploads.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  download,
  fileUrl,
  jpegParts,
  jpegSegment,
  locationIn,
  PHOTO_COMMENT,
  pngChunk,
  pngParts,
  roomFiles,
  taggedJpeg,
  taggedPng,
  uploadMultipart,
  zipWith,
} from '../../../test/fileHelpers.js';
import { roomWith, startServer, type Joined, type TestServer } from '../../../test/helpers.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A polyglot's second half: markup and a ZIP archive after the end of the image. */
const TRAILER = Buffer.concat([
  Buffer.from('<html><script>alert("after the end")</script></html>'),
  zipWith('payload.txt', Buffer.from('TRAILING-PAYLOAD')),
]);

async function setUp(): Promise<{ server: TestServer; ada: Joined }> {
  const server = await startServer();
  const ada = (await roomWith(server, 'Ada')).members[0]!;
  return { server, ada };
}

/** Uploads `bytes` and downloads what was stored; the upload must succeed. */
async function roundTrip(server: TestServer, ada: Joined, bytes: Buffer, name: string) {
  const response = await uploadMultipart(server, ada, bytes, name);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  const file = response.body.file;
  const served = await download(server, fileUrl(ada, file.id), { token: ada.token });
  expect(served.status).toBe(200);
  return { file, served: served.bytes };
}

/** What every stored copy of a tagged fixture must have lost. */
async function expectNoMetadata(served: Buffer): Promise<void> {
  expect(await locationIn(served)).toBeUndefined();
  for (const text of [
    'TestCam',
    'Fixture 1',
    PHOTO_COMMENT,
    'xmpmeta',
    'after the end',
    'PK\x03\x04',
    'TRAILING-PAYLOAD',
  ]) {
    expect(served.includes(text), text).toBe(false);
  }
}

describe('a JPEG', () => {
  it('keeps its scans, tables, ICC profile and orientation byte for byte, and loses GPS, EXIF, XMP, the comment and what follows EOI', async () => {
    const original = await taggedJpeg(TRAILER);
    const before = await sharp(original).metadata();
    expect(await locationIn(original), 'the fixture has a location').toBeDefined();
    expect(before).toMatchObject({ orientation: 6, width: 64, height: 48 });
    expect(before.icc).toBeDefined();
    expect(original.includes(PHOTO_COMMENT)).toBe(true);
    const { server, ada } = await setUp();

    const { file, served } = await roundTrip(server, ada, original, 'sideways.jpg');

    // The record describes the picture as shown: upright, 48 x 64.
    expect(file).toMatchObject({ mime: 'image/jpeg', width: 48, height: 64 });
    expect(file.size).toBe(served.byteLength);
    expect(file.sha256).toBe(sha256(served));
    expect(served.byteLength).toBeLessThanOrEqual(original.byteLength);
    const sent = jpegParts(original);
    const kept = jpegParts(served);
    expect(kept.scanData.equals(sent.scanData)).toBe(true);
    expect(kept.after.byteLength).toBe(0);
    // Frame header, tables and scan headers: the same segments, in the same order.
    const drawing = (parts: typeof sent) =>
      parts.segments
        .filter((s) => s.marker < 0xe0 || s.marker > 0xef)
        .filter((s) => s.marker !== 0xfe);
    expect(drawing(kept)).toEqual(drawing(sent));
    // Metadata left: JFIF (if the encoder wrote one), the ICC profile as sent, and a one-tag EXIF.
    const apps = kept.segments.filter((s) => s.marker >= 0xe0 && s.marker <= 0xef);
    expect(apps.map((s) => s.marker).filter((m) => m !== 0xe0)).toEqual([0xe1, 0xe2]);
    expect(kept.segments.some((s) => s.marker === 0xfe)).toBe(false);
    const exif = apps.find((s) => s.marker === 0xe1)!;
    expect(exif.data.byteLength).toBe(6 + 26);
    const after = await sharp(served).metadata();
    expect(after).toMatchObject({ format: 'jpeg', width: 64, height: 48, orientation: 6 });
    expect(after.icc?.equals(before.icc!)).toBe(true);
    expect(after.xmp).toBeUndefined();
    await expectNoMetadata(served);
    // The pixels decode exactly as the original's do.
    const pixels = (bytes: Buffer) => sharp(bytes).raw().toBuffer();
    expect((await pixels(served)).equals(await pixels(original))).toBe(true);
  });

  it('gives the same bytes when the cleaned file is shared again (so it is stored once)', async () => {
    const { server, ada } = await setUp();
    const first = await roundTrip(server, ada, await taggedJpeg(TRAILER), 'a.jpg');

    const again = await roundTrip(server, ada, first.served, 'b.jpg');

    expect(again.file.sha256).toBe(first.file.sha256);
    expect(again.served.equals(first.served)).toBe(true);
  });

  it('has upright thumbnails without the orientation tag', async () => {
    const { server, ada } = await setUp();
    const { file } = await roundTrip(server, ada, await taggedJpeg(TRAILER), 'sideways.jpg');

    for (const format of ['jpeg', 'png', 'webp', 'avif']) {
      const thumb = await download(server, fileUrl(ada, file.id, `/thumb?w=64&format=${format}`), {
        token: ada.token,
      });
      expect(thumb.status).toBe(200);
      const meta = await sharp(thumb.bytes).metadata();
      expect(meta, format).toMatchObject({ width: 48, height: 64 });
      expect(meta.orientation ?? 1, format).toBe(1);
      expect(await locationIn(thumb.bytes)).toBeUndefined();
    }
  });
});

describe('a PNG', () => {
  it('keeps its IDAT, ICC profile and orientation, and loses GPS, EXIF, XMP, text, time and what follows IEND', async () => {
    const original = await taggedPng(TRAILER);
    const before = await sharp(original).metadata();
    expect(await locationIn(original), 'the fixture has a location').toBeDefined();
    expect(before).toMatchObject({ orientation: 6, width: 64, height: 48 });
    expect(before.icc).toBeDefined();
    const { server, ada } = await setUp();

    const { file, served } = await roundTrip(server, ada, original, 'sideways.png');

    expect(file).toMatchObject({ mime: 'image/png', width: 48, height: 64 });
    expect(file.sha256).toBe(sha256(served));
    expect(served.byteLength).toBeLessThanOrEqual(original.byteLength);
    const sent = pngParts(original);
    const kept = pngParts(served);
    expect(kept.idat.equals(sent.idat)).toBe(true);
    expect(kept.after.byteLength).toBe(0);
    // Every chunk that draws the picture stays in its place; the orientation comes before IDAT.
    const expected = sent.chunks
      .map((c) => c.type)
      .filter((type) => !['eXIf', 'iTXt', 'tEXt', 'tIME'].includes(type));
    expected.splice(expected.indexOf('IDAT'), 0, 'eXIf');
    expect(kept.chunks.map((c) => c.type)).toEqual(expected);
    expect(expected).toContain('iCCP');
    const chunk = (parts: typeof sent, type: string) => parts.chunks.find((c) => c.type === type);
    expect(chunk(kept, 'IHDR')!.data.equals(chunk(sent, 'IHDR')!.data)).toBe(true);
    expect(chunk(kept, 'iCCP')!.data.equals(chunk(sent, 'iCCP')!.data)).toBe(true);
    expect(chunk(kept, 'eXIf')!.data.byteLength).toBe(26);
    const after = await sharp(served).metadata();
    expect(after).toMatchObject({ format: 'png', width: 64, height: 48, orientation: 6 });
    expect(after.icc?.equals(before.icc!)).toBe(true);
    expect(after.comments ?? []).toEqual([]);
    await expectNoMetadata(served);
  });

  it('has upright thumbnails', async () => {
    const { server, ada } = await setUp();
    const { file } = await roundTrip(server, ada, await taggedPng(TRAILER), 'sideways.png');

    const thumb = await download(server, fileUrl(ada, file.id, '/thumb?w=64&format=png'), {
      token: ada.token,
    });
    expect(await sharp(thumb.bytes).metadata()).toMatchObject({ width: 48, height: 64 });
  });
});

/** A copy of `bytes` with the 16-bit (JPEG) or 32-bit (PNG) big-endian length at `at` set. */
function withLength(bytes: Buffer, at: number, length: number, size: 2 | 4): Buffer {
  const copy = Buffer.from(bytes);
  if (size === 2) copy.writeUInt16BE(length, at);
  else copy.writeUInt32BE(length, at);
  return copy;
}

/** Where the JPEG segment with this marker (and data starting with `id`) starts. */
function jpegSegmentAt(bytes: Buffer, marker: number, id = ''): number {
  const segment = jpegParts(bytes).segments.find(
    (s) => s.marker === marker && s.data.toString('latin1', 0, id.length) === id,
  );
  if (!segment) throw new Error(`no segment ${marker.toString(16)} ${id}`);
  return segment.data.byteOffset - bytes.byteOffset - 4;
}

/** Where the first PNG chunk of this type starts (its length field). */
function pngChunkAt(bytes: Buffer, type: string): number {
  const chunk = pngParts(bytes).chunks.find((c) => c.type === type);
  if (!chunk) throw new Error(`no chunk ${type}`);
  return chunk.data.byteOffset - bytes.byteOffset - 8;
}

describe('a malformed JPEG or PNG', () => {
  const jpegCases: [string, (jpeg: Buffer) => Buffer][] = [
    [
      'a comment whose length runs past the end',
      (j) => withLength(j, jpegSegmentAt(j, 0xfe) + 2, 0xffff, 2),
    ],
    ['a segment of length 0', (j) => withLength(j, jpegSegmentAt(j, 0xfe) + 2, 0, 2)],
    ['a segment of length 1', (j) => withLength(j, jpegSegmentAt(j, 0xfe) + 2, 1, 2)],
    [
      'an EXIF segment 10 bytes too short (the next "marker" is inside it)',
      (j) => {
        const at = jpegSegmentAt(j, 0xe1, 'Exif');
        return withLength(j, at + 2, j.readUInt16BE(at + 2) - 10, 2);
      },
    ],
    [
      'an EXIF block whose IFD points past its end',
      (j) => {
        const copy = Buffer.from(j);
        copy.writeUInt32BE(0x7fff_fff0, jpegSegmentAt(j, 0xe1, 'Exif') + 4 + 6 + 4);
        return copy;
      },
    ],
    [
      'no EOI, and bytes after the last scan',
      (j) => {
        const { after } = jpegParts(j);
        return Buffer.concat([j.subarray(0, j.length - after.length - 2), after]);
      },
    ],
    [
      '20,000 empty comments (more segments than the walk takes)',
      (j) =>
        Buffer.concat([
          j.subarray(0, 2),
          ...Array<Buffer>(20_000).fill(jpegSegment(0xfe, Buffer.alloc(0))),
          j.subarray(2),
        ]),
    ],
  ];
  const pngCases: [string, (png: Buffer) => Buffer][] = [
    [
      'a text chunk of length 2^32 - 1',
      (p) => withLength(p, pngChunkAt(p, 'tEXt'), 0xffff_ffff, 4),
    ],
    ['a text chunk of length 2^31', (p) => withLength(p, pngChunkAt(p, 'tEXt'), 0x8000_0000, 4)],
    [
      'a text chunk 3 bytes too short (the next type is not letters)',
      (p) => {
        const at = pngChunkAt(p, 'tEXt');
        return withLength(p, at, p.readUInt32BE(at) - 3, 4);
      },
    ],
    ['no IEND', (p) => p.subarray(0, pngChunkAt(p, 'IEND'))],
    [
      'an unknown critical chunk',
      (p) => {
        const at = pngChunkAt(p, 'tIME');
        return Buffer.concat([
          p.subarray(0, at),
          pngChunk('ZZZZ', Buffer.from('?')),
          p.subarray(at),
        ]);
      },
    ],
    [
      'an eXIf whose TIFF header is broken',
      (p) => {
        const copy = Buffer.from(p);
        copy.write('XX', pngChunkAt(p, 'eXIf') + 8, 'latin1');
        return copy;
      },
    ],
  ];

  async function expectSafe(bytes: Buffer, name: string): Promise<void> {
    const { server, ada } = await setUp();
    const response = await uploadMultipart(server, ada, bytes, name);
    expect([201, 415], JSON.stringify(response.body)).toContain(response.status);
    if (response.status === 201) {
      const served = await download(server, fileUrl(ada, response.body.file.id), {
        token: ada.token,
      });
      await expectNoMetadata(served.bytes);
      const meta = await sharp(served.bytes).metadata();
      expect(meta.format).toBe(name.endsWith('.png') ? 'png' : 'jpeg');
      // Whichever way it went, the record describes the picture as shown.
      const turned = (meta.orientation ?? 1) >= 5;
      expect(response.body.file).toMatchObject({
        width: turned ? meta.height : meta.width,
        height: turned ? meta.width : meta.height,
      });
    } else {
      expect(response.body.error.code).toBe('unsupported_type');
      expect(await roomFiles(server, ada)).toEqual([]);
    }
    expect((await uploadMultipart(server, ada, await taggedJpeg(TRAILER), 'ok.jpg')).status).toBe(
      201,
    );
  }

  it.each(jpegCases)('JPEG with %s: 201 cleaned or re-encoded, or 415', async (_label, damage) => {
    await expectSafe(damage(await taggedJpeg(TRAILER)), 'broken.jpg');
  });

  it.each(pngCases)('PNG with %s: 201 cleaned or re-encoded, or 415', async (_label, damage) => {
    await expectSafe(damage(await taggedPng(TRAILER)), 'broken.png');
  });
});
