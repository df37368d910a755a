/**
 * Embedding across two instances over Redis and Postgres (API.md, "Embedding"): a ticket is good
 * once in the whole deployment, however many instances race for it, and an integrator's room is
 * one room whichever instance a ticket reaches.
 */
import { describe, expect, it } from 'vitest';
import { useClusterEnv } from './cluster.js';
import { INTEGRATORS, integratorsFile, signed, ticketFields } from './embedHelpers.js';
import { api, connectWithState, sendMessage, startServer, waitFor } from './helpers.js';
import { lacks } from './requirements.js';

const clusterEnv = useClusterEnv();

async function twoInstances() {
  // The shop's rooms are kept in the database, as its entry asks.
  const file = await integratorsFile(
    INTEGRATORS.map((entry) =>
      entry.id === 'shop' ? { ...entry, rooms: { persistent: true } } : entry,
    ),
  );
  const env = { ...clusterEnv(), INTEGRATORS_FILE: file };
  const a = await startServer(env);
  const b = await startServer(env);
  const exchange = (server: { url: string }, pair: object) =>
    api(server, 'POST', '/embed/exchange', { body: pair });
  return { a, b, exchange };
}

describe.skipIf(lacks('postgres', 'redis'))('embedding over two instances', () => {
  it('lets one of many racing exchanges of a ticket win, on either instance', async () => {
    const { a, b, exchange } = await twoInstances();
    const pair = signed(ticketFields(Date.now()));
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => exchange(i % 2 === 0 ? a : b, pair)),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, ...Array<number>(9).fill(401)]);
    for (const answer of answers.filter((x) => x.status === 401))
      expect(answer.body.error.code).toBe('ticket_replayed');

    // Used on one instance, refused on the other, afterwards too.
    const once = signed(ticketFields(Date.now(), { userId: 'u-2' }));
    expect((await exchange(b, once)).status).toBe(200);
    const replay = await exchange(a, once);
    expect({ status: replay.status, code: replay.body.error?.code }).toEqual({
      status: 401,
      code: 'ticket_replayed',
    });
  });

  it('makes the integrator’s room once, kept in the database, and its people meet across instances', async () => {
    const { a, b, exchange } = await twoInstances();
    // Both instances asked at once for a room that does not exist yet: one room.
    const [ada, grace] = await Promise.all([
      exchange(a, signed(ticketFields(Date.now(), { userId: 'ada', displayName: 'Ada' }))),
      exchange(b, signed(ticketFields(Date.now(), { userId: 'grace', displayName: 'Grace' }))),
    ]);
    expect([ada.status, grace.status]).toEqual([200, 200]);
    expect(grace.body.room.id).toBe(ada.body.room.id);
    expect(ada.body.room.persistent).toBe(true);

    await connectWithState(a, ada.body.token);
    const graceOnB = await connectWithState(b, grace.body.token);
    expect(
      graceOnB.state.members.map((m: { displayName: string }) => m.displayName).sort(),
    ).toEqual(['Ada', 'Grace']);
    const sent = await sendMessage(a, ada.body, 'Hello from the shop page');
    expect(sent.status).toBe(201);
    await waitFor(() =>
      graceOnB.events.find(
        (e) => e.name === 'message:new' && e.payload.message.body === 'Hello from the shop page',
      ),
    );
    // The same person again, through the other instance: the same member.
    const adaAgain = await exchange(b, signed(ticketFields(Date.now(), { userId: 'ada' })));
    expect(adaAgain.body.member).toEqual(ada.body.member);
  });
});
