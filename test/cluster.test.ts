/**
 * Multi-instance mode (API.md "Running": REDIS_URL): two instances on one Postgres database and
 * one Redis (each test run under its own key prefix), with real clients on different instances.
 */
import { describe, expect, it } from 'vitest';
import { roomAcross, useClusterEnv } from './cluster.js';
import { openEditor } from './editors.js';
import {
  api,
  connectWithState,
  createRoom,
  dropConnection,
  emitAck,
  freePort,
  join,
  openEvents,
  presentSession,
  recoveryOf,
  startServer,
  waitFor,
  type Collected,
  type TestServer,
} from './helpers.js';
import type { AppOptions } from '../src/server/app.js';
import { ManualClock } from '../src/server/core/Clock.js';
import { BUS_EVENT } from '../src/server/cluster/serverSideEvents.js';
import { lacks } from './requirements.js';
import { useS3 } from './s3.js';

const bucket = useS3();
const clusterEnv = useClusterEnv();

/** Two instances of one deployment. */
async function twoInstances(options: AppOptions = {}): Promise<[TestServer, TestServer]> {
  const a = await startServer(clusterEnv(), options);
  const b = await startServer(clusterEnv(), options);
  return [a, b];
}

describe.skipIf(lacks('postgres', 'redis'))('two instances over Redis', () => {
  it('deliver a message sent on one to sockets and event streams on the other, seq gap-free', async () => {
    const [a, b] = await twoInstances();
    const { room, ada, grace } = await roomAcross(a, b);
    const onA = await connectWithState(a, ada.token);
    const onB = await connectWithState(b, grace.token);
    const stream = openEvents(b, room.id, grace.token);
    await stream.opened;

    const sent = [];
    for (let i = 0; i < 10; i++) {
      const ack = await emitAck(onA.socket, 'message:send', { body: `from A ${i}` });
      expect(ack).toMatchObject({ ok: true });
      sent.push(ack.message);
    }
    const fromB = await emitAck(onB.socket, 'message:send', { body: 'from B' });
    expect(fromB.message.seq).toBe(sent.at(-1).seq + 1);

    const bodies = (events: { name: string; payload?: any; data?: any }[]) =>
      events
        .filter((e) => e.name === 'message:new')
        .map((e) => (e.payload ?? e.data).message)
        .filter((m: { type: string }) => m.type === 'text');
    const expected = [...sent.map((m) => m.body), 'from B'];
    await waitFor(() => bodies(onB.events).length === 11 || undefined, 5000, 'messages on B');
    await waitFor(() => bodies(stream.events).length === 11 || undefined, 5000, 'SSE on B');
    await waitFor(() => bodies(onA.events).length === 11 || undefined, 5000, 'messages on A');
    for (const events of [onA.events, onB.events, stream.events]) {
      const messages = bodies(events);
      expect(messages.map((m: { body: string }) => m.body)).toEqual(expected);
      // Each arrived once, in seq order without gaps.
      const seqs = messages.map((m: { seq: number }) => m.seq);
      expect(seqs).toEqual(seqs.map((_: number, i: number) => seqs[0]! + i));
    }
  });

  it('share presence: a member online on one instance is online on the other', async () => {
    const [a, b] = await twoInstances();
    const { room, ada, grace } = await roomAcross(a, b);
    const onA = await connectWithState(a, ada.token);
    const onB = await connectWithState(b, grace.token);
    // Grace's snapshot, made on B, shows Ada (connected to A) online.
    const adaInState = onB.state.members.find((m: { id: string }) => m.id === ada.member.id);
    expect(adaInState.online).toBe(true);
    // And A hears that Grace came online on B.
    await waitFor(
      () =>
        onA.events.some(
          (e) =>
            e.name === 'presence' &&
            e.payload.members.some(
              (m: { id: string; online: boolean }) => m.id === grace.member.id && m.online,
            ),
        ) || undefined,
      5000,
      'Grace online on A',
    );
    expect(await a.ctx.presence.isOccupied(room.id)).toBe(true);

    // Ada goes; B sees her offline, and the room is still occupied (Grace) for both.
    onA.socket.disconnect();
    await waitFor(
      async () => !(await b.ctx.presence.online(room.id)).has(ada.member.id) || undefined,
      5000,
      'Ada offline on B',
    );
    expect(await a.ctx.presence.isOccupied(room.id)).toBe(true);
    onB.socket.disconnect();
    await waitFor(
      async () => !(await a.ctx.presence.isOccupied(room.id)) || undefined,
      5000,
      'the room empty on A',
    );
  });

  it('end a room everywhere: members on the other instance are told and disconnected', async () => {
    const [a, b] = await twoInstances();
    const { room, ada, grace } = await roomAcross(a, b);
    await connectWithState(a, ada.token);
    const onB = await connectWithState(b, grace.token);
    const stream = openEvents(b, room.id, grace.token);
    await stream.opened;

    await a.ctx.rooms.close(room.id, 'deleted');
    await waitFor(() => onB.socket.disconnected || undefined, 5000, 'Grace disconnected on B');
    expect(onB.events.find((e) => e.name === 'room:closed')?.payload).toEqual({
      reason: 'deleted',
    });
    await waitFor(
      () => stream.events.find((e) => e.name === 'room:closed') ?? undefined,
      5000,
      'room:closed on the event stream',
    );
    const gone = await api(b, 'GET', `/api/rooms/${room.id}`, { token: grace.token });
    expect(gone.status).toBe(410);
    expect(gone.body.error.code).toBe('room_expired');
  });

  it('disconnect a member who left through the other instance', async () => {
    const [a, b] = await twoInstances();
    const room = await createRoom(a, { persistent: false });
    const ada = await join(a, room, 'Ada');
    await join(a, room, 'Grace');
    const onA = await connectWithState(a, ada.token);
    const left = await api(b, 'POST', `/api/rooms/${room.id}/leave`, { token: ada.token });
    expect(left.status).toBe(204);
    await waitFor(() => onA.socket.disconnected || undefined, 5000, 'Ada disconnected on A');
  });

  it('refuse the token of a member who left through A on B at once, though B checked it a moment before', async () => {
    const [a, b] = await twoInstances();
    const { room, ada, grace } = await roomAcross(a, b);
    const send = (server: TestServer, token: string, body: string) =>
      api(server, 'POST', `/api/rooms/${room.id}/messages`, { token, body: { body } });
    // B has just checked both sessions, and would use those checks for a while.
    expect((await send(b, ada.token, 'before')).status).toBe(201);
    expect((await send(b, grace.token, 'hello')).status).toBe(201);
    const adaOnB = await connectWithState(b, ada.token);

    const left = await api(a, 'POST', `/api/rooms/${room.id}/leave`, { token: ada.token });
    expect(left.status).toBe(204);
    // The socket may be cut first (member:left): then nothing is acknowledged.
    const overSocket = new Promise<unknown>((resolve) => {
      if (adaOnB.socket.disconnected) return resolve(undefined);
      adaOnB.socket.once('disconnect', () => resolve(undefined));
      adaOnB.socket.emit('message:send', { body: 'after, over the socket' }, resolve);
    });
    const [rest, socket] = await Promise.all([send(b, ada.token, 'after, over REST'), overSocket]);
    expect(rest.status).toBe(401);
    expect(rest.body.error.code).toBe('unauthorized');
    if (socket !== undefined) expect(socket).toMatchObject({ error: { code: 'unauthorized' } });
    // Grace's session, checked on B in the same room, still holds.
    expect((await send(b, grace.token, 'still here')).status).toBe(201);

    const history = await api(b, 'GET', `/api/rooms/${room.id}/messages`, { token: grace.token });
    const texts = history.body.messages.filter((m: { type: string }) => m.type === 'text');
    expect(texts.map((m: { body: string }) => m.body)).toEqual(['before', 'hello', 'still here']);
  });

  it('refuse every session of a room ended on A on B at once', async () => {
    const [a, b] = await twoInstances();
    const { room, grace } = await roomAcross(a, b);
    const send = (body: string) =>
      api(b, 'POST', `/api/rooms/${room.id}/messages`, { token: grace.token, body: { body } });
    expect((await send('before')).status).toBe(201);
    await a.ctx.rooms.close(room.id, 'deleted');
    // 410 once B has heard the room ended, 404 if the room's end has not reached it yet.
    expect([404, 410]).toContain((await send('after')).status);
  });

  /** Grace's session, saved in Redis when her socket on A dropped, and a message she missed. */
  async function graceDroppedOnA(a: TestServer, b: TestServer) {
    const { room, ada, grace } = await roomAcross(a, b);
    const onA = await connectWithState(a, grace.token);
    const message = (token: string, body: string) =>
      api(a, 'POST', `/api/rooms/${room.id}/messages`, { token, body: { body } });
    await message(ada.token, 'seen');
    await waitFor(() => onA.events.find((e) => e.payload?.message?.body === 'seen'));
    const session = recoveryOf(onA);
    await dropConnection(onA);
    await waitFor(async () => {
      const members = (await api(b, 'GET', `/api/rooms/${room.id}`, { token: ada.token })).body
        ?.members as { id: string; online: boolean }[] | undefined;
      return members?.find((m) => m.id === grace.member.id)?.online === false || undefined;
    });
    await message(ada.token, 'secret while away');
    return { room, ada, grace, session };
  }

  it('recover a socket dropped on A on B, for its own member only', async () => {
    const [a, b] = await twoInstances();
    const first = await graceDroppedOnA(a, b);
    const outsider = await join(b, await createRoom(b, { persistent: false }), 'Bob');
    const forged = presentSession(b, { token: outsider.token, ...first.session });
    const fresh = await forged.connected;
    expect(fresh.socket.recovered).toBe(false);
    expect(recoveryOf(fresh).pid).not.toBe(first.session.pid);
    await waitFor(() => fresh.events.find((e) => e.name === 'room:state'));
    expect(JSON.stringify(forged.packets)).not.toContain('secret');

    const second = await graceDroppedOnA(a, b);
    const back = await presentSession(b, { token: second.grace.token, ...second.session })
      .connected;
    expect(back.socket.recovered).toBe(true);
    await waitFor(() => back.events.find((e) => e.payload?.message?.body === 'secret while away'));
  });

  it('send nothing to a member who left through A when they present their old session on B', async () => {
    const [a, b] = await twoInstances();
    const { room, ada, grace, session } = await graceDroppedOnA(a, b);
    await api(a, 'POST', `/api/rooms/${room.id}/leave`, { token: grace.token });
    await api(a, 'POST', `/api/rooms/${room.id}/messages`, {
      token: ada.token,
      body: { body: 'secret after she left' },
    });
    const forged = presentSession(b, { token: grace.token, ...session });
    const refusal = await forged.connected.then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(refusal?.message).toBe('unauthorized');
    expect(forged.packets).toEqual([]);
  });

  it('hold a member to one rate limit whichever instance they use', async () => {
    const [a, b] = await twoInstances({ limits: { messages: { points: 3, seconds: 60 } } });
    const { room, ada, grace } = await roomAcross(a, b);
    const send = (server: TestServer, token: string, body: string) =>
      api(server, 'POST', `/api/rooms/${room.id}/messages`, { token, body: { body } });
    expect((await send(a, ada.token, 'one')).status).toBe(201);
    expect((await send(b, ada.token, 'two')).status).toBe(201);
    expect((await send(a, ada.token, 'three')).status).toBe(201);
    const limited = await send(b, ada.token, 'four');
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Grace has her own budget.
    expect((await send(a, grace.token, 'hello')).status).toBe(201);
  });

  it('warn of a room’s end once, though every instance sweeps it', async () => {
    const clocks = [new ManualClock(), new ManualClock()] as const;
    const a = await startServer(clusterEnv(), { clock: clocks[0] });
    const b = await startServer(clusterEnv(), { clock: clocks[1] });
    const { room, ada, grace } = await roomAcross(a, b);
    const onA = await connectWithState(a, ada.token);
    const onB = await connectWithState(b, grace.token);
    const expiring = (client: Collected) =>
      client.events.filter((e) => e.name === 'room:expiring').map((e) => e.payload);

    for (const clock of clocks) await clock.advance((3600 - 300) * 1000);
    await a.ctx.rooms.sweep();
    await b.ctx.rooms.sweep();
    // A warning either instance published comes before this message on both.
    const sent = await api(b, 'POST', `/api/rooms/${room.id}/messages`, {
      token: grace.token,
      body: { body: 'still here' },
    });
    expect(sent.status).toBe(201);
    for (const client of [onA, onB]) {
      await waitFor(
        () =>
          client.events.some(
            (e) => e.name === 'message:new' && e.payload.message.body === 'still here',
          ),
        5000,
        'the message',
      );
      expect(expiring(client)).toEqual([{ secondsLeft: 300 }]);
    }
  });

  it('stop a run held by the other instance at its member’s request', async () => {
    const [a, b] = await twoInstances();
    const { room, ada, grace } = await roomAcross(a, b);
    const watcher = await connectWithState(b, grace.token);

    const answer = api(a, 'POST', `/api/rooms/${room.id}/exec`, {
      token: ada.token,
      body: { language: 'javascript', code: 'while (true) {}' },
    });
    await waitFor(() => watcher.events.find((e) => e.name === 'exec:started'), 5000, 'the run');
    const stopped = await api(b, 'POST', `/api/rooms/${room.id}/exec/stop`, { token: ada.token });
    expect(stopped.status).toBe(204);
    // Stopped, not timed out: the stop crossed to A before the run's deadline.
    expect((await answer).body).toMatchObject({ exitCode: 137, stopped: true, timedOut: false });
    const result = await waitFor(
      () => watcher.events.find((e) => e.name === 'exec:result'),
      5000,
      'the result on B',
    );
    expect(result.payload.result).toMatchObject({ stopped: true });
  });

  it('pass on only relayed events that follow their schema', async () => {
    const [a, b] = await twoInstances();
    const { room, ada, grace } = await roomAcross(a, b);
    // B's event streams hear other instances through the relay.
    const stream = openEvents(b, room.id, grace.token);
    await stream.opened;
    // Caught up first: a message sent before would come in the snapshot, not as message:new.
    await waitFor(() => stream.events.some((e) => e.name === 'room:state'), 5000, 'room:state');
    // What a confused or hostile peer might put on the cluster's channel.
    for (const bogus of [
      { roomId: room.id, name: 'message:new', payload: { message: { body: 'forged' } } },
      { roomId: room.id, name: 'room:state', payload: {} },
      { roomId: room.id, name: 'no:such-event', payload: {} },
      { roomId: room.id, name: 'member:left', payload: { memberId: 42 }, extra: true },
      { roomId: room.id, name: 'room:closed', payload: { reason: '' } },
    ])
      a.sockets.io.serverSideEmit(BUS_EVENT, bogus as never);
    const sent = await api(a, 'POST', `/api/rooms/${room.id}/messages`, {
      token: ada.token,
      body: { body: 'the real one' },
    });
    expect(sent.status).toBe(201);
    await waitFor(
      () => stream.events.some((e) => e.name === 'message:new'),
      5000,
      'the real message on B',
    );
    // Emitted before the real message on one ordered channel: refused, not merely late.
    const names = stream.events
      .map((e) => e.name)
      .filter((name) => name !== 'room:state' && name !== 'presence');
    expect(names).toEqual(['message:new']);
    expect(stream.events.find((e) => e.name === 'message:new')?.data.message.body).toBe(
      'the real one',
    );
  });

  it('refuse to start without Redis, in one line naming it', async () => {
    const port = await freePort();
    await expect(
      startServer({ ...clusterEnv(), REDIS_URL: `redis://127.0.0.1:${port}` }),
    ).rejects.toThrow(/^REDIS_URL: cannot connect \(/);
  });

  it('converge a code document edited on both instances, for late joiners and after restarts', async () => {
    const [a, b] = await twoInstances({ collabHeartbeatMs: 60_000 });
    const room = await createRoom(a, { persistent: true });
    const ada = await join(a, room, 'Ada');
    const grace = await join(b, room, 'Grace');
    const onA = await openEditor(a, ada);
    const onB = await openEditor(b, grace);

    onA.text.insert(0, 'print("from A")\n');
    await waitFor(() => onB.text.toJSON().includes('from A') || undefined, 5000, 'A on B');
    onB.text.insert(onB.text.length, 'print("from B")\n');
    await waitFor(() => onA.text.toJSON().includes('from B') || undefined, 5000, 'B on A');
    // Typed at once on both: Yjs merges, and both end the same.
    for (let i = 0; i < 20; i++) {
      onA.text.insert(0, `# a${i}\n`);
      onB.text.insert(onB.text.length, `# b${i}\n`);
    }
    await waitFor(
      () =>
        (onA.text.toJSON() === onB.text.toJSON() &&
          onA.text.toJSON().includes('# a19') &&
          onA.text.toJSON().includes('# b19')) ||
        undefined,
      5000,
      'the two to converge',
    );

    // Cursors cross too: Grace on B sees Ada's state, labelled with Ada's name.
    onA.provider.awareness.setLocalStateField('cursor', { line: 1 });
    await waitFor(
      () =>
        [...onB.provider.awareness.getStates().values()].find(
          (state) => (state as { user?: { name?: string } }).user?.name === 'Ada',
        ),
      5000,
      "Ada's cursor on B",
    );

    // A third editor on B, while B already has the document open, gets all of it.
    const late = await openEditor(b, await join(b, room, 'Eve'));
    expect(late.text.toJSON()).toBe(onA.text.toJSON());

    // Everybody leaves; the stored document is the whole of it, whichever instance reads it.
    const final = onA.text.toJSON();
    for (const editor of [onA, onB, late]) editor.provider.destroy();
    await waitFor(
      () => (a.use('collab').openDocs === 0 && b.use('collab').openDocs === 0) || undefined,
      5000,
      'unloaded',
    );
    await Promise.all([a.use('collab').flush(), b.use('collab').flush()]);
    const reopened = await openEditor(a, ada);
    expect(reopened.text.toJSON()).toBe(final);
  });

  it('complete a direct upload on another instance than the one that handed it out, once', async () => {
    const s3Env = { ...clusterEnv(), ...bucket.s3.env() };
    const a = await startServer(s3Env);
    const b = await startServer(s3Env);
    const { room, ada, grace } = await roomAcross(a, b);
    const bytes = Buffer.from('a file sent straight to object storage\n'.repeat(100));
    const asked = await api(a, 'POST', `/api/rooms/${room.id}/uploads`, {
      token: ada.token,
      body: { name: 'notes.txt', size: bytes.length, mime: 'text/plain' },
    });
    expect(asked.status).toBe(201);
    const sent = await fetch(asked.body.url, {
      method: asked.body.method,
      headers: asked.body.headers,
      body: bytes,
    });
    expect(sent.ok).toBe(true);
    const completePath = `/api/rooms/${room.id}/uploads/${asked.body.uploadId}/complete`;
    // Not Grace's to complete, on either instance; it stays open for Ada.
    expect((await api(b, 'POST', completePath, { token: grace.token })).status).toBe(403);
    const completed = await api(b, 'POST', completePath, { token: ada.token });
    expect(completed.status).toBe(201);
    expect(completed.body.file).toMatchObject({ name: 'notes.txt', size: bytes.length });
    // Used up, on every instance.
    expect((await api(a, 'POST', completePath, { token: ada.token })).status).toBe(404);
    expect((await api(b, 'POST', completePath, { token: ada.token })).status).toBe(404);
  });

  it('report Redis in /readyz', async () => {
    const [a] = await twoInstances();
    const ready = await api(a, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toMatchObject({ database: 'ok', redis: 'ok' });
  });
});
