/**
 * Photos and files (API.md, "Files and images", the `file:*` Socket.IO events): uploads over
 * multipart and Socket.IO, what every member sees, metadata stripping, thumbnails, downloads
 * with ETag and ranges, and who may fetch what. Real server on port 0, real clients.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  download,
  encodeAs,
  fileUrl,
  gradient,
  locationIn,
  noise,
  photo,
  roomFiles,
  uploadMultipart,
  uploadSocket,
  type PhotoFormat,
} from '../../../test/fileHelpers.js';
import {
  connectWithState,
  roomWith,
  startServer,
  waitFor,
  type Joined,
  type TestServer,
} from '../../../test/helpers.js';

const FILE_ID = /^[A-Za-z0-9_-]{16,64}$/;
/** sharp reports AVIF as its container format, HEIF. */
const sharpFormat = (format: string) => (format === 'avif' ? 'heif' : format);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A room of two, Ada and Grace, with Grace connected over Socket.IO. */
async function twoMembers(server: TestServer) {
  const { members } = await roomWith(server, 'Ada', 'Grace');
  const [ada, grace] = members as [Joined, Joined];
  const graceSocket = await connectWithState(server, grace.token);
  return { ada, grace, graceSocket };
}

async function upload(server: TestServer, member: Joined, bytes: Uint8Array, name: string) {
  const response = await uploadMultipart(server, member, bytes, name);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.file;
}

