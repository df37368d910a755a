/**
 * The VideoRoom rooms Roomkit makes for calls, in Debian's real Janus: made private with a
 * secret, entered only with a participant's scoped token once Roomkit has let them in, and gone
 * once destroyed; Janus's API secret is required.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../../test/helpers.js';
import { JANUS_API_SECRET, startJanus } from '../../../../test/janusTest.js';
import { lacks } from '../../../../test/requirements.js';
import { Outbound } from '../../outbound/Outbound.js';
import { JanusClient, JanusError, type JanusEvent } from './JanusClient.js';
import { VideoRooms } from './VideoRooms.js';

describe.skipIf(lacks('janus'))('VideoRoom rooms in Janus', { timeout: 60_000 }, () => {
  /** The door a server would reach Janus through. */
  const outbound = new Outbound();
  afterAll(() => outbound.close());

  it('lets in only the participants Roomkit allowed, with their own tokens, until the room is destroyed', async () => {
    const url = await startJanus();
    const client = new JanusClient(outbound, url, JANUS_API_SECRET);
    const rooms = new VideoRooms(client);
    const room = await rooms.create(8);
    expect(await rooms.exists(room)).toBe(true);
    await rooms.allow(room, ['ada']);

    // Ada's own session, as the SFU relay opens one per participant.
    const events: JanusEvent[] = [];
    const session = await client.session((event) => events.push(event));
    const publisher = await session.attach('janus.plugin.videoroom');
    const join = (token: string, display: string) =>
      publisher.message({ request: 'join', ptype: 'publisher', room: room.id, token, display });

    await join(rooms.token(room, 'grace'), 'grace');
    const refused = await waitFor(() => events.find((e) => e.data?.error_code !== undefined));
    expect(refused.data).toMatchObject({ videoroom: 'event', error_code: 433 });
    await join(rooms.token(room, 'ada'), 'ada');
    const joined = await waitFor(() => events.find((e) => e.data?.videoroom === 'joined'));
    expect(joined.data).toMatchObject({ room: room.id, id: expect.any(Number) });
    expect(rooms.token(room, 'ada')).not.toBe(rooms.token(room, 'grace'));

    // Once Roomkit takes Ada out (she left the call), her token no longer lets her in.
    await rooms.disallow(room, ['ada']);
    const again = await session.attach('janus.plugin.videoroom');
    const before = events.length;
    await again.message({
      request: 'join',
      ptype: 'publisher',
      room: room.id,
      token: rooms.token(room, 'ada'),
    });
    const refusedAgain = await waitFor(() =>
      events.slice(before).find((e) => e.handleId === again.id && e.data?.error_code !== undefined),
    );
    expect(refusedAgain.data).toMatchObject({ error_code: 433 });

    await rooms.destroy(room);
    expect(await rooms.exists(room)).toBe(false);
    await waitFor(() => events.find((e) => e.data?.videoroom === 'destroyed'));
    await rooms.destroy(room);
    await session.destroy();
    await rooms.close();
  });

  it('refuses requests without Janus’s API secret', async () => {
    const url = await startJanus();
    const refused = await new JanusClient(outbound, url, 'not the secret')
      .session()
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(JanusError);
    expect((refused as JanusError).code).toBe(403);
  });
});
