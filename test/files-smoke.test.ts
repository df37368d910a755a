import exifr from 'exifr';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { connectWithState, emitAck, roomWith, startServer, waitFor } from './helpers.js';

describe('files smoke', () => {
  it('uploads a photo with GPS over multipart and serves it without', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [any, any];
    const g = await connectWithState(server, grace.token);
    const jpeg = await sharp({
      create: { width: 800, height: 600, channels: 3, background: '#3366cc' },
    })
      .withExif({
        IFD0: { Make: 'TestCam' },
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '51/1 30/1 0/1',
          GPSLongitudeRef: 'W',
          GPSLongitude: '0/1 7/1 0/1',
        },
      })
      .jpeg()
      .toBuffer();
    const before = await exifr.parse(jpeg, { gps: true });
    expect(before?.latitude).toBeGreaterThan(51);
    const form = new FormData();
    form.append('file', new Blob([jpeg], { type: 'image/jpeg' }), 'holiday.png');
    const res = await fetch(`${server.url}/api/rooms/${room.id}/files`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${ada.token}` },
    });
    const body: any = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body.file).toMatchObject({
      name: 'holiday.jpg',
      mime: 'image/jpeg',
      width: 800,
      height: 600,
    });
    await waitFor(() => g.events.find((e) => e.name === 'file:added'));
    const served = Buffer.from(
      await (
        await fetch(`${server.url}/api/rooms/${room.id}/files/${body.file.id}?token=${grace.token}`)
      ).arrayBuffer(),
    );
    const after = await exifr.parse(served, { gps: true }).catch(() => undefined);
    expect(after?.latitude).toBeUndefined();
    const thumb = await fetch(
      `${server.url}/api/rooms/${room.id}/files/${body.file.id}/thumb?w=300&token=${grace.token}`,
      { headers: { accept: 'image/avif,image/webp,*/*' } },
    );
    expect(thumb.headers.get('content-type')).toBe('image/avif');
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect(meta.width).toBe(320);
    const ack = await emitAck(g.socket, 'file:upload', { name: 'again.jpg', data: jpeg });
    expect(ack.ok, JSON.stringify(ack)).toBe(true);
    expect(ack.file.sha256).toBe(body.file.sha256);
  });
});
