/**
 * Every image type the type detection can name (API.md, "Files and images"): a file is shown in
 * the room as an image only after the image pipeline made it — pixel and frame limits checked,
 * metadata dropped, re-encoded as JPEG, PNG, WebP, GIF or AVIF. Any other image-like type is
 * offered as a download (`application/octet-stream`, `attachment`), never inline, not even for a
 * file stored that way by an older version.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileTypeFromBuffer, supportedMimeTypes } from 'file-type';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MAX_IMAGE_PIXELS } from '../../protocol/constants.js';
import {
  apng,
  download,
  fileUrl,
  gpsExifBlock,
  locationIn,
  noise,
  photo,
  tiffWithGps,
  uploadMultipart,
  uploadSocket,
  type ApngFrame,
} from '../../../test/fileHelpers.js';
import {
  connectWithState,
  roomWith,
  startServer,
  type Joined,
  type TestServer,
} from '../../../test/helpers.js';

/** What a member gets for an upload: an image of this type made by the pipeline, or a download. */
type Outcome = { shown: string } | 'download';

const heicFixture = () => readFile(new URL('../../../test/fixtures/photo.heic', import.meta.url));

/** The iPhone photo fixture with another major brand: how HEIF stills and sequences announce themselves. */
async function heifBranded(brand: string): Promise<Buffer> {
  const bytes = Buffer.from(await heicFixture());
  bytes.write(brand, 8, 'latin1');
  return bytes;
}

/** A file that starts with `head` (a magic number) and goes on with random bytes. */
function magic(head: (number | string)[], size = 512): Buffer {
  const parts = head.map((part) =>
    typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from([part]),
  );
  return Buffer.concat([...parts, noise(size)]);
}

const JP2_SIGNATURE = [
  0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a, 0, 0, 0, 0x14,
];

const animatedFrames: ApngFrame[] = [
  { rgba: [220, 30, 30, 255] },
  { rgba: [30, 200, 30, 255] },
  { rgba: [30, 30, 220, 255] },
];

/**
 * One sample of every image type file-type can name, and what becomes of it. Shown types carry a
 * location wherever their format can hold one, so that "no location served" means something.
 */
const samples: Record<string, { make: () => Promise<Buffer> | Buffer; outcome: Outcome }> = {
  'image/jpeg': { make: () => photo('jpeg'), outcome: { shown: 'image/jpeg' } },
  'image/png': { make: () => photo('png'), outcome: { shown: 'image/png' } },
  'image/webp': { make: () => photo('webp'), outcome: { shown: 'image/webp' } },
  'image/avif': { make: () => photo('avif'), outcome: { shown: 'image/avif' } },
  'image/gif': {
    make: () =>
      sharp({ create: { width: 32, height: 64, channels: 3, background: '#c00', pageHeight: 32 } })
        .gif()
        .toBuffer(),
    outcome: { shown: 'image/gif' },
  },
  'image/apng': {
    make: async () => apng(48, 32, animatedFrames, { exif: await gpsExifBlock() }),
    outcome: { shown: 'image/webp' },
  },
  'image/tiff': { make: () => tiffWithGps(96, 64), outcome: { shown: 'image/jpeg' } },
  'image/heic': { make: heicFixture, outcome: { shown: 'image/jpeg' } },
  'image/heif': { make: () => heifBranded('mif1'), outcome: { shown: 'image/jpeg' } },
  'image/heic-sequence': { make: () => heifBranded('hevc'), outcome: { shown: 'image/jpeg' } },
  'image/heif-sequence': { make: () => heifBranded('msf1'), outcome: { shown: 'image/jpeg' } },
  // Camera RAW: the sensor data needs developing, which sharp cannot do (reading the TIFF
  // structure of some gives only the small preview inside).
  'image/x-canon-cr2': { make: () => tiffWithGps(64, 48, { variant: 'cr2' }), outcome: 'download' },
  'image/x-sony-arw': { make: () => tiffWithGps(64, 48, { variant: 'arw' }), outcome: 'download' },
  'image/x-adobe-dng': { make: () => tiffWithGps(64, 48, { variant: 'dng' }), outcome: 'download' },
  'image/x-nikon-nef': {
    make: () => magic(['II*\0', 8, 0, 0, 0, 0x1c, 0, 0xfe, 0]),
    outcome: 'download',
  },
  'image/x-canon-cr3': {
    make: () => magic([0, 0, 0, 0x18, 'ftypcrx ', 0, 0, 0, 1, 'crx isom']),
    outcome: 'download',
  },
  'image/x-olympus-orf': {
    make: () => magic([0x49, 0x49, 0x52, 0x4f, 8, 0, 0, 0, 0x18]),
    outcome: 'download',
  },
  'image/x-panasonic-rw2': {
    make: () => magic([0x49, 0x49, 0x55, 0, 0x18, 0, 0, 0, 0x88, 0xe7, 0x74, 0xd8]),
    outcome: 'download',
  },
  'image/x-fujifilm-raf': { make: () => magic(['FUJIFILMCCD-RAW 0201']), outcome: 'download' },
  // Formats sharp (libvips as sharp ships it) does not read.
  'image/bmp': { make: () => magic(['BM']), outcome: 'download' },
  'image/x-icon': { make: () => magic([0, 0, 1, 0, 1, 0]), outcome: 'download' },
  'image/icns': { make: () => magic(['icns', 0, 0, 2, 0]), outcome: 'download' },
  'image/vnd.adobe.photoshop': { make: () => magic(['8BPS', 0, 1]), outcome: 'download' },
  'image/x-xcf': { make: () => magic(['gimp xcf v011\0']), outcome: 'download' },
  'image/jxl': { make: () => magic([0xff, 0x0a]), outcome: 'download' },
  'image/j2c': { make: () => magic([0xff, 0x4f, 0xff, 0x51]), outcome: 'download' },
  'image/jp2': { make: () => magic([...JP2_SIGNATURE, 'ftypjp2 ']), outcome: 'download' },
  'image/jpx': { make: () => magic([...JP2_SIGNATURE, 'ftypjpx ']), outcome: 'download' },
  'image/jpm': { make: () => magic([...JP2_SIGNATURE, 'ftypjpm ']), outcome: 'download' },
  'image/mj2': { make: () => magic([...JP2_SIGNATURE, 'ftypmjp2']), outcome: 'download' },
  'image/jls': { make: () => magic([0xff, 0xd8, 0xff, 0xf7]), outcome: 'download' },
  'image/vnd.ms-photo': { make: () => magic([0x49, 0x49, 0xbc, 1]), outcome: 'download' },
  'image/bpg': { make: () => magic([0x42, 0x50, 0x47, 0xfb]), outcome: 'download' },
  'image/flif': { make: () => magic(['FLIF']), outcome: 'download' },
  'image/ktx': {
    make: () => magic([0xab, 0x4b, 0x54, 0x58, 0x20, 0x31, 0x31, 0xbb, 0x0d, 0x0a, 0x1a, 0x0a]),
    outcome: 'download',
  },
  'image/vnd.dwg': { make: () => magic(['AC1018']), outcome: 'download' },
};

