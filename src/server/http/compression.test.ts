/**
 * Compressed API responses (docs/api.md, "As built", "Compression"): JSON above the threshold in
 * Brotli or gzip as Accept-Encoding asks, and what must never be compressed or held back —
 * stored files (ranges included), Server-Sent Events, Socket.IO's long polling.
 */
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { photo, uploadMultipart } from '../../../test/fileHelpers.js';
import {
  connectWith,
  onCleanup,
  roomWith,
  sendMessage,
  startServer,
  waitFor,
  type Joined,
} from '../../../test/helpers.js';
import { decoded, rawGet } from '../../../test/rawGet.js';
import { COMPRESSION_THRESHOLD_BYTES } from './compression.js';

const ENCODINGS = ['br', 'gzip'] as const;

/** A tar archive of one text file: a type mime-db calls compressible, stored as a download. */
function tarArchive(text: string): Buffer {
  const header = Buffer.alloc(512);
  header.write('notes.txt', 0);
  header.write('ustar\0', 257);
  const body = Buffer.from(text);
  return Buffer.concat([header, body, Buffer.alloc(512 - (body.byteLength % 512))]);
}

async function uploaded(server: { url: string }, member: Joined, bytes: Buffer, name: string) {
  const response = await uploadMultipart(server, member, bytes, name);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.file as { id: string; mime: string };
}

describe('compressed API responses', () => {
  it('compresses JSON above the threshold as asked, the same JSON once decoded', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const ada = members[0]!;
    for (let i = 0; i < 20; i++) await sendMessage(server, ada, `message number ${i} in the room`);
    const url = `${server.url}/api/rooms/${room.id}/messages`;
    const auth = { authorization: `Bearer ${ada.token}` };

    const plain = await rawGet(url, auth);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.byteLength).toBeGreaterThan(COMPRESSION_THRESHOLD_BYTES);
    for (const encoding of ENCODINGS) {
      const response = await rawGet(url, { ...auth, 'accept-encoding': `${encoding}, identity` });
      expect(response.status).toBe(200);
      expect(response.headers['content-encoding']).toBe(encoding);
      expect(response.headers.vary).toMatch(/accept-encoding/i);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body.byteLength).toBeLessThan(plain.body.byteLength);
      expect(JSON.parse(decoded(response).toString())).toEqual(JSON.parse(plain.body.toString()));
    }
    // Brotli is preferred when both are accepted.
    const both = await rawGet(url, { ...auth, 'accept-encoding': 'gzip, deflate, br' });
    expect(both.headers['content-encoding']).toBe('br');
  });

  it('sends small answers as they are', async () => {
    const server = await startServer();
    const response = await rawGet(`${server.url}/healthz`, { 'accept-encoding': 'br, gzip' });
    expect(response.status).toBe(200);
    expect(response.body.byteLength).toBeLessThan(COMPRESSION_THRESHOLD_BYTES);
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(response.body.toString())).toBeTypeOf('object');
  });
});

describe('never compressed', () => {
  it('stored files and thumbnails go out as stored, ranges too', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada');
    const ada = members[0]!;
    const archive = tarArchive('a line of notes that repeats\n'.repeat(2000));
    const image = await photo('png', { gps: false });
    const tar = await uploaded(server, ada, archive, 'notes.tar');
    expect(tar.mime).toBe('application/x-tar');
    const png = await uploaded(server, ada, image, 'photo.png');
    const auth = { authorization: `Bearer ${ada.token}` };
    const files = `${server.url}/api/rooms/${ada.room.id}/files`;

    for (const [file, bytes] of [
      [tar, archive],
      [png, await rawGet(`${files}/${png.id}`, auth).then((r) => r.body)],
    ] as const) {
      for (const encoding of ENCODINGS) {
        const headers = { ...auth, 'accept-encoding': encoding };
        const whole = await rawGet(`${files}/${file.id}`, headers);
        expect(whole.status).toBe(200);
        expect(whole.headers['content-encoding']).toBeUndefined();
        expect(whole.body).toEqual(bytes);

        const range = await rawGet(`${files}/${file.id}`, { ...headers, range: 'bytes=100-1099' });
        expect(range.status).toBe(206);
        expect(range.headers['content-encoding']).toBeUndefined();
        expect(range.headers['content-range']).toBe(`bytes 100-1099/${bytes.byteLength}`);
        expect(range.body).toEqual(bytes.subarray(100, 1100));
      }
    }
    const thumb = await rawGet(`${files}/${png.id}/thumb`, { ...auth, 'accept-encoding': 'br' });
    expect(thumb.status).toBe(200);
    expect(thumb.headers['content-encoding']).toBeUndefined();
  });

  it('Server-Sent Events: never compressed, each event arrives as it happens', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const ada = members[0]!;
    const url = `${server.url}/api/rooms/${room.id}/events?token=${encodeURIComponent(ada.token)}`;
    let text = '';
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const req = httpRequest(url, { headers: { 'accept-encoding': 'br, gzip' } }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        resolve(res.headers);
      });
      req.on('error', reject);
      req.end();
      onCleanup(() => void req.destroy());
    });
    expect(headers['content-type']).toMatch(/^text\/event-stream/);
    expect(headers['content-encoding']).toBeUndefined();
    await waitFor(() => text.includes('event: room:state'), 5000, 'room:state');
    // A small event after the first: it comes at once, not when a buffer fills.
    await sendMessage(server, ada, 'hello over SSE');
    await waitFor(() => text.includes('hello over SSE'), 5000, 'message:new');
    expect(text).toMatch(/id: \d+\nevent: message:new\ndata: .*hello over SSE/);
  });

  it('Socket.IO long polling still connects and delivers', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const handshake = await rawGet(`${server.url}/socket.io/?EIO=4&transport=polling`, {
      'accept-encoding': 'br, gzip',
    });
    expect(handshake.status).toBe(200);
    expect(decoded(handshake).toString()).toMatch(/^0\{"sid"/);

    const client = await connectWith(server, {
      transports: ['polling'],
      auth: { token: grace.token },
    });
    await waitFor(() => client.events.find((e) => e.name === 'room:state'), 5000, 'room:state');
    await sendMessage(server, ada, 'hello over polling');
    await waitFor(
      () => client.events.find((e) => e.name === 'message:new'),
      5000,
      'message:new over polling',
    );
  });
});
