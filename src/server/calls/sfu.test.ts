/**
 * Calls past the mesh size through Debian's real Janus (`CALLS_SFU`), with real socket clients:
 * the call moves onto the SFU with its fifth video participant (or a screen shared among three)
 * and back when small again; a participant's offer to `sfu:publish` is answered by Janus through
 * Roomkit; only participants reach the SFU; a Janus that is down refuses the move clearly.
 */
import { describe, expect, it } from 'vitest';
import { SFU_MAX_PARTICIPANTS, SFU_PUBLISH, SFU_SUBSCRIBE } from '../../protocol/calls.js';
import {
  connectWithState,
  emitAck,
  freePort,
  onCleanup,
  roomWith,
  startServer,
  waitFor,
  type Collected,
  type TestServer,
} from '../../../test/helpers.js';
import { launchJanus } from '../../../test/janus.js';
import { JANUS_API_SECRET, startJanus } from '../../../test/janusTest.js';
import { lacks, programPath } from '../../../test/requirements.js';
import { publisherOffer } from '../../../test/sdp.js';

async function sfuServer(janusUrl: string): Promise<TestServer> {
  return startServer({ CALLS_SFU: `janus:${janusUrl}`, JANUS_API_SECRET });
}

async function callOf(server: TestServer, count: number) {
  const names = Array.from({ length: count }, (_, i) => `P${i + 1}`);
  const { room, members } = await roomWith(server, ...names);
  const clients = await Promise.all(members.map((m) => connectWithState(server, m.token)));
  return { room, members, clients };
}

const join = (client: Collected, media = { audio: true, video: true }) =>
  emitAck(client.socket, 'call:join', media);

function lastCall(client: Collected) {
  return client.events.filter((e) => e.name === 'call:state').at(-1)?.payload.call;
}

/** A participant's first offer to the SFU, as the web client makes one. */
const publishOffer = { to: SFU_PUBLISH, type: 'offer', data: { sdp: publisherOffer() } };
const endOfCandidates = { to: SFU_PUBLISH, type: 'ice-candidate', data: { candidate: '' } };

const signal = (client: Collected, body: object) => emitAck(client.socket, 'signal', body);

const signalsFrom = (client: Collected, from: string) =>
  client.events.filter((e) => e.name === 'signal' && e.payload.from === from);

