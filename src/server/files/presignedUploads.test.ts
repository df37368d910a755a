/**
 * Direct uploads (API.md, "Files and images": `POST …/uploads`, `…/uploads/:uploadId/complete`)
 * against a real S3-compatible server: the bytes go straight to S3 with real fetch, the server
 * checks them like any upload, and whatever happens the staged object is gone afterwards.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  download,
  fileUrl,
  gradient,
  locationIn,
  noise,
  roomFiles,
  tiffWithGps,
} from '../../../test/fileHelpers.js';
import {
  api,
  connectWithState,
  join,
  roomWith,
  startServer,
  waitFor,
  type Joined,
  type TestServer,
} from '../../../test/helpers.js';
import { useS3 } from '../../../test/s3.js';
import { ManualClock } from '../core/Clock.js';
import { MAX_PENDING_PER_MEMBER, UPLOAD_URL_SECONDS } from './PresignedUploads.js';

const bucket = useS3();

const UPLOAD_ID = /^[A-Za-z0-9_-]{16,64}$/;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

interface Presigned {
  uploadId: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  expiresAt: string;
}

const s3Server = (env: Record<string, string> = {}, clock?: ManualClock) =>
  startServer(
    { ...bucket.s3.env(), EMPTY_ROOM_GRACE_SECONDS: '86400', ...env },
    clock ? { clock } : {},
  );

function requestUpload(server: TestServer, member: Joined, body: unknown) {
  return api<Presigned>(server, 'POST', `/api/rooms/${member.room.id}/uploads`, {
    token: member.token,
    body,
  });
}

function complete(server: TestServer, member: Joined, uploadId: string) {
  return api(server, 'POST', `/api/rooms/${member.room.id}/uploads/${uploadId}/complete`, {
    token: member.token,
  });
}

/** Sends `bytes` to S3 the way a browser would: the URL, method and headers it was given. */
async function sendToS3(presigned: Presigned, bytes: Uint8Array): Promise<number> {
  const response = await fetch(presigned.url, {
    method: presigned.method,
    headers: presigned.headers,
    body: new Uint8Array(bytes),
  });
  await response.arrayBuffer();
  return response.status;
}

/** Asks for an upload, sends the bytes, completes. */
async function directUpload(
  server: TestServer,
  member: Joined,
  bytes: Uint8Array,
  declared: { name: string; mime: string; size?: number },
) {
  const created = await requestUpload(server, member, { size: bytes.byteLength, ...declared });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect(await sendToS3(created.body, bytes)).toBe(200);
  return {
    uploadId: created.body.uploadId,
    completed: await complete(server, member, created.body.uploadId),
  };
}

/** Nothing of a room's files, file messages or blobs: the room is as it was. */
async function expectNothingStored(server: TestServer, member: Joined): Promise<void> {
  expect(await roomFiles(server, member)).toEqual([]);
  const room = await api(server, 'GET', `/api/rooms/${member.room.id}`, { token: member.token });
  expect(room.body.messages.filter((m: { type: string }) => m.type === 'file')).toEqual([]);
  expect(await bucket.s3.keys(`blobs/${member.room.id}/`)).toEqual([]);
}

