/**
 * Calls across two instances over Redis and Postgres: the call's state is the same on both, a
 * signal reaches its participant on the other instance (socket or event stream), a full call's
 * last place goes to one of two members racing for it on different instances, and a reconnect
 * through the other instance replays no signal.
 */
import { describe, expect, it } from 'vitest';
import { roomAcross, useClusterEnv } from './cluster.js';
import {
  api,
  connectWith,
  connectWithState,
  dropConnection,
  emitAck,
  join,
  openEvents,
  reconnectSocket,
  sleep,
  startServer,
  waitFor,
  type Collected,
} from './helpers.js';
import { JANUS_API_SECRET, startJanus } from './janusTest.js';
import { lacks } from './requirements.js';
import { publisherOffer } from './sdp.js';

const clusterEnv = useClusterEnv();
const offer = { sdp: 'v=0\r\n' };

const signalsTo = (client: Collected) =>
  client.events.filter((e) => e.name === 'signal').map((e) => e.payload);
const callSeen = (client: Collected) =>
  client.events.filter((e) => e.name === 'call:state').at(-1)?.payload.call;
const participantsSeen = (client: Collected) =>
  client.events.filter((e) => e.name === 'call:state').at(-1)?.payload.call?.participants.length;

describe.skipIf(lacks('postgres', 'redis'))('calls over two instances', () => {
  it('keeps one call state and relays signals across instances, to sockets and event streams', async () => {
    const a = await startServer(clusterEnv());
    const b = await startServer(clusterEnv());
    const { room, ada, grace } = await roomAcross(a, b);
    const linus = await join(b, room, 'Linus');
    const onA = await connectWithState(a, ada.token);
    const onB = await connectWithState(b, grace.token);
    const stream = openEvents(b, room.id, linus.token);
    await stream.opened;

    expect(await emitAck(onA.socket, 'call:join', { audio: true, video: true })).toMatchObject({
      ok: true,
    });
    await waitFor(() => participantsSeen(onB) === 1, 5000, 'call:state on B');
    // A member connecting to B now sees the call A started.
    const late = await connectWithState(b, grace.token);
    expect(late.state.call.participants.map((p: { memberId: string }) => p.memberId)).toEqual([
      ada.member.id,
    ]);
    await emitAck(onB.socket, 'call:join', { audio: true, video: true });
    const joined = await api(b, 'POST', `/api/rooms/${room.id}/call/join`, {
      token: linus.token,
      body: { audio: true, video: false },
    });
    expect(joined.body.call.participants).toHaveLength(3);
    await waitFor(() => participantsSeen(onA) === 3, 5000, 'three on A');

    await emitAck(onA.socket, 'signal', { to: grace.member.id, type: 'offer', data: offer });
    await emitAck(onA.socket, 'signal', { to: linus.member.id, type: 'offer', data: offer });
    await waitFor(() => signalsTo(onB).length > 0, 5000, 'the signal on B');
    await waitFor(
      () => stream.events.find((e) => e.name === 'signal'),
      5000,
      'the signal on the stream',
    );
    const answered = await api(b, 'POST', `/api/rooms/${room.id}/signals`, {
      token: linus.token,
      body: { to: ada.member.id, type: 'answer', data: offer },
    });
    expect(answered.status).toBe(202);
    await waitFor(
      () => signalsTo(onA).find((s) => s.from === linus.member.id),
      5000,
      'answer on A',
    );
    await sleep(100);
    // Each heard only what was addressed to them, once.
    expect(signalsTo(onB)).toEqual([{ from: ada.member.id, type: 'offer', data: offer }]);
    expect(signalsTo(late)).toEqual([{ from: ada.member.id, type: 'offer', data: offer }]);
    expect(stream.events.filter((e) => e.name === 'signal').map((e) => e.data)).toEqual([
      { from: ada.member.id, type: 'offer', data: offer },
    ]);
    expect(signalsTo(onA)).toEqual([{ from: linus.member.id, type: 'answer', data: offer }]);

    // Leaving on A: B's participants get the hangup and the state.
    await emitAck(onA.socket, 'call:leave', {});
    await waitFor(() => signalsTo(onB).find((s) => s.type === 'hangup'), 5000, 'hangup on B');
    await waitFor(() => participantsSeen(onB) === 2, 5000, 'two left');
  });

  it('gives a full call’s last place to one of two members racing on different instances', async () => {
    const a = await startServer(clusterEnv());
    const b = await startServer(clusterEnv());
    const { room, ada, grace } = await roomAcross(a, b);
    const others = [
      await join(a, room, 'Linus'),
      await join(b, room, 'Ken'),
      await join(a, room, 'Barbara'),
    ];
    for (const [i, member] of [ada, grace, others[0]!].entries()) {
      const response = await api(i % 2 === 0 ? a : b, 'POST', `/api/rooms/${room.id}/call/join`, {
        token: member.token,
        body: { audio: true, video: true },
      });
      expect(response.status).toBe(200);
    }
    const race = await Promise.all(
      [others[1]!, others[2]!].map((member, i) =>
        api(i === 0 ? b : a, 'POST', `/api/rooms/${room.id}/call/join`, {
          token: member.token,
          body: { audio: true, video: true },
        }),
      ),
    );
    expect(race.map((r) => r.status).sort()).toEqual([200, 403]);
    const seen = await api(a, 'GET', `/api/rooms/${room.id}/call`, { token: ada.token });
    expect(seen.body.call.participants).toHaveLength(4);
  });

  it('replays no signal to a socket recovered from the stream the instances share', async () => {
    const a = await startServer(clusterEnv());
    const b = await startServer(clusterEnv());
    const { ada, grace } = await roomAcross(a, b);
    const onA = await connectWithState(a, ada.token);
    const onB = await connectWith(b, { auth: { token: grace.token } });
    await waitFor(() => onB.events.find((e) => e.name === 'room:state'));
    await emitAck(onA.socket, 'call:join', { audio: true, video: false });
    await emitAck(onB.socket, 'call:join', { audio: true, video: false });

    await dropConnection(onB);
    await emitAck(onA.socket, 'signal', { to: grace.member.id, type: 'offer', data: offer });
    await emitAck(onA.socket, 'message:send', { body: 'while away' });
    await reconnectSocket(onB);
    expect(onB.socket.recovered).toBe(true);
    await waitFor(() =>
      onB.events.find((e) => e.name === 'message:new' && e.payload.message.body === 'while away'),
    );
    await sleep(100);
    expect(signalsTo(onB)).toEqual([]);
  });
});