const PIPELINE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif'];

async function setUp(): Promise<{ server: TestServer; ada: Joined }> {
  const server = await startServer();
  const ada = (await roomWith(server, 'Ada')).members[0]!;
  return { server, ada };
}

/** What a member is served for `file`: the original and a thumbnail. */
async function served(server: TestServer, member: Joined, fileId: string) {
  const original = await download(server, fileUrl(member, fileId), { token: member.token });
  const thumb = await download(server, fileUrl(member, fileId, '/thumb?w=64&format=jpeg'), {
    token: member.token,
  });
  return { original, thumb };
}

/** The file went through the pipeline: within the limits, no metadata, shown inline. */
async function expectShown(server: TestServer, member: Joined, file: any, mime: string) {
  expect(file.mime).toBe(mime);
  expect(PIPELINE_TYPES).toContain(mime);
  expect(file.width * file.height).toBeLessThanOrEqual(MAX_IMAGE_PIXELS);
  const { original, thumb } = await served(server, member, file.id);
  expect(original.status).toBe(200);
  expect(original.headers.get('content-type')).toBe(mime);
  expect(original.headers.get('content-disposition')).toMatch(/^inline;/);
  const metadata = await sharp(original.bytes).metadata();
  expect(`image/${metadata.format === 'heif' ? 'avif' : metadata.format}`).toBe(mime);
  expect({ width: metadata.width, height: metadata.pageHeight ?? metadata.height }).toEqual({
    width: file.width,
    height: file.height,
  });
  expect(metadata.exif).toBeUndefined();
  expect(metadata.xmp).toBeUndefined();
  expect(await locationIn(original.bytes)).toBeUndefined();
  expect(thumb.status).toBe(200);
}

/** The file is a download: its bytes as sent, never inline, never an image type, no thumbnail. */
async function expectDownload(server: TestServer, member: Joined, file: any, bytes: Buffer) {
  expect(file.mime).toBe('application/octet-stream');
  expect(file.width).toBeUndefined();
  const { original, thumb } = await served(server, member, file.id);
  expect(original.status).toBe(200);
  expect(original.headers.get('content-type')).toBe('application/octet-stream');
  expect(original.headers.get('content-disposition')).toMatch(/^attachment;/);
  expect(original.headers.get('x-content-type-options')).toBe('nosniff');
  expect(Buffer.compare(original.bytes, bytes)).toBe(0);
  expect(thumb.status).toBe(415);
  expect(thumb.json.error.code).toBe('unsupported_type');
}

