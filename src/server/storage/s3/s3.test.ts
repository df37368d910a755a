/**
 * The S3 blob driver against a real S3-compatible server (s3rver, started here): the storage
 * contract (with memory drivers for the rest), then what only S3 must get right — its layout,
 * keys checked before any request, large blobs in parts, retries of 5xx answers and a 503
 * `overloaded` once they run out.
 */
import { memoryStores } from '../memory/memoryStores.js';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useS3 } from '../../../../test/s3.js';
import { AppError } from '../../core/AppError.js';
import { MemoryAccountant } from '../../core/MemoryAccountant.js';
import { describeStoreContract } from '../storeContract.js';
import { S3BlobStore, type S3BlobStoreOptions } from './S3BlobStore.js';
import { s3Target } from './s3Client.js';

const bucket = useS3();

const open = (endpoint = bucket.s3.endpoint, options: S3BlobStoreOptions = {}) =>
  new S3BlobStore(s3Target(bucket.s3.settings(endpoint)), options);

describeStoreContract('memory + s3 blobs', async () => ({
  ...memoryStores(new MemoryAccountant(64 * 1024 * 1024)),
  blobs: open(),
}));

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
let rooms = 0;
const newRoom = () => `s3room${Date.now().toString(36)}${rooms++}`;

describe('S3BlobStore in the bucket', () => {
  it('keeps one object per room and content, and deletes only the room asked for', async () => {
    const blobs = open();
    const [roomA, roomB] = [newRoom(), newRoom()];
    const bytes = Buffer.from('a photo in two rooms');
    const hash = sha(bytes);
    await Promise.all([
      blobs.put(`${roomA}/${hash}`, bytes),
      blobs.put(`${roomB}/${hash}`, bytes),
      blobs.put(`${roomB}/${hash}`, bytes),
    ]);
    expect(await bucket.s3.keys(`blobs/${roomA}/`)).toEqual([`blobs/${roomA}/${hash}`]);
    expect(await bucket.s3.keys(`blobs/${roomB}/`)).toEqual([`blobs/${roomB}/${hash}`]);
    expect(blobs.heldInMemory()).toBe(false);
    await blobs.deletePrefix(`${roomA}/`);
    expect(await bucket.s3.keys(`blobs/${roomA}/`)).toEqual([]);
    expect(await blobs.get(`${roomB}/${hash}`)).toEqual(bytes);
    await blobs.deletePrefix(`${roomB}/`);
    expect(await bucket.s3.keys(`blobs/${roomB}/`)).toEqual([]);
    await blobs.close();
  });

  it('deletes a room with more objects than one listing page holds', async () => {
    const blobs = open();
    const room = newRoom();
    const contents = Array.from({ length: 1005 }, (_, i) => Buffer.from(`file ${i}`));
    for (let i = 0; i < contents.length; i += 50) {
      await Promise.all(
        contents.slice(i, i + 50).map((bytes) => blobs.put(`${room}/${sha(bytes)}`, bytes)),
      );
    }
    expect(await bucket.s3.keys(`blobs/${room}/`)).toHaveLength(1005);
    await blobs.deletePrefix(`${room}/`);
    expect(await bucket.s3.keys(`blobs/${room}/`)).toEqual([]);
    await blobs.close();
  }, 60_000);

  it('refuses keys that are not <roomId>/<sha256>, and bytes that do not hash to the key, before asking S3', async () => {
    const blobs = open(bucket.proxy.endpoint);
    const seen = bucket.proxy.requests.length;
    const bytes = Buffer.from('x');
    const hash = sha(bytes);
    for (const key of [
      `../${hash}`,
      `room/../../${hash}`,
      `room/${hash}/more`,
      `room/${hash.toUpperCase()}`,
      `room.x/${hash}`,
      `uploads/${hash}/x`,
      hash,
    ]) {
      await expect(blobs.put(key, bytes)).rejects.toThrow(/not <roomId>\/<sha256>/);
      await expect(blobs.get(key)).rejects.toThrow(/not <roomId>\/<sha256>/);
      await expect(blobs.has(key)).rejects.toThrow(/not <roomId>\/<sha256>/);
    }
    await expect(blobs.put(`room/${sha(Buffer.from('y'))}`, bytes)).rejects.toThrow(
      /do not hash to the key/,
    );
    await expect(blobs.deletePrefix('')).rejects.toThrow(/not a room's prefix/);
    await expect(blobs.deletePrefix('a/b/')).rejects.toThrow(/not a room's prefix/);
    expect(bucket.proxy.requests.length).toBe(seen);
    await blobs.close();
  });

  it('sends large blobs in parts and reads them back whole', async () => {
    const blobs = open(bucket.proxy.endpoint, {
      multipartThresholdBytes: 5 * 1_048_576,
      partBytes: 5 * 1_048_576,
    });
    const room = newRoom();
    const bytes = Buffer.alloc(12 * 1_048_576 + 7);
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = i % 251;
    const key = `${room}/${sha(bytes)}`;
    const seen = bucket.proxy.requests.length;
    await blobs.put(key, bytes);
    const sent = bucket.proxy.requests.slice(seen);
    expect(sent.filter((r) => /^POST .*\?uploads/.test(r))).toHaveLength(1);
    expect(sent.filter((r) => /^PUT .*partNumber=/.test(r))).toHaveLength(3);
    expect(sent.filter((r) => /^POST .*uploadId=/.test(r))).toHaveLength(1);
    expect(Buffer.compare((await blobs.get(key)) as Buffer, bytes)).toBe(0);
    await blobs.deletePrefix(`${room}/`);
    await blobs.close();
  });

  it('tries to abort a multipart upload whose part failed, and reports the failure as 503', async () => {
    const failures: Error[] = [];
    const blobs = open(bucket.proxy.endpoint, {
      multipartThresholdBytes: 5 * 1_048_576,
      partBytes: 5 * 1_048_576,
      onError: (error) => failures.push(error),
    });
    const room = newRoom();
    const bytes = Buffer.alloc(6 * 1_048_576, 3);
    const seen = bucket.proxy.requests.length;
    // Let CreateMultipartUpload through, then fail everything (each part's three tries).
    bucket.proxy.fail(0);
    const putting = blobs.put(`${room}/${sha(bytes)}`, bytes);
    await waitUntil(() => bucket.proxy.requests.slice(seen).some((r) => /\?uploads/.test(r)));
    bucket.proxy.fail(Infinity);
    const error = await putting.catch((e: unknown) => e);
    bucket.proxy.fail(0);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'overloaded', status: 503 });
    // The abort was asked for (s3rver answers it 405: it has no AbortMultipartUpload).
    const sent = bucket.proxy.requests.slice(seen);
    const abortAt = sent.findIndex((r) => /^DELETE .*uploadId=/.test(r));
    expect(abortAt).toBeGreaterThan(0);
    // No part is still on its way when the abort goes out.
    expect(sent.slice(abortAt).some((r) => /^PUT .*partNumber=/.test(r))).toBe(false);
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(await bucket.s3.keys(`blobs/${room}/`)).toEqual([]);
    await blobs.close();
  });

  it('retries 5xx answers: two failures in a row still store the blob', async () => {
    const blobs = open(bucket.proxy.endpoint);
    const bytes = Buffer.from('stored on the third try');
    const key = `${newRoom()}/${sha(bytes)}`;
    const seen = bucket.proxy.requests.length;
    bucket.proxy.fail(2);
    await blobs.put(key, bytes);
    const puts = bucket.proxy.requests.slice(seen).filter((r) => r.startsWith('PUT '));
    expect(puts.filter((r) => r.includes(sha(bytes)))).toHaveLength(3);
    bucket.proxy.fail(2);
    expect(await blobs.get(key)).toEqual(bytes);
    await blobs.close();
  });

  it('answers 503 overloaded once the retries run out, for reads and writes alike', async () => {
    const failures: Error[] = [];
    const blobs = open(bucket.proxy.endpoint, { onError: (error) => failures.push(error) });
    const bytes = Buffer.from('never stored');
    const key = `${newRoom()}/${sha(bytes)}`;
    const seen = bucket.proxy.requests.length;
    bucket.proxy.fail(Infinity);
    try {
      for (const attempt of [
        () => blobs.put(key, bytes),
        () => blobs.get(key),
        () => blobs.has(key),
        () => blobs.deletePrefix(`${key.split('/')[0]}/`),
      ]) {
        await expect(attempt()).rejects.toMatchObject({
          code: 'overloaded',
          status: 503,
          headers: { 'Retry-After': '30' },
        });
      }
    } finally {
      bucket.proxy.fail(0);
    }
    // Three tries each, then one report each.
    expect(bucket.proxy.requests.length - seen).toBe(12);
    expect(failures).toHaveLength(4);
    expect(await blobs.has(key)).toBe(false);
    await blobs.close();
  });
});

async function waitUntil(condition: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > ms) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
