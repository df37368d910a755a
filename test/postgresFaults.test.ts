/**
 * Postgres going away under a running server (through a TCP proxy the test cuts, so the shared
 * server is untouched): no crash, every write during the outage refused with 503 `overloaded`
 * and Retry-After and none of it half-applied, /readyz saying which dependency is down, and
 * service back without a restart once the database is.
 */
import { describe, expect, it } from 'vitest';
import {
  api,
  connectWithState,
  createRoom,
  emitAck,
  join,
  startServer,
  waitFor,
} from './helpers.js';
import { usePostgres } from './postgres.js';
import { lacks } from './requirements.js';
import { startTcpProxy } from './tcpProxy.js';

const freshDatabase = usePostgres();

describe.skipIf(lacks('postgres'))('Postgres restarted under a running server', () => {
  it(
    'refuses writes with 503 while it is away, applies none of them, and recovers by itself',
    { timeout: 60_000 },
    async () => {
      const direct = new URL(await freshDatabase());
      const proxy = await startTcpProxy({
        host: direct.hostname,
        port: Number(direct.port || 5432),
      });
      const through = new URL(direct.href);
      through.host = `127.0.0.1:${proxy.port}`;
      const server = await startServer({
        DATABASE_URL: through.href,
        SESSION_SECRET: 'postgres-faults-secret-of-32-characters!',
      });
      const room = await createRoom(server);
      const ada = await join(server, room, 'Ada');
      const { socket } = await connectWithState(server, ada.token);
      const send = (body: string) =>
        api(server, 'POST', `/api/rooms/${room.id}/messages`, { token: ada.token, body: { body } });
      expect((await send('before')).status).toBe(201);

      proxy.cut();
      const refused = await send('during');
      expect(refused.status).toBe(503);
      expect(refused.body.error.code).toBe('overloaded');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      const overSocket = await emitAck(socket, 'message:send', { body: 'during, by socket' });
      expect(overSocket).toMatchObject({ ok: false, error: { code: 'overloaded' } });
      const newRoom = await api(server, 'POST', '/api/rooms', { body: {} });
      expect(newRoom.status).toBe(503);
      // The process serves on, and says what is wrong.
      expect((await api(server, 'GET', '/healthz')).status).toBe(200);
      const ready = await api(server, 'GET', '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.checks).toMatchObject({ database: 'down' });

      proxy.restore();
      await waitFor(
        async () => (await api(server, 'GET', '/readyz')).status === 200 || undefined,
        15_000,
        'the database back',
      );
      expect((await send('after')).status).toBe(201);
      const history = await api(server, 'GET', `/api/rooms/${room.id}/messages`, {
        token: ada.token,
      });
      const texts = history.body.messages.filter((m: { type: string }) => m.type === 'text');
      expect(texts.map((m: { body: string }) => m.body)).toEqual(['before', 'after']);
      // Nothing refused took a seq: the numbering has no gap.
      const seqs = history.body.messages.map((m: { seq: number }) => m.seq);
      expect(seqs).toEqual(seqs.map((_: number, i: number) => seqs[0] + i));
    },
  );
});