describe('every image type file-type can name', () => {
  const imageTypes = [...supportedMimeTypes].filter((mime) => mime.startsWith('image/')).sort();

  it('has a sample and a decided outcome for each (a new one must be classified here)', () => {
    expect(Object.keys(samples).sort()).toEqual(imageTypes);
  });

  it.each(imageTypes)(
    '%s is shown only after the pipeline, else offered as a download',
    async (mime) => {
      const sample = samples[mime];
      if (!sample)
        throw new Error(`no sample for ${mime}: decide whether it is shown or a download`);
      const bytes = Buffer.from(await sample.make());
      const detected = await fileTypeFromBuffer(bytes);
      expect(detected?.mime, 'the sample is what it claims to be').toBe(mime);
      const { server, ada } = await setUp();

      const response = await uploadMultipart(server, ada, bytes, `sample.${detected!.ext}`);

      expect(response.status, JSON.stringify(response.body)).toBe(201);
      const { file } = response.body;
      if (sample.outcome === 'download') {
        expect(file.name).toBe(`sample.${detected!.ext}`);
        await expectDownload(server, ada, file, bytes);
      } else {
        await expectShown(server, ada, file, sample.outcome.shown);
      }
    },
  );
});

describe('animated PNG', () => {
  it('becomes an animated WebP with every frame, and its eXIf location is gone', async () => {
    const bytes = apng(48, 32, animatedFrames, { exif: await gpsExifBlock(), plays: 3 });
    expect(await locationIn(bytes)).toBeDefined();
    const { server, ada } = await setUp();
    const { socket } = await connectWithState(server, ada.token);

    const ack = await uploadSocket(socket, 'sticker.png', bytes);

    expect(ack.ok, JSON.stringify(ack)).toBe(true);
    expect(ack.file).toMatchObject({
      name: 'sticker.webp',
      mime: 'image/webp',
      width: 48,
      height: 32,
    });
    const original = await download(server, fileUrl(ada, ack.file.id), { token: ada.token });
    expect(original.headers.get('content-disposition')).toMatch(/^inline;/);
    expect(await locationIn(original.bytes)).toBeUndefined();
    const metadata = await sharp(original.bytes, { animated: true }).metadata();
    expect(metadata).toMatchObject({ format: 'webp', pages: 3, pageHeight: 32, loop: 3 });
    expect(metadata.delay).toEqual([100, 100, 100]);
    expect(metadata.exif).toBeUndefined();
  });

  it('composes partial frames as a browser does (regions, blending, disposal)', async () => {
    const bytes = apng(80, 60, [
      { rgba: [255, 0, 0, 255] },
      // A green square over the red, put back to what was under it afterwards.
      { rgba: [0, 255, 0, 255], region: { x: 40, y: 20, width: 20, height: 20 }, dispose: 2 },
      // Half-transparent blue over the red, cleared to transparent afterwards.
      {
        rgba: [0, 0, 255, 128],
        region: { x: 0, y: 0, width: 20, height: 20 },
        blend: 1,
        dispose: 1,
      },
      { rgba: [255, 255, 255, 255], region: { x: 72, y: 52, width: 8, height: 8 } },
    ]);
    const { server, ada } = await setUp();
    const response = await uploadMultipart(server, ada, bytes, 'layers.png');
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    const original = await download(server, fileUrl(ada, response.body.file.id), {
      token: ada.token,
    });
    const { data } = await sharp(original.bytes, { animated: true })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const pixel = (frame: number, x: number, y: number) => {
      const at = ((frame * 60 + y) * 80 + x) * 4;
      return [...data.subarray(at, at + 4)];
    };
    // WebP is lossy: colours come back within a few steps.
    const near = (actual: number[], expected: number[]) =>
      expect(
        actual.every((value, i) => Math.abs(value - expected[i]!) <= 12),
        `${JSON.stringify(actual)} is not about ${JSON.stringify(expected)}`,
      ).toBe(true);

    near(pixel(0, 50, 30), [255, 0, 0, 255]);
    near(pixel(1, 50, 30), [0, 255, 0, 255]);
    near(pixel(1, 10, 10), [255, 0, 0, 255]);
    near(pixel(2, 50, 30), [255, 0, 0, 255]);
    near(pixel(2, 10, 10), [127, 0, 128, 255]);
    expect(pixel(3, 10, 10)[3]).toBeLessThan(12);
    near(pixel(3, 50, 30), [255, 0, 0, 255]);
    near(pixel(3, 76, 56), [255, 255, 255, 255]);
  });

  it('keeps the still image of an animation too big to convert (over 16 megapixels of frames)', async () => {
    const frames: ApngFrame[] = Array.from({ length: 5 }, (_, i) => ({
      rgba: i % 2 ? [0, 0, 0, 255] : [255, 255, 255, 255],
    }));
    const bytes = apng(2000, 2000, frames, { bilevel: true, exif: await gpsExifBlock() });
    const { server, ada } = await setUp();

    const response = await uploadMultipart(server, ada, bytes, 'big.png');

    expect(response.status, JSON.stringify(response.body)).toBe(201);
    await expectShown(server, ada, response.body.file, 'image/png');
    expect(response.body.file).toMatchObject({ name: 'big.png', width: 2000, height: 2000 });
  });

  it('answers more than 1,000 frames with 413 too_large', async () => {
    const frames: ApngFrame[] = Array.from({ length: 1001 }, (_, i) => ({
      rgba: [i % 256, 0, 0, 255],
    }));
    const { server, ada } = await setUp();
    const response = await uploadMultipart(server, ada, apng(2, 2, frames), 'many.png');
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('too_large');
  });

  it('shows the still image when the animation chunks are broken, as a browser does', async () => {
    const good = apng(48, 32, animatedFrames, { exif: await gpsExifBlock() });
    // The second frame's sequence number changed without fixing its CRC: that chunk is damaged.
    const fdat = good.indexOf('fdAT', 0, 'latin1');
    const broken = Buffer.from(good);
    broken[fdat + 7] = 9;
    const { server, ada } = await setUp();

    const response = await uploadMultipart(server, ada, broken, 'broken.png');

    expect(response.status, JSON.stringify(response.body)).toBe(201);
    await expectShown(server, ada, response.body.file, 'image/png');
  });
});