describe('uploading', () => {
  it('over multipart: 201 { file, message }, the other member gets file:added and a file message, the bytes come back identical', async () => {
    const server = await startServer();
    const { ada, grace, graceSocket } = await twoMembers(server);
    const bytes = noise(50_000, 'report-contents');

    const response = await uploadMultipart(server, ada, bytes, 'report.bin');

    expect(response.status, JSON.stringify(response.body)).toBe(201);
    const { file, message } = response.body;
    expect(file).toEqual({
      id: expect.stringMatching(FILE_ID),
      name: 'report.bin',
      mime: 'application/octet-stream',
      size: bytes.byteLength,
      createdAt: expect.any(String),
      uploaderId: ada.member.id,
      sha256: sha256(bytes),
    });
    expect(message).toMatchObject({
      roomId: ada.room.id,
      type: 'file',
      fileId: file.id,
      body: 'report.bin',
      sender: { id: ada.member.id, displayName: 'Ada' },
    });
    const added = await waitFor(() => graceSocket.events.find((e) => e.name === 'file:added'));
    expect(added.payload).toEqual({ file });
    const announced = await waitFor(() =>
      graceSocket.events.find((e) => e.name === 'message:new' && e.payload.message.type === 'file'),
    );
    expect(announced.payload.message).toEqual(message);

    const served = await download(server, fileUrl(grace, file.id), { token: grace.token });
    expect(served.status).toBe(200);
    expect(served.bytes.equals(bytes)).toBe(true);
  });

  it('over Socket.IO: file:upload acks { ok, file, message } and the other member gets both events', async () => {
    const server = await startServer();
    const { ada, grace, graceSocket } = await twoMembers(server);
    const adaSocket = await connectWithState(server, ada.token);
    const bytes = noise(30_000);

    const ack = await uploadSocket(adaSocket.socket, 'data.bin', bytes);

    expect(ack, JSON.stringify(ack)).toMatchObject({
      ok: true,
      file: { name: 'data.bin', size: 30_000, uploaderId: ada.member.id, sha256: sha256(bytes) },
      message: { type: 'file', body: 'data.bin' },
    });
    expect(ack.message.fileId).toBe(ack.file.id);
    const added = await waitFor(() => graceSocket.events.find((e) => e.name === 'file:added'));
    expect(added.payload.file).toEqual(ack.file);
    await waitFor(() =>
      graceSocket.events.find(
        (e) => e.name === 'message:new' && e.payload.message.fileId === ack.file.id,
      ),
    );
    const served = await download(server, fileUrl(grace, ack.file.id), { token: grace.token });
    expect(served.bytes.equals(bytes)).toBe(true);
  });

  it('lists the file in GET /api/rooms/:id and in room:state.files', async () => {
    const server = await startServer();
    const { ada, grace } = await twoMembers(server);
    const file = await upload(server, ada, await photo('jpeg'), 'a.jpg');

    expect(await roomFiles(server, grace)).toEqual([file]);
    const late = await connectWithState(server, grace.token);
    expect(late.state.files).toEqual([file]);
    expect(late.state.messages.at(-1)).toMatchObject({ type: 'file', fileId: file.id });
  });

  it('serves an image exactly as recorded: the served bytes hash to file.sha256', async () => {
    const server = await startServer();
    const { ada, grace } = await twoMembers(server);
    const file = await upload(server, ada, await photo('png'), 'p.png');

    const served = await download(server, fileUrl(grace, file.id), { token: grace.token });
    expect(served.bytes.byteLength).toBe(file.size);
    expect(sha256(served.bytes)).toBe(file.sha256);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(await sharp(served.bytes).metadata()).toMatchObject({
      format: 'png',
      width: 640,
      height: 480,
    });
  });

  it('keeps two records for the same bytes shared twice, with one sha256, and stores the bytes once', async () => {
    const server = await startServer();
    const { ada, graceSocket } = await twoMembers(server);
    const bytes = noise(200_000);
    // The memory budget is what /readyz reports; stored bytes are what fills it.
    const before = server.ctx.accountant.usedBytes;

    const first = await upload(server, ada, bytes, 'one.bin');
    const afterFirst = server.ctx.accountant.usedBytes;
    const second = await uploadSocket(graceSocket.socket, 'two.bin', bytes);

    expect(second.ok, JSON.stringify(second)).toBe(true);
    expect(second.file.id).not.toBe(first.id);
    expect(second.file.sha256).toBe(first.sha256);
    expect(afterFirst - before).toBe(bytes.byteLength);
    expect(server.ctx.accountant.usedBytes).toBe(afterFirst);
    expect((await roomFiles(server, ada)).map((f) => f.name)).toEqual(['one.bin', 'two.bin']);
    for (const id of [first.id, second.file.id]) {
      const served = await download(server, fileUrl(ada, id), { token: ada.token });
      expect(served.bytes.equals(bytes)).toBe(true);
    }
  });

  it('stores a photo shared twice once too: re-encoding the same bytes gives the same bytes', async () => {
    const server = await startServer();
    const { ada, graceSocket } = await twoMembers(server);
    const jpeg = await photo('jpeg');
    const first = await upload(server, ada, jpeg, 'holiday.png');
    const afterFirst = server.ctx.accountant.usedBytes;

    const again = await uploadSocket(graceSocket.socket, 'again.jpg', jpeg);

    expect(first).toMatchObject({ name: 'holiday.jpg', mime: 'image/jpeg' });
    expect(again.ok, JSON.stringify(again)).toBe(true);
    expect(again.file.sha256).toBe(first.sha256);
    expect(server.ctx.accountant.usedBytes).toBe(afterFirst);
  });

  it('file:get returns the original and a thumbnail over the socket', async () => {
    const server = await startServer();
    const { ada, grace, graceSocket } = await twoMembers(server);
    const file = await upload(
      server,
      ada,
      await photo('jpeg', { width: 1200, height: 900 }),
      'big.jpg',
    );
    const overHttp = await download(server, fileUrl(grace, file.id), { token: grace.token });

    const original = await new Promise<any>((resolve) =>
      graceSocket.socket.emit('file:get', { fileId: file.id }, resolve),
    );
    const thumb = await new Promise<any>((resolve) =>
      graceSocket.socket.emit('file:get', { fileId: file.id, variant: 'thumb' }, resolve),
    );

    expect(original).toMatchObject({ ok: true, file });
    expect(Buffer.from(original.data).equals(overHttp.bytes)).toBe(true);
    expect(thumb).toMatchObject({ ok: true, file });
    const meta = await sharp(Buffer.from(thumb.data)).metadata();
    expect(meta.format).toBe('webp');
    expect(meta.width).toBe(480);
    expect(meta.height).toBe(360);
    expect(await locationIn(Buffer.from(original.data))).toBeUndefined();
    expect(await locationIn(Buffer.from(thumb.data))).toBeUndefined();
  });
});

