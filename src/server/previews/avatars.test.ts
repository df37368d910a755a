/**
 * Members' pictures from embedding tickets (API.md, "Embedding": `avatarUrl`): the member's view
 * names a path on this server, and the server fetches the picture through the image proxy, so no
 * member's browser ever contacts the integrator's image host. The host is a local HTTPS site
 * with a certificate of its own; the door trusts it for these tests only.
 */
import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integratorsFile, signed, ticketFields } from '../../../test/embedHelpers.js';
import { gradient } from '../../../test/fileHelpers.js';
import { api, connectWithState, join, startServer } from '../../../test/helpers.js';
import { startThirdPartySite, type ThirdPartySite } from '../../../test/thirdPartySite.js';

let cdn: ThirdPartySite;

beforeAll(async () => {
  const face = await gradient(400, 400)
    .jpeg()
    .withExif({ IFD0: { Artist: 'someone' } })
    .toBuffer();
  cdn = await startThirdPartySite({
    tls: true,
    routes: {
      '/avatars/381.jpg': (_request, response: ServerResponse) => {
        response.writeHead(200, { 'content-type': 'image/jpeg' }).end(face);
      },
    },
  });
});

afterAll(() => cdn.close());

async function embedServer() {
  return startServer(
    { INTEGRATORS_FILE: await integratorsFile(), FETCH_ALLOW_HOSTS: `127.0.0.1:${cdn.port}` },
    { outbound: { ca: cdn.ca! } },
  );
}

describe('a member’s picture from a ticket', () => {
  it('is served by this server at the path the member’s view names, to the room’s members', async () => {
    const server = await embedServer();
    const avatarUrl = `${cdn.origin}/avatars/381.jpg`;
    const exchanged = await api(server, 'POST', '/embed/exchange', {
      body: signed(ticketFields(Date.now(), { avatarUrl })),
    });
    expect(exchanged.status).toBe(200);
    const { token, member, room } = exchanged.body;
    const path = `/api/rooms/${room.id}/members/${member.id}/avatar`;
    expect(member.avatar).toBe(path);

    // Everyone in the room sees the path, never the integrator's URL.
    const second = await api(server, 'POST', '/embed/exchange', {
      body: signed(ticketFields(Date.now(), { userId: 'user-2', displayName: 'Grace' })),
    });
    const guest = second.body as { token: string; member: { id: string } };
    const state = await connectWithState(server, guest.token);
    const listed = state.state.members.find((m: { id: string }) => m.id === member.id);
    expect(listed).toMatchObject({ avatar: path });
    expect(JSON.stringify(state.state)).not.toContain(cdn.origin);
    expect(
      state.state.members.find((m: { id: string }) => m.id === guest.member.id),
    ).not.toHaveProperty('avatar');

    const asked = cdn.requests.length;
    const picture = await fetch(`${server.url}${path}?w=128&token=${guest.token}`, {
      headers: { accept: 'image/webp' },
    });
    expect(picture.status).toBe(200);
    expect(picture.headers.get('content-type')).toBe('image/webp');
    const bytes = Buffer.from(await picture.arrayBuffer());
    const metadata = await sharp(bytes).metadata();
    expect({ width: metadata.width, exif: metadata.exif }).toEqual({ width: 128, exif: undefined });
    expect(cdn.requests.length).toBe(asked + 1);
    // Cached: a second viewer costs the image host nothing.
    const again = await fetch(`${server.url}${path}?w=128&token=${token}`, {
      headers: { accept: 'image/webp' },
    });
    expect(again.status).toBe(200);
    expect(cdn.requests.length).toBe(asked + 1);

    expect((await fetch(`${server.url}${path}`)).status).toBe(401);
    const other = await api(server, 'POST', '/api/rooms', { body: {} });
    const stranger = await join(server, other.body.room.id, 'Mallory');
    expect((await fetch(`${server.url}${path}?token=${stranger.token}`)).status).toBe(403);
    const none = await fetch(
      `${server.url}/api/rooms/${room.id}/members/${guest.member.id}/avatar?token=${token}`,
    );
    expect(none.status).toBe(404);
  });
});