describe('TIFF', () => {
  it('is shown as a JPEG without its GPS', async () => {
    const bytes = tiffWithGps(320, 240);
    expect(await locationIn(bytes)).toBeDefined();
    const { server, ada } = await setUp();
    const { socket } = await connectWithState(server, ada.token);

    const ack = await uploadSocket(socket, 'scan.tif', bytes);

    expect(ack.ok, JSON.stringify(ack)).toBe(true);
    expect(ack.file).toMatchObject({ name: 'scan.jpg', width: 320, height: 240 });
    await expectShown(server, ada, ack.file, 'image/jpeg');
  });

  it('with transparency is shown as a PNG, without its GPS', async () => {
    const bytes = tiffWithGps(64, 48, { alpha: true });
    const { server, ada } = await setUp();
    const response = await uploadMultipart(server, ada, bytes, 'overlay.tiff');
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body.file.name).toBe('overlay.png');
    await expectShown(server, ada, response.body.file, 'image/png');
  });
});

describe('camera RAW', () => {
  it.each(['cr2', 'dng'] as const)('a %s is a download, over Socket.IO too', async (variant) => {
    const bytes = tiffWithGps(64, 48, { variant });
    const { server, ada } = await setUp();
    const { socket } = await connectWithState(server, ada.token);

    const ack = await uploadSocket(socket, `IMG_0001.${variant.toUpperCase()}`, bytes);

    expect(ack.ok, JSON.stringify(ack)).toBe(true);
    expect(ack.file.name).toBe(`IMG_0001.${variant}`);
    await expectDownload(server, ada, ack.file, bytes);
  });
});

describe('files stored by an older version under an image type the pipeline does not make', () => {
  it.each(['image/tiff', 'image/apng', 'image/x-canon-cr2', 'image/bmp', 'image/svg+xml'])(
    'serve %s as a download and have no thumbnail',
    async (mime) => {
      const { server, ada } = await setUp();
      const bytes = tiffWithGps(32, 24);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const blobKey = `${ada.room.id}/${sha256}`;
      await server.ctx.stores.blobs.put(blobKey, bytes);
      await server.ctx.stores.files.addFile({
        id: 'LegacyFile000000000000',
        roomId: ada.room.id,
        name: 'old.tif',
        mime,
        size: bytes.byteLength,
        createdAt: Date.now(),
        uploaderId: ada.member.id,
        sha256,
        blobKey,
      });

      const { original, thumb } = await served(server, ada, 'LegacyFile000000000000');

      expect(original.status).toBe(200);
      expect(original.headers.get('content-type')).toBe('application/octet-stream');
      expect(original.headers.get('content-disposition')).toMatch(/^attachment;/);
      const ranged = await download(server, fileUrl(ada, 'LegacyFile000000000000'), {
        token: ada.token,
        headers: { range: 'bytes=0-15' },
      });
      expect(ranged.status).toBe(206);
      expect(ranged.headers.get('content-type')).toBe('application/octet-stream');
      expect(ranged.headers.get('content-disposition')).toMatch(/^attachment;/);
      expect(thumb.status).toBe(415);
    },
  );
});