describe('metadata', () => {
  const formats: PhotoFormat[] = ['jpeg', 'png', 'webp', 'avif'];
  const thumbFormats = ['jpeg', 'png', 'webp', 'avif'] as const;

  it.each(formats)(
    'strips the location from a %s photo, in the original and in every thumbnail format',
    async (format) => {
      const server = await startServer();
      const { ada, grace } = await twoMembers(server);
      const bytes = await photo(format);
      expect(await locationIn(bytes), 'the fixture has a location').toBeDefined();

      const file = await upload(server, ada, bytes, `photo.${format}`);

      expect(file.mime).toBe(`image/${format}`);
      const original = await download(server, fileUrl(grace, file.id), { token: grace.token });
      expect(original.headers.get('content-type')).toBe(`image/${format}`);
      expect((await sharp(original.bytes).metadata()).format).toBe(sharpFormat(format));
      expect(await locationIn(original.bytes)).toBeUndefined();
      expect(original.bytes.includes('TestCam')).toBe(false);
      for (const thumbFormat of thumbFormats) {
        const thumb = await download(
          server,
          fileUrl(grace, file.id, `/thumb?w=256&format=${thumbFormat}`),
          { token: grace.token },
        );
        expect(thumb.status).toBe(200);
        expect(await locationIn(thumb.bytes), `${thumbFormat} thumbnail`).toBeUndefined();
        expect(thumb.bytes.includes('TestCam')).toBe(false);
      }
    },
  );

  it('turns an iPhone HEIC into a JPEG of the same size, without its location', async () => {
    // test/fixtures/photo.heic: 320x240, made once with libheif's `heif-enc -q 50` from a JPEG
    // carrying GPS EXIF, which heif-enc keeps.
    const heic = await readFile(new URL('../../../test/fixtures/photo.heic', import.meta.url));
    expect(await locationIn(heic), 'the fixture has a location').toBeDefined();
    const server = await startServer();
    const { ada, grace } = await twoMembers(server);

    const file = await upload(server, ada, heic, 'IMG_0042.HEIC');

    expect(file).toMatchObject({
      name: 'IMG_0042.jpg',
      mime: 'image/jpeg',
      width: 320,
      height: 240,
    });
    const served = await download(server, fileUrl(grace, file.id), { token: grace.token });
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    expect(await sharp(served.bytes).metadata()).toMatchObject({
      format: 'jpeg',
      width: 320,
      height: 240,
    });
    expect(await locationIn(served.bytes)).toBeUndefined();
  });

  it('keeps the EXIF orientation of a JPEG as its one tag; the record and the thumbnails are upright', async () => {
    // 64x32, left half red, right half blue, stored sideways: orientation 6 means "turn 90°
    // clockwise to view", so the viewer sees 32x64 with red on top.
    const left = await sharp({
      create: { width: 32, height: 32, channels: 3, background: '#ff0000' },
    })
      .png()
      .toBuffer();
    const sideways = await sharp({
      create: { width: 64, height: 32, channels: 3, background: '#0000ff' },
    })
      .composite([{ input: left, left: 0, top: 0 }])
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 95 })
      .toBuffer();
    expect((await sharp(sideways).metadata()).orientation).toBe(6);
    const server = await startServer();
    const { ada, grace } = await twoMembers(server);

    const file = await upload(server, ada, sideways, 'sideways.jpg');

    expect(file).toMatchObject({ width: 32, height: 64 });
    const served = await download(server, fileUrl(grace, file.id), { token: grace.token });
    // The pixels are the ones sent; the tag tells viewers (browsers included) how to turn them.
    expect(await sharp(served.bytes).metadata()).toMatchObject({
      width: 64,
      height: 32,
      orientation: 6,
    });
    const thumb = await download(server, fileUrl(grace, file.id, '/thumb?w=64&format=png'), {
      token: grace.token,
    });
    for (const upright of [sharp(served.bytes).autoOrient(), sharp(thumb.bytes)]) {
      const { data, info } = await upright.raw().toBuffer({ resolveWithObject: true });
      expect(info).toMatchObject({ width: 32, height: 64 });
      const pixel = (x: number, y: number) => [
        ...data.subarray((y * 32 + x) * info.channels, (y * 32 + x) * info.channels + 3),
      ];
      expect(pixel(16, 8)[0]).toBeGreaterThan(200); // top: red
      expect(pixel(16, 56)[2]).toBeGreaterThan(200); // bottom: blue
    }
    expect((await sharp(thumb.bytes).metadata()).orientation).toBeUndefined();
  });

  it.each(['gif', 'webp'] as const)('keeps every frame of an animated %s', async (format) => {
    const frames = Buffer.concat(
      [
        [255, 0, 0],
        [0, 255, 0],
        [0, 0, 255],
      ].map((rgb) => Buffer.alloc(24 * 24 * 3).map((_, i) => rgb[i % 3] as number)),
    );
    const animation = sharp(frames, {
      raw: { width: 24, height: 72, channels: 3, pageHeight: 24 },
    });
    const bytes = await (
      format === 'gif'
        ? animation.gif({ delay: [100, 100, 100] })
        : animation.webp({ delay: [100, 100, 100] })
    ).toBuffer();
    expect((await sharp(bytes, { animated: true }).metadata()).pages).toBe(3);
    const server = await startServer();
    const { ada, grace } = await twoMembers(server);

    const file = await upload(server, ada, bytes, `anim.${format}`);

    expect(file).toMatchObject({ mime: `image/${format}`, width: 24, height: 24 });
    const served = await download(server, fileUrl(grace, file.id), { token: grace.token });
    const meta = await sharp(served.bytes, { animated: true }).metadata();
    expect(meta.format).toBe(format);
    expect(meta.pages).toBe(3);
    expect(meta.pageHeight).toBe(24);
  });

  it('keeps the ICC colour profile', async () => {
    const bytes = await gradient(200, 100).withIccProfile('p3').jpeg().toBuffer();
    expect((await sharp(bytes).metadata()).icc).toBeDefined();
    const server = await startServer();
    const { ada, grace } = await twoMembers(server);

    const file = await upload(server, ada, bytes, 'wide-gamut.jpg');

    const served = await download(server, fileUrl(grace, file.id), { token: grace.token });
    const icc = (await sharp(served.bytes).metadata()).icc;
    expect(icc).toBeDefined();
    // The profile's description is UTF-16: "Display P3" reads "P3" once the NULs are gone.
    expect(icc!.toString('latin1').replaceAll('\0', '')).toMatch(/P3/);
  });
});

