import { describe, expect, it } from 'vitest';
import { api, connectWithState, emitAck, roomWith, startServer, waitFor } from './helpers.js';

describe('smoke', () => {
  it('two members chat over sockets', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [any, any];
    const a = await connectWithState(server, ada.token);
    const g = await connectWithState(server, grace.token);
    expect(a.state.room.id).toBe(room.id);
    const ack = await emitAck(a.socket, 'message:send', { body: 'hello', clientMsgId: 'x1' });
    expect(ack.ok).toBe(true);
    const got = await waitFor(() =>
      g.events.find((e) => e.name === 'message:new' && e.payload.message.body === 'hello'),
    );
    expect(got.payload.message.sender.displayName).toBe('Ada');
    const res = await api(server, 'GET', `/api/rooms/${room.id}`, { token: grace.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-system-status')).toBe('ok');
  });
});
