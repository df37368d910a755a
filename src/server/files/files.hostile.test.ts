/**
 * Hostile uploads (API.md, "Files and images", "Errors"): broken and disguised files,
 * decompression bombs, polyglots, markup, nasty names, malformed forms and socket payloads,
 * files over MAX_UPLOAD_BYTES. Each refusal has its documented code, leaves nothing behind
 * (no file record, no message, no bytes held) and the server keeps serving.
 */
import { connect as connectTcp } from 'node:net';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { AppOptions } from '../app.js';
import {
  apng,
  download,
  fileUrl,
  multipartBody,
  noise,
  photo,
  postRaw,
  roomFiles,
  solidPng,
  uploadMultipart,
  uploadSocket,
  zipWith,
  type ApngFrame,
} from '../../../test/fileHelpers.js';
import {
  api,
  connectWithState,
  emitAck,
  roomWith,
  startServer,
  type ApiResponse,
  type Joined,
  type TestServer,
  waitFor,
} from '../../../test/helpers.js';

/** A room of one, Ada, connected over Socket.IO too, and what the budget held before anything. */
async function setUp(env: Record<string, string> = {}, options: AppOptions = {}) {
  const server = await startServer(env, options);
  const ada = (await roomWith(server, 'Ada')).members[0]!;
  const socket = (await connectWithState(server, ada.token)).socket;
  return { server, ada, socket, heldBefore: server.ctx.accountant.usedBytes };
}

function expectError(response: ApiResponse, status: number, code: string): void {
  expect({ status: response.status, body: response.body }).toMatchObject({
    status,
    body: { error: { code, message: expect.any(String) } },
  });
}

function expectAckError(ack: any, code: string): void {
  expect(ack, JSON.stringify(ack)).toEqual({
    ok: false,
    error: expect.objectContaining({ code, message: expect.any(String) }),
  });
}

/**
 * Nothing of a refused upload is left: no file, no file message, no bytes held or reserved, and
 * the server still takes a good upload.
 */
async function expectNothingLeft(
  server: TestServer,
  member: Joined,
  heldBefore: number,
): Promise<void> {
  expect(await roomFiles(server, member)).toEqual([]);
  const messages = await api(server, 'GET', `/api/rooms/${member.room.id}/messages`, {
    token: member.token,
  });
  expect(messages.body.messages.filter((m: any) => m.type === 'file')).toEqual([]);
  expect(server.ctx.accountant.usedBytes).toBe(heldBefore);
  expect(server.ctx.accountant.reservedBytes).toBe(0);
  expect((await api(server, 'GET', '/healthz')).status).toBe(200);
  const { members } = await roomWith(server, 'Check');
  const good = await uploadMultipart(server, members[0]!, noise(1000), 'fine.bin');
  expect(good.status).toBe(201);
}

/** An image file cut in half: the header promises pixels the body does not have. */
async function truncated(format: 'jpeg' | 'png'): Promise<Buffer> {
  const whole = await photo(format, { gps: false });
  return whole.subarray(0, Math.floor(whole.length / 2));
}