describe('thumbnails', () => {
  /** A member with two photos: 2200 px wide (for the whole width ladder) and 700 px wide. */
  async function photos() {
    const server = await startServer();
    const ada = (await roomWith(server, 'Ada')).members[0]!;
    const wide = await upload(
      server,
      ada,
      await encodeAs(gradient(2200, 40), 'jpeg').toBuffer(),
      'w.jpg',
    );
    const narrow = await upload(
      server,
      ada,
      await photo('jpeg', { width: 700, height: 350 }),
      'n.jpg',
    );
    const thumb = (file: { id: string }, query: string, accept?: string) =>
      download(server, fileUrl(ada, file.id, `/thumb?${query}`), {
        token: ada.token,
        headers: accept === undefined ? {} : { accept },
      });
    return { server, ada, wide, narrow, thumb };
  }

  it('format=auto (the default) picks AVIF, then WebP, then JPEG from Accept, with Vary: Accept', async () => {
    const { narrow, thumb } = await photos();
    for (const [accept, format] of [
      ['image/avif,image/webp,image/apng,*/*;q=0.8', 'avif'],
      ['image/webp,*/*', 'webp'],
      ['image/png,image/*;q=0.8', 'jpeg'],
      [undefined, 'jpeg'],
    ] as const) {
      for (const query of ['w=256&format=auto', 'w=256']) {
        const response = await thumb(narrow, query, accept);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type'), `${accept}`).toBe(`image/${format}`);
        expect(response.headers.get('vary')).toMatch(/\bAccept\b/i);
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        const meta = await sharp(response.bytes).metadata();
        expect(meta.format).toBe(sharpFormat(format));
        expect(meta.width).toBe(256);
      }
    }
  });

  it('gives an explicit format whatever the Accept header says, without Vary', async () => {
    const { narrow, thumb } = await photos();
    for (const format of ['png', 'jpeg', 'webp', 'avif']) {
      const response = await thumb(narrow, `w=128&format=${format}`, 'image/avif,image/webp');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(`image/${format}`);
      expect(response.headers.get('vary') ?? '').not.toMatch(/accept/i);
      const meta = await sharp(response.bytes).metadata();
      expect(meta.format).toBe(sharpFormat(format));
      expect(meta.width).toBe(128);
    }
  });

  it('rounds w up to 64, 128, 256, 320, 480, 640, 960, 1280, 1920 or 2048', async () => {
    const { wide, thumb } = await photos();
    for (const [asked, width] of [
      [64, 64],
      [65, 128],
      [200, 256],
      [300, 320],
      [321, 480],
      [500, 640],
      [641, 960],
      [1000, 1280],
      [1281, 1920],
      [1921, 2048],
      [2048, 2048],
    ]) {
      const response = await thumb(wide, `w=${asked}&format=jpeg`);
      expect(response.status).toBe(200);
      expect((await sharp(response.bytes).metadata()).width, `w=${asked}`).toBe(width);
    }
    const byDefault = await thumb(wide, 'format=jpeg');
    expect((await sharp(byDefault.bytes).metadata()).width).toBe(480);
  });

  it('never goes past the original width', async () => {
    const { narrow, thumb } = await photos();
    for (const asked of [701, 960, 2048]) {
      const response = await thumb(narrow, `w=${asked}&format=png`);
      expect((await sharp(response.bytes).metadata()).width).toBe(700);
    }
  });

  it('refuses widths outside 64..2048 and unknown formats with 400 invalid_request', async () => {
    const { narrow, thumb } = await photos();
    for (const query of ['w=63', 'w=2049', 'w=abc', 'w=100.5', 'format=gif', 'format=svg']) {
      const response = await thumb(narrow, query);
      expect(response.status, query).toBe(400);
      expect(response.json.error.code).toBe('invalid_request');
    }
  });

  it('answers a thumbnail of a file that is not an image with 415 unsupported_type', async () => {
    const { server, ada, thumb } = await photos();
    const file = await upload(server, ada, noise(1000), 'x.bin');
    const response = await thumb(file, 'w=128');
    expect(response.status).toBe(415);
    expect(response.json.error.code).toBe('unsupported_type');
  });
});

