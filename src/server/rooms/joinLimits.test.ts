/**
 * The join limits per address (docs/operations.md, "Limits"): a class behind one NAT joins at
 * once, while guessing join codes is stopped after `joinFailures` wrong ones, before anything is
 * looked up, on every instance.
 */
import { describe, expect, it } from 'vitest';
import { JOIN_CODE_ALPHABET } from '../../protocol/constants.js';
import { roomAcross, useClusterEnv } from '../../../test/cluster.js';
import { api, createRoom, startServer, type ApiResponse } from '../../../test/helpers.js';
import { lacks } from '../../../test/requirements.js';
import { defaultLimits } from '../core/limits.js';

/** The join limits as shipped; the other limits stay relaxed (test/helpers.ts). */
const joinDefaults = { joinFailures: defaultLimits.joinFailures, joins: defaultLimits.joins };

/** Every request from `address`, as a trusted proxy in front of the server would say. */
const from = (address: string) => ({ 'x-forwarded-for': address });

function expectError(response: ApiResponse, status: number, code: string): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.body.error.code).toBe(code);
}

/** `count` distinct well-formed join codes, none of them `taken`. */
function wrongCodes(count: number, taken: string): string[] {
  const codes: string[] = [];
  for (const letter of JOIN_CODE_ALPHABET) {
    const code = letter.repeat(6);
    if (code !== taken) codes.push(code, `${letter.repeat(5)}3`);
  }
  return codes.filter((code) => code !== taken).slice(0, count);
}

function joinByCode(server: { url: string }, joinCode: string, name: string, address: string) {
  return api(server, 'POST', '/api/rooms/join', {
    body: { joinCode, displayName: name },
    headers: from(address),
  });
}

function lookUp(server: { url: string }, joinCode: string, address: string) {
  return api(server, 'GET', `/api/join-codes/${joinCode}`, { headers: from(address) });
}

describe('join limits per address', () => {
  it('lets a class of 60 behind one address join one room at once, typos and all', async () => {
    const server = await startServer({ TRUST_PROXY: 'loopback' }, { limits: joinDefaults });
    const room = await createRoom(server);
    const school = '198.51.100.20';
    // Five of them mistype the code first: their failures do not lock the others out.
    for (const code of wrongCodes(5, room.joinCode)) {
      expectError(await lookUp(server, code, school), 404, 'room_not_found');
    }
    const students = Array.from({ length: 60 }, (_, i) => `Student ${i + 1}`);
    const answers = await Promise.all(
      students.map(async (name) => {
        // As the web client does: check the code, then join with a name.
        const found = await lookUp(server, room.joinCode, school);
        const joined = await joinByCode(server, room.joinCode, name, school);
        return [found.status, joined.status];
      }),
    );
    expect(answers.flat()).toEqual(Array(120).fill(200));
  });

  it('refuses the 31st attempt after 30 wrong codes, even with the right code', async () => {
    const server = await startServer({ TRUST_PROXY: 'loopback' }, { limits: joinDefaults });
    const room = await createRoom(server);
    const guesser = '203.0.113.66';
    const [last, ...wrong] = wrongCodes(31, room.joinCode) as [string, ...string[]];
    for (const [i, code] of wrong.entries()) {
      const attempt =
        i % 2 === 0 ? lookUp(server, code, guesser) : joinByCode(server, code, 'Eve', guesser);
      expectError(await attempt, 404, 'room_not_found');
    }

    const refused = await joinByCode(server, last, 'Eve', guesser);
    expectError(refused, 429, 'rate_limited');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body.error.details).toEqual({ retryAfter });
    // The right code is refused too: were it answered while wrong ones are refused, a blocked
    // guesser would still learn which of its guesses is a room from 200 against 429.
    expectError(await joinByCode(server, room.joinCode, 'Eve', guesser), 429, 'rate_limited');
    expectError(await lookUp(server, room.joinCode, guesser), 429, 'rate_limited');

    // Another address keeps its own budget: it joins, and a typo of its own is only a 404.
    const neighbour = '203.0.113.67';
    expect((await lookUp(server, room.joinCode, neighbour)).status).toBe(200);
    expect((await joinByCode(server, room.joinCode, 'Ada', neighbour)).status).toBe(200);
    expectError(await lookUp(server, last, neighbour), 404, 'room_not_found');
  });

  it('counts joins by an id that names no room, and not refusals of a bad name', async () => {
    const server = await startServer(
      { TRUST_PROXY: 'loopback' },
      { limits: { joinFailures: { points: 2, seconds: 60 } } },
    );
    const room = await createRoom(server);
    const address = '203.0.113.70';
    const byId = (roomId: string, displayName: string) =>
      api(server, 'POST', '/api/rooms/join', {
        body: { roomId, displayName },
        headers: from(address),
      });
    for (let i = 0; i < 3; i++) expectError(await byId(room.id, ' '), 400, 'invalid_request');
    for (const unknown of ['a'.repeat(22), 'b'.repeat(22)]) {
      expectError(await byId(unknown, 'Eve'), 404, 'room_not_found');
    }
    expectError(await byId(room.id, 'Eve'), 429, 'rate_limited');
  });
});

describe.skipIf(lacks('postgres', 'redis'))('join limits across instances', () => {
  const clusterEnv = useClusterEnv({ TRUST_PROXY: 'loopback' });

  it('refuse on one instance the address that spent its failures on another', async () => {
    const limits = { joinFailures: { points: 3, seconds: 60 } };
    const a = await startServer(clusterEnv(), { limits });
    const b = await startServer(clusterEnv(), { limits });
    const { room } = await roomAcross(a, b);
    const guesser = '203.0.113.80';
    for (const [i, code] of wrongCodes(3, room.joinCode).entries()) {
      expectError(await lookUp(i === 1 ? b : a, code, guesser), 404, 'room_not_found');
    }
    expectError(await lookUp(b, room.joinCode, guesser), 429, 'rate_limited');
    expectError(await joinByCode(a, room.joinCode, 'Eve', guesser), 429, 'rate_limited');
    expect((await joinByCode(b, room.joinCode, 'Lin', '203.0.113.81')).status).toBe(200);
  });
});