const SVG_WITH_SCRIPT = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">' +
    '<script>fetch("/api/rooms")</script><rect width="10" height="10"/></svg>',
);
const markup: [string, Buffer][] = [
  ['SVG with a script', SVG_WITH_SCRIPT],
  [
    'SVG with an XML prolog and onload',
    Buffer.from(
      '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    ),
  ],
  ['HTML', Buffer.from('<!DOCTYPE html><html><body><script>alert(document.cookie)</script>')],
  ['HTML after a BOM and blank lines', Buffer.from('\uFEFF\n\n   <html><script>alert(1)</script>')],
  ['an HTML fragment', Buffer.from('Hello <iframe src="https://evil.example"></iframe>')],
  ['UTF-16 HTML', Buffer.from('<html><script>alert(1)</script></html>', 'utf16le')],
];

describe('files the server refuses', () => {
  it('answers a zero-byte file with 400 invalid_request, over multipart and Socket.IO', async () => {
    const { server, ada, socket, heldBefore } = await setUp();
    expectError(
      await uploadMultipart(server, ada, new Uint8Array(0), 'empty.txt'),
      400,
      'invalid_request',
    );
    expectAckError(await uploadSocket(socket, 'empty.txt', Buffer.alloc(0)), 'invalid_request');
    await expectNothingLeft(server, ada, heldBefore);
  });

  it.each(['jpeg', 'png'] as const)(
    'answers a truncated %s with 415 unsupported_type (it cannot be decoded)',
    async (format) => {
      const { server, ada, socket, heldBefore } = await setUp();
      const bytes = await truncated(format);
      expectError(
        await uploadMultipart(server, ada, bytes, `cut.${format}`),
        415,
        'unsupported_type',
      );
      expectAckError(await uploadSocket(socket, `cut.${format}`, bytes), 'unsupported_type');
      await expectNothingLeft(server, ada, heldBefore);
    },
  );

  it.each(markup)(
    'answers %s with 415, whatever it is called or declared as',
    async (_label, bytes) => {
      const { server, ada, socket, heldBefore } = await setUp();
      for (const [name, type] of [
        ['drawing.svg', 'image/svg+xml'],
        ['innocent.png', 'image/png'],
        ['photo.jpg', 'image/jpeg'],
        ['notes.txt', 'text/plain'],
      ]) {
        const response = await uploadMultipart(server, ada, bytes, name!, { type: type! });
        expectError(response, 415, 'unsupported_type');
        expectAckError(await uploadSocket(socket, name!, bytes), 'unsupported_type');
      }
      await expectNothingLeft(server, ada, heldBefore);
    },
  );

  it('refuses a plain text file named .html or .svg (it could be rendered as markup)', async () => {
    const { server, ada, heldBefore } = await setUp();
    for (const name of ['page.html', 'icon.svg', 'feed.xml']) {
      const response = await uploadMultipart(server, ada, Buffer.from('just words'), name);
      expectError(response, 415, 'unsupported_type');
    }
    await expectNothingLeft(server, ada, heldBefore);
  });

  it('answers a 20000 x 20000 PNG (a decompression bomb of a few KB) with 413 too_large', async () => {
    const bomb = solidPng(20_000, 20_000);
    expect(bomb.byteLength).toBeLessThan(1_000_000);
    const { server, ada, socket, heldBefore } = await setUp();
    expectError(await uploadMultipart(server, ada, bomb, 'bomb.png'), 413, 'too_large');
    expectAckError(await uploadSocket(socket, 'bomb.png', bomb), 'too_large');
    await expectNothingLeft(server, ada, heldBefore);
  });

  it('answers a 20000 x 20000 animated PNG with 413 too_large, like any other image', async () => {
    const frames: ApngFrame[] = [{ rgba: [255, 255, 255, 255] }, { rgba: [0, 0, 0, 255] }];
    const bomb = apng(20_000, 20_000, frames, { bilevel: true });
    expect(bomb.byteLength).toBeLessThan(1_000_000);
    const { server, ada, socket, heldBefore } = await setUp();
    expectError(await uploadMultipart(server, ada, bomb, 'bomb.png'), 413, 'too_large');
    expectAckError(await uploadSocket(socket, 'bomb.png', bomb), 'too_large');
    await expectNothingLeft(server, ada, heldBefore);
  });

  it('answers a GIF of 10,000 frames with 413 too_large', async () => {
    const frames = 10_000;
    const gif = await sharp({
      create: { width: 4, height: 4 * frames, channels: 3, background: '#c00', pageHeight: 4 },
    })
      .gif({ keepDuplicateFrames: true })
      .toBuffer();
    expect((await sharp(gif, { animated: true }).metadata()).pages).toBe(frames);
    const { server, ada, socket, heldBefore } = await setUp();
    expectError(await uploadMultipart(server, ada, gif, 'many.gif'), 413, 'too_large');
    expectAckError(await uploadSocket(socket, 'many.gif', gif), 'too_large');
    await expectNothingLeft(server, ada, heldBefore);
  });
});

describe('files in disguise', () => {
  it('takes a PNG called photo.gif as the PNG it is, named photo.png', async () => {
    const { server, ada } = await setUp();
    const response = await uploadMultipart(server, ada, await photo('png'), 'photo.gif', {
      type: 'image/gif',
    });
    expect(response.status).toBe(201);
    expect(response.body.file).toMatchObject({ name: 'photo.png', mime: 'image/png' });
    const served = await download(server, fileUrl(ada, response.body.file.id), {
      token: ada.token,
    });
    expect(served.headers.get('content-type')).toBe('image/png');
    expect((await sharp(served.bytes).metadata()).format).toBe('png');
  });

  it('takes a JPEG with HTML and script appended as a JPEG, and serves it without them', async () => {
    const payload = Buffer.from('<html><script>alert("polyglot")</script></html>');
    const polyglot = Buffer.concat([await photo('jpeg'), payload]);
    const { server, ada } = await setUp();

    const response = await uploadMultipart(server, ada, polyglot, 'cat.jpg');

    expect(response.status).toBe(201);
    expect(response.body.file.mime).toBe('image/jpeg');
    const served = await download(server, fileUrl(ada, response.body.file.id), {
      token: ada.token,
    });
    expect(served.bytes.includes('<script>')).toBe(false);
    expect(served.bytes.includes('polyglot')).toBe(false);
    expect(served.headers.get('content-disposition')).toMatch(/^inline;/);
  });

  it('keeps no script from EXIF fields either', async () => {
    const tagged = await sharp({
      create: { width: 40, height: 40, channels: 3, background: '#888' },
    })
      .withExif({ IFD0: { ImageDescription: '<script>alert("exif")</script>' } })
      .jpeg()
      .toBuffer();
    expect(tagged.includes('<script>')).toBe(true);
    const { server, ada } = await setUp();
    const response = await uploadMultipart(server, ada, tagged, 'tagged.jpg');
    const served = await download(server, fileUrl(ada, response.body.file.id), {
      token: ada.token,
    });
    expect(served.bytes.includes('<script>')).toBe(false);
  });

  it('takes a GIF with a ZIP archive appended (a GIFAR) as a GIF, and serves it without the archive', async () => {
    const gif = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#08f' } })
      .gif()
      .toBuffer();
    const gifar = Buffer.concat([gif, zipWith('Exploit.class', Buffer.from('GIFAR-PAYLOAD'))]);
    const { server, ada } = await setUp();

    const response = await uploadMultipart(server, ada, gifar, 'avatar.gif');

    expect(response.status).toBe(201);
    expect(response.body.file).toMatchObject({ mime: 'image/gif', name: 'avatar.gif' });
    const served = await download(server, fileUrl(ada, response.body.file.id), {
      token: ada.token,
    });
    expect(served.bytes.includes('PK\x03\x04')).toBe(false);
    expect(served.bytes.includes('PK\x05\x06')).toBe(false);
    expect(served.bytes.includes('GIFAR-PAYLOAD')).toBe(false);
    expect(served.bytes.includes('Exploit.class')).toBe(false);
  });

  it('offers an executable as a download only', async () => {
    const { server, ada } = await setUp();
    const exe = Buffer.concat([Buffer.from('MZ'), noise(2000).subarray(2)]);
    const response = await uploadMultipart(server, ada, exe, 'setup.exe');
    expect(response.status).toBe(201);
    const served = await download(server, fileUrl(ada, response.body.file.id), {
      token: ada.token,
    });
    expect(served.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(served.headers.get('content-type')).not.toMatch(/^(text|image)\//);
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('file names', () => {
  const controlOrBidi = /[\p{Cc}\p{Cf}]/u;
  const cases: [string, 'jpeg' | 'bin', string][] = [
    ['../../etc/passwd', 'bin', 'passwd'],
    ['..\\..\\windows\\win.ini', 'bin', 'win.ini'],
    ['/absolute/path/photo.jpg', 'jpeg', 'photo.jpg'],
    ['nul\u0000byte.jpg', 'jpeg', 'nulbyte.jpg'],
    ['line\r\nSet-Cookie: x=1.jpg', 'jpeg', 'lineSet-Cookie_ x=1.jpg'],
    ['invoice\u202Egpj.exe', 'jpeg', 'invoicegpj.jpg'],
    ['zero\u200Bwidth\u2066.jpg', 'jpeg', 'zerowidth.jpg'],
    ['say "cheese".jpg', 'jpeg', "say 'cheese'.jpg"],
    ['<img src=x onerror=alert(1)>.jpg', 'jpeg', '_img src=x onerror=alert(1)_.jpg'],
    ['a|b*c?d:e.jpg', 'jpeg', 'a_b_c_d_e.jpg'],
    ['.htaccess', 'bin', 'htaccess'],
    ['', 'jpeg', 'file.jpg'],
    ['...', 'bin', 'file'],
    ['photo.gif', 'jpeg', 'photo.jpg'],
  ];

  it.each(cases)('keeps %j as %j', async (name, kind, expected) => {
    const { server, ada, socket } = await setUp();
    const bytes = kind === 'jpeg' ? await photo('jpeg', { width: 32, height: 32 }) : noise(64);

    const ack = await uploadSocket(socket, name, bytes);

    expect(ack.ok, JSON.stringify(ack)).toBe(true);
    expect(ack.file.name).toBe(expected);
    const served = await download(server, fileUrl(ada, ack.file.id), { token: ada.token });
    expect(served.status).toBe(200);
    const disposition = served.headers.get('content-disposition')!;
    expect(disposition).not.toMatch(controlOrBidi);
    expect(disposition).not.toContain('/');
  });

  it('decodes the %22 a browser sends for a quote in a multipart file name', async () => {
    const { server, ada } = await setUp();
    // FormData in fetch, like a browser, writes `"` in a file name as %22 (WHATWG).
    const response = await uploadMultipart(
      server,
      ada,
      await photo('jpeg', { width: 32, height: 32 }),
      'say "cheese".jpg',
    );
    expect(response.status).toBe(201);
    expect(response.body.file.name).toBe("say 'cheese'.jpg");
  });

  it('shortens a very long name to 120 characters, keeping the extension', async () => {
    const { socket } = await setUp();
    const long = `${'長い名前'.repeat(100)}${'x'.repeat(300)}.jpeg`;
    const ack = await uploadSocket(socket, long, await photo('jpeg', { width: 32, height: 32 }));
    expect(ack.ok).toBe(true);
    expect([...ack.file.name].length).toBe(120);
    expect(ack.file.name).toMatch(/^長い名前.*\.jpg$/);
    const tooLong = await uploadSocket(socket, 'x'.repeat(1001), noise(10));
    expectAckError(tooLong, 'invalid_request');
  });

  it('cleans names sent in a multipart form the same way', async () => {
    const { server, ada } = await setUp();
    const jpeg = await photo('jpeg', { width: 32, height: 32 });
    for (const [filename, expected] of [
      ['../../../etc/cron.d/evil.jpg', 'evil.jpg'],
      ['..\\..\\evil.jpg', 'evil.jpg'],
      ['invoice\u202Egpj.exe', 'invoicegpj.jpg'],
      ['nul\u0000.jpg', 'nul.jpg'],
      ['Été 照片.jpg', 'Été 照片.jpg'],
    ]) {
      const form = multipartBody([
        { field: 'file', filename: filename!, type: 'image/jpeg', bytes: jpeg },
      ]);
      const response = await postRaw(server, ada, form.body, form.contentType);
      expect(response.status, filename).toBe(201);
      expect(response.body.file.name, filename).toBe(expected);
    }
  });
});

describe('malformed forms and requests', () => {
  it('answers a form without the field "file" with 400 invalid_request', async () => {
    const { server, ada, heldBefore } = await setUp();
    const jpeg = await photo('jpeg', { width: 32, height: 32 });
    for (const bytes of [jpeg, noise(2_000_000)]) {
      const response = await uploadMultipart(server, ada, bytes, 'a.jpg', { field: 'upload' });
      expectError(response, 400, 'invalid_request');
    }
    const fieldsOnly = new FormData();
    fieldsOnly.append('caption', 'no file here');
    const response = await fetch(`${server.url}/api/rooms/${ada.room.id}/files`, {
      method: 'POST',
      body: fieldsOnly,
      headers: { authorization: `Bearer ${ada.token}` },
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.code).toBe('invalid_request');
    await expectNothingLeft(server, ada, heldBefore);
  });

  it('refuses a form with two files (400 invalid_request) and stores neither', async () => {
    const { server, ada, heldBefore } = await setUp();
    for (const [first, second] of [
      [noise(100), noise(100)],
      [noise(300_000), noise(300_000)],
    ]) {
      const form = multipartBody([
        { field: 'file', filename: 'first.bin', bytes: first! },
        { field: 'file', filename: 'second.bin', bytes: second! },
      ]);
      expectError(await postRaw(server, ada, form.body, form.contentType), 400, 'invalid_request');
    }
    await expectNothingLeft(server, ada, heldBefore);
  });

  it('ignores the other fields of a form, before and after the file', async () => {
    const { server, ada } = await setUp();
    const form = new FormData();
    form.append('caption', 'before');
    form.append('file', new Blob([new Uint8Array(noise(100))]), 'one.bin');
    form.append('note', 'after');
    const response = await fetch(`${server.url}/api/rooms/${ada.room.id}/files`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${ada.token}` },
    });
    expect(response.status).toBe(201);
    expect((await roomFiles(server, ada)).map((f) => f.name)).toEqual(['one.bin']);
  });

  it('answers a body that is not multipart with 415 unsupported_type', async () => {
    const { server, ada, heldBefore } = await setUp();
    const jpeg = await photo('jpeg', { width: 32, height: 32 });
    for (const type of ['image/jpeg', 'application/octet-stream', 'application/json']) {
      const body = type === 'application/json' ? Buffer.from('{"file":"x"}') : jpeg;
      expectError(await postRaw(server, ada, body, type), 415, 'unsupported_type');
    }
    await expectNothingLeft(server, ada, heldBefore);
  });

  it('answers a malformed multipart body with 400 invalid_request, not a server error', async () => {
    const { server, ada, heldBefore } = await setUp();
    for (const [body, type] of [
      ['abc', 'multipart/form-data'],
      ['--x\r\nnonsense', 'multipart/form-data; boundary=y'],
      [
        '--y\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\ncut short',
        'multipart/form-data; boundary=y',
      ],
    ]) {
      expectError(await postRaw(server, ada, Buffer.from(body!), type!), 400, 'invalid_request');
    }
    await expectNothingLeft(server, ada, heldBefore);
  });
});

describe('MAX_UPLOAD_BYTES', () => {
  const env = { MAX_UPLOAD_BYTES: '200000' };

  it('takes a file of exactly MAX_UPLOAD_BYTES, over multipart and Socket.IO', async () => {
    const { server, ada, socket } = await setUp(env);
    const response = await uploadMultipart(server, ada, noise(200_000), 'exact.bin');
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    const ack = await uploadSocket(socket, 'exact.bin', noise(200_000));
    expect(ack.ok, JSON.stringify(ack)).toBe(true);
  });

  it('answers one byte more with 413 too_large, over multipart and Socket.IO', async () => {
    const { server, ada, socket, heldBefore } = await setUp(env);
    const response = await uploadMultipart(server, ada, noise(200_001), 'over.bin');
    expectError(response, 413, 'too_large');
    expect(response.body.error.details).toEqual({ maxBytes: 200_000 });
    expectAckError(await uploadSocket(socket, 'over.bin', noise(250_000)), 'too_large');
    await expectNothingLeft(server, ada, heldBefore);
  });

  it('stops reading a streamed form without Content-Length at the limit', async () => {
    const { server, ada, heldBefore } = await setUp(env);
    const form = multipartBody([{ field: 'file', filename: 'stream.bin', bytes: noise(600_000) }]);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < form.body.length; at += 16_384) {
          controller.enqueue(new Uint8Array(form.body.subarray(at, at + 16_384)));
        }
        controller.close();
      },
    });
    const response = await postRaw(server, ada, body, form.contentType);
    expectError(response, 413, 'too_large');
    expect(response.body.error.details).toEqual({ maxBytes: 200_000 });
    await expectNothingLeft(server, ada, heldBefore);
  });

  it('answers a body far over the limit with 413 before reading it', async () => {
    const { server, ada, heldBefore } = await setUp(env);
    const response = await uploadMultipart(server, ada, noise(2_000_000), 'huge.bin');
    expectError(response, 413, 'too_large');
    await expectNothingLeft(server, ada, heldBefore);
  });

  it('drops a socket whose packet is over MAX_UPLOAD_BYTES + 64 KiB; the server stays up', async () => {
    const { server, ada, socket, heldBefore } = await setUp(env);
    const disconnected = new Promise<string>((resolve) => socket.on('disconnect', resolve));
    socket.emit('file:upload', { name: 'huge.bin', data: noise(400_000) }, () => undefined);
    expect(await disconnected).toMatch(/transport (close|error)/);
    await expectNothingLeft(server, ada, heldBefore);
  });
});

describe('upload rate limit', () => {
  it('answers uploads past the limit with 429 rate_limited and Retry-After, over both transports together', async () => {
    const { server, ada, socket } = await setUp(
      {},
      { limits: { uploads: { points: 2, seconds: 60 } } },
    );
    expect((await uploadMultipart(server, ada, noise(100), 'one.bin')).status).toBe(201);
    expect((await uploadSocket(socket, 'two.bin', noise(100))).ok).toBe(true);
    const third = await uploadMultipart(server, ada, noise(100), 'three.bin');
    expectError(third, 429, 'rate_limited');
    expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
    expectAckError(await uploadSocket(socket, 'four.bin', noise(100)), 'rate_limited');
    expect((await roomFiles(server, ada)).map((f) => f.name)).toEqual(['one.bin', 'two.bin']);
    expect(server.ctx.accountant.reservedBytes).toBe(0);
  });
});

describe('Socket.IO payloads', () => {
  it('answers file:upload with data that is not binary with invalid_request', async () => {
    const { server, ada, socket, heldBefore } = await setUp();
    const jpeg = await photo('jpeg', { width: 32, height: 32 });
    for (const payload of [
      { name: 'a.jpg', data: jpeg.toString('base64') },
      { name: 'a.jpg', data: `data:image/jpeg;base64,${jpeg.toString('base64')}` },
      { name: 'a.jpg', data: 12345 },
      { name: 'a.jpg', data: [1, 2, 3] },
      { name: 'a.jpg', data: { type: 'Buffer', data: [255, 216, 255] } },
      { name: 'a.jpg', data: null },
      { name: 'a.jpg' },
      { data: jpeg },
      { name: 42, data: jpeg },
      { name: 'a.jpg', data: jpeg, extra: true },
      'a.jpg',
      null,
    ]) {
      expectAckError(await emitAck(socket, 'file:upload', payload), 'invalid_request');
    }
    await expectNothingLeft(server, ada, heldBefore);
    // The socket is still usable.
    expect((await uploadSocket(socket, 'a.jpg', jpeg)).ok).toBe(true);
  });

  it('answers file:get of another room’s file, an unknown id or a bad variant as the contract says', async () => {
    const { server, ada, socket } = await setUp();
    const eve = (await roomWith(server, 'Eve')).members[0]!;
    const theirs = await uploadMultipart(
      server,
      eve,
      await photo('jpeg', { width: 32, height: 32 }),
      'eve.jpg',
    );
    const ours = await uploadMultipart(server, ada, noise(100), 'ours.bin');

    for (const variant of ['original', 'thumb']) {
      const ack = await emitAck(socket, 'file:get', { fileId: theirs.body.file.id, variant });
      expectAckError(ack, 'not_found');
      expect(JSON.stringify(ack)).not.toContain('eve.jpg');
    }
    expectAckError(
      await emitAck(socket, 'file:get', { fileId: 'AAAAAAAAAAAAAAAAAAAAAA' }),
      'not_found',
    );
    expectAckError(
      await emitAck(socket, 'file:get', { fileId: '../../etc/passwd' }),
      'invalid_request',
    );
    expectAckError(
      await emitAck(socket, 'file:get', { fileId: ours.body.file.id, variant: 'raw' }),
      'invalid_request',
    );
    expectAckError(
      await emitAck(socket, 'file:get', { fileId: ours.body.file.id, variant: 'thumb' }),
      'unsupported_type',
    );
    // Nothing of Eve's room leaked into Ada's.
    expect((await roomFiles(server, ada)).map((f) => f.name)).toEqual(['ours.bin']);
  });
});

describe('cancelled uploads', () => {
  it('stores nothing when the sender hangs up while its image is being processed', async () => {
    const { server, ada } = await setUp();
    const { body, contentType } = multipartBody([
      {
        field: 'file',
        filename: 'cancelled.jpg',
        type: 'image/jpeg',
        bytes: await photo('jpeg', { width: 3000, height: 2000 }),
      },
    ]);
    const { port } = new URL(server.url);
    const socket = connectTcp(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const head =
      `POST /api/rooms/${ada.room.id}/files HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
      `Authorization: Bearer ${ada.token}\r\nContent-Type: ${contentType}\r\n` +
      `Content-Length: ${body.byteLength}\r\n\r\n`;
    // The whole body goes out, then the client is gone before the server can answer.
    await new Promise<void>((resolve) =>
      socket.write(Buffer.concat([Buffer.from(head), body]), () => resolve()),
    );
    await waitFor(() => server.ctx.accountant.reservedBytes > 0, 5000, 'the upload to be taken in');
    socket.destroy();
    await waitFor(
      () => server.ctx.accountant.reservedBytes === 0,
      10_000,
      'the upload to be finished with',
    );

    expect(await roomFiles(server, ada)).toEqual([]);
    const good = await uploadMultipart(server, ada, noise(1000), 'after.bin');
    expect(good.status).toBe(201);
  });
});