describe('who may fetch', () => {
  it('members only: no token 401, another room’s token 403, an unknown file 404 not_found', async () => {
    const server = await startServer();
    const { ada } = await twoMembers(server);
    const stranger = (await roomWith(server, 'Eve')).members[0]!;
    const file = await upload(server, ada, await photo('jpeg'), 'a.jpg');
    const strangerFile = await upload(server, stranger, await photo('png'), 'b.png');

    for (const suffix of ['', '/thumb?w=128']) {
      const path = fileUrl(ada, file.id, suffix);
      const anonymous = await download(server, path);
      expect(anonymous.status).toBe(401);
      expect(anonymous.json.error.code).toBe('unauthorized');
      const foreign = await download(server, path, { token: stranger.token });
      expect(foreign.status).toBe(403);
      expect(foreign.json.error.code).toBe('forbidden');
      const bogus = await download(server, path, { token: 'not-a-token' });
      expect(bogus.status).toBe(401);
    }
    // Another room's file id under this room: it is not in this room.
    for (const id of ['AAAAAAAAAAAAAAAAAAAAAA', strangerFile.id]) {
      for (const suffix of ['', '/thumb?w=128']) {
        const missing = await download(server, fileUrl(ada, id, suffix), { token: ada.token });
        expect(missing.status).toBe(404);
        expect(missing.json.error.code).toBe('not_found');
      }
    }
    const malformed = await download(server, fileUrl(ada, 'x'), { token: ada.token });
    expect(malformed.status).toBe(400);
  });

  it('accepts ?token= on GETs (for <img src>), but not on uploads', async () => {
    const server = await startServer();
    const { ada, grace } = await twoMembers(server);
    const file = await upload(server, ada, await photo('jpeg'), 'a.jpg');
    const token = encodeURIComponent(grace.token);

    expect((await download(server, fileUrl(grace, file.id, `?token=${token}`))).status).toBe(200);
    expect(
      (await download(server, fileUrl(grace, file.id, `/thumb?w=64&token=${token}`))).status,
    ).toBe(200);
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(noise(100))]), 'x.bin');
    const response = await fetch(`${server.url}/api/rooms/${grace.room.id}/files?token=${token}`, {
      method: 'POST',
      body: form,
    });
    expect(response.status).toBe(401);
  });
});

