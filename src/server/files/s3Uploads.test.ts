/**
 * Every upload path with `BLOB_STORE=s3`, against a real S3-compatible server behind a proxy
 * that can fail: 5xx answers are retried; when the retries run out the upload is a 503
 * `overloaded` and the room is left as it was (no file row, no message, no blob).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { download, fileUrl, noise, roomFiles, uploadMultipart } from '../../../test/fileHelpers.js';
import { api, roomWith, startServer, type Joined } from '../../../test/helpers.js';
import { useS3 } from '../../../test/s3.js';

const bucket = useS3();

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('uploads with BLOB_STORE=s3', () => {
  it('store the bytes in S3, survive two 5xx answers in a row, and serve them back', async () => {
    const server = await startServer(bucket.s3.env(bucket.proxy.endpoint));
    const { members } = await roomWith(server, 'Ada');
    const ada = members[0] as Joined;
    const bytes = noise(40_000, 'retried');
    bucket.proxy.fail(2);
    const response = await uploadMultipart(server, ada, bytes, 'retried.bin');
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(await bucket.s3.keys(`blobs/${ada.room.id}/`)).toEqual([
      `blobs/${ada.room.id}/${sha256(bytes)}`,
    ]);
    bucket.proxy.fail(2);
    const served = await download(server, fileUrl(ada, response.body.file.id), {
      token: ada.token,
    });
    expect(served.status).toBe(200);
    expect(Buffer.compare(served.bytes, bytes)).toBe(0);
  });

  it('answer 503 overloaded when S3 keeps failing, leaving no file row, message or blob', async () => {
    const server = await startServer(bucket.s3.env(bucket.proxy.endpoint));
    const { members } = await roomWith(server, 'Ada');
    const ada = members[0] as Joined;
    bucket.proxy.fail(Infinity);
    let response;
    try {
      response = await uploadMultipart(server, ada, noise(20_000), 'lost.bin');
    } finally {
      bucket.proxy.fail(0);
    }
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('overloaded');
    expect(response.headers.get('retry-after')).toBe('30');
    expect(await roomFiles(server, ada)).toEqual([]);
    const room = await api(server, 'GET', `/api/rooms/${ada.room.id}`, { token: ada.token });
    expect(room.body.messages.filter((m: { type: string }) => m.type === 'file')).toEqual([]);
    expect(await bucket.s3.keys(`blobs/${ada.room.id}/`)).toEqual([]);

    // S3 is back: the same upload goes through.
    const again = await uploadMultipart(server, ada, noise(20_000), 'found.bin');
    expect(again.status).toBe(201);
    expect(await roomFiles(server, ada)).toHaveLength(1);
  });

  it("delete a room's blobs in S3 with the room, keeping another room's copy of the same bytes", async () => {
    const server = await startServer(bucket.s3.env());
    const { members: inA } = await roomWith(server, 'Ada');
    const { members: inB } = await roomWith(server, 'Bo');
    const [ada, bo] = [inA[0], inB[0]] as [Joined, Joined];
    const bytes = noise(10_000, 'shared');
    expect((await uploadMultipart(server, ada, bytes, 'a.bin')).status).toBe(201);
    expect((await uploadMultipart(server, bo, bytes, 'b.bin')).status).toBe(201);
    await server.ctx.rooms.close(ada.room.id, 'deleted');
    expect(await bucket.s3.keys(`blobs/${ada.room.id}/`)).toEqual([]);
    const files = await roomFiles(server, bo);
    const served = await download(server, fileUrl(bo, files[0].id), { token: bo.token });
    expect(Buffer.compare(served.bytes, bytes)).toBe(0);
  });
});