describe.skipIf(lacks('postgres', 'redis', 'janus'))(
  'calls through Janus over two instances',
  () => {
    it('answers a participant through the instance holding its handles, whichever instance its signal reaches', async () => {
      const janus = await startJanus();
      const sfu = { CALLS_SFU: `janus:${janus}`, JANUS_API_SECRET, CALLS_MESH_VIDEO_MAX: '2' };
      const a = await startServer({ ...clusterEnv(), ...sfu });
      const b = await startServer({ ...clusterEnv(), ...sfu });
      const { room, ada, grace } = await roomAcross(a, b);
      const linus = await join(b, room, 'Linus');
      const onA = await connectWithState(a, ada.token);
      const members = [
        onA,
        await connectWithState(b, grace.token),
        await connectWithState(b, linus.token),
      ];
      for (const client of members)
        expect(
          await emitAck(client.socket, 'call:join', { audio: true, video: true }),
        ).toMatchObject({
          ok: true,
        });
      await waitFor(() => members.every((c) => callSeen(c)?.topology === 'sfu'), 5000, 'the SFU');

      const answersTo = (client: Collected) =>
        signalsTo(client).filter((s) => s.from === 'sfu:publish' && s.type === 'answer');
      // Ada's offer through A: A opens her handles in Janus and answers.
      const publish = { to: 'sfu:publish', type: 'offer', data: { sdp: publisherOffer() } };
      expect(await emitAck(onA.socket, 'signal', publish)).toMatchObject({ ok: true });
      await waitFor(() => answersTo(onA).length === 1, 10_000, 'Janus’s answer through A');
      // Her candidate and a new offer through B: B finds her handles with the call and passes them
      // on; Janus's answer comes to A's session, and from there to Ada.
      const candidate = await api(b, 'POST', `/api/rooms/${room.id}/signals`, {
        token: ada.token,
        body: { to: 'sfu:publish', type: 'ice-candidate', data: { candidate: '' } },
      });
      expect(candidate.status).toBe(202);
      const again = await api(b, 'POST', `/api/rooms/${room.id}/signals`, {
        token: ada.token,
        body: publish,
      });
      expect(again.status).toBe(202);
      await waitFor(() => answersTo(onA).length === 2, 10_000, 'the second answer, through B');
      // Grace's offer through B: answered on B.
      expect(await emitAck(members[1]!.socket, 'signal', publish)).toMatchObject({ ok: true });
      await waitFor(() => answersTo(members[1]!).length === 1, 10_000, 'Janus’s answer through B');
      expect(answersTo(members[2]!)).toEqual([]);

      // A stops, and its session in Janus with it. Ada, now on B, is told to start over the
      // moment a signal of hers finds her old handles gone, and her new offer is answered on B.
      await a.close();
      const onB = await connectWithState(b, ada.token);
      const candidateAgain = await emitAck(onB.socket, 'signal', {
        to: 'sfu:publish',
        type: 'ice-candidate',
        data: { candidate: '' },
      });
      expect(candidateAgain).toMatchObject({ ok: true });
      const startOver = await waitFor(() =>
        signalsTo(onB).find((s) => s.from === 'sfu:publish' && s.type === 'hangup'),
      );
      expect(startOver.data).toEqual({ reason: 'restart' });
      expect(await emitAck(onB.socket, 'signal', publish)).toMatchObject({ ok: true });
      await waitFor(() => answersTo(onB).length === 1, 10_000, 'an answer on B');
    });
  },
);