describe('downloads', () => {
  it('answers If-None-Match with the ETag (strong, weak, in a list, or *) with 304', async () => {
    const server = await startServer();
    const { ada } = await twoMembers(server);
    const file = await upload(server, ada, await photo('jpeg'), 'a.jpg');

    for (const suffix of ['', '/thumb?w=128&format=webp']) {
      const path = fileUrl(ada, file.id, suffix);
      const first = await download(server, path, { token: ada.token });
      const etag = first.headers.get('etag')!;
      expect(etag).toMatch(/^"[^"]+"$/);
      for (const condition of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
        const again = await download(server, path, {
          token: ada.token,
          headers: { 'if-none-match': condition },
        });
        expect(again.status, condition).toBe(304);
        expect(again.bytes.byteLength).toBe(0);
        expect(again.headers.get('etag')).toBe(etag);
      }
      const changed = await download(server, path, {
        token: ada.token,
        headers: { 'if-none-match': '"something-else"' },
      });
      expect(changed.status).toBe(200);
    }
    const original = await download(server, fileUrl(ada, file.id), { token: ada.token });
    expect(original.headers.get('etag')).toBe(`"${file.sha256}"`);
  });

  it('serves byte ranges: 206 with Content-Range, suffix and open ranges, 416 when unsatisfiable', async () => {
    const server = await startServer();
    const { ada } = await twoMembers(server);
    const bytes = noise(1000);
    const file = await upload(server, ada, bytes, 'r.bin');
    const path = fileUrl(ada, file.id);
    const get = (range: string, extra: Record<string, string> = {}) =>
      download(server, path, { token: ada.token, headers: { range, ...extra } });

    const whole = await download(server, path, { token: ada.token });
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    for (const [range, start, end] of [
      ['bytes=0-99', 0, 99],
      ['bytes=900-', 900, 999],
      ['bytes=-100', 900, 999],
      ['bytes=995-5000', 995, 999],
      ['bytes=10-10', 10, 10],
    ] as const) {
      const response = await get(range);
      expect(response.status, range).toBe(206);
      expect(response.headers.get('content-range')).toBe(`bytes ${start}-${end}/1000`);
      expect(response.headers.get('content-length')).toBe(String(end - start + 1));
      expect(response.bytes.equals(bytes.subarray(start, end + 1))).toBe(true);
    }
    for (const range of ['bytes=1000-', 'bytes=1000-1100', 'bytes=5000-6000']) {
      const response = await get(range);
      expect(response.status, range).toBe(416);
      expect(response.headers.get('content-range')).toBe('bytes */1000');
    }
    // Several ranges, a unit we do not know, a malformed header, or a stale If-Range: the whole file.
    for (const [range, extra] of [
      ['bytes=0-1,5-6', {}],
      ['items=0-1', {}],
      ['bytes=abc', {}],
      ['bytes=0-99', { 'if-range': '"stale"' }],
    ] as const) {
      const response = await get(range, extra);
      expect(response.status, range).toBe(200);
      expect(response.bytes.equals(bytes)).toBe(true);
    }
    const current = await get('bytes=0-9', { 'if-range': `"${file.sha256}"` });
    expect(current.status).toBe(206);
  });

  it('sends Content-Disposition (inline for images, attachment otherwise, RFC 6266 filename* for non-ASCII) and nosniff', async () => {
    const server = await startServer();
    const { ada } = await twoMembers(server);
    const image = await upload(server, ada, await photo('webp'), 'Été à Zürich 照片.webp');
    const other = await upload(server, ada, noise(100), 'notes.bin');
    const program = await upload(
      server,
      ada,
      Buffer.from('MZ\x90\x00 this is not really a program'),
      'setup.exe',
    );

    const shown = await download(server, fileUrl(ada, image.id), { token: ada.token });
    const disposition = shown.headers.get('content-disposition')!;
    expect(disposition).toMatch(/^inline;/);
    const star = /filename\*=UTF-8''([^;]+)/.exec(disposition);
    expect(star, disposition).not.toBeNull();
    expect(decodeURIComponent(star![1]!)).toBe('Été à Zürich 照片.webp');
    expect(shown.headers.get('content-type')).toBe('image/webp');
    expect(shown.headers.get('x-content-type-options')).toBe('nosniff');

    const saved = await download(server, fileUrl(ada, other.id), { token: ada.token });
    expect(saved.headers.get('content-disposition')).toBe('attachment; filename="notes.bin"');
    expect(saved.headers.get('x-content-type-options')).toBe('nosniff');
    const exe = await download(server, fileUrl(ada, program.id), { token: ada.token });
    expect(exe.headers.get('content-disposition')).toMatch(/^attachment;/);
  });
});