describe.skipIf(lacks('janus'))('calls through Janus', { timeout: 60_000 }, () => {
  it('move onto the SFU with the fifth video participant, where Janus answers offers, and back when small', async () => {
    const server = await sfuServer(await startJanus());
    const { clients } = await callOf(server, 6);
    const [first, , , , fifth, outsider] = clients as Collected[];
    for (const client of clients.slice(0, 4))
      expect(await join(client)).toMatchObject({ ok: true });
    expect(lastCall(outsider!)).toMatchObject({ topology: 'mesh' });
    // In a mesh, there is no SFU to signal.
    expect(await signal(first!, publishOffer)).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });

    const joined = await join(fifth!);
    expect(joined).toMatchObject({ ok: true, call: { topology: 'sfu' } });
    expect(Object.keys(joined.call).sort()).toEqual(['participants', 'startedAt', 'topology']);
    await waitFor(() => lastCall(outsider!)?.topology === 'sfu');

    // Each participant's offer reaches Janus as a publisher; its answer comes back from the SFU.
    for (const client of [first!, fifth!]) {
      const sent = await signal(client, publishOffer);
      expect(sent).toMatchObject({ ok: true });
      const answer = await waitFor(() => signalsFrom(client, SFU_PUBLISH)[0]);
      expect(answer.payload).toMatchObject({ type: 'answer', data: { sdp: expect.any(String) } });
      expect(answer.payload.data.sdp).toContain('a=recvonly');
      const candidate = await signal(client, endOfCandidates);
      expect(candidate).toMatchObject({ ok: true });
    }
    // Nobody else heard those answers.
    expect(signalsFrom(outsider!, SFU_PUBLISH)).toEqual([]);
    expect(signalsFrom(clients[1]!, SFU_PUBLISH)).toEqual([]);
    // A member outside the call does not reach the SFU.
    expect(await signal(outsider!, publishOffer)).toMatchObject({
      ok: false,
      error: { code: 'forbidden', details: { reason: 'not_in_call' } },
    });
    // Nothing is received before others publish; the receiving side has nothing to answer yet.
    const answer = { to: SFU_SUBSCRIBE, type: 'answer', data: { sdp: publisherOffer() } };
    expect(await signal(first!, answer)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    // A candidate before an offer has no connection to go to.
    expect(await signal(clients[1]!, endOfCandidates)).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });

    // Four again: back to the mesh, and the SFU is gone.
    expect(await emitAck(fifth!.socket, 'call:leave', {})).toMatchObject({ ok: true });
    await waitFor(() => lastCall(outsider!)?.topology === 'mesh');
    expect(await signal(first!, publishOffer)).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });

  it('carry a screen shared among three through the SFU, and a call of two stays a mesh', async () => {
    const server = await sfuServer(await startJanus());
    const { clients } = await callOf(server, 3);
    const [a, b, c] = clients as unknown as [Collected, Collected, Collected];
    await join(a);
    await join(b);
    expect(await emitAck(a.socket, 'call:update', { screen: true })).toMatchObject({
      ok: true,
      call: { topology: 'mesh' },
    });
    expect(await join(c)).toMatchObject({ ok: true, call: { topology: 'sfu' } });
    expect(await emitAck(a.socket, 'call:update', { screen: false })).toMatchObject({
      ok: true,
      call: { topology: 'mesh' },
    });
  });

  it('move sooner when the operator makes the mesh smaller (CALLS_MESH_VIDEO_MAX)', async () => {
    const server = await startServer({
      CALLS_SFU: `janus:${await startJanus()}`,
      JANUS_API_SECRET,
      CALLS_MESH_VIDEO_MAX: '2',
    });
    const { clients } = await callOf(server, 3);
    expect(await join(clients[0]!)).toMatchObject({ ok: true, call: { topology: 'mesh' } });
    expect(await join(clients[1]!)).toMatchObject({ ok: true, call: { topology: 'mesh' } });
    expect(await join(clients[2]!)).toMatchObject({ ok: true, call: { topology: 'sfu' } });
    // With everyone's camera off the call fits an audio-only mesh again.
    const acks = [];
    for (const client of clients)
      acks.push(await emitAck(client.socket, 'call:update', { video: false }));
    expect(acks.at(-1)).toMatchObject({ ok: true, call: { topology: 'mesh' } });
    await waitFor(() => lastCall(clients[0]!)?.topology === 'mesh');
  });

  it(`holds up to ${SFU_MAX_PARTICIPANTS} people and refuses the next with a clear message`, async () => {
    const server = await sfuServer(await startJanus());
    const { clients } = await callOf(server, SFU_MAX_PARTICIPANTS + 1);
    const last = clients.pop()!;
    for (const client of clients) expect(await join(client)).toMatchObject({ ok: true });
    expect(lastCall(last)).toMatchObject({ topology: 'sfu' });
    expect(await join(last)).toMatchObject({
      ok: false,
      error: {
        code: 'forbidden',
        message: `This call is full: calls here hold up to ${SFU_MAX_PARTICIPANTS} people.`,
        details: { reason: 'call_full', limit: SFU_MAX_PARTICIPANTS },
      },
    });
  });

  it('start over in a new Janus room when Janus restarts mid-call', async () => {
    const port = await freePort();
    let janus = await launchJanus(port, programPath('janus'));
    onCleanup(() => janus.stop());
    const server = await startServer({
      CALLS_SFU: `janus:${janus.url}`,
      JANUS_API_SECRET,
      CALLS_MESH_VIDEO_MAX: '2',
    });
    const { clients } = await callOf(server, 3);
    for (const client of clients) await join(client);
    const ada = clients[0]!;
    const startOver = { to: SFU_PUBLISH, type: 'hangup', data: { reason: 'restart' } };
    const fromSfu = (type: string) =>
      signalsFrom(ada, SFU_PUBLISH).filter((e) => e.payload.type === type);
    expect(await signal(ada, publishOffer)).toMatchObject({ ok: true });
    await waitFor(() => fromSfu('answer').length === 1);

    janus.stop();
    janus = await launchJanus(port, programPath('janus'));
    // The server's session in Janus is gone: Ada is told to start over…
    const first = await waitFor(() => fromSfu('hangup')[0], 15_000, 'the first hangup');
    expect(first.payload.data).toEqual({ reason: 'restart' });
    // …and as her client does, she hangs up and offers again; the call's room is gone too, so
    // the call gets a new one and she is told to start over once more…
    expect(await signal(ada, startOver)).toMatchObject({ ok: true });
    expect(await signal(ada, publishOffer)).toMatchObject({ ok: true });
    await waitFor(() => fromSfu('hangup').length === 2, 10_000, 'the second hangup');
    // …after which her offer is answered in the new room.
    expect(await signal(ada, startOver)).toMatchObject({ ok: true });
    expect(await signal(ada, publishOffer)).toMatchObject({ ok: true });
    await waitFor(() => fromSfu('answer').length === 2, 10_000, 'an answer from the new room');
    expect(lastCall(ada)).toMatchObject({ topology: 'sfu' });
  });

  it('refuse the move with a clear error while Janus cannot be reached, and the mesh goes on', async () => {
    const server = await sfuServer(`http://127.0.0.1:${await freePort()}/janus`);
    const { clients } = await callOf(server, 5);
    for (const client of clients.slice(0, 4)) await join(client);
    expect(await join(clients[4]!)).toMatchObject({
      ok: false,
      error: { code: 'upstream_failed', message: 'The call server cannot be reached; try again.' },
    });
    expect(lastCall(clients[4]!)).toMatchObject({ topology: 'mesh' });
    expect(lastCall(clients[4]!).participants).toHaveLength(4);
  });
});
