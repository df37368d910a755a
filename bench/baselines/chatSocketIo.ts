/**
 * The bare baseline for Roomkit's chat: node:http + Socket.IO with default options, speaking the
 * same events as Roomkit (docs/api.md, "Realtime: Socket.IO") and nothing more. A socket joins the
 * room its handshake names (`auth: { room, name }`, no token, no check); `message:send
 * { body, clientMsgId? }` is acked `{ ok, message }` and sent to the whole room, sender included,
 * as `message:new { message }`. The message has Roomkit's shape — a random id, the room's next
 * seq, the sender, an ISO `createdAt` — so both servers put the same bytes on the wire; it is
 * not validated beyond `body` being a string, not stored, not rate-limited, and a reconnecting
 * socket gets nothing back.
 */
import { randomFillSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

interface Sender {
  id: string;
  displayName: string;
  role: 'member';
}

interface ChatMessage {
  id: string;
  roomId: string;
  seq: number;
  type: 'text';
  body: string;
  sender: Sender;
  createdAt: string;
  clientMsgId?: string;
}

type Ack = (reply: { ok: true; message: ChatMessage } | { ok: false; error: object }) => void;

/** As Roomkit's ids (src/server/core/ids.ts): 16 random bytes, base64url, from a pool. */
const pool = Buffer.alloc(4096);
let used = pool.length;
function randomId(): string {
  if (used + 16 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += 16;
  return pool.toString('base64url', used - 16, used);
}

/** Starts the server on 127.0.0.1 and a free port. */
export async function startChatSocketIo(): Promise<{ port: number; close(): Promise<void> }> {
  const http = createServer((_request, response) => response.writeHead(404).end());
  const io = new Server(http, { serveClient: false });
  // The only state the contract needs: each room's last seq.
  const lastSeq = new Map<string, number>();
  io.on('connection', (socket) => {
    const { room, name } = socket.handshake.auth as { room?: unknown; name?: unknown };
    if (typeof room !== 'string') {
      socket.disconnect(true);
      return;
    }
    const sender: Sender = {
      id: randomId(),
      displayName: typeof name === 'string' ? name : 'Member',
      role: 'member',
    };
    void socket.join(room);
    socket.on('message:send', (payload: { body?: unknown; clientMsgId?: unknown }, ack: Ack) => {
      if (typeof ack !== 'function') return;
      if (typeof payload?.body !== 'string') {
        ack({ ok: false, error: { code: 'invalid_request', message: 'body must be a string' } });
        return;
      }
      const seq = (lastSeq.get(room) ?? 0) + 1;
      lastSeq.set(room, seq);
      const message: ChatMessage = {
        id: randomId(),
        roomId: room,
        seq,
        type: 'text',
        body: payload.body,
        sender,
        createdAt: new Date().toISOString(),
      };
      if (typeof payload.clientMsgId === 'string') message.clientMsgId = payload.clientMsgId;
      io.to(room).emit('message:new', { message });
      ack({ ok: true, message });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    port: (http.address() as AddressInfo).port,
    close: async () => {
      await io.close();
    },
  };
}