describe('direct uploads with BLOB_STORE=s3', () => {
  it('hands out a presigned PUT, then stores what was sent like any upload and deletes the staged object', async () => {
    const server = await s3Server();
    const { members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const graceClient = await connectWithState(server, grace.token);
    const bytes = noise(300_000, 'direct-upload');

    const created = await requestUpload(server, ada, {
      name: 'dataset.bin',
      size: bytes.byteLength,
      mime: 'application/octet-stream',
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      uploadId: expect.stringMatching(UPLOAD_ID),
      url: expect.stringContaining(`/uploads/${created.body.uploadId}?`),
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream' },
      expiresAt: expect.any(String),
    });
    const url = new URL(created.body.url);
    expect(url.origin).toBe(bucket.s3.endpoint);
    expect(url.searchParams.get('X-Amz-Expires')).toBe(String(UPLOAD_URL_SECONDS));
    // The size and the type are part of the signature, so S3 refuses any other.
    expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';')).toEqual(
      expect.arrayContaining(['content-length', 'content-type']),
    );
    expect(Date.parse(created.body.expiresAt)).toBeGreaterThan(Date.now());

    expect(await sendToS3(created.body, bytes)).toBe(200);
    expect(await bucket.s3.keys('uploads/')).toEqual([`uploads/${created.body.uploadId}`]);

    const completed = await complete(server, ada, created.body.uploadId);
    expect(completed.status, JSON.stringify(completed.body)).toBe(201);
    const { file, message } = completed.body;
    expect(file).toMatchObject({
      name: 'dataset.bin',
      mime: 'application/octet-stream',
      size: bytes.byteLength,
      uploaderId: ada.member.id,
      sha256: sha256(bytes),
    });
    expect(message).toMatchObject({ type: 'file', fileId: file.id, body: 'dataset.bin' });
    await waitFor(() => graceClient.events.find((e) => e.name === 'file:added'));
    const served = await download(server, fileUrl(grace, file.id), { token: grace.token });
    expect(served.status).toBe(200);
    expect(Buffer.compare(served.bytes, bytes)).toBe(0);
    expect(await bucket.s3.keys('uploads/')).toEqual([]);
    expect(await bucket.s3.keys(`blobs/${ada.room.id}/`)).toEqual([
      `blobs/${ada.room.id}/${sha256(bytes)}`,
    ]);
  });

  it('puts images through the same pipeline: type from the bytes, metadata stripped, re-encoded', async () => {
    const server = await s3Server();
    const { members } = await roomWith(server, 'Ada');
    const ada = members[0] as Joined;
    const png = await gradient(320, 200).png().toBuffer();
    // The declared type is not believed: the bytes say PNG.
    const { completed } = await directUpload(server, ada, png, {
      name: 'holiday.jpg',
      mime: 'image/jpeg',
    });
    expect(completed.status, JSON.stringify(completed.body)).toBe(201);
    expect(completed.body.file).toMatchObject({
      name: 'holiday.png',
      mime: 'image/png',
      width: 320,
      height: 200,
    });
    const thumb = await download(
      server,
      fileUrl(ada, completed.body.file.id, '/thumb?w=64&format=webp'),
      {
        token: ada.token,
      },
    );
    expect(thumb.status).toBe(200);
    expect((await sharp(thumb.bytes).metadata()).format).toBe('webp');
    expect(await bucket.s3.keys('uploads/')).toEqual([]);
  });

  it('shows a TIFF sent this way converted, without its GPS, and offers a camera RAW as a download', async () => {
    const server = await s3Server();
    const { members } = await roomWith(server, 'Ada');
    const ada = members[0] as Joined;

    const tiff = await directUpload(server, ada, tiffWithGps(320, 200), {
      name: 'scan.tif',
      mime: 'image/tiff',
    });
    expect(tiff.completed.status, JSON.stringify(tiff.completed.body)).toBe(201);
    expect(tiff.completed.body.file).toMatchObject({ name: 'scan.jpg', mime: 'image/jpeg' });
    const photo = await download(server, fileUrl(ada, tiff.completed.body.file.id), {
      token: ada.token,
    });
    expect(photo.headers.get('content-disposition')).toMatch(/^inline;/);
    expect(await locationIn(photo.bytes)).toBeUndefined();

    const cr2 = tiffWithGps(64, 48, { variant: 'cr2' });
    // Declared as a TIFF: the bytes say Canon RAW, and the bytes decide.
    const raw = await directUpload(server, ada, cr2, { name: 'IMG_0001.CR2', mime: 'image/tiff' });
    expect(raw.completed.status, JSON.stringify(raw.completed.body)).toBe(201);
    expect(raw.completed.body.file).toMatchObject({
      name: 'IMG_0001.cr2',
      mime: 'application/octet-stream',
    });
    const file = await download(server, fileUrl(ada, raw.completed.body.file.id), {
      token: ada.token,
    });
    expect(file.headers.get('content-type')).toBe('application/octet-stream');
    expect(file.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(Buffer.compare(file.bytes, cr2)).toBe(0);
    expect(await bucket.s3.keys('uploads/')).toEqual([]);
  });

  it('refuses HTML sent this way (415) and leaves nothing behind', async () => {
    const server = await s3Server();
    const { members } = await roomWith(server, 'Ada');
    const ada = members[0] as Joined;
    const html = Buffer.from('<!doctype html><html><script>alert(document.cookie)</script></html>');
    const { completed } = await directUpload(server, ada, html, {
      name: 'cat.png',
      mime: 'image/png',
    });
    expect(completed.status).toBe(415);
    expect(completed.body.error.code).toBe('unsupported_type');
    expect(await bucket.s3.keys('uploads/')).toEqual([]);
    await expectNothingStored(server, ada);
  });

  it('refuses an object bigger than declared (413) and leaves nothing behind', async () => {
    const server = await s3Server();
    const { members } = await roomWith(server, 'Ada');
    const ada = members[0] as Joined;
    const created = await requestUpload(server, ada, {
      name: 'small.bin',
      size: 1000,
      mime: 'application/octet-stream',
    });
    // s3rver does not check signatures, so the larger body gets in; the server's check holds.
    expect(await sendToS3(created.body, noise(5000))).toBe(200);
    const completed = await complete(server, ada, created.body.uploadId);
    expect(completed.status).toBe(413);
    expect(completed.body.error).toMatchObject({
      code: 'too_large',
      details: { declaredBytes: 1000 },
    });
    expect(await bucket.s3.keys('uploads/')).toEqual([]);
    await expectNothingStored(server, ada);
  });

  it('completes once: a second complete is 404 not_found', async () => {
    const server = await s3Server();
    const { members } = await roomWith(server, 'Ada');
    const ada = members[0] as Joined;
    const { uploadId, completed } = await directUpload(server, ada, noise(2000), {
      name: 'once.bin',
      mime: 'application/octet-stream',
    });
    expect(completed.status).toBe(201);
    const again = await complete(server, ada, uploadId);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('not_found');
    expect(await roomFiles(server, ada)).toHaveLength(1);
  });

  it("refuses someone else's upload id: 403 in the same room, 404 from another room; the owner still completes", async () => {
    const server = await s3Server();
    const { members } = await roomWith(server, 'Ada', 'Mallory');
    const [ada, mallory] = members as [Joined, Joined];
    const { members: others } = await roomWith(server, 'Eve');
    const eve = others[0] as Joined;
    const bytes = noise(4000);
    const created = await requestUpload(server, ada, {
      name: 'mine.bin',
      size: bytes.byteLength,
      mime: 'application/octet-stream',
    });
    expect(await sendToS3(created.body, bytes)).toBe(200);

    const stolen = await complete(server, mallory, created.body.uploadId);
    expect(stolen.status).toBe(403);
    expect(stolen.body.error.code).toBe('forbidden');
    const elsewhere = await complete(server, eve, created.body.uploadId);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.error.code).toBe('not_found');
    expect(await roomFiles(server, eve)).toEqual([]);

    const completed = await complete(server, ada, created.body.uploadId);
    expect(completed.status).toBe(201);
    expect(completed.body.file.uploaderId).toBe(ada.member.id);
  });

  it('answers 400 when nothing was sent before completing, and the id is used up', async () => {
    const server = await s3Server();
    const { members } = await roomWith(server, 'Ada');
    const ada = members[0] as Joined;
    const created = await requestUpload(server, ada, {
      name: 'never.bin',
      size: 10,
      mime: 'application/octet-stream',
    });
    const completed = await complete(server, ada, created.body.uploadId);
    expect(completed.status).toBe(400);
    expect(completed.body.error.code).toBe('invalid_request');
    expect((await complete(server, ada, created.body.uploadId)).status).toBe(404);
    await expectNothingStored(server, ada);
  });

  it('expires an upload id: completing late is 404, and what was staged is deleted by the sweep', async () => {
    const clock = new ManualClock(Date.now());
    const server = await s3Server({ ROOM_TTL_SECONDS: '0' }, clock);
    const { members } = await roomWith(server, 'Ada');
    const ada = members[0] as Joined;
    const inTime = await directUpload(server, ada, noise(1000), {
      name: 'in-time.bin',
      mime: 'application/octet-stream',
    });
    // Completed in time: fine. Now one completed too late, and one never completed.
    expect(inTime.completed.status).toBe(201);
    const slow = await requestUpload(server, ada, {
      name: 'slow.bin',
      size: 100,
      mime: 'text/plain',
    });
    const forgotten = await requestUpload(server, ada, {
      name: 'forgotten.bin',
      size: 100,
      mime: 'text/plain',
    });
    expect(await sendToS3(slow.body, noise(100))).toBe(200);
    expect(await sendToS3(forgotten.body, noise(100))).toBe(200);
    expect(await bucket.s3.keys('uploads/')).toHaveLength(2);

    await clock.advance(16 * 60_000);
    const completed = await complete(server, ada, slow.body.uploadId);
    expect(completed.status).toBe(404);
    expect(completed.body.error.code).toBe('not_found');
    // The sweep's deletes are not awaited by the clock: poll S3 until they have happened.
    for (let tries = 0; (await bucket.s3.keys('uploads/')).length > 0; tries++) {
      expect(tries).toBeLessThan(100);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await complete(server, ada, forgotten.body.uploadId)).status).toBe(404);
    expect(await roomFiles(server, ada)).toHaveLength(1);
  });

  it('validates the request and applies the limits of any upload', async () => {
    const server = await s3Server({ MAX_UPLOAD_BYTES: '100000' });
    const { members } = await roomWith(server, 'Ada');
    const ada = members[0] as Joined;
    for (const body of [
      {},
      { name: 'x', size: 10 },
      { name: '', size: 10, mime: 'text/plain' },
      { name: 'x', size: 0, mime: 'text/plain' },
      { name: 'x', size: -5, mime: 'text/plain' },
      { name: 'x', size: 1.5, mime: 'text/plain' },
      { name: 'x', size: '10', mime: 'text/plain' },
      { name: 'x', size: 10, mime: 'text/plain\r\nX-Injected: 1' },
      { name: 'x', size: 10, mime: 'nonsense' },
      { name: 'x', size: 10, mime: 'text/plain', extra: true },
    ]) {
      const response = await requestUpload(server, ada, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect((response.body as any).error.code).toBe('invalid_request');
    }
    const tooLarge = await requestUpload(server, ada, {
      name: 'big.bin',
      size: 100_001,
      mime: 'application/octet-stream',
    });
    expect(tooLarge.status).toBe(413);
    expect((tooLarge.body as any).error).toMatchObject({
      code: 'too_large',
      details: { maxBytes: 100_000 },
    });

    const anonymous = await api(server, 'POST', `/api/rooms/${ada.room.id}/uploads`, {
      body: { name: 'x', size: 10, mime: 'text/plain' },
    });
    expect(anonymous.status).toBe(401);
    const badId = await complete(server, ada, '..%2F..%2Fblobs');
    expect(badId.status).toBe(400);
    expect(badId.body.error.code).toBe('invalid_request');

    for (let i = 0; i < MAX_PENDING_PER_MEMBER; i++) {
      expect(
        (await requestUpload(server, ada, { name: `f${i}`, size: 10, mime: 'text/plain' })).status,
      ).toBe(201);
    }
    const busy = await requestUpload(server, ada, {
      name: 'one more',
      size: 10,
      mime: 'text/plain',
    });
    expect(busy.status).toBe(429);
    expect((busy.body as any).error.code).toBe('rate_limited');
    expect(busy.headers.get('retry-after')).toMatch(/^\d+$/);
    // Another member has their own allowance.
    const grace = await join(server, ada.room, 'Grace');
    expect(
      (await requestUpload(server, grace, { name: 'g', size: 10, mime: 'text/plain' })).status,
    ).toBe(201);
  });

  it('reports S3 failing while the staged bytes are read as 503 overloaded, storing nothing', async () => {
    const server = await s3Server(bucket.s3.env(bucket.proxy.endpoint));
    const { members } = await roomWith(server, 'Ada');
    const ada = members[0] as Joined;
    const created = await requestUpload(server, ada, {
      name: 'flaky.bin',
      size: 3000,
      mime: 'application/octet-stream',
    });
    expect(await sendToS3(created.body, noise(3000))).toBe(200);
    bucket.proxy.fail(Infinity);
    let completed;
    try {
      completed = await complete(server, ada, created.body.uploadId);
    } finally {
      bucket.proxy.fail(0);
    }
    expect(completed.status).toBe(503);
    expect(completed.body.error.code).toBe('overloaded');
    expect(completed.headers.get('retry-after')).toBe('30');
    await expectNothingStored(server, ada);
    // While S3 was down the staged object could not be deleted either: the bucket's lifecycle
    // rule for uploads/ is what removes it (docs/architecture.md, "Storage").
    expect(await bucket.s3.keys(`uploads/${created.body.uploadId}`)).toHaveLength(1);
  });
});

describe('direct uploads without S3', () => {
  it('answer 404 not_found naming what they need', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada');
    const ada = members[0] as Joined;
    const created = await requestUpload(server, ada, { name: 'x', size: 10, mime: 'text/plain' });
    expect(created.status).toBe(404);
    expect((created.body as any).error).toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('BLOB_STORE=s3'),
    });
    const completed = await complete(server, ada, 'A'.repeat(32));
    expect(completed.status).toBe(404);
    expect(completed.body.error.code).toBe('not_found');
  });
});
